//! The OPT record of a response (RFC 6891), with NSID (RFC 5001) and the echoed EDNS Client
//! Subnet option (RFC 7871).

use crate::wire::query::{OPTION_CLIENT_SUBNET, OPTION_NSID};
use crate::wire::rtype;

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
}

impl ResponseOpt<'_> {
    /// Bytes the record takes.
    pub fn len(&self) -> usize {
        11 + self.nsid.map_or(0, |n| 4 + n.len()) + self.client_subnet.map_or(0, |c| 4 + c.len())
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
        for (code, data) in [
            (OPTION_NSID, self.nsid),
            (OPTION_CLIENT_SUBNET, self.client_subnet),
        ] {
            if let Some(data) = data {
                out[pos..pos + 2].copy_from_slice(&code.to_be_bytes());
                out[pos + 2..pos + 4].copy_from_slice(&(data.len() as u16).to_be_bytes());
                out[pos + 4..pos + 4 + data.len()].copy_from_slice(data);
                pos += 4 + data.len();
            }
        }
        len
    }
}
