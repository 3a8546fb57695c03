//! The generated corpus: every owner, empty non-terminal, wildcard hit, name below a cut,
//! NXDOMAIN name and name in no zone, each with many types over UDP (with and without EDNS) and
//! TCP; case-mangled names; EDNS variants; header flags; malformed and edge-case queries.

use super::message::show_name;
use super::truth::{Truth, parent};
use crate::support::{QueryBuilder, wire_name};

/// How a query is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// One query of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// What the query is, for the report.
    pub label: String,
    pub packet: Vec<u8>,
    pub transport: Transport,
}

/// The query types asked at every name.
pub const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "NS",
    "SOA",
    "MX",
    "TXT",
    "CNAME",
    "SRV",
    "PTR",
    "CAA",
    "DS",
    "DNAME",
    "HTTPS",
    "SVCB",
    "TLSA",
    "SSHFP",
    "NAPTR",
    "TYPE65280",
    "ANY",
];

/// Builds the corpus.
pub struct Corpus {
    pub cases: Vec<Case>,
    next_id: u16,
}

impl Corpus {
    pub(super) fn new() -> Corpus {
        Corpus {
            cases: Vec::new(),
            next_id: 1,
        }
    }

    pub(super) fn push(&mut self, label: String, query: QueryBuilder, transport: Transport) {
        let query = query.id(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        self.cases.push(Case {
            label,
            packet: query.build(),
            transport,
        });
    }

    /// A hand-built packet (malformed or unusual), sent as it is.
    pub(super) fn push_raw(&mut self, label: &str, packet: Vec<u8>, transport: Transport) {
        self.cases.push(Case {
            label: label.to_string(),
            packet,
            transport,
        });
    }
}

/// Prepends a label to a wire name.
pub(super) fn child(label: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = vec![label.len() as u8];
    out.extend_from_slice(label);
    out.extend_from_slice(name);
    out
}

/// Upper and lower case alternating over the letters of a name.
fn mangle_case(name: &[u8]) -> Vec<u8> {
    let mut upper = true;
    name.iter()
        .map(|&b| {
            if b.is_ascii_alphabetic() {
                upper = !upper;
                if upper {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            } else {
                b
            }
        })
        .collect()
}

/// A query for a name given in wire form.
pub(super) fn query(name: &[u8], qtype: &str) -> QueryBuilder {
    QueryBuilder::new(".", qtype).raw_name(name)
}

/// Every name asked with every type.
pub(super) fn grid_names(truth: &Truth) -> Vec<Vec<u8>> {
    let mut names = truth.owners();
    names.extend(truth.empty_non_terminals());
    // Wildcard hits: one and two labels below each wildcard's parent, and mixed case.
    for owner in truth.owners() {
        if owner.get(..2) == Some(&b"\x01*"[..]) {
            let base = parent(&owner).unwrap();
            names.push(child(b"hit", base));
            names.push(child(b"a", &child(b"b", base)));
            names.push(child(b"HiT-CaSe", base));
        }
    }
    // Below every zone cut and every DNAME, one and two labels down.
    for cut in truth.cuts().into_iter().chain(truth.dnames()) {
        names.push(child(b"host", &cut));
        names.push(child(b"a", &child(b"b", &cut)));
    }
    // NXDOMAIN at several depths.
    for zone in &truth.zones {
        let origin = &zone.origin;
        names.push(child(b"nx", origin));
        names.push(child(b"a", &child(b"nx", origin)));
        names.push(child(
            b"a",
            &child(b"b", &child(b"c", &child(b"nx", origin))),
        ));
    }
    // Names in no zone we serve.
    for name in [
        ".",
        "com.",
        "net.",
        "example.org.",
        "xexample.com.",
        "example.com.example.org.",
        "www.example.edu.",
    ] {
        names.push(wire_name(name));
    }
    names
}

/// Builds the whole corpus from the zones' contents.
pub fn build(truth: &Truth) -> Vec<Case> {
    let mut corpus = Corpus::new();
    let names = grid_names(truth);
    for name in &names {
        let shown = show_name(name);
        for qtype in TYPES {
            corpus.push(
                format!("{shown} {qtype} udp"),
                query(name, qtype),
                Transport::Udp,
            );
            corpus.push(
                format!("{shown} {qtype} udp edns 1232"),
                query(name, qtype).edns(1232),
                Transport::Udp,
            );
            corpus.push(
                format!("{shown} {qtype} tcp"),
                query(name, qtype),
                Transport::Tcp,
            );
        }
    }
    // Case-mangled names.
    for owner in truth.owners() {
        let mangled = mangle_case(&owner);
        let shown = show_name(&mangled);
        for qtype in ["A", "TXT", "MX", "CNAME", "NS", "ANY"] {
            corpus.push(
                format!("{shown} {qtype} udp edns 1232 (case mangled)"),
                query(&mangled, qtype).edns(1232),
                Transport::Udp,
            );
        }
    }
    // NXDOMAIN (or referral, or wildcard) one label below every existing name.
    for owner in truth.owners().iter().chain(&truth.empty_non_terminals()) {
        let name = child(b"zz-nx", owner);
        corpus.push(
            format!("{} A udp edns 1232", show_name(&name)),
            query(&name, "A").edns(1232),
            Transport::Udp,
        );
    }
    super::corpus_edge::edns_variants(&mut corpus);
    super::corpus_edge::header_variants(&mut corpus);
    super::corpus_edge::malformed(&mut corpus);
    corpus.cases
}
