//! `allow_transfer`: who may transfer a zone. An entry matches when every field it gives
//! does (the client's address in `network`, the request signed with `key`); no entry, no
//! transfer.

use std::net::IpAddr;
use std::sync::Arc;

use super::tsig::{Key, KeyRing};
use crate::config::TransferAcl;

/// One prepared `allow_transfer` entry.
#[derive(Debug, Clone)]
pub struct AclEntry {
    pub network: Option<ipnet::IpNet>,
    pub key: Option<Arc<Key>>,
}

/// The prepared `allow_transfer` list of one zone.
#[derive(Debug, Clone, Default)]
pub struct Acl {
    entries: Vec<AclEntry>,
}

impl Acl {
    /// Prepares the entries; keys are looked up in `keys` (references were checked by
    /// config validation, an unknown one makes the entry match nothing).
    pub fn new(entries: &[TransferAcl], keys: &KeyRing) -> Acl {
        let entries = entries
            .iter()
            .filter_map(|entry| {
                let network = match &entry.network {
                    Some(text) => Some(
                        text.parse::<ipnet::IpNet>()
                            .ok()
                            .or_else(|| text.parse::<IpAddr>().ok().map(ipnet::IpNet::from))?,
                    ),
                    None => None,
                };
                let key = match &entry.key {
                    Some(name) => Some(keys.get(name)?.clone()),
                    None => None,
                };
                Some(AclEntry { network, key })
            })
            .collect();
        Acl { entries }
    }

    /// Whether a request from `client`, signed with `key` (already verified), may transfer.
    pub fn allows(&self, client: IpAddr, key: Option<&Arc<Key>>) -> bool {
        let client = match client {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        };
        self.entries.iter().any(|entry| {
            entry.network.is_none_or(|net| net.contains(&client))
                && entry
                    .key
                    .as_ref()
                    .is_none_or(|want| key.is_some_and(|got| Arc::ptr_eq(want, got)))
        })
    }

    /// The key of the first entry that names one and whose network (if any) holds `peer`:
    /// what a NOTIFY to that secondary is signed with.
    pub fn key_for(&self, peer: IpAddr) -> Option<Arc<Key>> {
        self.entries
            .iter()
            .filter(|e| e.network.is_none_or(|net| net.contains(&peer)))
            .find_map(|e| e.key.clone())
    }

    /// True when no client may transfer the zone.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TsigConfig;

    #[test]
    fn every_field_of_an_entry_must_match() {
        let config = [(
            "t".to_string(),
            TsigConfig {
                algorithm: Default::default(),
                secret: Some("c2VjcmV0".into()),
                secret_file: None,
            },
        )]
        .into();
        let keys = KeyRing::load(&config, |p| std::path::PathBuf::from(p)).unwrap();
        let key = keys.get("t").cloned();
        let acl = Acl::new(
            &[
                TransferAcl {
                    network: Some("10.0.0.0/8".into()),
                    key: Some("t".into()),
                },
                TransferAcl {
                    network: Some("192.0.2.1".into()),
                    key: None,
                },
            ],
            &keys,
        );
        let ten: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(acl.allows(ten, key.as_ref()));
        assert!(!acl.allows(ten, None));
        assert!(acl.allows("192.0.2.1".parse().unwrap(), None));
        assert!(acl.allows("::ffff:192.0.2.1".parse().unwrap(), None));
        assert!(!acl.allows("192.0.2.2".parse().unwrap(), key.as_ref()));
        assert!(!Acl::default().allows(ten, key.as_ref()));
    }
}
