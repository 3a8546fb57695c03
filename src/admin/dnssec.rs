//! What `/status` and `/metrics` say of each signed zone: its keys and their states, the next
//! key event, whether the parent's DS set must change, the earliest signature expiration, and
//! the signatures made and carried over at build and of steered answers.

use serde_json::{Value, json};

use crate::dnssec::status;
use crate::logging::rfc3339;
use crate::metrics::text::{TextWriter, Type};
use crate::snapshot::{LoadedZone, Snapshot};

fn time(unix: u64) -> String {
    rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix))
}

/// The `dnssec` member of a zone in `/status`: `null` for an unsigned zone.
pub fn zone_status(zone: &LoadedZone) -> Value {
    let expiry = zone.signature_expiry.map(|at| {
        json!({
            "at": time(at),
            "at_unix": at,
        })
    });
    let Some(signed) = &zone.signatures else {
        return match expiry {
            Some(expiry) => json!({
                "mode": "presigned",
                "signatures_expire": expiry,
            }),
            None => Value::Null,
        };
    };
    let next = status::next_event(&signed.keys, &signed.plan).map(|event| {
        json!({
            "at": time(event.at),
            "at_unix": event.at,
            "what": event.what,
        })
    });
    json!({
        "mode": "online",
        "keys": status::keys(&signed.keys, &signed.plan),
        "next_key_event": next,
        "ds_change_needed": signed.plan.ds_change_needed(),
        "ds_change": status::ds_change(&signed.keys, &signed.plan),
        "signatures_expire": expiry,
        "signatures": {
            "made": signed.made,
            "carried": signed.carried,
        },
        "variants": {
            "cached": signed.variants.len(),
            "signed_inline": signed.variants.signed_inline(),
            "signed_ahead": signed.variants.signed_ahead(),
        },
    })
}

/// The `switchyard_dnssec_*` families (written even with no signed zone, so that alerts can
/// be checked against any server).
pub fn metrics(snapshot: &Snapshot, w: &mut TextWriter) {
    let zones = || {
        snapshot
            .zones()
            .iter()
            .map(|z| (z.zone.origin().to_string(), z))
    };
    let name = "switchyard_dnssec_signature_expiry_timestamp_seconds";
    w.family(
        name,
        Type::Gauge,
        "Earliest expiration of a signed zone's RRSIGs (signed online or elsewhere), Unix seconds.",
    );
    for (origin, zone) in zones() {
        if let Some(at) = zone.signature_expiry {
            w.sample(name, &[("zone", &origin)], at);
        }
    }
    let signed = || zones().filter_map(|(o, z)| Some((o, z.signatures.as_ref()?)));
    let name = "switchyard_dnssec_ds_change_needed";
    w.family(
        name,
        Type::Gauge,
        "1 while the parent's DS set must change for a zone signed here (a KSK or CSK roll: \
         publish the new DS, then run `switchyard keys ds-seen`).",
    );
    for (origin, s) in signed() {
        w.sample(name, &[("zone", &origin)], s.plan.ds_change_needed());
    }
    let name = "switchyard_dnssec_key";
    w.family(
        name,
        Type::Gauge,
        "Always 1: each key of a zone signed here, with its tag, role, algorithm and state.",
    );
    for (origin, s) in signed() {
        for key in status::keys(&s.keys, &s.plan) {
            let tag = key.tag.to_string();
            let labels = [
                ("zone", origin.as_str()),
                ("tag", &tag),
                ("role", &key.role),
                ("algorithm", key.algorithm),
                ("state", key.state),
                ("ds", key.ds),
            ];
            w.sample(name, &labels, 1u64);
        }
    }
    let name = "switchyard_dnssec_next_key_event_timestamp_seconds";
    w.family(
        name,
        Type::Gauge,
        "When the key set of a zone signed here changes next by itself, Unix seconds.",
    );
    for (origin, s) in signed() {
        if let Some(at) = s.plan.next_event_at {
            w.sample(name, &[("zone", &origin)], at);
        }
    }
    let name = "switchyard_dnssec_signatures";
    w.family(
        name,
        Type::Gauge,
        "Signatures of the zone's static data at its last build: made then, or carried over \
         from the build before (content unchanged).",
    );
    for (origin, s) in signed() {
        w.sample(
            name,
            &[("zone", &origin), ("source", "made")],
            s.made as u64,
        );
        w.sample(
            name,
            &[("zone", &origin), ("source", "carried")],
            s.carried as u64,
        );
    }
    let name = "switchyard_dnssec_variants_cached";
    w.family(
        name,
        Type::Gauge,
        "Steered answers (variants) whose signatures are cached for the query path.",
    );
    for (origin, s) in signed() {
        w.sample(name, &[("zone", &origin)], s.variants.len() as u64);
    }
    let name = "switchyard_dnssec_variants_signed_total";
    w.family(
        name,
        Type::Counter,
        "Steered answers signed since the server started, by how: inline (a query's cache \
         miss) or ahead (off the query path, for the current health).",
    );
    for (origin, s) in signed() {
        let inline = s.variants.signed_inline();
        w.sample(name, &[("zone", &origin), ("how", "inline")], inline);
        let ahead = s.variants.signed_ahead();
        w.sample(name, &[("zone", &origin), ("how", "ahead")], ahead);
    }
}
