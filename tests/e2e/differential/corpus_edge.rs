//! The corpus beyond the name × type grid: EDNS variants, header flag variants, and malformed
//! or unusual packets.

use super::corpus::{Corpus, Transport, child, query};
use crate::support::{QueryBuilder, wire_name};

const BOTH: [Transport; 2] = [Transport::Udp, Transport::Tcp];

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Udp => "udp",
        Transport::Tcp => "tcp",
    }
}

/// Names whose answers are large, truncated, referrals or negative.
pub(super) const EDNS_NAMES: &[&str] = &[
    "example.com.",
    "www.example.com.",
    "example.net.",
    "big-txt.example.net.",
    "big-a.example.net.",
    "huge-txt.example.net.",
    "to-big.example.net.",
    "host.big-deleg.example.net.",
    "host.deleg.example.net.",
    "nx.example.net.",
    "many-mx.example.net.",
    "c1.example.net.",
];
const EDNS_TYPES: &[&str] = &["A", "TXT", "MX", "NS"];

/// An ECS option body: family, source prefix, scope prefix, address bytes.
fn ecs(family: u16, source: u8, scope: u8, address: &[u8]) -> Vec<u8> {
    let mut data = family.to_be_bytes().to_vec();
    data.push(source);
    data.push(scope);
    data.extend_from_slice(address);
    data
}

/// Each EDNS variant as a function of the plain query.
type Variant = (&'static str, fn(QueryBuilder) -> QueryBuilder);

const EDNS_VARIANTS: &[Variant] = &[
    ("payload 0", |q| q.edns(0)),
    ("payload 100", |q| q.edns(100)),
    ("payload 511", |q| q.edns(511)),
    ("payload 512", |q| q.edns(512)),
    ("payload 513", |q| q.edns(513)),
    ("payload 1232", |q| q.edns(1232)),
    ("payload 1400", |q| q.edns(1400)),
    ("payload 4096", |q| q.edns(4096)),
    ("payload 65535", |q| q.edns(65535)),
    ("DO payload 1232", |q| q.edns(1232).dnssec_ok()),
    ("DO payload 512", |q| q.edns(512).dnssec_ok()),
    ("NSID", |q| q.edns(1232).option(3, b"")),
    ("NSID with data", |q| q.edns(1232).option(3, b"abc")),
    ("unknown option", |q| q.edns(1232).option(65001, b"xyz")),
    ("NSID + unknown option", |q| {
        q.edns(4096).option(65001, b"").option(3, b"")
    }),
    ("padding option", |q| q.edns(1232).option(12, &[0; 16])),
    ("cookie option", |q| {
        q.edns(1232).option(10, &[1, 2, 3, 4, 5, 6, 7, 8])
    }),
    ("EDNS version 1", |q| q.edns(1232).edns_version(1)),
    ("EDNS version 1 DO NSID", |q| {
        q.edns(1232).edns_version(1).dnssec_ok().option(3, b"")
    }),
    ("EDNS version 255", |q| q.edns(4096).edns_version(255)),
    ("ECS 192.0.2.0/24", |q| {
        q.edns(1232).option(8, &ecs(1, 24, 0, &[192, 0, 2]))
    }),
    ("ECS 2001:db8::/56", |q| {
        q.edns(1232)
            .option(8, &ecs(2, 56, 0, &[0x20, 1, 0x0d, 0xb8, 0, 0, 0]))
    }),
    ("ECS 0.0.0.0/0", |q| {
        q.edns(1232).option(8, &ecs(1, 0, 0, &[]))
    }),
    ("ECS ::/0", |q| q.edns(1232).option(8, &ecs(2, 0, 0, &[]))),
    ("ECS 198.51.100.7/32 NSID", |q| {
        q.edns(1232)
            .option(8, &ecs(1, 32, 0, &[198, 51, 100, 7]))
            .option(3, b"")
    }),
    ("ECS with scope set", |q| {
        q.edns(1232).option(8, &ecs(1, 24, 16, &[192, 0, 2]))
    }),
    ("ECS address longer than prefix", |q| {
        q.edns(1232).option(8, &ecs(1, 16, 0, &[192, 0, 2]))
    }),
    ("ECS bits beyond prefix", |q| {
        q.edns(1232).option(8, &ecs(1, 20, 0, &[192, 0, 0xFF]))
    }),
    ("ECS family 3", |q| {
        q.edns(1232).option(8, &ecs(3, 8, 0, &[1]))
    }),
    ("ECS prefix 33", |q| {
        q.edns(1232).option(8, &ecs(1, 33, 0, &[1, 2, 3, 4, 5]))
    }),
    ("ECS twice", |q| {
        q.edns(1232)
            .option(8, &ecs(1, 24, 0, &[192, 0, 2]))
            .option(8, &ecs(1, 24, 0, &[192, 0, 2]))
    }),
    ("ECS empty", |q| q.edns(1232).option(8, &[])),
];

pub fn edns_variants(corpus: &mut Corpus) {
    for name in EDNS_NAMES {
        for qtype in EDNS_TYPES {
            for (variant, apply) in EDNS_VARIANTS {
                for transport in BOTH {
                    corpus.push(
                        format!("{name} {qtype} {} {variant}", transport_name(transport)),
                        apply(QueryBuilder::new(name, qtype)),
                        transport,
                    );
                }
            }
        }
    }
    // Malformed OPT records, written by hand after a plain question.
    for transport in BOTH {
        let t = transport_name(transport);
        let base = QueryBuilder::new("www.example.com.", "A")
            .id(0x0E01)
            .build();
        let opt = |class: u16, ttl: u32, rdata: &[u8]| {
            let mut o = vec![0, 0, 41];
            o.extend_from_slice(&class.to_be_bytes());
            o.extend_from_slice(&ttl.to_be_bytes());
            o.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            o.extend_from_slice(rdata);
            o
        };
        let with_additional = |records: &[Vec<u8>]| {
            let mut p = base.clone();
            p[11] = records.len() as u8;
            for r in records {
                p.extend_from_slice(r);
            }
            p
        };
        corpus.push_raw(
            &format!("two OPT records {t}"),
            with_additional(&[opt(1232, 0, &[]), opt(1232, 0, &[])]),
            transport,
        );
        let mut named = vec![3, b'f', b'o', b'o', 0, 0, 41];
        named.extend_from_slice(&opt(1232, 0, &[])[3..]);
        corpus.push_raw(
            &format!("OPT owner not root {t}"),
            with_additional(&[named]),
            transport,
        );
        corpus.push_raw(
            &format!("OPT option runs past rdata {t}"),
            with_additional(&[opt(1232, 0, &[0, 3, 0, 5, 1])]),
            transport,
        );
        corpus.push_raw(
            &format!("OPT option header cut short {t}"),
            with_additional(&[opt(1232, 0, &[0, 3])]),
            transport,
        );
        corpus.push_raw(
            &format!("OPT with Z flag bits {t}"),
            with_additional(&[opt(1232, 0x4000, &[])]),
            transport,
        );
        corpus.push_raw(
            &format!("OPT with extended rcode bits in query {t}"),
            with_additional(&[opt(1232, 0x0100_0000, &[])]),
            transport,
        );
    }
}

pub fn header_variants(corpus: &mut Corpus) {
    let variants: &[(&str, u16)] = &[
        ("RD clear", 0x0000),
        ("CD set", 0x0110),
        ("AD set", 0x0120),
        ("Z set", 0x0140),
        ("TC set", 0x0300),
        ("AA set", 0x0500),
        ("RA set", 0x0180),
        ("every flag", 0x07F0),
    ];
    for name in [
        "www.example.com.",
        "nx.example.net.",
        "host.deleg.example.net.",
        "c1.example.net.",
    ] {
        for (label, flags) in variants {
            for transport in BOTH {
                for edns in [false, true] {
                    let mut q = QueryBuilder::new(name, "A").flags(*flags);
                    if edns {
                        q = q.edns(1232);
                    }
                    corpus.push(
                        format!(
                            "{name} A {} {label}{}",
                            transport_name(transport),
                            if edns { " edns" } else { "" }
                        ),
                        q,
                        transport,
                    );
                }
            }
        }
    }
}

/// A well-formed query for `www.example.com. A` as bytes, to be broken.
fn plain(id: u16) -> Vec<u8> {
    QueryBuilder::new("www.example.com.", "A").id(id).build()
}

/// An encoded resource record.
fn record(owner: &[u8], rtype: u16, class: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut r = owner.to_vec();
    r.extend_from_slice(&rtype.to_be_bytes());
    r.extend_from_slice(&class.to_be_bytes());
    r.extend_from_slice(&ttl.to_be_bytes());
    r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    r.extend_from_slice(rdata);
    r
}

/// Sets the four section counts of a packet.
fn counts(mut p: Vec<u8>, qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
    for (i, c) in [qd, an, ns, ar].into_iter().enumerate() {
        p[4 + 2 * i..6 + 2 * i].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// A TSIG record with a made-up key (RFC 8945 §4.2).
fn tsig(id: u16) -> Vec<u8> {
    let mut rdata = wire_name("hmac-sha256.");
    rdata.extend_from_slice(&[0, 0, 0x69, 0x00, 0x00, 0x00]); // time signed
    rdata.extend_from_slice(&300u16.to_be_bytes()); // fudge
    rdata.extend_from_slice(&32u16.to_be_bytes());
    rdata.extend_from_slice(&[0xAB; 32]);
    rdata.extend_from_slice(&id.to_be_bytes());
    rdata.extend_from_slice(&[0, 0, 0, 0]); // error, other len
    record(&wire_name("no-such-key."), 250, 255, 0, &rdata)
}

pub fn malformed(corpus: &mut Corpus) {
    for transport in BOTH {
        let t = transport_name(transport);
        let mut raw = |label: &str, packet: Vec<u8>| {
            corpus.push_raw(&format!("{label} {t}"), packet, transport);
        };
        raw("empty packet", Vec::new());
        raw("11 bytes", plain(0x0F01)[..11].to_vec());
        raw(
            "header only, QDCOUNT 0",
            counts(plain(0x0F02)[..12].to_vec(), 0, 0, 0, 0),
        );
        let mut qd0_opt = counts(plain(0x0F03)[..12].to_vec(), 0, 0, 0, 1);
        qd0_opt.extend_from_slice(&[0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]);
        raw("QDCOUNT 0 with OPT", qd0_opt);
        raw(
            "QDCOUNT 1, no question",
            counts(plain(0x0F04)[..12].to_vec(), 1, 0, 0, 0),
        );
        let mut two = counts(plain(0x0F05), 2, 0, 0, 0);
        two.extend_from_slice(&wire_name("example.com."));
        two.extend_from_slice(&[0, 6, 0, 1]);
        raw("QDCOUNT 2", two);
        raw("QDCOUNT 2, one question", counts(plain(0x0F06), 2, 0, 0, 0));
        for opcode in 1..=15u16 {
            let mut p = plain(0x0F10 + opcode);
            p[2] |= (opcode << 3) as u8;
            raw(&format!("opcode {opcode}"), p);
        }
        for opcode in [1u16, 2, 4, 5, 6, 15] {
            let mut p = QueryBuilder::new("www.example.com.", "A")
                .id(0x0F40 + opcode)
                .edns(1232)
                .dnssec_ok()
                .build();
            p[2] |= (opcode << 3) as u8;
            raw(&format!("opcode {opcode} with EDNS"), p);
        }
        let mut notify = QueryBuilder::new("example.com.", "SOA").id(0x0F20).build();
        notify[2] = 0x24; // opcode 4, AA
        raw("NOTIFY for a served zone", notify);
        let mut response = plain(0x0F21);
        response[2] |= 0x80;
        raw("QR set", response);
        let mut bad = plain(0x0F22);
        bad.truncate(12);
        for (label, name) in [
            ("label type 0x40", &b"\x40abc\x00"[..]),
            ("label type 0x80", &b"\x80abc\x00"[..]),
            ("pointer to itself", &b"\xc0\x0c"[..]),
            ("pointer forward", &b"\xc0\x20"[..]),
            ("name runs past the packet", &b"\x10abc"[..]),
        ] {
            let mut p = bad.clone();
            p.extend_from_slice(name);
            p.extend_from_slice(&[0, 1, 0, 1]);
            raw(label, p);
        }
        let mut long = bad.clone();
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.extend_from_slice(&[0, 0, 1, 0, 1]);
        raw("name longer than 255 bytes", long);
        let mut max = bad.clone();
        // 3 × 63 + 61 labels: exactly 255 bytes, inside no zone.
        for len in [63u8, 63, 63, 61] {
            max.push(len);
            max.extend(std::iter::repeat_n(b'm', usize::from(len)));
        }
        max.extend_from_slice(&[0, 0, 1, 0, 1]);
        raw("name of exactly 255 bytes", max);
        let mut cut = plain(0x0F23);
        cut.truncate(cut.len() - 2);
        raw("question without class", cut);
        let mut trailing = plain(0x0F24);
        trailing.push(0);
        raw("one trailing byte", trailing);
        let mut trailing = plain(0x0F25);
        trailing.extend_from_slice(&[0xAA; 10]);
        raw("ten trailing bytes", trailing);
        let a_record = record(&wire_name("www.example.com."), 1, 1, 300, &[192, 0, 2, 1]);
        let mut an = counts(plain(0x0F26), 1, 1, 0, 0);
        an.extend_from_slice(&a_record);
        raw("ANCOUNT 1", an);
        let mut ns = counts(plain(0x0F27), 1, 0, 1, 0);
        ns.extend_from_slice(&a_record);
        raw("NSCOUNT 1", ns);
        let mut ar = counts(plain(0x0F28), 1, 0, 0, 1);
        ar.extend_from_slice(&a_record);
        raw("ARCOUNT 1, an A record", ar);
        raw(
            "ARCOUNT 1, nothing there",
            counts(plain(0x0F29), 1, 0, 0, 1),
        );
        let mut signed = counts(plain(0x0F2A), 1, 0, 0, 1);
        signed.extend_from_slice(&tsig(0x0F2A));
        raw("TSIG with an unknown key", signed);
        let mut signed = counts(plain(0x0F2B), 1, 0, 0, 2);
        signed.extend_from_slice(&tsig(0x0F2B));
        signed.extend_from_slice(&[0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]);
        raw("TSIG before OPT", signed);
        let mut signed = counts(plain(0x0F2C), 1, 0, 0, 2);
        signed.extend_from_slice(&[0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]);
        signed.extend_from_slice(&tsig(0x0F2C));
        raw("OPT then TSIG with an unknown key", signed);
        // IXFR as RFC 1995 §3 sends it: the client's SOA in AUTHORITY.
        for origin in ["example.com.", "example.net."] {
            let mut ixfr = counts(
                QueryBuilder::new(origin, "IXFR").id(0x0F30).build(),
                1,
                0,
                1,
                0,
            );
            let mut soa = wire_name(origin);
            soa.extend_from_slice(&wire_name(origin));
            soa.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
            ixfr.extend_from_slice(&record(&wire_name(origin), 6, 1, 0, &soa));
            raw(&format!("IXFR {origin} with SOA"), ixfr);
        }
    }
    // Classes, transfers and meta types with data names.
    for transport in BOTH {
        let t = transport_name(transport);
        for (class_name, class) in [
            ("CH", 3u16),
            ("HS", 4),
            ("NONE", 254),
            ("ANY", 255),
            ("class 0", 0),
            ("class 2", 2),
            ("class 42", 42),
        ] {
            for (name, qtype) in [
                ("www.example.com.", "A"),
                ("example.com.", "SOA"),
                ("example.net.", "ANY"),
                ("id.server.", "TXT"),
                ("nx.example.org.", "A"),
            ] {
                corpus.push(
                    format!("{name} {class_name} {qtype} {t}"),
                    QueryBuilder::new(name, qtype).class(class),
                    transport,
                );
            }
        }
        for (name, qtype) in [
            ("id.server.", "TXT"),
            ("ID.SeRvEr.", "TXT"),
            ("hostname.bind.", "TXT"),
            ("version.bind.", "TXT"),
            ("version.server.", "TXT"),
            ("authors.bind.", "TXT"),
            ("id.server.", "A"),
            ("id.server.", "ANY"),
            ("x.id.server.", "TXT"),
            ("example.com.", "TXT"),
        ] {
            for edns in [false, true] {
                let mut q = QueryBuilder::new(name, qtype).class(3);
                if edns {
                    q = q.edns(1232).option(3, b"");
                }
                corpus.push(
                    format!(
                        "{name} CH {qtype} {t}{}",
                        if edns { " edns nsid" } else { "" }
                    ),
                    q,
                    transport,
                );
            }
        }
        for name in [
            "example.com.",
            "example.net.",
            "www.example.com.",
            "example.org.",
        ] {
            for qtype in ["AXFR", "IXFR"] {
                corpus.push(
                    format!("{name} {qtype} {t}"),
                    QueryBuilder::new(name, qtype),
                    transport,
                );
            }
        }
        for qtype in [
            "TYPE0",
            "OPT",
            "TSIG",
            "TKEY",
            "MAILA",
            "MAILB",
            "RRSIG",
            "NSEC",
            "DNSKEY",
            "NSEC3PARAM",
            "TYPE65535",
        ] {
            for name in ["www.example.com.", "example.net.", "nx.example.net."] {
                corpus.push(
                    format!("{name} {qtype} {t}"),
                    query(&wire_name(name), qtype).edns(1232),
                    transport,
                );
            }
        }
        // The longest names that still fit, inside a zone: NXDOMAIN and wildcard.
        for base in [
            "example.net.",
            "w.example.net.",
            "dname.example.net.",
            "dname-in.example.net.",
            "dname-long.example.net.",
        ] {
            let mut name = wire_name(base);
            while name.len() + 64 <= 255 {
                name = child(&[b'l'; 63], &name);
            }
            let room = 255 - name.len() - 1;
            if room > 0 {
                name = child(&vec![b'k'; room], &name);
            }
            corpus.push(
                format!("255-byte name under {base} A {t}"),
                query(&name, "A").edns(1232),
                transport,
            );
        }
    }
}
