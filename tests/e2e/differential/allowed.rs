//! The differences from Knot DNS that the RFCs allow: one table, each entry with the RFC text
//! that allows it and a matcher that recognises exactly that difference. A matcher sees both
//! outcomes and, when the pair shows its difference, rewrites one side so that the difference is
//! gone and says so; otherwise it leaves both alone. A pair passes when no difference is left
//! after every entry has had its turn.

use super::compare::{Outcome, differences};
use super::corpus::{Case, Transport};
use super::matchers::*;
use super::matchers_signed::*;
use super::message::Message;
use super::truth::Truth;

/// What a matcher knows about the query.
pub struct Ctx<'a> {
    pub case: &'a Case,
    /// The query, decoded (`None` for packets that are not well-formed messages).
    pub query: Option<Message>,
    pub truth: &'a Truth,
}

impl Ctx<'_> {
    pub(super) fn qtype(&self) -> Option<u16> {
        self.query.as_ref()?.question.first().map(|q| q.1)
    }

    pub(super) fn qclass(&self) -> Option<u16> {
        self.query.as_ref()?.question.first().map(|q| q.2)
    }

    pub(super) fn query_flags(&self) -> u16 {
        u16::from_be_bytes([self.case.packet[2], self.case.packet[3]])
    }

    pub(super) fn opcode(&self) -> u16 {
        (self.query_flags() >> 11) & 0xF
    }

    /// The size a response to this query may have.
    pub(super) fn limit(&self) -> usize {
        if self.case.transport == Transport::Tcp {
            return 65535;
        }
        match self.query.as_ref().and_then(|q| q.opt.as_ref()) {
            None => 512,
            Some(opt) => usize::from(opt.payload).clamp(512, 1232),
        }
    }

    /// The query's EDNS options with this code.
    pub(super) fn options(&self, code: u16) -> Vec<&[u8]> {
        self.query
            .as_ref()
            .and_then(|q| q.opt.as_ref())
            .map(|o| {
                o.options
                    .iter()
                    .filter(|(c, _)| *c == code)
                    .map(|(_, d)| d.as_slice())
                    .collect()
            })
            .unwrap_or_default()
    }
}

type Matcher = fn(&Ctx<'_>, &mut Outcome, &mut Outcome) -> bool;

/// One allowed difference.
pub struct Allowed {
    pub name: &'static str,
    /// Where the RFCs allow it, and why each side does what it does.
    pub rfc: &'static str,
    pub matcher: Matcher,
}

/// Every allowed difference, in the order the matchers run (the rdata-case one first, so that
/// the later ones compare names as the DNS does).
pub const ALLOWED: &[Allowed] = &[
    Allowed {
        name: "letter case of names inside rdata",
        rfc: "RFC 4343 §4.1: case is preserved except where name compression (case-insensitive) \
              points at an earlier name; §4.2: how case is kept on input is the server's \
              choice. Knot stores names lowercased, we keep the zone file's case",
        matcher: rdata_name_case,
    },
    Allowed {
        name: "CNAME chain cut after 5 CNAMEs by Knot, followed further by us",
        rfc: "RFC 1034 §4.3.2 step 3a follows the chain with no limit; a resolver given part of \
              a chain restarts at its last target (RFC 1034 §5.3.3)",
        matcher: cname_chain_cut,
    },
    Allowed {
        name: "ANY over TCP: every RRset from us, one from Knot",
        rfc: "RFC 8482 §4.1 (one RRset is a valid ANY answer) and §4.4 (a responder may give a \
              conventional ANY answer over TCP)",
        matcher: any_over_tcp,
    },
    Allowed {
        name: "RRSIGs in ADDITIONAL of an RRset the other side left out, or with no room left",
        rfc: "RFC 4035 §3.1.1: an RRset in the additional section goes with its RRSIGs, and \
              when both do not fit the RRSIGs may be dropped; whether the RRset itself may be \
              left out is judged by the entries below",
        matcher: additional_signatures,
    },
    Allowed {
        name: "required glue that fits in our response and not in Knot's larger one: TC from \
               Knot only",
        rfc: "RFC 9471 §3.1: TC when required glue does not fit; the same records take more \
              bytes in Knot's response (RFC 1035 §4.1.4 leaves name compression to the \
              server), so only Knot runs out of room",
        matcher: required_glue_knot_tc,
    },
    Allowed {
        name: "optional additional addresses: Knot's for ANY answers and wildcard-matched \
               targets, ours for the owner of a ServiceMode SVCB/HTTPS with target \".\"",
        rfc: "RFC 1034 §4.3.2 step 6 and RFC 2181 §9: additional data is optional; RFC 9460 \
              §4.1 with §2.5.2 (in ServiceMode \".\" means the owner)",
        matcher: optional_additional,
    },
    Allowed {
        name: "additional addresses that do not fit: each server leaves out others",
        rfc: "RFC 2181 §9: additional data that does not fit is left out, without TC",
        matcher: additional_space,
    },
    Allowed {
        name: "signed additional addresses that do not fit with their RRSIGs: each server \
               leaves out others (DO=1); we stop at the first that does not fit",
        rfc: "RFC 2181 §9: additional data that does not fit is left out, without TC; RFC 4035 \
              §3.1.1: we keep an RRset and its RRSIGs together, Knot may keep the RRset alone",
        matcher: additional_space_signed,
    },
    Allowed {
        name: "truncated responses holding different whole RRsets of additional data",
        rfc: "RFC 2181 §9: a response with TC is retried over TCP, its content is not used; both \
              set TC when required glue is missing (RFC 9471 §3.1)",
        matcher: truncated_additional,
    },
    Allowed {
        name: "no NSID in a BADVERS response from us",
        rfc: "RFC 6891 §6.1.3: a query of an unsupported EDNS version is answered BADVERS, its \
              options are not processed; RFC 5001 §2.1: sending the NSID is the server's choice",
        matcher: badvers_without_nsid,
    },
    Allowed {
        name: "malformed ECS option: FORMERR from us, with Extended DNS Error 0 \"malformed ECS \
               option\"; ignored by Knot, or FORMERR without the EDE",
        rfc: "RFC 7871 §6: FORMERR for too few or too many ADDRESS octets or bits set beyond \
              SOURCE PREFIX-LENGTH, and SCOPE PREFIX-LENGTH MUST be 0 in queries; §7.2.1: a \
              wrongly formatted option MUST get FORMERR. Two ECS options are taken as wrongly \
              formatted: §7.2.1's echo of FAMILY, SOURCE PREFIX-LENGTH and ADDRESS cannot be \
              done for both. RFC 8914 §3: the EDE may be added to any response, here to say \
              which option was wrong",
        matcher: malformed_ecs,
    },
    Allowed {
        name: "CD copied into the response by us, cleared by Knot",
        rfc: "RFC 4035 §3: a security-aware name server copies CD from the query; §3.1.6: CD \
              means nothing to an authoritative answer",
        matcher: cd_copied,
    },
    Allowed {
        name: "AA on CHAOS identity answers from us",
        rfc: "RFC 4892's CH TXT id.server convention says nothing about AA; we answer from our \
              own configuration, for which we are the authority (RFC 1035 §4.1.1)",
        matcher: chaos_aa,
    },
    Allowed {
        name: "CH TXT for a name in our zones: our decision trace where Knot refuses",
        rfc: "RFC 1035 §3.2.4 and §4.1.1: class CH holds whatever the server defines and REFUSED \
              is a policy choice; we explain the steering decision to [server] trace_from \
              networks (loopback here), as the design asks",
        matcher: chaos_trace,
    },
    Allowed {
        name: "FORMERR from us where Knot sends nothing",
        rfc: "RFC 1035 §4.1.1: FORMERR when the query cannot be interpreted; RFC 8906 (BCP 231) \
              explains why servers should answer rather than stay silent",
        matcher: formerr_not_silence,
    },
    Allowed {
        name: "zone transfers refused with REFUSED (Knot: NOTAUTH, or NOTIMP over UDP)",
        rfc: "RFC 1035 §4.1.1: REFUSED is for policy; RFC 5936 prescribes no code for a \
              transfer a server will not give (and defines no AXFR over UDP, §4.2)",
        matcher: transfer_refused,
    },
    Allowed {
        name: "QCLASS ANY refused by us, answered non-authoritatively by Knot",
        rfc: "RFC 1035 §4.1.1: REFUSED is for policy; RFC 6895 §3.2: answers to QCLASS ANY \
              are never authoritative",
        matcher: class_any_refused,
    },
    Allowed {
        name: "meta-type QTYPE (OPT, TSIG, TKEY) FORMERR from us, NODATA from Knot",
        rfc: "RFC 6895 §3.1: meta-TYPEs hold transaction data, not data that can be asked for; \
              RFC 9824 §3.5 notes that servers answer such queries with errors",
        matcher: meta_qtype,
    },
    Allowed {
        name: "QTYPE 0 answered NODATA/NXDOMAIN by us, NOTIMP by Knot",
        rfc: "RFC 6895 §3.1 reserves TYPE 0 and defines no answer for it; no data of that type \
              exists, which is what we say",
        matcher: qtype_zero,
    },
    Allowed {
        name: "opcodes other than QUERY: NOTIMP without the question from us",
        rfc: "RFC 1035 §4.1.1: NOTIMP; Knot implements NOTIFY (RFC 1996) and UPDATE (RFC 2136) \
              and echoes the question; we do not interpret the rest of a message whose opcode \
              we do not implement",
        matcher: other_opcode,
    },
    Allowed {
        name: "records in ANSWER/AUTHORITY of a QUERY: FORMERR from us, ignored by Knot",
        rfc: "RFC 1034 §3.7.1: a standard query carries a question only; RFC 1035 §4.1.1 \
              FORMERR. IXFR's SOA in AUTHORITY (RFC 1995 §3) is accepted by both",
        matcher: records_in_query,
    },
    Allowed {
        name: "malformed OPT record: FORMERR with an OPT from us",
        rfc: "RFC 6891 §6.1.1 (one OPT, owned by the root) and §7 (a FORMERR for a bad OPT \
              record MUST carry an OPT); Knot answers without OPT, or ignores an OPT not owned \
              by the root",
        matcher: malformed_opt,
    },
    Allowed {
        name: "DNAME substitution longer than 255 bytes: YXDOMAIN from us, NXDOMAIN from Knot",
        rfc: "RFC 6672 §3.2 step 3c: set RCODE to YXDOMAIN and exit",
        matcher: dname_yxdomain,
    },
    Allowed {
        name: "QTYPE RRSIG: every RRSIG of the name from us, those covering one type from Knot",
        rfc: "RFC 1034 §4.3.2 step 3a: the answer is the RRs of the type asked for, here all \
              the RRSIGs at the name (RFC 4034 §3 lets their TTLs differ), which is what we \
              send (with TC where they do not fit, RFC 4035 §3.1.1); Knot minimises the answer \
              the way RFC 8482 §4.1 does for ANY. Resolvers never ask RRSIG to validate \
              (RFC 4035 §3.1.1 has RRSIGs come with the RRsets they cover)",
        matcher: rrsig_query,
    },
    Allowed {
        name: "ANY with signed data: every RRset over TCP from us, one from Knot; over UDP a \
               different single RRset (Knot may choose the RRSIG RRset)",
        rfc: "RFC 8482 §4.1 (one RRset, chosen by the responder, is a valid ANY answer) and \
              §4.4 (a conventional ANY answer over TCP); RFC 4035 §3.1.1: with DO=1 each RRset \
              comes with its RRSIGs",
        matcher: any_signed,
    },
    Allowed {
        name: "CNAME chain with its RRSIGs cut after 5 CNAMEs by Knot, followed further by us \
               (with TC where the rest does not fit)",
        rfc: "RFC 1034 §4.3.2 step 3a follows the chain with no limit; a resolver given part of \
              a chain restarts at its last target (RFC 1034 §5.3.3); RFC 4035 §3.1.1 sets TC \
              when an RRset and its RRSIGs do not fit",
        matcher: cname_chain_cut_signed,
    },
    Allowed {
        name: "truncated DO=1 responses holding different parts of the answer",
        rfc: "RFC 2181 §9: a response with TC is retried over TCP and its content is not used; \
              RFC 4035 §3.1.1: TC when RRSIGs do not fit. We keep each RRset with its RRSIGs; \
              Knot writes the RRSIGs of a section after its RRsets and may keep an RRset \
              without them",
        matcher: truncated_signed,
    },
    Allowed {
        name: "QTYPE NSEC answered from a wildcard: with the proof that the name does not \
               exist from us, without it from Knot",
        rfc: "RFC 4035 §3.1.3.3: an answer synthesised from a wildcard MUST carry the NSEC that \
              proves no closer match exists; the RRSIG's labels field says the NSEC was \
              synthesised (RFC 4035 §5.3.4), so a validator asks for that proof",
        matcher: wildcard_nsec_proof,
    },
];

/// Indices of the entries that explain every difference, or the differences left over.
pub fn explain(
    case: &Case,
    ours: &Outcome,
    theirs: &Outcome,
    truth: &Truth,
) -> Result<Vec<usize>, Vec<String>> {
    let ctx = Ctx {
        case,
        query: Message::decode(&case.packet).ok(),
        truth,
    };
    let mut ours = ours.clone();
    let mut theirs = theirs.clone();
    let mut used = Vec::new();
    for (index, entry) in ALLOWED.iter().enumerate() {
        if differences(&ours, &theirs).is_empty() {
            break;
        }
        if (entry.matcher)(&ctx, &mut ours, &mut theirs) {
            used.push(index);
        }
    }
    let left = differences(&ours, &theirs);
    if left.is_empty() { Ok(used) } else { Err(left) }
}
