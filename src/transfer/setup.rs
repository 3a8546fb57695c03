//! The transfer settings of one configuration generation, built with its snapshot: the TSIG
//! keys, and per zone who may transfer it, whom to notify and how its serial moves.

use std::net::SocketAddr;
use std::sync::Arc;

use super::acl::Acl;
use super::tsig::{Key, KeyRing};
use crate::config::{LoadedConfig, SerialPolicy, ZoneConfig};

/// Transfer settings of one zone.
#[derive(Debug, Clone, Default)]
pub struct ZoneTransfer {
    pub acl: Acl,
    pub notify: Vec<SocketAddr>,
    pub serial: SerialPolicy,
    /// Secondary role: the primary and the key its transfers and NOTIFY are signed with.
    pub primary: Option<SocketAddr>,
    pub key: Option<Arc<Key>>,
    /// What transfers carry at steered names (fixed when the snapshot is built).
    pub defaults: super::content::Defaults,
    /// Digest of `defaults` (see [`super::content::fingerprint`]).
    pub fingerprint: u64,
}

/// Transfer settings of every zone, in the snapshot's zone order.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    pub keys: KeyRing,
    zones: Vec<ZoneTransfer>,
}

impl Setup {
    /// Reads the keys; problems are `(key path, message)`.
    pub fn keys(loaded: &LoadedConfig) -> Result<KeyRing, Vec<(String, String)>> {
        KeyRing::load(&loaded.config.tsig, |path| loaded.resolve(path))
    }

    /// Settings of one zone.
    pub fn zone(config: &ZoneConfig, keys: &KeyRing) -> ZoneTransfer {
        ZoneTransfer {
            acl: Acl::new(&config.allow_transfer, keys),
            notify: config
                .notify
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect(),
            serial: config.serial,
            primary: config.primary.as_ref().and_then(|a| a.parse().ok()),
            key: config.key.as_ref().and_then(|k| keys.get(k).cloned()),
            defaults: Vec::new(),
            fingerprint: 0,
        }
    }

    pub fn new(keys: KeyRing, zones: Vec<ZoneTransfer>) -> Setup {
        Setup { keys, zones }
    }

    /// The settings of the zone at this index of the snapshot (defaults when it has none).
    pub fn of(&self, zone: u32) -> Option<&ZoneTransfer> {
        self.zones.get(zone as usize)
    }
}

/// A zone whose serial follows a `serial` policy: what it was built from, kept until the
/// steered names' defaults are known.
pub struct Retained {
    /// Index among the snapshot's zones.
    pub index: usize,
    pub origin: crate::wire::Name,
    /// Steered names placed in it, with their service ids.
    pub services: Vec<(crate::wire::Name, u32)>,
    pub records: Vec<crate::zone::Record>,
    pub policy: SerialPolicy,
}

/// Completes the transfer settings once the services are built: each zone's defaults at
/// steered names and their digest, and for zones with a `serial` policy the serial to serve
/// (the zone is built again with it when it is not the file's). `persist` records the
/// decision in the zone's serial state file (not for `check` or `explain`).
pub fn finish(
    zones: &mut [crate::snapshot::LoadedZone],
    setups: &mut [ZoneTransfer],
    retained: Vec<Retained>,
    services: &[crate::policy::Service],
    persist: bool,
) -> Result<(), Vec<String>> {
    use super::content::{fingerprint, set_serial, steered_defaults};
    for (loaded, setup) in zones.iter().zip(setups.iter_mut()) {
        setup.defaults = steered_defaults(services, &loaded.zone);
        setup.fingerprint = fingerprint(&setup.defaults, &loaded.zone);
    }
    for mut zone in retained {
        let (Some(loaded), Some(setup)) = (zones.get_mut(zone.index), setups.get_mut(zone.index))
        else {
            continue;
        };
        let file_serial = loaded.zone.serial();
        let serial = if persist {
            super::serial::choose(zone.policy, &loaded.file, file_serial, setup.fingerprint)
                .map_err(|e| vec![format!("zone serial state: {e}")])?
        } else {
            file_serial
        };
        if serial == file_serial {
            continue;
        }
        for record in zone
            .records
            .iter_mut()
            .filter(|r| r.rtype == crate::wire::rtype::SOA)
        {
            let mut rdata = record.rdata.to_vec();
            set_serial(&mut rdata, serial);
            record.rdata = rdata.into();
        }
        let mut builder = crate::zone::ZoneBuilder::new(&zone.origin, &loaded.file);
        for (name, id) in &zone.services {
            builder.add_service(name, *id);
        }
        builder.add_records(zone.records);
        let (built, _) = builder
            .finish()
            .map_err(|p| p.errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        loaded.zone = built;
        setup.defaults = steered_defaults(services, &loaded.zone);
    }
    let now = crate::dnssec::time::now();
    for (loaded, setup) in zones.iter().zip(setups.iter_mut()) {
        // Only a zone someone may transfer needs its defaults signed.
        if let Some(signatures) = loaded.signatures.as_ref().filter(|_| !setup.acl.is_empty()) {
            super::content::sign_defaults(&mut setup.defaults, &loaded.zone, signatures, now);
        }
    }
    Ok(())
}
