//! The decision trace: why a name answers what it answers, for `switchyard explain` and for
//! `dig NAME CH TXT` from the networks in `[server] trace_from`.
//!
//! The trace runs the same [`policy::select`] as the query path, with a recorder that keeps each
//! step, so the explanation cannot drift from what queries actually get.

use crate::policy::{self, Address, Client, Family, Reason, Service, Trace};
use crate::snapshot::Snapshot;
use crate::wire::name::write_presentation;
use crate::wire::rtype;
use crate::zone::{Lookup, NodeRef, Zone, rdata_to_text};

/// Explains the answer to `qtype` at `lower_name` (lowercased wire name) for `client`.
pub fn explain(snapshot: &Snapshot, lower_name: &[u8], qtype: u16, client: &Client) -> Vec<String> {
    let mut lines = Vec::new();
    let shown = presentation(lower_name);
    let Some(zone_index) = snapshot.find_zone(lower_name) else {
        lines.push(format!("{shown} is in no zone served here: REFUSED"));
        return lines;
    };
    let zone = snapshot.zone(zone_index);
    lines.push(format!("{shown} is in zone {}", zone.origin()));
    let mut name = lower_name.to_vec();
    for _ in 0..16 {
        let node = match zone.lookup(&name) {
            Lookup::Found(id) => zone.node(id),
            Lookup::Wildcard(id) => {
                let node = zone.node(id);
                lines.push(format!(
                    "synthesised from wildcard {}",
                    presentation(node.name())
                ));
                node
            }
            Lookup::BelowCut(cut) => {
                lines.push(format!(
                    "below the delegation {}: referral",
                    presentation(zone.node(cut).name())
                ));
                return lines;
            }
            Lookup::NxDomain(_) => {
                lines.push(format!("{} does not exist: NXDOMAIN", presentation(&name)));
                return lines;
            }
            Lookup::Dname(owner) => {
                let owner = zone.node(owner);
                let Some(target) = owner.rrset(rtype::DNAME).and_then(|d| d.rdatas().next()) else {
                    return lines;
                };
                let prefix = &name[..name.len() - owner.name().len()];
                let mut substituted = prefix.to_vec();
                substituted.extend_from_slice(&target.to_ascii_lowercase());
                if substituted.len() > crate::wire::name::MAX_NAME_LEN {
                    lines.push("the DNAME substitution is too long: YXDOMAIN".into());
                    return lines;
                }
                lines.push(format!(
                    "{} is below the DNAME at {}: redirected to {}",
                    presentation(&name),
                    presentation(owner.name()),
                    presentation(&substituted)
                ));
                name = substituted;
                if !crate::wire::name::is_subdomain(&name, zone.origin().as_wire()) {
                    lines.push("the target is outside the zone: the chain ends here".into());
                    return lines;
                }
                continue;
            }
        };
        if node.is_delegation() && qtype != rtype::DS {
            lines.push(format!(
                "{} is a delegation: referral",
                presentation(node.name())
            ));
            return lines;
        }
        if let Some(service) = node.service().and_then(|s| snapshot.service(s)) {
            if qtype == rtype::A || qtype == rtype::AAAA {
                explain_service(snapshot, service, node, qtype, client, &mut lines);
                return lines;
            }
            lines.push(format!(
                "steered name; {} is not steered (only A and AAAA are)",
                rtype::type_to_string(qtype)
            ));
        }
        if qtype != rtype::CNAME
            && let Some(target) = node.rrset(rtype::CNAME).and_then(|c| c.rdatas().next())
        {
            lines.push(format!(
                "{} is an alias for {}",
                presentation(&name),
                presentation(target)
            ));
            name = target.to_ascii_lowercase();
            if !crate::wire::name::is_subdomain(&name, zone.origin().as_wire()) {
                lines.push("the target is outside the zone: the chain ends here".into());
                return lines;
            }
            continue;
        }
        static_records(zone, node, qtype, &mut lines);
        return lines;
    }
    lines.push("CNAME chain too long: stopped".into());
    lines
}

/// The records a static name answers with.
fn static_records(zone: &Zone, node: NodeRef<'_>, qtype: u16, lines: &mut Vec<String>) {
    match node.rrset(qtype) {
        Some(set) => {
            lines.push(format!("static answer from zone {}:", zone.origin()));
            for rdata in set.rdatas() {
                lines.push(format!(
                    "  {} {} IN {} {}",
                    presentation(node.name()),
                    set.ttl(),
                    rtype::type_to_string(qtype),
                    rdata_to_text(qtype, rdata)
                ));
            }
        }
        None => lines.push(format!(
            "no {} records at {}: NODATA",
            rtype::type_to_string(qtype),
            presentation(node.name())
        )),
    }
}

fn explain_service(
    snapshot: &Snapshot,
    service: &Service,
    node: NodeRef<'_>,
    qtype: u16,
    client: &Client,
    lines: &mut Vec<String>,
) {
    let family = if qtype == rtype::AAAA {
        Family::V6
    } else {
        Family::V4
    };
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
    let fallback = node.rrset(qtype);
    let mut trace = Trace::default();
    let decision = policy::select(
        service,
        family,
        client,
        snapshot.geo(),
        fallback.is_some(),
        &mut trace,
    );
    lines.extend(trace.lines);
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

/// The trace for `dig NAME CH TXT`: A and AAAA explained for the asking client.
pub fn chaos_trace(snapshot: &Snapshot, lower_name: &[u8], client: &Client) -> Option<Vec<String>> {
    snapshot.find_zone(lower_name)?;
    let mut lines = Vec::new();
    for qtype in [rtype::A, rtype::AAAA] {
        let name = rtype::type_to_string(qtype);
        lines.extend(
            explain(snapshot, lower_name, qtype, client)
                .into_iter()
                .map(|line| format!("{name}: {line}")),
        );
    }
    Some(lines)
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

/// `switchyard explain`: loads the configuration without probing (every target up, the
/// `down` datacenters drained) and prints the trace.
pub fn command(
    config_path: &std::path::Path,
    name: &str,
    qtype: &str,
    client: &str,
    down: &[String],
) -> Result<Vec<String>, Vec<String>> {
    let qtype =
        rtype::type_from_str(qtype).ok_or_else(|| vec![format!("unknown type {qtype:?}")])?;
    let name = crate::wire::Name::parse(name, Some(&crate::wire::Name::root()))
        .map_err(|e| vec![e.to_string()])?;
    let client = parse_client(client).map_err(|e| vec![e])?;
    let loaded = crate::config::load(config_path)
        .map_err(|errors| errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    for dc in down {
        if !loaded.config.datacenters.contains_key(dc) {
            return Err(vec![format!(
                "--down {dc}: no such datacenter in [datacenters]"
            )]);
        }
    }
    let metrics = crate::metrics::Metrics::default();
    let (snapshot, _) = crate::snapshot::build(
        &loaded,
        1,
        &metrics,
        crate::snapshot::Health::Offline { down },
    )
    .map_err(|report| report.errors)?;
    Ok(explain(
        &snapshot,
        name.to_lowercase().as_wire(),
        qtype,
        &client,
    ))
}
