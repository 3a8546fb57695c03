//! The one description of each known type's rdata: its fields in wire order. The presentation
//! parser (`rdata/`), the wire-to-text decoder (`text/`) and the check of RFC 3597 `\#` rdata
//! (which is the decoder) all walk these lists, so a type's layout is written once.

use crate::wire::rtype::*;

/// One field of rdata: how it is written in a zone file and on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// Decimal numbers of 8, 16 and 32 bits.
    U8,
    U16,
    U32,
    /// A 32-bit number of seconds, TTL units allowed in text (`1h30m`): SOA timers.
    Duration,
    /// A domain name, uncompressed; relative names completed with the origin.
    Name,
    Ipv4,
    Ipv6,
    /// One `<character-string>`: a length byte and up to 255 bytes.
    String,
    /// One or more character strings up to the end; longer text is split at 255 bytes (TXT).
    Strings,
    /// The rest of the rdata as one string without a length byte, not empty (URI target).
    UriTarget,
    /// A CAA tag (length byte, letters and digits) and the CAA value (the rest, may be empty).
    CaaTag,
    CaaValue,
    /// A DNSSEC algorithm number or mnemonic (`ECDSAP256SHA256`).
    Algorithm,
    /// A CERT certificate type number or mnemonic (`PKIX`), 16 bits.
    CertType,
    /// A record type mnemonic or `TYPEnnn`, 16 bits (RRSIG type covered, DSYNC type).
    RrType,
    /// The DSYNC scheme: a number or `NOTIFY`.
    DsyncScheme,
    /// An RRSIG time: `YYYYMMDDHHmmSS` (UTC) or seconds since 1970 (RFC 4034 §3.2).
    Time,
    /// An NSEC3 salt: length byte and bytes, written in hex or `-` for none.
    Salt,
    /// An NSEC3 next hashed owner: length byte and bytes, written in base32hex.
    Hash,
    /// A type bitmap up to the end, written as a list of types; may be empty.
    Bitmap,
    /// Hex or base64 up to the end, at least one byte; in text it may be split into words.
    Hex,
    Base64,
    /// EUI-48 and EUI-64 addresses: `00-00-5e-00-53-2a`.
    Eui48,
    Eui64,
    /// A 64-bit ILNP locator or node id: `2001:0db8:0000:0001` (RFC 6742).
    Locator64,
    /// APL items up to the end (`1:192.0.2.0/24 !2:2001:db8::/32`); may be empty (RFC 3123).
    Apl,
    /// IPSECKEY after the precedence: gateway type, algorithm, gateway, public key (RFC 4025).
    IpsecKey,
    /// The whole of a LOC record (RFC 1876).
    Loc,
    /// SVCB/HTTPS SvcParams up to the end (RFC 9460); may be empty.
    SvcParams,
}

/// A field and what it is called in error messages (`missing MX exchange`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub field: Field,
    pub what: &'static str,
}

const fn item(field: Field, what: &'static str) -> Item {
    Item { field, what }
}

use Field::*;

const NAME_SERVER: &[Item] = &[item(Name, "NS name server")];
const CNAME_TARGET: &[Item] = &[item(Name, "CNAME target")];
const DNAME_TARGET: &[Item] = &[item(Name, "DNAME target")];
const PTR_TARGET: &[Item] = &[item(Name, "PTR target")];
const A_LAYOUT: &[Item] = &[item(Ipv4, "IPv4 address")];
const AAAA_LAYOUT: &[Item] = &[item(Ipv6, "IPv6 address")];
const SOA_LAYOUT: &[Item] = &[
    item(Name, "SOA primary name server (MNAME)"),
    item(Name, "SOA mailbox (RNAME)"),
    item(U32, "SOA serial"),
    item(Duration, "SOA refresh"),
    item(Duration, "SOA retry"),
    item(Duration, "SOA expire"),
    item(Duration, "SOA minimum"),
];
const HINFO_LAYOUT: &[Item] = &[item(String, "HINFO CPU"), item(String, "HINFO OS")];
const MINFO_LAYOUT: &[Item] = &[
    item(Name, "MINFO responsible mailbox"),
    item(Name, "MINFO error mailbox"),
];
const MX_LAYOUT: &[Item] = &[item(U16, "MX preference"), item(Name, "MX exchange")];
const TEXT: &[Item] = &[item(Strings, "text")];
const RP_LAYOUT: &[Item] = &[item(Name, "RP mailbox"), item(Name, "RP TXT owner")];
const AFSDB_LAYOUT: &[Item] = &[item(U16, "AFSDB subtype"), item(Name, "AFSDB hostname")];
const RT_LAYOUT: &[Item] = &[
    item(U16, "RT preference"),
    item(Name, "RT intermediate host"),
];
const KEY_LAYOUT: &[Item] = &[
    item(U16, "KEY flags"),
    item(U8, "KEY protocol"),
    item(Algorithm, "KEY algorithm"),
    item(Base64, "KEY public key"),
];
const SRV_LAYOUT: &[Item] = &[
    item(U16, "SRV priority"),
    item(U16, "SRV weight"),
    item(U16, "SRV port"),
    item(Name, "SRV target"),
];
const NAPTR_LAYOUT: &[Item] = &[
    item(U16, "NAPTR order"),
    item(U16, "NAPTR preference"),
    item(String, "NAPTR flags"),
    item(String, "NAPTR services"),
    item(String, "NAPTR regexp"),
    item(Name, "NAPTR replacement"),
];
const KX_LAYOUT: &[Item] = &[item(U16, "KX preference"), item(Name, "KX exchanger")];
const CERT_LAYOUT: &[Item] = &[
    item(CertType, "CERT type"),
    item(U16, "CERT key tag"),
    item(Algorithm, "CERT algorithm"),
    item(Base64, "CERT certificate"),
];
const APL_LAYOUT: &[Item] = &[item(Apl, "APL item")];
const DS_LAYOUT: &[Item] = &[
    item(U16, "DS key tag"),
    item(Algorithm, "DS algorithm"),
    item(U8, "DS digest type"),
    item(Hex, "DS digest"),
];
const SSHFP_LAYOUT: &[Item] = &[
    item(U8, "SSHFP algorithm"),
    item(U8, "SSHFP fingerprint type"),
    item(Hex, "SSHFP fingerprint"),
];
const IPSECKEY_LAYOUT: &[Item] = &[
    item(U8, "IPSECKEY precedence"),
    item(IpsecKey, "IPSECKEY gateway"),
];
const RRSIG_LAYOUT: &[Item] = &[
    item(RrType, "RRSIG type covered"),
    item(Algorithm, "RRSIG algorithm"),
    item(U8, "RRSIG labels"),
    item(U32, "RRSIG original TTL"),
    item(Time, "RRSIG signature expiration"),
    item(Time, "RRSIG signature inception"),
    item(U16, "RRSIG key tag"),
    item(Name, "RRSIG signer's name"),
    item(Base64, "RRSIG signature"),
];
const NSEC_LAYOUT: &[Item] = &[
    item(Name, "NSEC next domain name"),
    item(Bitmap, "NSEC type"),
];
const DNSKEY_LAYOUT: &[Item] = &[
    item(U16, "DNSKEY flags"),
    item(U8, "DNSKEY protocol"),
    item(Algorithm, "DNSKEY algorithm"),
    item(Base64, "DNSKEY public key"),
];
const DHCID_LAYOUT: &[Item] = &[item(Base64, "DHCID digest")];
const NSEC3_LAYOUT: &[Item] = &[
    item(U8, "NSEC3 hash algorithm"),
    item(U8, "NSEC3 flags"),
    item(U16, "NSEC3 iterations"),
    item(Salt, "NSEC3 salt"),
    item(Hash, "NSEC3 next hashed owner name"),
    item(Bitmap, "NSEC3 type"),
];
const NSEC3PARAM_LAYOUT: &[Item] = &[
    item(U8, "NSEC3PARAM hash algorithm"),
    item(U8, "NSEC3PARAM flags"),
    item(U16, "NSEC3PARAM iterations"),
    item(Salt, "NSEC3PARAM salt"),
];
const TLSA_LAYOUT: &[Item] = &[
    item(U8, "certificate usage"),
    item(U8, "selector"),
    item(U8, "matching type"),
    item(Hex, "certificate association data"),
];
const OPENPGPKEY_LAYOUT: &[Item] = &[item(Base64, "OpenPGP key")];
const CSYNC_LAYOUT: &[Item] = &[
    item(U32, "CSYNC SOA serial"),
    item(U16, "CSYNC flags"),
    item(Bitmap, "CSYNC type"),
];
const ZONEMD_LAYOUT: &[Item] = &[
    item(U32, "ZONEMD serial"),
    item(U8, "ZONEMD scheme"),
    item(U8, "ZONEMD hash algorithm"),
    item(Hex, "ZONEMD digest"),
];
const SVCB_LAYOUT: &[Item] = &[
    item(U16, "SvcPriority"),
    item(Name, "SVCB target name"),
    item(SvcParams, "SvcParam"),
];
const DSYNC_LAYOUT: &[Item] = &[
    item(RrType, "DSYNC type"),
    item(DsyncScheme, "DSYNC scheme"),
    item(U16, "DSYNC port"),
    item(Name, "DSYNC target"),
];
const NID_LAYOUT: &[Item] = &[item(U16, "NID preference"), item(Locator64, "NID node id")];
const L32_LAYOUT: &[Item] = &[item(U16, "L32 preference"), item(Ipv4, "L32 locator")];
const L64_LAYOUT: &[Item] = &[item(U16, "L64 preference"), item(Locator64, "L64 locator")];
const LP_LAYOUT: &[Item] = &[item(U16, "LP preference"), item(Name, "LP pointer")];
const EUI48_LAYOUT: &[Item] = &[item(Eui48, "EUI-48 address")];
const EUI64_LAYOUT: &[Item] = &[item(Eui64, "EUI-64 address")];
const URI_LAYOUT: &[Item] = &[
    item(U16, "URI priority"),
    item(U16, "URI weight"),
    item(UriTarget, "URI target"),
];
const CAA_LAYOUT: &[Item] = &[
    item(U8, "CAA flags"),
    item(CaaTag, "CAA tag"),
    item(CaaValue, "CAA value"),
];
const LOC_LAYOUT: &[Item] = &[item(Loc, "LOC")];

/// The layout of `code`, or `None` for a type without a presentation format here (those are
/// written only as `\# LENGTH HEX`).
pub(crate) fn of(code: u16) -> Option<&'static [Item]> {
    Some(match code {
        A => A_LAYOUT,
        NS => NAME_SERVER,
        CNAME => CNAME_TARGET,
        SOA => SOA_LAYOUT,
        PTR => PTR_TARGET,
        HINFO => HINFO_LAYOUT,
        MINFO => MINFO_LAYOUT,
        MX => MX_LAYOUT,
        TXT | SPF | RESINFO | WALLET => TEXT,
        RP => RP_LAYOUT,
        AFSDB => AFSDB_LAYOUT,
        RT => RT_LAYOUT,
        KEY => KEY_LAYOUT,
        AAAA => AAAA_LAYOUT,
        LOC => LOC_LAYOUT,
        SRV => SRV_LAYOUT,
        NAPTR => NAPTR_LAYOUT,
        KX => KX_LAYOUT,
        CERT => CERT_LAYOUT,
        DNAME => DNAME_TARGET,
        APL => APL_LAYOUT,
        DS | CDS => DS_LAYOUT,
        SSHFP => SSHFP_LAYOUT,
        IPSECKEY => IPSECKEY_LAYOUT,
        RRSIG => RRSIG_LAYOUT,
        NSEC => NSEC_LAYOUT,
        DNSKEY | CDNSKEY => DNSKEY_LAYOUT,
        DHCID => DHCID_LAYOUT,
        NSEC3 => NSEC3_LAYOUT,
        NSEC3PARAM => NSEC3PARAM_LAYOUT,
        TLSA | SMIMEA => TLSA_LAYOUT,
        OPENPGPKEY => OPENPGPKEY_LAYOUT,
        CSYNC => CSYNC_LAYOUT,
        ZONEMD => ZONEMD_LAYOUT,
        SVCB | HTTPS => SVCB_LAYOUT,
        DSYNC => DSYNC_LAYOUT,
        NID => NID_LAYOUT,
        L32 => L32_LAYOUT,
        L64 => L64_LAYOUT,
        LP => LP_LAYOUT,
        EUI48 => EUI48_LAYOUT,
        EUI64 => EUI64_LAYOUT,
        URI => URI_LAYOUT,
        CAA => CAA_LAYOUT,
        _ => return None,
    })
}
