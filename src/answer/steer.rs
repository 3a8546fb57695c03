//! Steered answers: locate the client (ECS or source), ask the policy, and write the chosen
//! addresses, the CNAME, or the zone file's fallback records.

use std::net::IpAddr;

use crate::authoritative::{Recorder, Step};
use crate::policy::{self, Address, Client, Decision, Family, Reason, Service};
use crate::snapshot::Snapshot;
use crate::wire::rtype;
use crate::wire::writer::{NoSpace, Section, Writer};
use crate::zone::NodeRef;

/// What the steering of one query decided, for metrics and the query log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteerSummary {
    pub service: u32,
    pub datacenter: Option<u16>,
    pub reason: Reason,
    /// The client was located from an ECS option.
    pub ecs: bool,
    pub scope: u8,
}

/// The client to steer for: the ECS subnet when the query carried a valid one.
pub fn client(subnet: Option<&crate::geo::ClientSubnet>, source: IpAddr) -> Client {
    match subnet {
        Some(subnet) if subnet.source_prefix == 0 => Client {
            address: subnet.address,
            source_prefix: 0,
            use_address: false,
        },
        Some(subnet) => Client {
            address: subnet.address,
            source_prefix: subnet.source_prefix,
            use_address: true,
        },
        None => Client::from_source(unmap(source)),
    }
}

/// IPv4-mapped IPv6 sources (from dual-stack sockets) are located as IPv4.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One query's steering: who asks, for what, and what was decided.
pub struct Steering<'a> {
    pub snapshot: &'a Snapshot,
    pub qtype: u16,
    pub client: Client,
    /// The client came from an ECS option.
    pub ecs: bool,
    pub summary: Option<SteerSummary>,
    /// DO=1 in a zone signed here: the zone's signing state, for the RRSIGs.
    pub signed: Option<&'a crate::snapshot::signing::ZoneSignatures>,
}

impl Steering<'_> {
    /// Answers A/AAAA for `service` at `owner`; returns whether any record was written. The
    /// service, the client, each step of the policy and its decision go to `recorder`.
    pub fn answer<R: Recorder>(
        &mut self,
        w: &mut Writer<'_>,
        service_index: u32,
        owner: &[u8],
        node: NodeRef<'_>,
        recorder: &mut R,
    ) -> Result<bool, NoSpace> {
        let Some(service) = self.snapshot.service(service_index) else {
            return Ok(false);
        };
        let family = if self.qtype == rtype::AAAA {
            Family::V6
        } else {
            Family::V4
        };
        let fallback = node.rrset(self.qtype);
        if recorder.enabled() {
            recorder.step(Step::Steered {
                service,
                qtype: self.qtype,
                client: &self.client,
            });
        }
        let decision = policy::select(
            service,
            family,
            &self.client,
            self.snapshot.geo(),
            fallback.is_some(),
            recorder,
        );
        if recorder.enabled() {
            recorder.step(Step::Decision {
                service,
                decision: &decision,
                qtype: self.qtype,
                fallback,
            });
        }
        self.summary = Some(SteerSummary {
            service: service_index,
            datacenter: decision.datacenter,
            reason: decision.reason,
            ecs: self.ecs,
            scope: decision.scope,
        });
        // Records at the question's own name (no CNAME before) are written after a pointer to
        // the question without searching the compression targets: the same bytes.
        let at_question = w.owned_by_question(owner);
        let wrote = write_decision(w, service, &decision, owner, at_question, fallback)?;
        if let (true, Some(signed)) = (wrote, self.signed) {
            let qtype = self.qtype;
            let at = super::variant_rrsig::Owner {
                name: owner,
                at_question,
            };
            super::variant_rrsig::write_rrsigs(w, signed, service, &decision, at, qtype, fallback)?;
        }
        Ok(wrote)
    }
}

/// Writes the records a decision calls for (`at_question`: `owner` is the question's name,
/// [`Writer::owned_by_question`]).
#[inline(always)]
pub fn write_decision(
    w: &mut Writer<'_>,
    service: &Service,
    decision: &Decision,
    owner: &[u8],
    at_question: bool,
    fallback: Option<crate::zone::RRsetRef<'_>>,
) -> Result<bool, NoSpace> {
    match decision.reason {
        // No target of this family at all, or nothing healthy: the zone file's records.
        Reason::NoTargets | Reason::Fallback => {
            return match fallback {
                Some(set) => w.rrset(Section::Answer, owner, set.encoded()).map(|_| true),
                None => Ok(false),
            };
        }
        _ => {}
    }
    let mut wrote = false;
    let mark = w.mark();
    for &pick in decision.picks() {
        let target = &service.targets[pick as usize];
        let written = match (&target.record, &target.address) {
            (Some(record), _) => {
                let record = record.with_ttl(decision.ttl);
                if at_question {
                    w.record_at_question(Section::Answer, record.bytes())
                } else {
                    w.record(Section::Answer, owner, record.bytes())
                }
            }
            // A name holds one CNAME and nothing else: only a first pick can be a CNAME.
            (None, Address::Cname(_)) if wrote => continue,
            (None, Address::Cname(name)) => {
                let mut record = [0u8; 10 + 255];
                let len = encode(&mut record, rtype::CNAME, decision.ttl, name.as_wire());
                w.record(Section::Answer, owner, &record[..len])
            }
            (None, _) => continue,
        };
        if let Err(e) = written {
            w.rollback(mark);
            return Err(e);
        }
        wrote = true;
        if target.record.is_none() {
            break;
        }
    }
    Ok(wrote)
}

/// Encodes `TYPE CLASS TTL RDLENGTH RDATA` into `out`; returns the length.
fn encode(out: &mut [u8; 10 + 255], rtype: u16, ttl: u32, rdata: &[u8]) -> usize {
    out[0..2].copy_from_slice(&rtype.to_be_bytes());
    out[2..4].copy_from_slice(&rtype::CLASS_IN.to_be_bytes());
    out[4..8].copy_from_slice(&ttl.to_be_bytes());
    out[8..10].copy_from_slice(&(rdata.len() as u16).to_be_bytes());
    out[10..10 + rdata.len()].copy_from_slice(rdata);
    10 + rdata.len()
}
