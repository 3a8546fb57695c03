//! The read-only views that the console and `switchyard ctl` use besides `/status`:
//! `GET /events` (the event log), `GET /explain` (the decision trace, live) and `GET /map` (the
//! datacenter each country's clients get now). None of them changes anything.

use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::handlers::bad_request;
use super::{Body, Query, console, json};
use crate::daemon::Daemon;
use crate::geo::{Code2, Location};
use crate::policy::{self, Family, NoRecord, Service, Trace};
use crate::snapshot::Snapshot;
use crate::wire::{Name, rtype};
use crate::zone::Lookup;

/// `GET /events?after=N`: the events kept with a sequence number above N (all by default).
pub fn events(daemon: &Daemon, query: &Query) -> Response<Body> {
    let after = match query.get("after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(text) => match text.parse::<u64>() {
            Ok(after) => after,
            Err(_) => return bad_request(&format!("after: {text:?} is not a sequence number")),
        },
    };
    let (events, latest) = daemon.health.events().after(after);
    json(
        StatusCode::OK,
        &json!({
            "latest": latest,
            "capacity": crate::events::CAPACITY,
            "events": events,
        }),
    )
}

/// `GET /explain?name=&type=&client=`: the trace `switchyard explain` and `dig CH TXT` give,
/// against the live snapshot and health.
pub fn explain(daemon: &Daemon, query: &Query) -> Response<Body> {
    let Some(name) = query.get("name").filter(|n| !n.trim().is_empty()) else {
        return bad_request("name is required");
    };
    let type_text = query.get("type").unwrap_or_else(|| "A".to_string());
    let Some(qtype) = rtype::type_from_str(type_text.trim()) else {
        return bad_request(&format!("type: unknown type {type_text:?}"));
    };
    let Some(client_text) = query.get("client").filter(|c| !c.trim().is_empty()) else {
        return bad_request("client is required (an address, or ADDRESS/PREFIX for ECS)");
    };
    let client = match crate::explain::parse_client(client_text.trim()) {
        Ok(client) => client,
        Err(e) => return bad_request(&format!("client: {e}")),
    };
    let name = match Name::parse(name.trim(), Some(&Name::root())) {
        Ok(name) => name.to_lowercase(),
        Err(e) => return bad_request(&format!("name: {e}")),
    };
    let snapshot = daemon.shared.snapshot.load_full();
    // Over TCP: the whole answer, as `switchyard explain` gives it.
    let lines = crate::answer::explain(
        &snapshot,
        name.as_wire(),
        qtype,
        &client,
        crate::wire::Transport::Tcp,
    );
    json(
        StatusCode::OK,
        &json!({
            "name": name.to_string(),
            "type": rtype::type_to_string(qtype),
            "client": client_text.trim(),
            "generation": snapshot.generation,
            "lines": lines,
        }),
    )
}

/// `GET /map?service=&type=&country=`: for each country on the console's map, the datacenter
/// its clients get now (rules, distance, health and drains applied through
/// [`policy::select_at`]), the one they prefer, and why; with `country=`, that country's
/// trace too. Without `service=`, the first steered service.
pub fn map(daemon: &Daemon, query: &Query) -> Response<Body> {
    let snapshot = daemon.shared.snapshot.load_full();
    let services: Vec<String> = snapshot
        .services()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    let wanted = query.get("service").filter(|s| !s.is_empty());
    let service = match &wanted {
        None => snapshot.services().first(),
        Some(text) => {
            let name = Name::parse(text, Some(&Name::root())).map(|n| n.to_lowercase());
            snapshot.services().iter().find(|s| {
                name.as_ref()
                    .is_ok_and(|n| s.name.to_lowercase().as_wire() == n.as_wire())
            })
        }
    };
    let Some(service) = service else {
        return match wanted {
            Some(text) => json(
                StatusCode::NOT_FOUND,
                &json!({"error": format!("no steered service named {text:?}"), "services": services}),
            ),
            None => json(
                StatusCode::OK,
                &json!({"services": services, "service": null}),
            ),
        };
    };
    let (family, qtype) = match query.get("type").as_deref().unwrap_or("A") {
        "A" | "a" | "" => (Family::V4, rtype::A),
        "AAAA" | "aaaa" => (Family::V6, rtype::AAAA),
        other => return bad_request(&format!("type: {other:?} is not A or AAAA")),
    };
    let focus = query.get("country").and_then(|c| Code2::new(&c));
    let has_fallback = has_fallback(&snapshot, service, qtype);
    let name_of = |d: Option<u16>| {
        d.and_then(|d| service.datacenters.get(usize::from(d)))
            .map(|d| d.name.clone())
    };
    let mut countries = Map::new();
    let mut trace = None;
    for country in console::countries() {
        let location = Location {
            continent: Some(country.continent),
            country: Some(country.code),
            coordinates: Some(country.point),
            ..Location::default()
        };
        let placed = if focus == Some(country.code) {
            let mut recorder = Trace::default();
            let placed = policy::select_at(service, family, &location, has_fallback, &mut recorder);
            trace = Some(recorder.lines);
            placed
        } else {
            policy::select_at(service, family, &location, has_fallback, &mut NoRecord)
        };
        countries.insert(
            country.code.to_string(),
            json!({
                "datacenter": name_of(placed.decision.datacenter),
                "first_choice": name_of(placed.first_choice),
                "reason": placed.decision.reason.as_str(),
            }),
        );
    }
    let datacenters: Vec<Value> = service
        .datacenters
        .iter()
        .map(|d| json!({"name": d.name, "drained": d.health.is_drained()}))
        .collect();
    json(
        StatusCode::OK,
        &json!({
            "generation": snapshot.generation,
            "services": services,
            "service": service.name.to_string(),
            "policy": format!("{:?}", service.policy).to_lowercase(),
            "type": rtype::type_to_string(qtype),
            "fallback": has_fallback,
            "datacenters": datacenters,
            "countries": countries,
            "country": focus.map(|c| c.to_string()),
            "trace": trace,
        }),
    )
}

/// Whether the zone file holds records of `qtype` at the service's name (its fallback).
fn has_fallback(snapshot: &Snapshot, service: &Service, qtype: u16) -> bool {
    let name = service.name.to_lowercase();
    let Some(zone) = snapshot.find_zone(name.as_wire()) else {
        return false;
    };
    let zone = snapshot.zone(zone);
    match zone.lookup(name.as_wire()) {
        Lookup::Found(id) => zone.node(id).rrset(qtype).is_some(),
        _ => false,
    }
}
