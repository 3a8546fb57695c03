//! The COOKIE option on the answer path (RFC 7873, server cookies of RFC 9018): checked once
//! per query against the snapshot's secrets, and its reply (the client cookie and our server
//! cookie) carried by every response to a query that had one, errors included. The clock is
//! read only when a query carries the option.

use std::net::IpAddr;

use crate::cookies::{self, Outcome, REPLY_LEN, Verdict};
use crate::snapshot::Settings;
use crate::wire::query::Edns;

/// What the COOKIE option of one query asks of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CookieCheck {
    /// No option, or cookies turned off: the response has none either.
    Absent,
    /// A length no cookie has: FORMERR (RFC 7873 §5.2.2).
    Malformed,
    Present {
        /// The option data of the response.
        reply: [u8; REPLY_LEN],
        outcome: Outcome,
        /// `[cookies] require` and no valid server cookie: BADCOOKIE over UDP.
        refuse_udp: bool,
    },
}

impl CookieCheck {
    /// The response's option data, if it carries one.
    pub(super) fn reply(&self) -> Option<[u8; REPLY_LEN]> {
        match self {
            CookieCheck::Present { reply, .. } => Some(*reply),
            _ => None,
        }
    }

    /// What to count.
    pub(super) fn outcome(&self) -> Option<Outcome> {
        match self {
            CookieCheck::Absent => None,
            CookieCheck::Malformed => Some(Outcome::Malformed),
            CookieCheck::Present { outcome, .. } => Some(*outcome),
        }
    }
}

/// Checks the COOKIE option of `edns` from `client`.
#[inline]
pub(super) fn check(settings: &Settings, edns: Option<&Edns<'_>>, client: IpAddr) -> CookieCheck {
    let (Some(config), Some(option)) = (&settings.cookies, edns.and_then(|e| e.cookie)) else {
        return CookieCheck::Absent;
    };
    check_option(config, option, client)
}

fn check_option(
    config: &crate::snapshot::CookieSettings,
    option: &[u8],
    client: IpAddr,
) -> CookieCheck {
    if cookies::validate(option).is_err() {
        return CookieCheck::Malformed;
    }
    let now = cookies::now();
    let verdict = config.secrets.check(option, client, now);
    CookieCheck::Present {
        reply: config.secrets.reply(option, verdict, client, now),
        outcome: verdict.into(),
        refuse_udp: config.require && !matches!(verdict, Verdict::Valid { .. }),
    }
}
