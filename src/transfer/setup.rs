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
