//! The decision trace: why a name answers what it answers, for `switchyard explain` and for
//! `dig NAME CH TXT` from the networks in `[server] trace_from`.
//!
//! There is no second lookup here. [`Trace`] is a recorder: the query path
//! ([`crate::answer::respond_recorded`], [`crate::answer::explain`]) hands it each step of the
//! walk that answers ([`crate::authoritative::answer`]), of the steering and of the policy
//! ([`crate::policy::select`]), and last the response itself, so the explanation cannot drift
//! from what queries actually get. This module only turns those steps into lines.

use crate::authoritative::{self, Step};
use crate::policy::{self, Address, Client, Decision, Family, Reason, Service};
use crate::wire::compressed;
use crate::wire::name::{MAX_NAME_LEN, write_presentation};
use crate::wire::rtype::{self, rcode};
use crate::zone::{NodeRef, RRsetRef, Zone, rdata_to_text};

/// Collects the trace's lines.
#[derive(Debug, Default)]
pub struct Trace {
    pub lines: Vec<String>,
    /// Where the lines about the response begin (see [`Trace::final_answer`]).
    response_at: Option<usize>,
}

impl Trace {
    /// The trace's last lines: the response written by the walk it describes (rcode, flags,
    /// then each record), as [`final_answer`] renders a message.
    pub fn final_answer(&self) -> &[String] {
        self.response_at.map_or(&[], |at| &self.lines[at..])
    }
}

impl policy::Recorder for Trace {
    fn enabled(&self) -> bool {
        true
    }
    fn note(&mut self, line: String) {
        self.lines.push(line);
    }
}

impl authoritative::Recorder for Trace {
    fn step(&mut self, step: Step<'_>) {
        let lines = &mut self.lines;
        match step {
            Step::Zone { name, zone } => lines.push(format!(
                "{} is in zone {}",
                presentation(name),
                zone.origin()
            )),
            Step::NoZone { name } => lines.push(format!(
                "{} is in no zone served here: REFUSED",
                presentation(name)
            )),
            Step::Transfer { rcode } => lines.push(
                if rcode == crate::wire::rtype::rcode::NOTAUTH {
                    "zone transfer of a name below the zone's apex: NOTAUTH"
                } else {
                    "zone transfer: REFUSED unless allow_transfer admits the client"
                }
                .into(),
            ),
            Step::Wildcard { node } => lines.push(format!(
                "synthesised from wildcard {}",
                presentation(node.name())
            )),
            Step::BelowCut { cut } => lines.push(format!(
                "below the delegation {}: referral",
                presentation(cut.name())
            )),
            Step::NxDomain { name } => {
                lines.push(format!("{} does not exist: NXDOMAIN", presentation(name)))
            }
            Step::Dname {
                name,
                owner,
                target,
            } => lines.push(format!(
                "{} is below the DNAME at {}: redirected to {}",
                presentation(name),
                presentation(owner.name()),
                presentation(target)
            )),
            Step::DnameTooLong { .. } => {
                lines.push("the DNAME substitution is too long: YXDOMAIN".into())
            }
            Step::Delegation { node } => lines.push(format!(
                "{} is a delegation: referral",
                presentation(node.name())
            )),
            Step::Cname { name, target } => lines.push(format!(
                "{} is an alias for {}",
                presentation(name),
                presentation(target)
            )),
            Step::Loop { name } => lines.push(format!(
                "{} was already answered in this chain: a loop, the chain stops here",
                presentation(name)
            )),
            Step::OutsideZone { .. } => {
                lines.push("the target is outside the zone: the chain ends here".into())
            }
            Step::ChainTooLong => lines.push("CNAME chain too long: stopped".into()),
            Step::NotSteered { qtype } => lines.push(format!(
                "steered name; {} is not steered (only A and AAAA are)",
                rtype::type_to_string(qtype)
            )),
            Step::Steered {
                service,
                qtype,
                client,
            } => describe_service(service, qtype, client, lines),
            Step::Decision {
                service,
                decision,
                qtype,
                fallback,
            } => describe_decision(service, decision, qtype, fallback, lines),
            Step::Answer { zone, node, set } => static_records(zone, node, set, lines),
            Step::Any { node, udp } => {
                let shown = presentation(node.name());
                lines.push(if node.rrsets().next().is_none() {
                    format!("no records at {shown}: NODATA")
                } else if udp {
                    format!("ANY at {shown} over UDP: one RRset (RFC 8482)")
                } else {
                    format!("ANY at {shown}: every RRset")
                });
            }
            Step::NoData { node, qtype } => lines.push(format!(
                "no {} records at {}: NODATA",
                rtype::type_to_string(qtype),
                presentation(node.name())
            )),
            Step::Truncated => lines.push("the answer does not fit: truncated (TC)".into()),
            Step::Response { message } => {
                self.response_at = Some(lines.len());
                lines.extend(final_answer(message));
            }
        }
    }
}

/// The records a static name answers with.
fn static_records(zone: &Zone, node: NodeRef<'_>, set: RRsetRef<'_>, lines: &mut Vec<String>) {
    lines.push(format!("static answer from zone {}:", zone.origin()));
    for rdata in set.rdatas() {
        lines.push(format!(
            "  {} {} IN {} {}",
            presentation(node.name()),
            set.ttl(),
            rtype::type_to_string(set.rtype()),
            rdata_to_text(set.rtype(), rdata)
        ));
    }
}

/// The service at a steered name, the client and every candidate with its state.
fn describe_service(service: &Service, qtype: u16, client: &Client, lines: &mut Vec<String>) {
    let family = family(qtype);
    lines.push(
        format!(
            "steered by policy {:?} (ttl {}, min_ttl {}, answers {}{})",
            service.policy,
            service.ttl,
            service.min_ttl,
            service.answers,
            if service.sticky { ", sticky" } else { "" }
        )
        .to_lowercase(),
    );
    if client.use_address {
        lines.push(format!(
            "client {}/{}",
            client.address, client.source_prefix
        ));
    } else {
        lines.push("client sent ECS with source prefix 0: its address is not used".into());
    }
    lines.push("candidates:".into());
    for datacenter in &service.datacenters {
        let drained = if datacenter.health.is_drained() {
            " (drained)"
        } else {
            ""
        };
        lines.push(format!("  datacenter {}{drained}", datacenter.name));
        for &t in &datacenter.targets {
            let target = &service.targets[t as usize];
            let serves = if target.serves(family) {
                ""
            } else {
                ", other family"
            };
            lines.push(format!(
                "    {} weight {} {}{}{serves}",
                address_text(&target.address),
                target.weight,
                if target.health.is_up() { "up" } else { "down" },
                if target.health.is_changing() {
                    " (changing)"
                } else {
                    ""
                },
            ));
            lines.extend(crate::fleet::vote_line(&target.health).map(|l| format!("      {l}")));
        }
    }
}

/// The branch the policy took and the records it answers with.
fn describe_decision(
    service: &Service,
    decision: &Decision,
    qtype: u16,
    fallback: Option<RRsetRef<'_>>,
    lines: &mut Vec<String>,
) {
    let branch = decision.reason.as_str();
    match decision.reason {
        Reason::NoTargets | Reason::Fallback => {
            let kind = rtype::type_to_string(qtype);
            match fallback {
                Some(set) => {
                    lines.push(format!(
                        "branch {branch}: answering the zone file's {kind} records"
                    ));
                    for rdata in set.rdatas() {
                        lines.push(format!(
                            "  answer {} ttl {}",
                            rdata_to_text(qtype, rdata),
                            set.ttl()
                        ));
                    }
                }
                None => lines.push(format!(
                    "branch {branch}: no {kind} records in the zone either: NODATA"
                )),
            }
        }
        _ => {
            let datacenter = decision
                .datacenter
                .map(|d| service.datacenters[d as usize].name.as_str())
                .unwrap_or("all datacenters");
            lines.push(format!("branch {branch}: answer from {datacenter}"));
            for &pick in decision.picks() {
                let target = &service.targets[pick as usize];
                lines.push(format!(
                    "  answer {} ttl {}",
                    address_text(&target.address),
                    decision.ttl
                ));
            }
        }
    }
    lines.push(format!("ECS scope /{}", decision.scope));
}

fn family(qtype: u16) -> Family {
    if qtype == rtype::AAAA {
        Family::V6
    } else {
        Family::V4
    }
}

fn address_text(address: &Address) -> String {
    match address {
        Address::V4(a) => a.to_string(),
        Address::V6(a) => a.to_string(),
        Address::Cname(name) => format!("CNAME {name}"),
    }
}

fn presentation(wire: &[u8]) -> String {
    let mut out = String::new();
    let _ = write_presentation(wire, &mut out);
    out
}

/// A response as the trace ends with it: `response: RCODE` with its flags, then one line per
/// record of the answer, authority and additional sections (names uncompressed). The
/// differential test compares this for the trace and for the response sent.
pub fn final_answer(message: &[u8]) -> Vec<String> {
    read_response(message).unwrap_or_else(|| vec!["response: unreadable".into()])
}

fn read_response(message: &[u8]) -> Option<Vec<String>> {
    let word = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([
            *message.get(at)?,
            *message.get(at + 1)?,
        ]))
    };
    let flags = word(2)?;
    let counts = [word(4)?, word(6)?, word(8)?, word(10)?];
    let mut pos = 12;
    for _ in 0..counts[0] {
        pos = compressed::skip(message, pos)?.end + 4;
    }
    let mut records = Vec::new();
    let mut extended = 0u16;
    for (section, &count) in ["answer", "authority", "additional"]
        .iter()
        .zip(&counts[1..])
    {
        for _ in 0..count {
            let mut owner = [0u8; MAX_NAME_LEN];
            let owner_len = compressed::expand(message, pos, &mut owner)?;
            pos = compressed::skip(message, pos)?.end;
            let fixed = message.get(pos..pos + 10)?;
            let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
            let class = u16::from_be_bytes([fixed[2], fixed[3]]);
            let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
            let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
            let start = pos + 10;
            pos = start + rdlen;
            message.get(start..pos)?;
            if rtype == rtype::OPT {
                extended = (ttl >> 24) as u16;
            }
            let rdata = uncompressed_rdata(message, rtype, start, pos)?;
            records.push(format!(
                "  {section} {} {ttl} {} {} {}",
                presentation(&owner[..owner_len]),
                rtype::class_to_string(class),
                rtype::type_to_string(rtype),
                rdata_to_text(rtype, &rdata)
            ));
        }
    }
    if pos != message.len() {
        return None;
    }
    let code = (extended << 4) | (flags & 0xF);
    let name = match rcode::name(code) {
        "other" => format!("RCODE{code}"),
        known => known.to_uppercase(),
    };
    let mut head = format!("response: {name}");
    for (bit, shown) in [
        (crate::wire::query::flags::AA, "authoritative"),
        (crate::wire::query::flags::TC, "truncated"),
    ] {
        if flags & bit != 0 {
            head.push_str(", ");
            head.push_str(shown);
        }
    }
    let mut lines = vec![head];
    lines.extend(records);
    Some(lines)
}

/// The rdata of the record at `start..end`, with the names the writer compresses (those of
/// NS, CNAME, PTR, MX and SOA, RFC 3597 §4) written out whole.
fn uncompressed_rdata(message: &[u8], rtype: u16, start: usize, end: usize) -> Option<Vec<u8>> {
    let (fixed_before, names) = match rtype {
        rtype::NS | rtype::CNAME | rtype::PTR => (0, 1),
        rtype::MX => (2, 1),
        rtype::SOA => (0, 2),
        _ => return Some(message[start..end].to_vec()),
    };
    let mut rdata = message.get(start..start + fixed_before)?.to_vec();
    let mut pos = start + fixed_before;
    for _ in 0..names {
        let mut name = [0u8; MAX_NAME_LEN];
        let len = compressed::expand(message, pos, &mut name)?;
        rdata.extend_from_slice(&name[..len]);
        pos = compressed::skip(message, pos)?.end;
    }
    rdata.extend_from_slice(message.get(pos..end)?);
    Some(rdata)
}

/// Parses `IP` (the resolver's address) or `IP/PREFIX` (an ECS subnet) for `explain --client`.
pub fn parse_client(text: &str) -> Result<Client, String> {
    match text.split_once('/') {
        None => text
            .parse()
            .map(Client::from_source)
            .map_err(|_| format!("{text:?} is not an IP address")),
        Some((address, prefix)) => {
            let address: std::net::IpAddr = address
                .parse()
                .map_err(|_| format!("{address:?} is not an IP address"))?;
            let prefix: u8 = prefix
                .parse()
                .ok()
                .filter(|p| *p <= crate::geo::max_prefix(address))
                .ok_or_else(|| format!("{prefix:?} is not a prefix length for {address}"))?;
            Ok(Client {
                address: crate::geo::mask_address(address, prefix),
                source_prefix: prefix,
                use_address: prefix > 0,
            })
        }
    }
}
