//! A state change is logged once, at info, with structured fields and its reason.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::CheckType;
use crate::health::probe::{Outcome, Prober};
use crate::health::spec::ProbeSpec;
use crate::health::state::{Identity, TargetHealth};
use crate::health::status::Force;
use crate::health::tls::{TlsKey, client_config};

/// Log output written while the subscriber is this thread's default.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn target() -> TargetHealth {
    let identity = Identity {
        address: "192.0.2.7".parse().unwrap(),
        datacenter: "ams".into(),
        check: Some("db".into()),
        probe: None,
    };
    TargetHealth::new(identity, true, Force::Auto)
}

fn outcome(result: Result<&str, &str>) -> Outcome {
    Outcome {
        result: result.map(str::to_string).map_err(str::to_string),
        latency: Duration::from_millis(3),
    }
}

#[test]
fn a_state_change_is_logged_once_with_its_reason() {
    let mut config = super::check_config(CheckType::Tcp);
    config.fall = 2;
    config.rise = 2;
    let spec = ProbeSpec::checked("192.0.2.7".parse().unwrap(), "ams", "db", &config).unwrap();
    let check = spec.check.unwrap();
    let tls = client_config("db", &TlsKey::of(&check.config)).unwrap();
    let prober = Prober::build(&check, &tls).unwrap();

    // Reach every log call site once before the subscriber exists: tracing caches per call
    // site whether anyone listens, and a call site registered by another test's thread at the
    // same moment as this thread's subscriber could miss it.
    let warm = target();
    for _ in 0..2 {
        prober.publish(&warm, outcome(Err("warming up")));
    }

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let health = target();
    for _ in 0..5 {
        prober.publish(&health, outcome(Err("connection refused")));
    }
    for _ in 0..3 {
        prober.publish(&health, outcome(Ok("connected")));
    }
    assert!(health.is_up());

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let changes: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("health state changed"))
        .collect();
    assert_eq!(changes.len(), 2, "one line down, one line up:\n{text}");
    for (line, state, reason) in [
        (changes[0], "down", "connection refused"),
        (changes[1], "up", "connected"),
    ] {
        assert!(line.contains(" INFO "), "{line}");
        for field in [
            "target=192.0.2.7".to_string(),
            "datacenter=\"ams\"".to_string(),
            "check=\"db\"".to_string(),
            format!("state=\"{state}\""),
            format!("reason=\"{reason}\""),
        ] {
            assert!(line.contains(&field), "{field} missing in {line}");
        }
    }
    assert!(
        !text.contains("health probe"),
        "probes log at debug only:\n{text}"
    );
}
