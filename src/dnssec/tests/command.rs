//! The key commands on a real directory: a zone's life from its first key through a CSK roll.

use super::*;

const NOW: u64 = 1_800_000_000;

fn set(dir: &std::path::Path) -> KeySet {
    KeySet {
        dir: dir.join("keys"),
        zone: "example.com.".parse().unwrap(),
        algorithm: Some(Algorithm::Ed25519),
    }
}

#[test]
fn a_zone_from_its_first_key_through_a_csk_roll() {
    let dir = tempfile::tempdir().unwrap();
    let set = set(dir.path());
    let policy = KeyPolicy::default();
    let listing = list(&set, &policy, NOW).unwrap().to_string();
    assert!(listing.contains("example.com.: no keys in"), "{listing}");
    assert!(matches!(
        ds(&set, &policy, NOW),
        Err(CommandError::NoKeys { .. })
    ));

    let made = generate(&set, Role::Csk, &policy, NOW).unwrap();
    assert!(
        made[0].starts_with("made CSK Kexample.com.+015+"),
        "{made:?}"
    );
    let again = generate(&set, Role::Csk, &policy, NOW)
        .unwrap_err()
        .to_string();
    assert!(again.contains("already has a CSK"), "{again}");
    let listing = list(&set, &policy, NOW).unwrap().to_string();
    assert!(
        listing.contains("CSK ED25519 active, signs zone and keys, DS submitted"),
        "{listing}"
    );
    assert!(
        listing.contains("Created 2027-01-15T08:00:00Z"),
        "{listing}"
    );
    assert!(
        listing.contains("DS change needed at the parent: add key"),
        "{listing}"
    );

    let lines = ds(&set, &policy, NOW).unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("example.com. IN DS ") && lines[0].contains(" 15 2 "));
    assert!(lines[1].contains(" 15 4 "));

    ds_seen(&set, &policy, NOW + 3600).unwrap();
    let listing = list(&set, &policy, NOW + 3600).unwrap().to_string();
    assert!(listing.contains("DS seen at the parent") && !listing.contains("DS change needed"));
    assert!(
        ds_seen(&set, &policy, NOW + 3600)
            .unwrap_err()
            .to_string()
            .contains("no DS change")
    );

    let rolled = roll(&set, Role::Csk, &policy, NOW + 86_400).unwrap();
    assert!(
        rolled[0].contains("active from 2027-01-16T10:00:00Z"),
        "{rolled:?}"
    );
    // Before the new key is active the DS to give is still the old one; afterwards the new.
    let old = ds(&set, &policy, NOW + 86_400).unwrap();
    assert_eq!(old, lines);
    let new = ds(&set, &policy, NOW + 86_400 + 7200).unwrap();
    assert_ne!(new, lines);
    let listing = list(&set, &policy, NOW + 86_400 + 7200)
        .unwrap()
        .to_string();
    assert!(listing.contains(", remove key "), "{listing}");
    let seen = ds_seen(&set, &policy, NOW + 2 * 86_400).unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].contains("leaves the zone at"), "{seen:?}");
    let keys = set.load().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].times.delete.is_some() && keys[1].times.ds_publish.is_some());
}

#[test]
fn problems_with_the_directory_come_back_with_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let set = set(dir.path());
    let policy = KeyPolicy::default();
    generate(&set, Role::Csk, &policy, NOW).unwrap();
    let other = KeySet {
        algorithm: Some(Algorithm::EcdsaP256Sha256),
        ..set.clone()
    };
    let error = list(&other, &policy, NOW).unwrap_err().to_string();
    assert!(
        error.contains(".key: the key's algorithm is ED25519"),
        "{error}"
    );
    let error = import(&set, &[dir.path().join("Kexample.com.+015+00001.key")]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Kexample.com.+015+00001.key: missing"),
        "{error}"
    );
}

#[test]
fn new_keys_take_the_zones_algorithm_and_a_second_algorithm_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let given = set(dir.path());
    let open = KeySet {
        algorithm: None,
        ..given.clone()
    };
    let policy = KeyPolicy::default();
    generate(&given, Role::Ksk, &policy, NOW).unwrap();
    let made = generate(&open, Role::Zsk, &policy, NOW).unwrap();
    assert!(
        made[0].starts_with("made ZSK Kexample.com.+015+"),
        "{made:?}"
    );
    // Past the ZSK's lifetime, the listing shows the roll that is due.
    let listing = list(&open, &policy, NOW + 31 * 86_400).unwrap().to_string();
    assert!(
        listing.contains("due now: a new ZSK\ndue now: key "),
        "{listing}"
    );
    // A key of another algorithm put there by hand: the directory no longer loads.
    let times = crate::dnssec::keyfile::KeyTimes {
        created: Some(NOW + 10),
        ..Default::default()
    };
    let odd = create_key(
        &open.dir,
        &open.zone,
        Algorithm::EcdsaP256Sha256,
        Role::Zsk,
        times,
    )
    .unwrap();
    let error = list(&open, &policy, NOW).unwrap_err().to_string();
    let expected = format!(
        "{}.key: the key's algorithm is ECDSAP256SHA256, the zone's is ED25519",
        odd.stem
    );
    assert!(error.ends_with(&expected), "{error}");
}

#[test]
fn the_configuration_names_the_key_directory_and_algorithm() {
    let text = r#"
[zones]
"plain.example." = "plain.zone"
[zones."Example.COM."]
file = "example.zone"
[zones."Example.COM.".dnssec]
keys = "keys/example.com"
algorithm = "ed25519"
"#;
    let loaded =
        crate::config::parse(text, std::path::Path::new("/etc/sy/switchyard.toml")).unwrap();
    let set = KeySet::from_config(&loaded, &"example.com.".parse().unwrap()).unwrap();
    assert_eq!(set.dir, std::path::Path::new("/etc/sy/keys/example.com"));
    assert_eq!(set.algorithm, Some(Algorithm::Ed25519));
    assert_eq!(set.zone.to_string(), "example.com.");
    let error = |zone: &str| {
        KeySet::from_config(&loaded, &zone.parse().unwrap())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error("plain.example."),
        "/etc/sy/switchyard.toml: zones.\"plain.example.\".dnssec: not set: the zone is not signed here (or pass --dir)"
    );
    assert_eq!(
        error("other.example."),
        "/etc/sy/switchyard.toml: zones.\"other.example.\": no such zone (or pass --dir)"
    );
}
