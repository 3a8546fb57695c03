//! A parsed zone signed by the server's own signer (`dnssec::sign::sign_zone`) with the keys
//! as the lifecycle plan at a given time uses them, written out in presentation form, so that
//! `dnssec-verify`, `ldns-verify-zone` and `kzonecheck` judge what the server serves.

use std::path::Path;

use switchyard::dnssec::command::key_infos;
use switchyard::dnssec::keydir::StoredKey;
use switchyard::dnssec::policy::KeyPolicy;
use switchyard::dnssec::rollover;
use switchyard::dnssec::rrsig::Validity;
use switchyard::dnssec::sign::{ZoneSigning, sign_zone as sign_records};
use switchyard::dnssec::validity::SignatureWindow;
use switchyard::wire::Name;
use switchyard::wire::rtype;
use switchyard::zone::{ParseOptions, parse_zone_text, rdata_to_text};

pub use switchyard::config::zones::Denial;

/// Signs the zone `text` of `origin` with `keys` as the lifecycle plan at `plan_at` uses them
/// (published, zone signers, key signers, CDS), signatures valid over `window`. Returns the
/// signed zone in presentation form, one record a line.
pub fn sign_zone(
    text: &str,
    origin: &Name,
    keys: &[StoredKey],
    denial: Denial,
    plan_at: u64,
    window: SignatureWindow,
) -> String {
    let file = Path::new("interop.zone");
    let records = parse_zone_text(text, file, origin, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("test zone: {e:?}"));
    let plan = rollover::plan(&key_infos(keys), &KeyPolicy::default(), plan_at);
    let signing = ZoneSigning {
        origin,
        keys,
        plan: &plan,
        denial,
        validity: Validity::Window(window),
        now: plan_at,
        dnskey_ttl: 3600,
        steered: &[],
    };
    let signed = sign_records(records, &signing, file, None).unwrap();
    signed
        .records
        .iter()
        .map(|r| {
            let mnemonic = rtype::type_to_string(r.rtype);
            let rdata = rdata_to_text(r.rtype, &r.rdata);
            format!("{} {} IN {mnemonic} {rdata}\n", r.owner, r.ttl)
        })
        .collect()
}
