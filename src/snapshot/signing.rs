//! Online signing at snapshot build: for a zone with a `[zones."…".dnssec]` table, its keys
//! are prepared (`dnssec::sign::keys`), its records signed with the steered names in the
//! chain (`dnssec::sign::sign_zone`), signatures carried over from the previous snapshot's
//! zone by content. What the build learnt (keys, plan, counts, when to build again) stays
//! with the zone for `/status`, `/metrics` and the daemon's re-signing timer.

use std::path::Path;
use std::sync::Arc;

use crate::config::zones::DnssecConfig;
use crate::config::{Config, LoadedConfig};
use crate::dnssec::command::KeySet;
use crate::dnssec::keydir::StoredKey;
use crate::dnssec::rollover::Plan;
use crate::dnssec::rrsig::Validity;
use crate::dnssec::sign::cache::SignatureCache;
use crate::dnssec::sign::keys::{KeyAccess, key_policy, prepare, signature_timing};
use crate::dnssec::sign::variants::Variants;
use crate::dnssec::sign::{ZoneSigning, sign_zone};
use crate::dnssec::time;
use crate::wire::{Name, rtype};
use crate::zone::Record;

/// The most steered answers whose signatures a zone keeps.
const VARIANTS: usize = 65_536;

/// What signing a zone left for the running server.
pub struct ZoneSignatures {
    /// The zone's keys and their plan when the zone was signed.
    pub keys: Vec<StoredKey>,
    pub plan: Plan,
    /// Signatures by content, for the next build.
    pub cache: Arc<SignatureCache>,
    /// Signatures made by this build, and carried over from the previous one.
    pub made: usize,
    pub carried: usize,
    /// The keys (indices in `keys`) that sign the zone's data, steered answers included.
    pub zone_signers: Vec<usize>,
    /// Signatures of steered answers.
    pub variants: Variants,
    /// When the zone must be signed again: the first signature due for refreshing or the
    /// plan's next event, whichever comes first.
    pub resign_at: Option<u64>,
}

impl ZoneSignatures {
    /// Folds the steered answers' signatures made since the last call into the cache the
    /// query path reads, and counts them.
    pub fn publish_variants(&self, now: u64) {
        self.variants.publish(now);
    }
}

/// Signs `records` of the zone `origin` configured by `dnssec`; the signed records and the
/// signing state, or every problem as a line. `previous` is the last build's state of the
/// same zone. Without keys and without [`KeyAccess::Apply`], the zone stays unsigned and a
/// warning says so.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    loaded: &LoadedConfig,
    origin: &Name,
    dnssec: &DnssecConfig,
    records: Vec<Record>,
    steered: &[(Name, Vec<u16>)],
    previous: Option<&ZoneSignatures>,
    access: KeyAccess,
    file: &Path,
    warnings: &mut Vec<String>,
) -> Result<(Vec<Record>, Option<ZoneSignatures>), Vec<String>> {
    let set = KeySet {
        dir: loaded.resolve(&dnssec.keys),
        zone: origin.to_lowercase(),
        algorithm: Some(dnssec.algorithm.into()),
    };
    let config_error = |key: &str, message: String| {
        vec![format!(
            "{}: zones.\"{origin}\".dnssec.{key}: {message}",
            loaded.path.display()
        )]
    };
    let timing = signature_timing(dnssec);
    if let Err(e) = timing.check() {
        return Err(config_error("signature_refresh", e.to_string()));
    }
    let max_ttl = records.iter().map(|r| r.ttl).max().unwrap_or(0);
    let policy = key_policy(dnssec, max_ttl);
    if let Err(e) = policy.check() {
        return Err(config_error("zsk_lifetime", e.to_string()));
    }
    let now = time::now();
    let Some(zone_keys) = prepare(&set, &policy, now, access)? else {
        warnings.push(format!(
            "{}: no keys for zone {origin}: the zone is checked unsigned; the server makes a CSK there on first start",
            set.dir.display()
        ));
        return Ok((records, None));
    };
    warnings.extend(
        zone_keys
            .done
            .iter()
            .map(|line| format!("{}: {line}", set.dir.display())),
    );
    let validity = Validity::Timing {
        timing: &timing,
        now,
    };
    let signing = ZoneSigning {
        origin,
        keys: &zone_keys.keys,
        plan: &zone_keys.plan,
        denial: dnssec.denial,
        validity,
        now,
        dnskey_ttl: policy.dnskey_ttl,
        steered,
    };
    let signed = sign_zone(records, &signing, file, previous.map(|p| &*p.cache))
        .map_err(|e| vec![format!("{}: {e}", file.display())])?;
    let resign_at = [
        signed.cache.refresh_at(&validity),
        zone_keys.plan.next_event_at,
    ]
    .into_iter()
    .flatten()
    .min();
    Ok((
        signed.records,
        Some(ZoneSignatures {
            zone_signers: zone_keys.plan.zone_signers(),
            keys: zone_keys.keys,
            plan: zone_keys.plan,
            cache: Arc::new(signed.cache),
            made: signed.made,
            carried: signed.carried,
            resign_at,
            variants: Variants::new(VARIANTS, timing, previous.map(|p| &p.variants)),
        }),
    ))
}

/// The types a steered name of `config`'s service `index` can answer with: A and AAAA by its
/// targets' addresses, CNAME for a name target.
pub fn steered_types(config: &Config, index: usize) -> Vec<u16> {
    let mut types = Vec::new();
    for target in &config.services[index].targets {
        let rtype = match (&target.address, &target.cname) {
            (Some(address), _) => match address.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(_)) => rtype::A,
                Ok(std::net::IpAddr::V6(_)) => rtype::AAAA,
                Err(_) => continue,
            },
            (None, Some(_)) => rtype::CNAME,
            (None, None) => continue,
        };
        if !types.contains(&rtype) {
            types.push(rtype);
        }
    }
    types
}
