//! Knot DNS as the primary of a Switchyard secondary zone: zone files in a temporary
//! directory, transfers allowed with a TSIG key, IXFR from the differences between zone file
//! versions, NOTIFY to our server once its address is known; stopped by PID when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::knot::{current_user, free_port, knotd_path};
use super::secondary::{TsigKey, soa_serial};

/// A running `knotd` primary.
pub struct KnotPrimary {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    zones: Vec<String>,
    key: String,
}

fn file_name(origin: &str) -> String {
    format!("{}.zone", origin.trim_end_matches('.'))
}

impl KnotPrimary {
    /// Starts knotd serving `zones` (origin, text) and waits until it answers each SOA.
    /// `Ok(None)` when knotd is not installed.
    pub fn start(zones: &[(&str, &str)], key: &TsigKey<'_>) -> Result<Option<KnotPrimary>, String> {
        let Some(knotd) = knotd_path() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        for (origin, text) in zones {
            std::fs::write(dir.path().join(file_name(origin)), text).map_err(|e| e.to_string())?;
        }
        let port = free_port();
        let mut primary = KnotPrimary {
            child: None,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            zones: zones.iter().map(|(o, _)| o.to_string()).collect(),
            key: format!(
                "key:\n  - id: {}\n    algorithm: {}\n    secret: {}\n",
                key.name, key.algorithm, key.secret
            ),
        };
        let conf = primary.config(None);
        primary.child = Some(super::knot::spawn(&knotd, primary.dir.path(), &conf)?);
        let deadline = Instant::now() + Duration::from_secs(20);
        for origin in &primary.zones {
            while soa_serial(primary.addr, origin).is_none() {
                if Instant::now() > deadline {
                    return Err(format!("knotd did not serve {origin}:\n{}", primary.log()));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(Some(primary))
    }

    fn config(&self, notify: Option<SocketAddr>) -> String {
        let d = self.dir.path().display();
        let mut conf = format!(
            "server:\n  listen: {}@{}\n  rundir: {d}\n  pidfile: {d}/knot.pid\n\
             \x20 udp-workers: 1\n  tcp-workers: 2\n  background-workers: 1\n",
            self.addr.ip(),
            self.addr.port()
        );
        if let Some(user) = current_user() {
            conf.push_str(&format!("  user: {user}\n"));
        }
        conf.push_str(&format!(
            "database:\n  storage: {d}\nlog:\n  - target: stderr\n    any: info\n{}",
            self.key
        ));
        let notify_ref = match notify {
            Some(addr) => {
                conf.push_str(&format!(
                    "remote:\n  - id: secondary\n    address: {}@{}\n    key: transfer\n",
                    addr.ip(),
                    addr.port()
                ));
                "\n    notify: secondary"
            }
            None => "",
        };
        conf.push_str(&format!(
            "acl:\n  - id: transfer\n    address: 127.0.0.0/8\n    key: transfer\n    action: transfer\n\
             template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n\
             \x20   zonefile-load: difference\n    journal-content: changes\n\
             \x20   acl: transfer{notify_ref}\nzone:\n"
        ));
        for origin in &self.zones {
            conf.push_str(&format!(
                "  - domain: \"{origin}\"\n    file: \"{}\"\n",
                file_name(origin)
            ));
        }
        conf
    }

    fn knotc(&self, args: &[&str]) {
        let out = Command::new("knotc")
            .arg("-c")
            .arg(self.dir.path().join("knot.conf"))
            .args(args)
            .output()
            .expect("knotc runs");
        assert!(
            out.status.success(),
            "knotc {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Sends NOTIFY to `secondary` from now on (the configuration reloaded).
    pub fn notify(&self, secondary: SocketAddr) {
        let conf = self.config(Some(secondary));
        std::fs::write(self.dir.path().join("knot.conf"), conf).unwrap();
        self.knotc(&["reload"]);
    }

    /// Replaces a zone's file and has knotd load it (a new serial: an IXFR and a NOTIFY).
    pub fn update(&self, origin: &str, text: &str) {
        std::fs::write(self.dir.path().join(file_name(origin)), text).unwrap();
        self.knotc(&["zone-reload", origin]);
    }

    /// knotd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default()
    }

    /// Where knotd keeps its files.
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for KnotPrimary {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            super::knot::stop(child);
        }
    }
}
