//! The OPT record of a response (RFC 6891), with NSID (RFC 5001), the echoed EDNS Client
//! Subnet option (RFC 7871), the COOKIE option (RFC 7873) and an Extended DNS Error (RFC 8914).

use crate::cookies::{OPTION_COOKIE, REPLY_LEN};
use crate::wire::query::{OPTION_CLIENT_SUBNET, OPTION_NSID};
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
    /// INFO-CODE 22, No Reachable Authority: a secondary zone expired.
    pub const NO_REACHABLE_AUTHORITY: Ede = Ede { code: 22, text: "" };

    fn len(&self) -> usize {
        2 + self.text.len()
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
    pub ede: Option<Ede>,
}

impl ResponseOpt<'_> {
    /// Bytes the record takes.
    pub fn len(&self) -> usize {
        11 + self.nsid.map_or(0, |n| 4 + n.len())
            + self.client_subnet.map_or(0, |c| 4 + c.len())
            + self.cookie.map_or(0, |_| 4 + REPLY_LEN)
            + self.ede.map_or(0, |e| 4 + e.len())
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
        if let Some(ede) = &self.ede {
            option(OPTION_EDE, [&ede.code.to_be_bytes(), ede.text.as_bytes()]);
        }
        len
    }
}
