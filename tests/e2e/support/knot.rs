//! Runs Knot DNS (`knotd`) as a reference server for the differential test: a config in a
//! temporary directory, the same zone files as Switchyard, a free loopback port, and a guard
//! that stops the process by its PID when dropped (also when a test panics).

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::dns::{QueryBuilder, exchange_udp};

/// Where Debian installs the daemon; `PATH` is searched too.
const KNOTD_PATHS: &[&str] = &["/usr/sbin/knotd", "/usr/local/sbin/knotd"];

/// Source address allowed to transfer zones from the reference server (the corpus itself is
/// sent from 127.0.0.1, which gets no transfers, like Switchyard).
pub const TRANSFER_SOURCE: &str = "127.0.0.2";

/// A running `knotd`.
pub struct Knot {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

/// What the reference server is started with.
pub struct KnotSetup<'a> {
    /// (origin, zone file contents).
    pub zones: &'a [(&'a str, &'a str)],
    /// Answer for CH TXT id.server / hostname.bind and the NSID option.
    pub identity: &'a str,
    /// DNS Cookies (`mod-cookies`) with this secret (32 hex digits), for every zone.
    pub cookie_secret: Option<&'a str>,
}

/// The `knotd` binary, if installed. `KNOTD=/path/to/knotd` chooses another one (a path that
/// does not exist makes the differential test skip, as on a machine without Knot).
pub fn knotd_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KNOTD") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let from_path = std::env::var_os("PATH").into_iter().flat_map(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("knotd"))
            .collect::<Vec<_>>()
    });
    KNOTD_PATHS
        .iter()
        .map(PathBuf::from)
        .chain(from_path)
        .find(|path| path.is_file())
}

/// A port free for both UDP and TCP on 127.0.0.1 (at the moment of asking).
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for knotd");
}

/// `user[:group]` of this process, so that knotd does not try to change its identity.
pub fn current_user() -> Option<String> {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        let text = text.trim();
        (out.status.success() && !text.is_empty()).then(|| text.to_string())
    };
    Some(format!("{}:{}", id("-un")?, id("-gn")?))
}

fn file_name(origin: &str) -> String {
    format!("{}.zone", origin.trim_end_matches('.'))
}

fn config(dir: &Path, port: u16, setup: &KnotSetup<'_>) -> String {
    let d = dir.display();
    let mut conf = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  pidfile: {d}/knot.pid\n\
         \x20 identity: \"{id}\"\n  nsid: \"{id}\"\n  version: \"\"\n\
         \x20 udp-max-payload: 1232\n  edns-client-subnet: on\n  udp-workers: 1\n\
         \x20 tcp-workers: 1\n  background-workers: 1\n",
        id = setup.identity
    );
    if let Some(user) = current_user() {
        conf.push_str(&format!("  user: {user}\n"));
    }
    conf.push_str(&format!(
        "database:\n  storage: {d}\n\
         log:\n  - target: stderr\n    any: warning\n\
         acl:\n  - id: transfer\n    address: {TRANSFER_SOURCE}\n    action: transfer\n\
         template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n\
         \x20   zonefile-load: whole\n    journal-content: none\n    acl: transfer\n\
         zone:\n"
    ));
    if let Some(secret) = setup.cookie_secret {
        // mod-cookies needs to be declared before the template that loads it, so it goes
        // in front of everything.
        conf = format!("mod-cookies:\n  - id: shared\n    secret: 0x{secret}\n{conf}");
        conf = conf.replace(
            "    acl: transfer\n",
            "    acl: transfer\n    global-module: mod-cookies/shared\n",
        );
    }
    for (origin, _) in setup.zones {
        conf.push_str(&format!(
            "  - domain: \"{origin}\"\n    file: \"{}\"\n",
            file_name(origin)
        ));
    }
    conf
}

impl Knot {
    /// Starts knotd with the zones and waits until it answers the SOA of each. `Ok(None)` when
    /// knotd is not installed.
    pub fn start(setup: &KnotSetup<'_>) -> Result<Option<Knot>, String> {
        let Some(knotd) = knotd_path() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        for (origin, text) in setup.zones {
            std::fs::write(dir.path().join(file_name(origin)), text).map_err(|e| e.to_string())?;
        }
        let port = free_port();
        let log_path = dir.path().join("knotd.log");
        let child = spawn(&knotd, dir.path(), &config(dir.path(), port, setup))?;
        let mut knot = Knot {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        for (origin, _) in setup.zones {
            let query = QueryBuilder::new(origin, "SOA").build();
            loop {
                let answered = exchange_udp(knot.addr, &query, Duration::from_millis(200))
                    .is_some_and(|r| r.len() > 3 && r[3] & 0x0F == 0 && r[7] > 0);
                if answered {
                    break;
                }
                let exited = knot.child.as_mut().unwrap().try_wait().ok().flatten();
                if exited.is_some() || Instant::now() > deadline {
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    return Err(format!("knotd did not serve {origin} ({exited:?}):\n{log}"));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(Some(knot))
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// knotd's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default()
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            stop(child);
        }
    }
}

/// Writes `conf` to `dir/knot.conf` and starts `knotd` on it, its log in `dir/knotd.log`.
pub fn spawn(knotd: &Path, dir: &Path, conf: &str) -> Result<Child, String> {
    let conf_path = dir.join("knot.conf");
    std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("knotd.log")).map_err(|e| e.to_string())?;
    Command::new(knotd)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", knotd.display()))
}

/// SIGTERM to the PID, a short wait, then SIGKILL.
pub fn stop(mut child: Child) {
    {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
