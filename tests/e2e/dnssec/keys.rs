//! `switchyard keys` with BIND's tools: the DS we print is `dnssec-dsfromkey`'s, BIND signs with
//! the keys we make, `dnssec-keygen` keys are imported; and every error names its file.

use std::os::unix::fs::PermissionsExt as _;

use super::*;

/// `dnssec-dsfromkey` of a `.key` file with SHA-256 then SHA-384.
fn bind_ds(key: &Path) -> Vec<String> {
    let key = key.to_str().unwrap();
    ["SHA-256", "SHA-384"]
        .iter()
        .map(|digest| {
            let output = run("dnssec-dsfromkey", &["-a", digest, key], Path::new("."));
            assert!(output.status.success(), "{}", text(&output));
            String::from_utf8(output.stdout).unwrap().trim().to_string()
        })
        .collect()
}

#[test]
fn the_ds_we_print_is_what_dnssec_dsfromkey_prints_and_bind_signs_with_our_keys() {
    if !installed("dnssec-dsfromkey") || !installed("dnssec-signzone") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keydir = dir.path().join("keys");
    let keydir = keydir.to_str().unwrap();
    for (zone, algorithm) in [
        ("example.com.", "ecdsap256sha256"),
        ("example.net.", "ed25519"),
    ] {
        // A CSK for example.com. (which BIND then signs with), a KSK and a ZSK for example.net.
        let set = ["--dir", keydir, "--zone", zone, "--algorithm", algorithm];
        if zone == "example.com." {
            let made = keys_ok(&[&["generate"][..], &set].concat());
            assert!(made.starts_with("made CSK K"), "{made}");
        } else {
            let made = keys_ok(&[&["generate", "--ksk"][..], &set].concat());
            assert!(made.starts_with("made KSK K"), "{made}");
            keys_ok(&[&["generate", "--zsk"][..], &set].concat());
        }
        let ours: Vec<String> = keys_ok(&[&["ds"][..], &set].concat())
            .lines()
            .map(str::to_string)
            .collect();
        let ksk = key_files(Path::new(keydir))
            .into_iter()
            .find(|p| {
                let name = p.file_name().unwrap().to_str().unwrap();
                name.starts_with(&format!("K{zone}"))
                    && std::fs::read_to_string(p).unwrap().contains(" 257 3 ")
            })
            .unwrap();
        assert_eq!(ours, bind_ds(&ksk), "{zone}");
    }
    for file in std::fs::read_dir(keydir).unwrap() {
        let mode = file.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // BIND reads our .private files: dnssec-signzone signs with them and the result verifies.
    let zone = dir.path().join("example.com.zone");
    std::fs::write(&zone, super::interop::ZONE).unwrap();
    let signed = run(
        "dnssec-signzone",
        &[
            "-K",
            keydir,
            "-o",
            "example.com.",
            "-S",
            "-z",
            "-f",
            "signed.zone",
            "example.com.zone",
        ],
        dir.path(),
    );
    assert!(signed.status.success(), "{}", text(&signed));
    let verified = run(
        "dnssec-verify",
        &["-z", "-o", "example.com.", "signed.zone"],
        dir.path(),
    );
    assert!(verified.status.success(), "{}", text(&verified));
}

#[test]
fn dnssec_keygen_pairs_are_imported_and_listed_with_their_ds() {
    if !installed("dnssec-keygen") || !installed("dnssec-dsfromkey") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = bind_keygen(&dir.path().join("bind"));
    let keydir = dir.path().join("keys");
    let set = ["--dir", keydir.to_str().unwrap(), "--zone", "example.com."];
    let names: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let imported = keys_ok(&[&["import"][..], &set, &names].concat());
    assert_eq!(imported.lines().count(), 2, "{imported}");
    // Importing the same pairs again changes nothing.
    keys_ok(&[&["import"][..], &set, &names].concat());
    let listing = keys_ok(&[&["list"][..], &set].concat());
    assert!(listing.contains("2 key(s)"), "{listing}");
    assert!(
        listing.contains(" KSK ECDSAP256SHA256 active, signs keys, DS unconfirmed"),
        "{listing}"
    );
    assert!(
        listing.contains(" ZSK ECDSAP256SHA256 active, signs zone "),
        "{listing}"
    );
    let ksk = files
        .iter()
        .find(|p| std::fs::read_to_string(p).unwrap().contains(" 257 3 13 "))
        .unwrap();
    let ours: Vec<String> = keys_ok(&[&["ds"][..], &set].concat())
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(ours, bind_ds(ksk));
    // Once imported, the key files are those BIND wrote.
    for file in &files {
        let copy = keydir.join(file.file_name().unwrap());
        assert_eq!(std::fs::read(file).unwrap(), std::fs::read(copy).unwrap());
    }
}

#[test]
fn bad_keys_and_refused_changes_name_the_file_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let keydir = dir.path().join("keys");
    let set = ["--dir", keydir.to_str().unwrap(), "--zone", "example.com."];
    keys_ok(&[&["generate"][..], &set].concat());
    let (code, _, stderr) = keys(&[&["generate"][..], &set].concat());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("example.com.: the zone already has a CSK"),
        "{stderr}"
    );
    let (code, _, stderr) = keys(&[&["ds-seen"][..], &set].concat());
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = keys(&[&["ds-seen"][..], &set].concat());
    assert_eq!(code, 1);
    assert!(stderr.contains("no DS change is waiting"), "{stderr}");

    let private = key_files(&keydir)[0].with_extension("private");
    let original = std::fs::read_to_string(&private).unwrap();
    std::fs::write(&private, original.replace("PrivateKey: ", "PrivateKey: *")).unwrap();
    for action in ["list", "ds", "roll"] {
        let (code, stdout, stderr) = keys(&[&[action][..], &set].concat());
        assert_eq!(code, 1, "{action}");
        assert!(stdout.is_empty(), "{action}: {stdout}");
        let expected = format!("{}: line 3: PrivateKey: ", private.display());
        assert!(stderr.starts_with(&expected), "{action}: {stderr}");
    }
    std::fs::write(&private, original).unwrap();
    let other = ["--dir", keydir.to_str().unwrap(), "--zone", "example.org."];
    let key = key_files(&keydir)[0].clone();
    let (code, _, stderr) = keys(&[&["import"][..], &other, &[key.to_str().unwrap()]].concat());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the key is for zone example.com., not example.org."),
        "{stderr}"
    );
    let (code, _, stderr) = keys(&["list", "--zone", "example.com.", "--algorithm", "rsasha256"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("rsasha256") || stderr.contains("RSASHA256"),
        "{stderr}"
    );
    let (code, _, _) = keys(&["list", "--dir", "x"]);
    assert_eq!(code, 2);
}

#[test]
fn the_configuration_gives_the_key_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.com.zone"), super::interop::ZONE).unwrap();
    let config = "[zones.\"example.com.\"]\nfile = \"example.com.zone\"\n\
                  [zones.\"example.com.\".dnssec]\nkeys = \"keys/example.com\"\nalgorithm = \"ed25519\"\n";
    let config_path = dir.path().join("switchyard.toml");
    std::fs::write(&config_path, config).unwrap();
    let config_path = config_path.to_str().unwrap();
    let made = keys_ok(&[
        "--config",
        config_path,
        "generate",
        "--zone",
        "example.com.",
    ]);
    assert!(made.starts_with("made CSK Kexample.com.+015+"), "{made}");
    assert_eq!(key_files(&dir.path().join("keys/example.com")).len(), 1);
    let listing = keys_ok(&["--config", config_path, "list", "--zone", "example.com."]);
    assert!(listing.contains("CSK ED25519 active"), "{listing}");
    let (code, _, stderr) = keys(&["--config", config_path, "list", "--zone", "example.org."]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("zones.\"example.org.\": no such zone"),
        "{stderr}"
    );
}
