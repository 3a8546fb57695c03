//! The key directory: keys made, read back, rewritten and imported; and every way a directory
//! can be wrong, each reported with its file.

use std::os::unix::fs::PermissionsExt as _;

use super::*;
use crate::dnssec::crypto::CryptoError;

fn zone(text: &str) -> Name {
    text.parse().unwrap()
}

fn times(at: u64) -> KeyTimes {
    KeyTimes {
        created: Some(at),
        publish: Some(at),
        activate: Some(at),
        ..KeyTimes::default()
    }
}

fn problems(result: Result<Vec<StoredKey>, Vec<KeyError>>) -> Vec<String> {
    result
        .expect_err("an error")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn made_keys_are_read_back_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys/example.com");
    let com = zone("example.com.");
    let csk = create_key(
        &keys,
        &com,
        Algorithm::EcdsaP256Sha256,
        Role::Csk,
        times(100),
    )
    .unwrap();
    let zsk = create_key(
        &keys,
        &com,
        Algorithm::EcdsaP256Sha256,
        Role::Zsk,
        times(200),
    )
    .unwrap();
    create_key(
        &keys,
        &zone("example.org."),
        Algorithm::Ed25519,
        Role::Csk,
        times(50),
    )
    .unwrap();
    for stem in [&csk.stem, &zsk.stem] {
        for extension in ["key", "private"] {
            let path = keys.join(format!("{stem}.{extension}"));
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    assert_eq!(
        fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let loaded = load_zone_keys(&keys, &com, Some(Algorithm::EcdsaP256Sha256)).unwrap();
    assert_eq!(
        loaded.iter().map(|k| k.tag).collect::<Vec<_>>(),
        [csk.tag, zsk.tag]
    );
    assert_eq!(loaded[0].flags, 257);
    assert_eq!(loaded[1].flags, 256);
    assert_eq!(loaded[0].times, times(100));
    assert_eq!(loaded[0].dnskey, csk.dnskey);
    assert!(loaded[0].is_sep() && !loaded[1].is_sep());
    assert_eq!(loaded[0].stem, format!("Kexample.com.+013+{:05}", csk.tag));
    // Rewritten with new times, it reads back with them.
    let mut retired = loaded.into_iter().next().unwrap();
    retired.times.inactive = Some(900);
    retired.times.delete = Some(1000);
    write_key(&keys, &retired).unwrap();
    let again = load_zone_keys(&keys, &com, None).unwrap();
    assert_eq!(again[0].times.delete, Some(1000));
    assert_eq!(again[0].key.private_key(), csk.key.private_key());
    // A directory that is not there holds no keys.
    assert!(
        load_zone_keys(&dir.path().join("none"), &com, None)
            .unwrap()
            .is_empty()
    );
    assert!(
        fs::read_dir(&keys).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

/// A directory with one good key for example.com., returned with its stem.
fn directory_with_a_key() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let key = create_key(
        dir.path(),
        &zone("example.com."),
        Algorithm::Ed25519,
        Role::Csk,
        times(1),
    )
    .unwrap();
    (dir, key.stem)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{text}");
    fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn broken_pairs_are_reported_with_the_file_and_the_reason() {
    let com = zone("example.com.");
    type Damage = fn(&Path, &str);
    let cases: [(&str, Damage, &str); 7] = [
        (
            "missing .private",
            |d, s| fs::remove_file(d.join(format!("{s}.private"))).unwrap(),
            ".private: missing",
        ),
        (
            "missing .key",
            |d, s| fs::remove_file(d.join(format!("{s}.key"))).unwrap(),
            ".key: missing",
        ),
        (
            "unreadable",
            |d, s| {
                let path = d.join(format!("{s}.private"));
                fs::remove_file(&path).unwrap();
                fs::create_dir(&path).unwrap();
            },
            ".private: cannot read",
        ),
        (
            "bad base64",
            |d, s| {
                edit(
                    &d.join(format!("{s}.private")),
                    "PrivateKey: ",
                    "PrivateKey: *",
                )
            },
            ".private: line 3: PrivateKey: bad base64",
        ),
        (
            "wrong length",
            |d, s| {
                let path = d.join(format!("{s}.private"));
                let text = fs::read_to_string(&path).unwrap();
                let line = text
                    .lines()
                    .find(|l| l.starts_with("PrivateKey:"))
                    .unwrap()
                    .to_string();
                fs::write(&path, text.replace(&line, "PrivateKey: AAAA")).unwrap();
            },
            ".private: the private key is 3 bytes; ED25519 needs 32",
        ),
        (
            "tag in name",
            |d, s| {
                for ext in ["key", "private"] {
                    let renamed = s.replace("+015+", "+015+9").replace("+9", "+");
                    let renamed = format!("{}{}", &renamed[..renamed.len() - 5], "00001");
                    fs::rename(
                        d.join(format!("{s}.{ext}")),
                        d.join(format!("{renamed}.{ext}")),
                    )
                    .unwrap();
                }
            },
            "the file name says zone example.com., algorithm 15, tag 1, the key itself",
        ),
        (
            "other zone inside",
            |d, s| {
                edit(
                    &d.join(format!("{s}.key")),
                    "\nexample.com. IN",
                    "\nexample.org. IN",
                )
            },
            "the key itself zone example.org.",
        ),
    ];
    for (what, damage, expected) in cases {
        let (dir, stem) = directory_with_a_key();
        damage(dir.path(), &stem);
        let messages = problems(load_zone_keys(dir.path(), &com, None));
        assert_eq!(messages.len(), 1, "{what}: {messages:?}");
        assert!(messages[0].contains(expected), "{what}: {messages:?}");
        assert!(
            messages[0].starts_with(&dir.path().display().to_string()),
            "{what}: {messages:?}"
        );
    }
}

#[test]
fn mismatched_halves_and_other_algorithms_are_refused() {
    let com = zone("example.com.");
    let (dir, stem) = directory_with_a_key();
    let other = create_key(dir.path(), &com, Algorithm::Ed25519, Role::Zsk, times(2)).unwrap();
    // Swap the private keys of the two pairs: each .private now belongs to the other .key.
    let private = |s: &str| dir.path().join(format!("{s}.private"));
    let first = fs::read_to_string(private(&stem)).unwrap();
    let second = fs::read_to_string(private(&other.stem)).unwrap();
    fs::write(private(&stem), &second).unwrap();
    fs::write(private(&other.stem), &first).unwrap();
    let messages = problems(load_zone_keys(dir.path(), &com, None));
    assert_eq!(messages.len(), 2, "{messages:?}");
    let mismatch = CryptoError::Mismatch.to_string();
    assert!(
        messages.iter().all(|m| m.contains(&mismatch)),
        "{messages:?}"
    );

    let (dir, _) = directory_with_a_key();
    let messages = problems(load_zone_keys(
        dir.path(),
        &com,
        Some(Algorithm::EcdsaP256Sha256),
    ));
    assert!(
        messages[0].ends_with("the key's algorithm is ED25519, the zone's is ECDSAP256SHA256"),
        "{messages:?}"
    );
}

#[test]
fn import_copies_a_checked_pair_once() {
    let com = zone("example.com.");
    let (source, stem) = directory_with_a_key();
    let target = tempfile::tempdir().unwrap();
    let keys = target.path().join("keys");
    let key_file = source.path().join(format!("{stem}.key"));
    let imported = import_pair(&keys, &key_file, &com, None).unwrap();
    assert_eq!(imported.stem, stem);
    for ext in ["key", "private"] {
        let name = format!("{stem}.{ext}");
        assert_eq!(
            fs::read(keys.join(&name)).unwrap(),
            fs::read(source.path().join(&name)).unwrap()
        );
        assert_eq!(
            fs::metadata(keys.join(&name)).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Again: nothing changes. By the .private name or the stem: the same pair.
    import_pair(
        &keys,
        &source.path().join(format!("{stem}.private")),
        &com,
        None,
    )
    .unwrap();
    import_pair(&keys, &source.path().join(&stem), &com, None).unwrap();
    // For another zone or algorithm: refused, nothing written.
    let error = import_pair(&keys, &key_file, &zone("example.org."), None).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("the key is for zone example.com., not example.org."),
        "{error}"
    );
    let error = import_pair(&keys, &key_file, &com, Some(Algorithm::EcdsaP256Sha256)).unwrap_err();
    assert!(matches!(error.problem, KeyProblem::OtherAlgorithm { .. }));
    // A different pair under the same name is not overwritten.
    edit(
        &source.path().join(format!("{stem}.private")),
        "Created:",
        "Inactive: 20300101000000\nCreated:",
    );
    let error = import_pair(&keys, &key_file, &com, None).unwrap_err();
    assert_eq!(error.problem, KeyProblem::Exists);
    let error = import_pair(&keys, &source.path().join("notakey.key"), &com, None).unwrap_err();
    assert_eq!(error.problem, KeyProblem::BadFileName);
}
