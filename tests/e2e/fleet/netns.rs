//! A small network made of Linux network namespaces: one per host (node or backend), each
//! with a veth pair to a bridge in a hub namespace, addresses in 198.18.0.0/24 (RFC 2544's
//! benchmarking range). Routes inside a host's namespace cut it off from chosen addresses, so
//! a backend can be unreachable from one node only, or a node from its peers.
//!
//! Namespaces are named `syf<pid>-<lab>-<host>`; dropping the [`Lab`] deletes them (after the
//! processes in them were stopped), and a new lab first deletes those left by test processes
//! that no longer exist. Code runs inside a namespace on a thread that entered it
//! ([`Host::enter`]); sockets made there stay in that namespace.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static LABS: AtomicUsize = AtomicUsize::new(0);

/// One host: a namespace with one address.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub address: Ipv4Addr,
}

impl Host {
    /// Runs `work` on a thread inside this host's namespace.
    pub fn enter<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let namespace = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                    // SAFETY: setns on this thread only, with a namespace file we hold open.
                    let entered = unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) };
                    assert_eq!(
                        entered,
                        0,
                        "setns {path}: {}",
                        std::io::Error::last_os_error()
                    );
                    work()
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Makes `command` start inside this host's namespace.
    pub fn inside(&self, command: &mut Command) {
        let path = format!("/run/netns/{}", self.name);
        let namespace = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // SAFETY: between fork and exec the child only calls setns, which is async-signal-safe;
        // the file stays open in the closure until the command is dropped.
        unsafe {
            command.pre_exec(move || {
                if libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

/// The hub, its hosts, and the namespaces to delete.
pub struct Lab {
    prefix: String,
    hub: String,
    hosts: Vec<Host>,
}

impl Lab {
    /// A new lab, or `None` (with the reason printed) where namespaces cannot be made: not
    /// root, or no working `ip netns`.
    pub fn new() -> Option<Lab> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipping fleet network test: needs root to create network namespaces");
            return None;
        }
        sweep_stale();
        let prefix = format!(
            "syf{}-{}-",
            std::process::id(),
            LABS.fetch_add(1, Ordering::Relaxed)
        );
        let hub = format!("{prefix}hub");
        if let Err(error) = try_ip(&["netns", "add", &hub]) {
            eprintln!("skipping fleet network test: `ip netns add` failed: {error}");
            return None;
        }
        let lab = Lab {
            prefix,
            hub,
            hosts: Vec::new(),
        };
        lab.ip_in(&lab.hub, &["link", "add", "br0", "type", "bridge"]);
        lab.ip_in(&lab.hub, &["link", "set", "br0", "up"]);
        lab.ip_in(&lab.hub, &["link", "set", "lo", "up"]);
        Some(lab)
    }

    /// Adds a host `name` at 198.18.0.`last`.
    pub fn host(&mut self, name: &str, last: u8) -> Host {
        let namespace = format!("{}{name}", self.prefix);
        ip(&["netns", "add", &namespace]);
        let port = format!("v{last}");
        ip(&[
            "link", "add", "eth0", "netns", &namespace, "type", "veth", "peer", "name", &port,
            "netns", &self.hub,
        ]);
        self.ip_in(&self.hub, &["link", "set", &port, "master", "br0", "up"]);
        let address = Ipv4Addr::new(198, 18, 0, last);
        self.ip_in(
            &namespace,
            &["addr", "add", &format!("{address}/24"), "dev", "eth0"],
        );
        self.ip_in(&namespace, &["link", "set", "eth0", "up"]);
        self.ip_in(&namespace, &["link", "set", "lo", "up"]);
        let host = Host {
            name: namespace,
            address,
        };
        self.hosts.push(host.clone());
        host
    }

    /// Packets from `from` to `to` fail at once (host unreachable), in that direction only.
    pub fn cut(&self, from: &Host, to: Ipv4Addr) {
        self.ip_in(
            &from.name,
            &["route", "add", "unreachable", &format!("{to}/32")],
        );
    }

    /// Undoes [`Lab::cut`].
    pub fn heal(&self, from: &Host, to: Ipv4Addr) {
        self.ip_in(
            &from.name,
            &["route", "del", "unreachable", &format!("{to}/32")],
        );
    }

    fn ip_in(&self, namespace: &str, args: &[&str]) {
        let mut all = vec!["-n", namespace];
        all.extend_from_slice(args);
        ip(&all);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for host in &self.hosts {
            let _ = try_ip(&["netns", "del", &host.name]);
        }
        let _ = try_ip(&["netns", "del", &self.hub]);
    }
}

fn ip(args: &[&str]) {
    if let Err(error) = try_ip(args) {
        panic!("ip {}: {error}", args.join(" "));
    }
}

fn try_ip(args: &[&str]) -> Result<(), String> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

/// Deletes namespaces left by test processes that died without cleaning up.
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("syf")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = try_ip(&["netns", "del", &name]);
        }
    }
}
