//! EDNS Client Subnet (RFC 7871): parsing and validating the option a resolver sends, choosing the
//! address to locate, masking, and encoding the option echoed in the response. Pure functions on
//! bytes; nothing allocates.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// EDNS option code of Client Subnet (RFC 7871 §6).
pub const CLIENT_SUBNET_OPTION_CODE: u16 = 8;
/// Longest option data: FAMILY (2), SOURCE and SCOPE PREFIX-LENGTH (2), a whole IPv6 address.
pub const MAX_CLIENT_SUBNET_LEN: usize = 4 + 16;

/// FAMILY values (IANA Address Family Numbers).
const FAMILY_UNSPECIFIED: u16 = 0;
const FAMILY_IPV4: u16 = 1;
const FAMILY_IPV6: u16 = 2;

/// A valid Client Subnet option from a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSubnet {
    /// The address, with every bit beyond `source_prefix` zero. `0.0.0.0` when `family` is 0.
    pub address: IpAddr,
    /// SOURCE PREFIX-LENGTH: how many leading bits of `address` the resolver disclosed.
    /// 0 means "do not use my address" (RFC 7871 §7.1.2).
    pub source_prefix: u8,
    /// SCOPE PREFIX-LENGTH: 0 in a valid query; the prefix the answer covers in a response.
    pub scope_prefix: u8,
    /// FAMILY as received: 1 (IPv4) or 2 (IPv6), or 0 for an option without address bits as
    /// `dig +subnet=0` sends it. Echoed unchanged (RFC 7871 §7.2.1).
    pub family: u16,
}

impl ClientSubnet {
    /// The subnet `address`/`source_prefix` (the prefix is capped at the family's width and the
    /// address masked to it), with scope 0 as in a query.
    pub fn new(address: IpAddr, source_prefix: u8) -> ClientSubnet {
        let source_prefix = source_prefix.min(max_prefix(address));
        ClientSubnet {
            address: mask_address(address, source_prefix),
            source_prefix,
            scope_prefix: 0,
            family: if address.is_ipv4() {
                FAMILY_IPV4
            } else {
                FAMILY_IPV6
            },
        }
    }
}

/// Why a Client Subnet option is malformed; the answer path turns every one into FORMERR
/// (RFC 7871 §7.2.1: "Requests with wrongly formatted options (i.e., bad FAMILY) MUST be
/// rejected and a FORMERR response MUST be returned to the sender").
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    #[error("client subnet option is {0} bytes, shorter than its 4-byte header")]
    Truncated(usize),
    #[error("client subnet FAMILY {0} is not 1 (IPv4) or 2 (IPv6)")]
    UnknownFamily(u16),
    #[error("client subnet FAMILY 0 carries SOURCE PREFIX-LENGTH {0}; only 0 is meaningful")]
    PrefixWithoutFamily(u8),
    #[error("client subnet SOURCE PREFIX-LENGTH {source_prefix} exceeds {max} for its family")]
    SourcePrefixTooLong { source_prefix: u8, max: u8 },
    #[error(
        "client subnet ADDRESS is {actual} bytes; SOURCE PREFIX-LENGTH {source_prefix} needs {expected}"
    )]
    AddressLength {
        source_prefix: u8,
        expected: usize,
        actual: usize,
    },
    #[error("client subnet ADDRESS has bits set beyond SOURCE PREFIX-LENGTH {0}")]
    BitsBeyondPrefix(u8),
    #[error("client subnet SCOPE PREFIX-LENGTH is {0} in a query; it must be 0")]
    ScopeInQuery(u8),
}

/// Parses and validates the DATA of a Client Subnet option from a query (RFC 7871 §6).
///
/// Rejected, each as FORMERR:
/// - FAMILY other than 1 or 2. FAMILY 0 is accepted only with SOURCE PREFIX-LENGTH 0 and no
///   ADDRESS: that is what `dig +subnet=0` sends, and BIND accepts it the same way.
/// - SOURCE PREFIX-LENGTH over 32 (IPv4) or 128 (IPv6).
/// - ADDRESS not exactly ceil(SOURCE PREFIX-LENGTH / 8) bytes, or with a bit set beyond SOURCE
///   PREFIX-LENGTH (§6: such an option "SHOULD return FORMERR to reject the packet, as a signal
///   to the software developer making the request to fix their implementation").
/// - SCOPE PREFIX-LENGTH other than 0: §6 says "In queries, it MUST be set to 0"; like BIND and
///   Knot Resolver we reject a query that breaks this rather than guess what it meant.
///
/// SOURCE PREFIX-LENGTH 0 with FAMILY 1 or 2 is valid: the resolver asks that no client address
/// be used (§7.1.2).
pub fn parse_client_subnet(option_data: &[u8]) -> Result<ClientSubnet, EcsError> {
    let &[
        family_high,
        family_low,
        source_prefix,
        scope_prefix,
        ref address_bytes @ ..,
    ] = option_data
    else {
        return Err(EcsError::Truncated(option_data.len()));
    };
    let family = u16::from_be_bytes([family_high, family_low]);
    let max = match family {
        FAMILY_IPV4 => 32,
        FAMILY_IPV6 => 128,
        FAMILY_UNSPECIFIED if source_prefix != 0 => {
            return Err(EcsError::PrefixWithoutFamily(source_prefix));
        }
        FAMILY_UNSPECIFIED => 0,
        other => return Err(EcsError::UnknownFamily(other)),
    };
    if source_prefix > max {
        return Err(EcsError::SourcePrefixTooLong { source_prefix, max });
    }
    let expected = prefix_bytes(source_prefix);
    if address_bytes.len() != expected {
        return Err(EcsError::AddressLength {
            source_prefix,
            expected,
            actual: address_bytes.len(),
        });
    }
    if scope_prefix != 0 {
        return Err(EcsError::ScopeInQuery(scope_prefix));
    }
    let mut full = [0u8; 16];
    full[..expected].copy_from_slice(address_bytes);
    let address = if family == FAMILY_IPV6 {
        IpAddr::V6(Ipv6Addr::from(full))
    } else {
        IpAddr::V4(Ipv4Addr::new(full[0], full[1], full[2], full[3]))
    };
    if mask_address(address, source_prefix) != address {
        return Err(EcsError::BitsBeyondPrefix(source_prefix));
    }
    Ok(ClientSubnet {
        address,
        source_prefix,
        scope_prefix,
        family,
    })
}

/// Writes the DATA of the Client Subnet option for the response into `out` and returns its
/// length: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as in the query (RFC 7871 §7.2.1), and
/// SCOPE PREFIX-LENGTH = `scope_prefix` capped at the source prefix (our answers never claim
/// more than the resolver disclosed). The address is truncated to ceil(source / 8) bytes and
/// masked. Returns 0 and writes nothing when `out` is too short; [`MAX_CLIENT_SUBNET_LEN`]
/// bytes always suffice.
pub fn encode_client_subnet(subnet: &ClientSubnet, scope_prefix: u8, out: &mut [u8]) -> usize {
    let (family, source_prefix) = if subnet.family == FAMILY_UNSPECIFIED {
        (FAMILY_UNSPECIFIED, 0)
    } else {
        let family = if subnet.address.is_ipv4() {
            FAMILY_IPV4
        } else {
            FAMILY_IPV6
        };
        (family, subnet.source_prefix.min(max_prefix(subnet.address)))
    };
    let address_len = prefix_bytes(source_prefix);
    let len = 4 + address_len;
    let Some(out) = out.get_mut(..len) else {
        return 0;
    };
    out[..2].copy_from_slice(&family.to_be_bytes());
    out[2] = source_prefix;
    out[3] = scope_prefix.min(source_prefix);
    let masked = mask_address(subnet.address, source_prefix);
    let octets = match masked {
        IpAddr::V4(v4) => {
            let mut octets = [0u8; 16];
            octets[..4].copy_from_slice(&v4.octets());
            octets
        }
        IpAddr::V6(v6) => v6.octets(),
    };
    out[4..].copy_from_slice(&octets[..address_len]);
    len
}

/// The address to locate the client by: the ECS address when the query carries a subnet with
/// SOURCE PREFIX-LENGTH > 0, else the packet's source (an IPv4-mapped IPv6 source, as a
/// dual-stack socket reports IPv4 clients, becomes the IPv4 address). `None` when the query's
/// ECS has SOURCE PREFIX-LENGTH 0: the resolver asked that no client address be used, so the
/// answer comes from the default region with scope 0.
pub fn client_address(subnet: Option<&ClientSubnet>, packet_source: IpAddr) -> Option<IpAddr> {
    match subnet {
        Some(subnet) if subnet.source_prefix == 0 => None,
        Some(subnet) => Some(subnet.address),
        None => Some(packet_source.to_canonical()),
    }
}

/// `ip` with every bit after the first `prefix` bits cleared; a prefix at or beyond the
/// family's width leaves the address unchanged.
pub fn mask_address(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// 32 for IPv4, 128 for IPv6.
pub fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// ceil(prefix / 8): the ADDRESS bytes a prefix needs.
fn prefix_bytes(prefix: u8) -> usize {
    usize::from(prefix).div_ceil(8)
}
