//! Starts the real `switchyard` binary on port 0 and talks DNS to it over UDP and TCP.

#![allow(dead_code)]

pub mod admin;
pub mod backend;
pub mod browser;
pub mod dns;
pub mod knot;
pub mod primary;
pub mod secondary;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use backend::*;
pub use dns::*;

/// A running server and the directory holding its files.
pub struct Server {
    child: Option<Child>,
    pub dns: SocketAddr,
    pub admin: Option<SocketAddr>,
    pub dir: tempfile::TempDir,
    pub stderr_path: PathBuf,
    _stdout: Option<std::thread::JoinHandle<()>>,
}

/// Files to write before starting: (relative path, contents).
pub type Files<'a> = &'a [(&'a str, &'a str)];

/// Polls `check` every 20 ms until it holds or `limit` passes.
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Root of the repository (for the bundled zones and GeoIP databases).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl Server {
    /// Writes `switchyard.toml` (with `listen` forced to 127.0.0.1:0 unless the text sets it)
    /// and `files` into a fresh directory, starts the binary and waits for its ready line.
    pub fn start(config: &str, files: Files<'_>) -> Server {
        Self::try_start(config, files).unwrap_or_else(|e| panic!("server did not start: {e}"))
    }

    /// Like [`Server::start`], returning the error output when the server exits instead.
    pub fn try_start(config: &str, files: Files<'_>) -> Result<Server, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, contents) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, contents).unwrap();
        }
        std::fs::write(dir.path().join("switchyard.toml"), config).unwrap();
        Self::spawn(dir)
    }

    /// Starts the binary on a directory already holding `switchyard.toml`.
    pub fn spawn(dir: tempfile::TempDir) -> Result<Server, String> {
        Self::spawn_with(dir, |_| {})
    }

    /// Like [`Server::spawn`], with `prepare` applied to the command first (for example to
    /// start it in a network namespace).
    pub fn spawn_with(
        dir: tempfile::TempDir,
        prepare: impl FnOnce(&mut Command),
    ) -> Result<Server, String> {
        let stderr_path = dir.path().join("stderr.log");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_path)
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
        command
            .arg("serve")
            .arg("--config")
            .arg(dir.path().join("switchyard.toml"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        prepare(&mut command);
        let mut child = command.spawn().expect("start switchyard");
        let stdout = child.stdout.take().unwrap();
        let (ready_tx, ready_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || read_stdout(stdout, ready_tx));
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let value: serde_json::Value =
                    serde_json::from_str(&line).expect("ready line is JSON");
                let dns = value["udp"][0]
                    .as_str()
                    .expect("udp address")
                    .parse()
                    .unwrap();
                let admin = value["admin"].as_str().map(|a| a.parse().unwrap());
                Ok(Server {
                    child: Some(child),
                    dns,
                    admin,
                    dir,
                    stderr_path,
                    _stdout: Some(reader),
                })
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(std::fs::read_to_string(&stderr_path).unwrap_or_default())
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends a signal to the server process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGTERM, then waits (up to 10 s) for the exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate()
    }

    /// Stops the server (SIGTERM; it must exit 0) and starts it again on the same directory.
    pub fn restart(self) -> Server {
        self.restart_with(|_| {})
    }

    /// Like [`Server::restart`], with `prepare` applied to the new command.
    pub fn restart_with(mut self, prepare: impl FnOnce(&mut Command)) -> Server {
        let status = self.terminate();
        assert!(status.success(), "{status:?}");
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        Server::spawn_with(dir, prepare).unwrap_or_else(|e| panic!("server did not restart: {e}"))
    }

    /// Writes a file into the server's directory (replacing it atomically).
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        let temporary = self.path(&format!("{relative}.tmp"));
        std::fs::write(&temporary, contents).unwrap();
        std::fs::rename(&temporary, &path).unwrap();
    }

    /// The admin server's address (the config must have `[admin]`).
    pub fn admin(&self) -> SocketAddr {
        self.admin.expect("no admin address in the ready line")
    }

    /// `GET path` on the admin server.
    pub fn get(&self, path: &str) -> admin::Http {
        admin::request(self.admin(), "GET", path, &[], "")
    }

    /// `POST path` on the admin server, without a token.
    pub fn post(&self, path: &str, body: &str) -> admin::Http {
        admin::request(self.admin(), "POST", path, &[], body)
    }

    /// `GET /metrics`, parsed strictly.
    pub fn metrics(&self) -> admin::Exposition {
        let response = self.get("/metrics");
        assert_eq!(response.status, 200);
        admin::parse_prometheus(&response.body)
            .unwrap_or_else(|e| panic!("/metrics does not parse: {e}\n{}", response.body))
    }

    fn terminate(&mut self) -> ExitStatus {
        self.signal("TERM");
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not exit within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Path of a file in the server's directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Sends a DNS message over UDP and returns the response.
    pub fn udp(&self, message: &[u8]) -> Option<Vec<u8>> {
        dns::exchange_udp(self.dns, message, Duration::from_secs(2))
    }

    /// Sends a DNS message over TCP and returns the response.
    pub fn tcp(&self, message: &[u8]) -> Option<Vec<u8>> {
        dns::exchange_tcp(self.dns, message, Duration::from_secs(2))
    }

    /// A question over UDP, decoded.
    pub fn ask(&self, name: &str, qtype: &str) -> Response {
        let query = QueryBuilder::new(name, qtype).build();
        Response::decode(&self.udp(&query).expect("no UDP answer"))
    }

    /// A question over TCP, decoded.
    pub fn ask_tcp(&self, name: &str, qtype: &str) -> Response {
        let query = QueryBuilder::new(name, qtype).build();
        Response::decode(&self.tcp(&query).expect("no TCP answer"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn read_stdout(stdout: ChildStdout, ready: mpsc::Sender<String>) {
    let reader = BufReader::new(stdout);
    for line in reader.lines() {
        let Ok(line) = line else { return };
        if line.contains("\"ready\"") {
            let _ = ready.send(line);
        }
    }
}

/// The bundled example zone.
pub fn example_zone() -> String {
    std::fs::read_to_string(repo().join("zones/example.com.zone")).unwrap()
}

/// A minimal config serving the bundled example zone, with extra TOML appended.
pub fn example_config(extra: &str) -> String {
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"ns1.example.com\"\n{extra}\n[zones]\n\"example.com.\" = \"example.com.zone\"\n"
    )
}

/// Starts a server with the bundled example zone.
pub fn example_server(extra_server_keys: &str) -> Server {
    let zone = example_zone();
    Server::start(
        &example_config(extra_server_keys),
        &[("example.com.zone", zone.as_str())],
    )
}
