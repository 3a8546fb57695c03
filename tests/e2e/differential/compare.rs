//! What a server did with one query, and the differences between two such outcomes: response
//! or none, rcode (extended included), header flags, the question echo, the three sections as
//! sets of records, and the OPT record.

use std::fmt;

use super::message::{Message, Rr, flag_names, hex, rcode_name, show_name};

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No response (UDP: nothing within the timeout; TCP: the connection closed or timed out).
    Silence,
    /// Bytes that are not a DNS message, with the reason.
    Garbage(String, Vec<u8>),
    Response(Message),
}

impl Outcome {
    pub fn decode(raw: Option<Vec<u8>>) -> Outcome {
        match raw {
            None => Outcome::Silence,
            Some(raw) => match Message::decode(&raw) {
                Ok(message) => Outcome::Response(message),
                Err(why) => Outcome::Garbage(why, raw),
            },
        }
    }

    pub fn message(&self) -> Option<&Message> {
        match self {
            Outcome::Response(m) => Some(m),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Silence => writeln!(f, "(no response)"),
            Outcome::Garbage(why, raw) => writeln!(f, "(undecodable: {why}) {}", hex(raw)),
            Outcome::Response(m) => write!(f, "{m}"),
        }
    }
}

/// Every difference between two outcomes, one line each; empty when they match.
pub fn differences(ours: &Outcome, theirs: &Outcome) -> Vec<String> {
    let (ours, theirs) = match (ours, theirs) {
        (Outcome::Response(a), Outcome::Response(b)) => (a, b),
        (a, b) if a == b => return Vec::new(),
        (a, b) => return vec![format!("ours: {}; theirs: {}", kind(a), kind(b))],
    };
    let mut out = Vec::new();
    if ours.id != theirs.id {
        out.push(format!("id {:#06x} vs {:#06x}", ours.id, theirs.id));
    }
    if ours.rcode() != theirs.rcode() {
        out.push(format!(
            "rcode {} vs {}",
            rcode_name(ours.rcode()),
            rcode_name(theirs.rcode())
        ));
    }
    if ours.opcode() != theirs.opcode() {
        out.push(format!("opcode {} vs {}", ours.opcode(), theirs.opcode()));
    }
    let flag_bits = 0x87F0;
    if ours.flags & flag_bits != theirs.flags & flag_bits {
        out.push(format!(
            "flags [{}] vs [{}]",
            flag_names(ours.flags & flag_bits),
            flag_names(theirs.flags & flag_bits)
        ));
    }
    if ours.question != theirs.question {
        let show = |q: &[(Vec<u8>, u16, u16)]| {
            q.iter()
                .map(|(n, t, c)| format!("{} {t} {c}", show_name(n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(format!(
            "question [{}] vs [{}]",
            show(&ours.question),
            show(&theirs.question)
        ));
    }
    for (name, a, b) in [
        ("answer", &ours.answer, &theirs.answer),
        ("authority", &ours.authority, &theirs.authority),
        ("additional", &ours.additional, &theirs.additional),
    ] {
        let (only_ours, only_theirs) = set_difference(a, b);
        for rr in only_ours {
            out.push(format!("{name}: only ours: {rr}"));
        }
        for rr in only_theirs {
            out.push(format!("{name}: only theirs: {rr}"));
        }
    }
    if ours.opt_count > 1 || theirs.opt_count > 1 {
        out.push(format!(
            "OPT records {} vs {}",
            ours.opt_count, theirs.opt_count
        ));
    }
    match (&ours.opt, &theirs.opt) {
        (None, None) => {}
        (Some(_), None) => out.push("OPT only in ours".into()),
        (None, Some(_)) => out.push("OPT only in theirs".into()),
        (Some(a), Some(b)) => {
            if a.version != b.version {
                out.push(format!("EDNS version {} vs {}", a.version, b.version));
            }
            if a.dnssec_ok != b.dnssec_ok {
                out.push(format!("DO {} vs {}", a.dnssec_ok, b.dnssec_ok));
            }
            if a.z != b.z {
                out.push(format!("EDNS Z {:#x} vs {:#x}", a.z, b.z));
            }
            if a.payload != b.payload {
                out.push(format!("payload {} vs {}", a.payload, b.payload));
            }
            let mut ao = a.options.clone();
            let mut bo = b.options.clone();
            ao.sort();
            bo.sort();
            if ao != bo {
                let show = |o: &[(u16, Vec<u8>)]| {
                    o.iter()
                        .map(|(c, d)| format!("{c}={}", hex(d)))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                out.push(format!("options [{}] vs [{}]", show(&ao), show(&bo)));
            }
        }
    }
    out
}

fn kind(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Silence => "no response".into(),
        Outcome::Garbage(why, _) => format!("undecodable ({why})"),
        Outcome::Response(m) => format!("{} response", rcode_name(m.rcode())),
    }
}

/// Records in `a` not matched in `b` and the other way round, as multisets.
pub fn set_difference<'a>(a: &'a [Rr], b: &'a [Rr]) -> (Vec<&'a Rr>, Vec<&'a Rr>) {
    let mut b_left: Vec<Option<&Rr>> = b.iter().map(Some).collect();
    let mut only_a = Vec::new();
    for rr in a {
        match b_left.iter_mut().find(|x| x.is_some_and(|x| x == rr)) {
            Some(slot) => *slot = None,
            None => only_a.push(rr),
        }
    }
    (only_a, b_left.into_iter().flatten().collect())
}
