//! Key rollovers end to end with lifetimes and delays of a second, while Unbound keeps
//! validating: a ZSK rolled by its lifetime beside a KSK (the KSK as trust anchor), and a CSK
//! rolled by `switchyard keys roll` where the test plays the parent: it waits for the new
//! key's CDS, moves the resolver's anchor to it, runs `switchyard keys ds-seen`, and the old
//! key leaves the DNSKEY RRset.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::unbound::{Unbound, dnskey_line, validated};
use super::{key_files, online, text};
use crate::support::*;

/// The zone with one-second TTLs, so that every wait of a roll is a second or two.
const ZONE: &str = "\
$TTL 1
@ IN SOA ns1 hostmaster 1 7200 900 1209600 1
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
";

const TIMING: &str = "dnskey_ttl = \"1s\"\npropagation_delay = \"1s\"\nparent_ds_ttl = \"1s\"\n";

/// The same timings for `switchyard keys`.
const TIMING_ARGS: [&str; 8] = [
    "--dnskey-ttl",
    "1s",
    "--max-zone-ttl",
    "1s",
    "--propagation-delay",
    "1s",
    "--parent-ds-ttl",
    "1s",
];

/// `switchyard --config switchyard.toml keys ACTION --zone sig.test. ...` in `dir`.
fn keys(dir: &Path, action: &[&str], timing: bool) {
    let mut args = vec!["--config", "switchyard.toml", "keys"];
    args.extend(action);
    args.extend(["--zone", "sig.test."]);
    if timing {
        args.extend(TIMING_ARGS);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(dir)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "keys {action:?}: {}",
        text(&output)
    );
}

/// The base64 public key of a `.key` file.
fn public_key(file: &Path) -> String {
    let line = dnskey_line(file);
    line.split_whitespace().skip(6).collect()
}

/// The DNSKEY RRset as served, whitespace removed (holds each published key's base64).
fn dnskeys(server: &Server) -> String {
    online::dig(server, "sig.test.", "DNSKEY")
        .split_whitespace()
        .collect()
}

/// The key tags of the CDS records served.
fn cds_tags(server: &Server) -> Vec<String> {
    online::dig(server, "sig.test.", "CDS")
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_string))
        .collect()
}

/// The key tag in a key file's name (`Ksig.test.+013+12345.key`).
fn tag(file: &Path) -> String {
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    name.rsplit('+')
        .next()
        .unwrap()
        .trim_start_matches('0')
        .to_string()
}

/// Asks a positive and a negative question through `unbound` (both must validate) until
/// `done` holds or `limit` passes; how many rounds were asked.
fn validating_until(
    unbound: &Unbound,
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> bool,
) -> usize {
    let deadline = Instant::now() + limit;
    let mut rounds = 0;
    loop {
        let positive = unbound.ask("www.sig.test", "A", None);
        let negative = unbound.ask("nope.sig.test", "A", None);
        assert!(
            validated(&positive, 0) && validated(&negative, 3),
            "while waiting for {what}: {:04x} {:?} / {:04x} rcode {}\n{}",
            positive.flags(),
            positive.answers(),
            negative.flags(),
            negative.rcode(),
            unbound.log()
        );
        rounds += 1;
        if done() {
            return rounds;
        }
        assert!(Instant::now() < deadline, "no {what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn new_key(before: &[PathBuf], after: &[PathBuf]) -> Option<PathBuf> {
    after.iter().find(|f| !before.contains(f)).cloned()
}

#[test]
fn a_zsk_roll_by_lifetime_keeps_validating() {
    let dir = tempfile::tempdir().unwrap();
    let extra = format!("{TIMING}zsk_lifetime = \"5s\"\n");
    let config = online::config_for("sig.test.", "nsec", &extra);
    std::fs::write(dir.path().join("switchyard.toml"), &config).unwrap();
    std::fs::write(dir.path().join("sig.test.zone"), ZONE).unwrap();
    keys(dir.path(), &["generate", "--ksk"], true);
    keys(dir.path(), &["generate", "--zsk"], true);
    let files = key_files(&dir.path().join("keys"));
    let ksk = files
        .iter()
        .find(|f| dnskey_line(f).contains("DNSKEY 257 "))
        .unwrap()
        .clone();
    let zsk = files.iter().find(|f| **f != ksk).unwrap().clone();
    let server = Server::spawn(dir).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let Some(unbound) = Unbound::start(
        scratch.path(),
        "sig.test.",
        server.dns,
        &[dnskey_line(&ksk)],
    ) else {
        return;
    };
    let keys_dir = server.path("keys");
    let mut successor = None;
    validating_until(
        &unbound,
        "a new ZSK published",
        Duration::from_secs(15),
        || {
            successor = new_key(&files, &key_files(&keys_dir));
            successor
                .as_ref()
                .is_some_and(|k| dnskeys(&server).contains(&public_key(k)))
        },
    );
    let old = public_key(&zsk);
    validating_until(
        &unbound,
        "the old ZSK removed",
        Duration::from_secs(15),
        || !dnskeys(&server).contains(&old),
    );
    let zone = dnskeys(&server);
    assert!(zone.contains(&public_key(&ksk)), "{zone}");
    assert!(zone.contains(&public_key(&successor.unwrap())), "{zone}");
}

#[test]
fn a_csk_roll_with_cds_and_ds_seen_keeps_validating() {
    let config = online::config_for("sig.test.", "nsec3", TIMING);
    let server = Server::start(&config, &[("sig.test.zone", ZONE)]);
    let keys_dir = server.path("keys");
    let before = key_files(&keys_dir);
    let old = before[0].clone();
    let scratch = tempfile::tempdir().unwrap();
    let anchor = dnskey_line(&old);
    let Some(unbound) = Unbound::start(scratch.path(), "sig.test.", server.dns, &[anchor]) else {
        return;
    };
    validating_until(
        &unbound,
        "the first answers",
        Duration::from_secs(5),
        || true,
    );
    // The parent takes the first key's DS from its CDS.
    assert_eq!(cds_tags(&server), [tag(&old)]);
    keys(server.dir.path(), &["ds-seen"], true);

    keys(server.dir.path(), &["roll", "--csk"], true);
    let new = new_key(&before, &key_files(&keys_dir)).expect("a new CSK");
    assert_eq!(server.post("/reload", "").status, 200);
    // The parent's view: the CDS names the new key once it signs.
    validating_until(
        &unbound,
        "the new key's CDS",
        Duration::from_secs(15),
        || cds_tags(&server) == [tag(&new)],
    );
    assert!(dnskeys(&server).contains(&public_key(&old)));
    // The parent replaces the DS: the resolver's anchor is now the new key.
    drop(unbound);
    let scratch = tempfile::tempdir().unwrap();
    let unbound = Unbound::start(
        scratch.path(),
        "sig.test.",
        server.dns,
        &[dnskey_line(&new)],
    )
    .expect("unbound");
    keys(server.dir.path(), &["ds-seen"], true);
    assert_eq!(server.post("/reload", "").status, 200);
    let old_key = public_key(&old);
    validating_until(
        &unbound,
        "the old CSK removed",
        Duration::from_secs(15),
        || !dnskeys(&server).contains(&old_key),
    );
    assert!(dnskeys(&server).contains(&public_key(&new)));
    // The parent has the new DS: no CDS names the old key any more.
    assert!(!cds_tags(&server).contains(&tag(&old)));
}
