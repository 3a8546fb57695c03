//! BIND (`named`) and NSD as secondaries of Switchyard: each transfers the zone with TSIG and
//! then serves exactly our records (read back by AXFR from each). Skipped, with a SKIP line,
//! where the daemon is not installed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{KEY, READER, config, zone};
use crate::support::secondary::{axfr, free_port, soa_serial};
use crate::support::*;

/// A secondary daemon started by the test, stopped by PID when dropped.
struct Daemon {
    child: Option<Child>,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            crate::support::knot::stop(child);
        }
    }
}

fn find(program: &str) -> Option<PathBuf> {
    let dirs = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    dirs.iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl Daemon {
    fn start(
        program: &Path,
        args: &[&str],
        conf_name: &str,
        conf: &str,
        dir: tempfile::TempDir,
        port: u16,
    ) -> Daemon {
        let conf_path = dir.path().join(conf_name);
        std::fs::write(&conf_path, conf).unwrap();
        let log = dir.path().join("daemon.log");
        let child = Command::new(program)
            .args(args)
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path().join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            log,
        }
    }

    fn log(&self) -> String {
        let mut text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.push_str(
            &std::fs::read_to_string(self.dir.path().join("nsd.log")).unwrap_or_default(),
        );
        text
    }

    /// Waits until the daemon serves `serial`, then compares its records with ours.
    fn serves_our_records(&self, server: &Server, serial: u32) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while soa_serial(self.addr, "example.net.") != Some(serial) {
            assert!(Instant::now() < deadline, "no transfer:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        let (rcode, ours) = axfr(server.dns, READER, "example.net.");
        assert_eq!(rcode, 0);
        let (rcode, theirs) = axfr(self.addr, "127.0.0.1", "example.net.");
        assert_eq!(rcode, 0, "{}", self.log());
        assert_eq!(ours, theirs, "the secondary serves other records than ours");
        assert!(
            ours.iter()
                .any(|r| r == "api.example.net. 30 in a 198.51.100.10")
        );
    }
}

#[test]
fn nsd_transfers_the_zone_with_tsig_and_serves_our_records() {
    let Some(nsd) = find("nsd") else {
        println!("SKIP: nsd is not installed");
        return;
    };
    let server = Server::start(&config("", "", ""), &[("example.net.zone", &zone(7, ""))]);
    let dir = tempfile::tempdir().unwrap();
    let (port, d) = (free_port(), dir.path().display().to_string());
    let conf = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  username: \"\"\n  chroot: \"\"\n\
         \x20 zonesdir: \"{d}\"\n  pidfile: \"{d}/nsd.pid\"\n  database: \"\"\n\
         \x20 xfrdfile: \"{d}/xfrd.state\"\n  zonelistfile: \"{d}/zone.list\"\n\
         \x20 logfile: \"{d}/nsd.log\"\n  server-count: 1\n  verbosity: 2\n\
         remote-control:\n  control-enable: no\n\
         key:\n  name: \"{}\"\n  algorithm: {}\n  secret: \"{}\"\n\
         zone:\n  name: \"example.net.\"\n  zonefile: \"example.net.zone\"\n\
         \x20 request-xfr: AXFR 127.0.0.1@{} {}\n  allow-notify: 127.0.0.1 {}\n\
         \x20 provide-xfr: 127.0.0.0/8 NOKEY\n",
        KEY.name,
        KEY.algorithm,
        KEY.secret,
        server.dns.port(),
        KEY.name,
        KEY.name
    );
    let daemon = Daemon::start(&nsd, &["-d", "-c"], "nsd.conf", &conf, dir, port);
    daemon.serves_our_records(&server, 7);
}

#[test]
fn bind_transfers_the_zone_with_tsig_and_serves_our_records() {
    let Some(named) = find("named") else {
        println!("SKIP: named (BIND) is not installed");
        return;
    };
    let server = Server::start(&config("", "", ""), &[("example.net.zone", &zone(7, ""))]);
    let dir = tempfile::tempdir().unwrap();
    let (port, d) = (free_port(), dir.path().display().to_string());
    let conf = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n\
         \x20 listen-on-v6 {{ none; }};\n  pid-file \"{d}/named.pid\";\n\
         \x20 session-keyfile \"{d}/session.key\";\n  managed-keys-directory \"{d}\";\n\
         \x20 recursion no;\n  dnssec-validation no;\n  allow-transfer {{ 127.0.0.0/8; }};\n}};\n\
         controls {{ }};\n\
         key \"{}\" {{ algorithm {}; secret \"{}\"; }};\n\
         zone \"example.net.\" {{\n  type secondary;\n  file \"example.net.db\";\n\
         \x20 primaries port {} {{ 127.0.0.1 key \"{}\"; }};\n}};\n",
        KEY.name,
        KEY.algorithm,
        KEY.secret,
        server.dns.port(),
        KEY.name
    );
    let daemon = Daemon::start(
        &named,
        &["-g", "-n", "1", "-c"],
        "named.conf",
        &conf,
        dir,
        port,
    );
    daemon.serves_our_records(&server, 7);
}
