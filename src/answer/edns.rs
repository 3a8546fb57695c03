//! The OPT record of a response (RFC 6891), with NSID (RFC 5001), the echoed EDNS Client
//! Subnet option (RFC 7871), the COOKIE option (RFC 7873), the zone's EXPIRE timer (RFC 7314)
//! and an Extended DNS Error (RFC 8914).

use crate::cookies::REPLY_LEN;
use crate::wire::query::{OPTION_CLIENT_SUBNET, OPTION_COOKIE, OPTION_EXPIRE, OPTION_NSID};
use crate::wire::rtype;

/// EDNS option code of Extended DNS Error (RFC 8914 §2).
pub const OPTION_EDE: u16 = 15;

/// An Extended DNS Error: an INFO-CODE from IANA's registry and an EXTRA-TEXT for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ede {
    pub code: u16,
    pub text: &'static str,
}

impl Ede {
    /// INFO-CODE 0, Other: the text says what.
    pub const fn other(text: &'static str) -> Ede {
        Ede { code: 0, text }
    }
    /// INFO-CODE 20, Not Authoritative: REFUSED for a name outside our zones.
    pub const NOT_AUTHORITATIVE: Ede = Ede { code: 20, text: "" };
    /// INFO-CODE 22, No Reachable Authority: SERVFAIL for a secondary zone that expired
    /// because no primary answered. The zone walk sets it in [`super::Summary::ede`] together
    /// with rcode SERVFAIL; the OPT record carries it.
    pub const NO_REACHABLE_AUTHORITY: Ede = Ede { code: 22, text: "" };
    /// INFO-CODE 1, Unsupported DNSKEY Algorithm: the zone's key uses an algorithm the
    /// signer cannot sign with.
    pub const UNSUPPORTED_DNSKEY_ALGORITHM: Ede = Ede { code: 1, text: "" };
    /// INFO-CODE 7, Signature Expired: signatures could not be renewed in time.
    pub const SIGNATURE_EXPIRED: Ede = Ede { code: 7, text: "" };
    /// INFO-CODE 9, DNSKEY Missing: a key the zone is signed with cannot be read.
    pub const DNSKEY_MISSING: Ede = Ede { code: 9, text: "" };
    /// INFO-CODE 10, RRSIGs Missing: signing the answer's RRsets failed.
    pub const RRSIGS_MISSING: Ede = Ede { code: 10, text: "" };
    /// INFO-CODE 12, NSEC Missing: the denial of existence could not be built or signed.
    pub const NSEC_MISSING: Ede = Ede { code: 12, text: "" };
    /// FORMERR: the COOKIE option has a length no cookie has (RFC 7873 §5.2.2).
    pub const MALFORMED_COOKIE: Ede = Ede::other("malformed COOKIE option");
    /// FORMERR: the EDNS Client Subnet option breaks RFC 7871 §6.
    pub const MALFORMED_CLIENT_SUBNET: Ede = Ede::other("malformed ECS option");
    /// The truncated reply RRL sends instead of a limited response (as Knot Resolver does).
    pub const RATE_LIMITED: Ede = Ede::other("rate limited");
    /// A steered answer from the first datacenter although no target is healthy (shown only
    /// to `[server] trace_from`).
    pub const FAIL_OPEN: Ede = Ede::other("fail-open: no healthy target");
    /// A steered name answered with its zone file records (shown only to `trace_from`).
    pub const FALLBACK: Ede = Ede::other("fallback: zone records");

    /// Bytes of the option's data.
    pub fn data_len(&self) -> usize {
        2 + self.text.len()
    }

    /// The option's data: INFO-CODE then EXTRA-TEXT, into `out`; its length.
    pub fn encode_data(&self, out: &mut [u8]) -> usize {
        out[..2].copy_from_slice(&self.code.to_be_bytes());
        out[2..2 + self.text.len()].copy_from_slice(self.text.as_bytes());
        self.data_len()
    }
}

/// What goes into the response's OPT record.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseOpt<'a> {
    /// Our UDP payload size.
    pub payload: u16,
    /// Upper 8 bits of the extended rcode (1 for BADVERS).
    pub extended_rcode: u8,
    pub dnssec_ok: bool,
    pub nsid: Option<&'a [u8]>,
    /// Option data of the ECS option to echo (family, prefixes, address).
    pub client_subnet: Option<&'a [u8]>,
    /// Client cookie and our server cookie.
    pub cookie: Option<[u8; REPLY_LEN]>,
    /// The zone's expire timer in seconds, when asked for and the answer is from a zone.
    pub expire: Option<u32>,
    pub ede: Option<Ede>,
}

impl ResponseOpt<'_> {
    /// Bytes the record takes.
    pub fn len(&self) -> usize {
        11 + self.nsid.map_or(0, |n| 4 + n.len())
            + self.client_subnet.map_or(0, |c| 4 + c.len())
            + self.cookie.map_or(0, |_| 4 + REPLY_LEN)
            + self.expire.map_or(0, |_| 8)
            + self.ede.map_or(0, |e| 4 + e.data_len())
    }

    /// Never empty: an OPT record always has its fixed part.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Encodes the record into `out`, returning its length.
    pub fn encode(&self, out: &mut [u8]) -> usize {
        let len = self.len();
        if out.len() < len {
            return 0;
        }
        out[0] = 0;
        out[1..3].copy_from_slice(&rtype::OPT.to_be_bytes());
        out[3..5].copy_from_slice(&self.payload.to_be_bytes());
        let ttl = (u32::from(self.extended_rcode) << 24) | if self.dnssec_ok { 0x8000 } else { 0 };
        out[5..9].copy_from_slice(&ttl.to_be_bytes());
        out[9..11].copy_from_slice(&((len - 11) as u16).to_be_bytes());
        let mut pos = 11;
        let mut option = |code: u16, parts: [&[u8]; 2]| {
            let data_len = parts[0].len() + parts[1].len();
            out[pos..pos + 2].copy_from_slice(&code.to_be_bytes());
            out[pos + 2..pos + 4].copy_from_slice(&(data_len as u16).to_be_bytes());
            pos += 4;
            for part in parts {
                out[pos..pos + part.len()].copy_from_slice(part);
                pos += part.len();
            }
        };
        if let Some(nsid) = self.nsid {
            option(OPTION_NSID, [nsid, &[]]);
        }
        if let Some(subnet) = self.client_subnet {
            option(OPTION_CLIENT_SUBNET, [subnet, &[]]);
        }
        if let Some(cookie) = &self.cookie {
            option(OPTION_COOKIE, [cookie, &[]]);
        }
        if let Some(expire) = self.expire {
            option(OPTION_EXPIRE, [&expire.to_be_bytes(), &[]]);
        }
        if let Some(ede) = &self.ede {
            option(OPTION_EDE, [&ede.code.to_be_bytes(), ede.text.as_bytes()]);
        }
        len
    }
}
