//! The decisions a service can make under the current health, without a client: one per
//! datacenter order its rules (or its distances, or its failover order) can give. The online
//! signer signs the answers these decisions write ahead of the queries that will ask for them
//! (`answer::sign_ahead`). Each decision is [`super::select`]'s own walk over the order
//! (health, drains, fallback, fail-open, TTL lowering), with no sticky key: a datacenter whose
//! healthy targets all fit in one answer gives the answer a query gets; a pick among more
//! targets than fit gives one of the possible answers.

use super::{Decision, Family, NoRecord, Service, decide};
use crate::config::PolicyKind;

/// Every datacenter order a client can get from `service`, without repeats.
pub fn candidate_orders(service: &Service) -> Vec<Box<[u16]>> {
    let mut orders: Vec<Box<[u16]>> = Vec::new();
    let mut add = |order: &[u16]| {
        if !orders.iter().any(|o| **o == *order) {
            orders.push(order.into());
        }
    };
    match service.policy {
        PolicyKind::Failover | PolicyKind::Weighted => add(&service.order),
        PolicyKind::Geo => {
            let rules = &service.rules;
            rules.nets.iter().for_each(|r| add(&r.datacenters));
            rules.asns.iter().for_each(|r| add(&r.1));
            rules.subdivisions.iter().for_each(|r| add(&r.1));
            rules.countries.iter().for_each(|r| add(&r.1));
            rules.continents.iter().for_each(|r| add(&r.1));
            add(rules.default.as_deref().unwrap_or(&service.order));
        }
        PolicyKind::Nearest => {
            // Any datacenter can be a client's nearest: each first, the others after it.
            add(&service.order);
            for &first in service.order.iter() {
                let mut order = vec![first];
                order.extend(service.order.iter().filter(|&&dc| dc != first));
                add(&order);
            }
        }
    }
    orders
}

/// The decision for a client whose datacenter order is `order`, asking `family`.
pub fn decide_in_order(
    service: &Service,
    family: Family,
    order: &[u16],
    has_fallback: bool,
) -> Decision {
    if let Some(none) = super::no_targets(service, family, &mut NoRecord) {
        return none;
    }
    decide(service, family, order, None, has_fallback, &mut NoRecord)
}
