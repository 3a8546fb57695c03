//! The key lifecycle policy: which keys a zone starts with, how long keys live, and the TTLs
//! and delays that decide how long each step of a roll must wait.

/// Which keys a zone starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One combined signing key (the default).
    Csk,
    /// A key-signing key and a zone-signing key.
    KskZsk,
}

/// The lifetimes and delays of the lifecycle, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    pub layout: Layout,
    /// A ZSK is rolled this long after it became active (`None`: never automatically).
    pub zsk_lifetime: Option<u64>,
    /// A CSK is rolled this long after it became active (`None`: only by command).
    pub csk_lifetime: Option<u64>,
    /// TTL of the DNSKEY RRset.
    pub dnskey_ttl: u32,
    /// The longest TTL in the zone (signatures are cached as long).
    pub max_zone_ttl: u32,
    /// How long a change takes to reach every secondary (and the parent's servers).
    pub propagation_delay: u32,
    /// TTL of the DS RRset at the parent.
    pub parent_ds_ttl: u32,
}

impl Default for KeyPolicy {
    /// A CSK never rolled automatically; ZSKs (when KSK+ZSK) rolled every 30 days, as Knot.
    fn default() -> Self {
        KeyPolicy {
            layout: Layout::Csk,
            zsk_lifetime: Some(30 * 86_400),
            csk_lifetime: None,
            dnskey_ttl: 3600,
            max_zone_ttl: 86_400,
            propagation_delay: 3600,
            parent_ds_ttl: 86_400,
        }
    }
}

impl KeyPolicy {
    /// From publication to activation of a new key.
    pub(crate) fn publish_safety(&self) -> u64 {
        u64::from(self.dnskey_ttl) + u64::from(self.propagation_delay)
    }

    /// From a key's last signature over zone data to its removal.
    pub(crate) fn signature_safety(&self) -> u64 {
        u64::from(self.max_zone_ttl) + u64::from(self.propagation_delay)
    }

    /// From the parent's DS change to the old key's removal.
    pub(crate) fn ds_safety(&self) -> u64 {
        u64::from(self.parent_ds_ttl) + u64::from(self.propagation_delay)
    }
}

/// A lifetime too short for the roll it starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {role} lifetime ({lifetime}s) is shorter than one roll takes ({needed}s: DNSKEY TTL, zone TTL and twice the propagation delay)"
)]
pub struct PolicyError {
    pub role: &'static str,
    pub lifetime: u64,
    pub needed: u64,
}

impl KeyPolicy {
    /// Checks that each lifetime outlasts the roll it starts, so that rolls never overlap.
    pub fn check(&self) -> Result<(), PolicyError> {
        let needed = self.publish_safety() + self.signature_safety();
        for (role, lifetime) in [("ZSK", self.zsk_lifetime), ("CSK", self.csk_lifetime)] {
            if let Some(lifetime) = lifetime.filter(|&l| l <= needed) {
                return Err(PolicyError {
                    role,
                    lifetime,
                    needed,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_must_outlast_a_roll() {
        KeyPolicy::default().check().unwrap();
        let short = KeyPolicy {
            zsk_lifetime: Some(86_400),
            ..KeyPolicy::default()
        };
        let error = short.check().unwrap_err();
        assert_eq!(
            (error.role, error.needed),
            ("ZSK", 3600 + 3600 + 86_400 + 3600)
        );
    }
}
