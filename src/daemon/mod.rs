//! `switchyard serve`: loads the configuration, binds every socket, starts the admin server,
//! announces the bound addresses on stdout, answers until SIGTERM/SIGINT, and reloads on
//! SIGHUP, `POST /reload` and (with `[server] watch`) file changes.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | start, the ready line, signals, shutdown |
//! | `reload.rs` | [`Daemon::reload`]: build off the hot path, validate, swap, apply live changes; also the first generation at start |
//! | `watch.rs` | polling the configuration, zone and GeoIP files for changes |
//!
//! Start-up is a reload from nothing: the daemon begins with an empty snapshot, serving
//! nothing, and the path every reload takes (`Daemon::apply`) builds and swaps in the first
//! generation, binds the listen addresses and starts the admin server. No snapshot is held
//! anywhere but in [`Shared::snapshot`], so a reload leaves one copy of everything.

pub mod reload;
#[cfg(test)]
mod tests;
mod watch;

pub use reload::{ReloadError, ReloadOutcome};

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::admin::AdminServer;
use crate::config::{self, ConfigErrors, LoadedConfig};
use crate::fleet::{Fleet, FleetError};
use crate::health::{HealthError, HealthRegistry};
use crate::metrics::Metrics;
use crate::server::listeners::Listeners;
use crate::server::{Shared, tcp::TcpLimits};
use crate::snapshot::{FileIdentity, Settings, Snapshot};

/// Why the server did not start (or stopped with an error).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration file is invalid: every problem found.
    #[error("configuration rejected")]
    Config(ConfigErrors),
    /// The configuration, or a file or address it names, was rejected: every problem found, as
    /// a reload reports them (`file:line: message` or `file: key: message`).
    #[error("configuration rejected")]
    Rejected(Vec<String>),
    /// The health registry could not start (its state file is unreadable or corrupt).
    #[error(transparent)]
    Health(#[from] HealthError),
    /// The fleet node could not start (its secret, its gossip address).
    #[error(transparent)]
    Fleet(#[from] FleetError),
    /// The runtime, a thread, the signal handlers or the ready line failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// The problems to print one per line before the error itself (for a rejected
    /// configuration); empty otherwise.
    pub fn problems(&self) -> Vec<String> {
        match self {
            ServeError::Config(errors) => errors.0.iter().map(ToString::to_string).collect(),
            ServeError::Rejected(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }
}

/// The running server: what reloads and the admin API act on.
pub struct Daemon {
    pub config_path: PathBuf,
    pub shared: Arc<Shared>,
    pub metrics: Metrics,
    pub health: Arc<HealthRegistry>,
    /// With `[fleet]`: the gossip, observer assignment and agreement driving `health`; started
    /// once the first generation is live (its targets exist), see [`Daemon::fleet`].
    fleet: OnceLock<Fleet>,
    /// This daemon, for tasks started from `&self` (the admin server on reload).
    me: Weak<Daemon>,
    runtime: Handle,
    generation: AtomicU64,
    /// Sockets bound and the first snapshot live; cleared at shutdown.
    ready: AtomicBool,
    /// Serialises reloads.
    reload_lock: Mutex<()>,
    state: Mutex<State>,
}

/// What reloads replace, behind one lock (never taken on the query path).
struct State {
    config: LoadedConfig,
    /// `None` once shut down.
    listeners: Option<Listeners>,
    admin: Option<AdminServer>,
    /// The bearer token from `[admin] token_file`.
    admin_token: Option<String>,
    /// Files whose change triggers a reload with `[server] watch`, as last seen by a reload.
    watched: Vec<FileIdentity>,
    last_reload: Option<serde_json::Value>,
}

impl Daemon {
    /// Current configuration generation (1 at start).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Ready: sockets bound and the first snapshot live, not shutting down.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// The bearer token mutating admin requests need, when `[admin] token_file` is set.
    pub fn admin_token(&self) -> Option<String> {
        self.state().admin_token.clone()
    }

    /// Addresses DNS is served on (bound, in configured order).
    pub fn dns_addresses(&self) -> Vec<SocketAddr> {
        self.state()
            .listeners
            .as_ref()
            .map(Listeners::addresses)
            .unwrap_or_default()
    }

    /// Where the admin server listens.
    pub fn admin_address(&self) -> Option<SocketAddr> {
        self.state().admin.as_ref().map(AdminServer::address)
    }

    /// The result of the latest reload, as `/status` shows it.
    pub fn last_reload(&self) -> Option<serde_json::Value> {
        self.state().last_reload.clone()
    }

    pub fn runtime(&self) -> &Handle {
        &self.runtime
    }

    /// A counted handle to this daemon (`None` only while it is being dropped).
    pub fn handle(&self) -> Option<Arc<Daemon>> {
        self.me.upgrade()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// TCP limits from `[server]`.
pub fn tcp_limits(config: &config::ServerConfig) -> TcpLimits {
    TcpLimits {
        idle_timeout: config.tcp_idle_timeout.get(),
        query_timeout: config.tcp_query_timeout.get(),
        max_connections: config.tcp_max_connections,
        max_per_client: config.tcp_max_per_client,
        max_pipeline: config.tcp_max_pipeline,
    }
}

/// Listen addresses of a validated configuration.
fn listen_addresses(loaded: &LoadedConfig) -> Vec<SocketAddr> {
    loaded
        .config
        .server
        .listen
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect()
}

/// Runs the server until a stop signal.
pub fn serve(config_path: &Path) -> Result<(), ServeError> {
    let loaded = config::load(config_path).map_err(ServeError::Config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("switchyard-io")
        .enable_all()
        .build()?;
    let daemon = Daemon::start(config_path, loaded, runtime.handle())?;
    let workers = daemon
        .state()
        .listeners
        .as_ref()
        .map_or(0, Listeners::workers);
    let watcher = watch::spawn(daemon.clone())?;
    // IXFR history, NOTIFY and secondary zones follow every snapshot published from now on.
    let transfers = {
        let _guard = runtime.enter();
        let me = Arc::downgrade(&daemon);
        let reload: crate::transfer::watch::Reload = Arc::new(move |why| {
            if let Some(daemon) = me.upgrade()
                && let Err(e) = daemon.reload(why)
            {
                tracing::warn!("rebuild ({why}) failed: {e}");
            }
        });
        crate::transfer::watch::spawn(daemon.shared.clone(), reload)
    };

    // Handlers go in before the ready line: a SIGHUP right after it must reload, not kill.
    let signals = {
        let _guard = runtime.enter();
        Signals::install()?
    };
    daemon.ready.store(true, Ordering::Relaxed);
    let addresses = daemon.dns_addresses();
    announce(&addresses, daemon.admin_address())?;
    let admin = daemon.admin_address().map(|a| a.to_string());
    tracing::info!(
        addresses = ?addresses,
        admin = admin.as_deref().unwrap_or("none"),
        workers,
        "serving"
    );

    runtime.block_on(signals.wait(daemon.clone()));
    tracing::info!("stopping");
    if let Some(fleet) = daemon.fleet() {
        runtime.block_on(fleet.leave());
    }
    daemon.stop();
    let _ = watcher.join();
    transfers.abort();
    runtime.shutdown_timeout(Duration::from_secs(1));
    tracing::info!("stopped");
    Ok(())
}

impl Daemon {
    /// Starts serving `loaded` (read from `config_path`) on `runtime`: the health registry,
    /// then the first generation through the path every reload takes (snapshot, listen
    /// addresses, admin server, query log). Not yet ready: the caller announces it.
    pub fn start(
        config_path: &Path,
        loaded: LoadedConfig,
        runtime: &Handle,
    ) -> Result<Arc<Daemon>, ServeError> {
        let state_file = loaded
            .config
            .server
            .state_file
            .as_ref()
            .map(|f| loaded.resolve(f));
        let health = {
            let _guard = runtime.enter();
            Arc::new(HealthRegistry::new(state_file)?)
        };
        let metrics = Metrics::default();
        let workers = match loaded.config.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        // Nothing is served before the first generation replaces this empty snapshot.
        let empty = Snapshot::new(0, Settings::default(), Vec::new(), Vec::new(), None);
        let shared = Arc::new(Shared::new(
            Arc::new(empty),
            metrics.clone(),
            tcp_limits(&loaded.config.server),
        ));
        let listeners = Listeners::new(
            runtime.clone(),
            shared.clone(),
            workers,
            loaded.config.server.engine,
        );
        let daemon = Arc::new_cyclic(|me| Daemon {
            config_path: config_path.to_path_buf(),
            shared,
            metrics,
            health,
            fleet: OnceLock::new(),
            me: me.clone(),
            runtime: runtime.clone(),
            generation: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            reload_lock: Mutex::new(()),
            state: Mutex::new(State {
                config: loaded.clone(),
                listeners: Some(listeners),
                admin: None,
                admin_token: None,
                watched: Vec::new(),
                last_reload: None,
            }),
        });
        let outcome = {
            let _serial = daemon.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
            let outcome = {
                let _guard = runtime.enter();
                daemon.apply(&loaded)
            };
            daemon.remember_watched(&loaded, &[]);
            outcome.map_err(ServeError::Rejected)?
        };
        for warning in &outcome.warnings {
            tracing::warn!("{warning}");
        }
        if let Some(config) = &loaded.config.fleet {
            let secret = crate::fleet::read_secret(&loaded.resolve(&config.secret_file))?;
            let fleet = runtime.block_on(Fleet::start(config, &secret, daemon.health.clone()))?;
            let _ = daemon.fleet.set(fleet);
        }
        Ok(daemon)
    }

    /// Stops serving: not ready, every listener and the admin server closed, the query log
    /// written out. A reload in progress finishes first; later ones do nothing.
    pub fn stop(&self) {
        self.ready.store(false, Ordering::Relaxed);
        self.shared.stopping.store(true, Ordering::Relaxed);
        let (listeners, admin) = {
            let _serial = self.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
            let mut state = self.state();
            (state.listeners.take(), state.admin.take())
        };
        drop(admin);
        if let Some(listeners) = listeners {
            listeners.shutdown();
        }
        // Every worker has stopped: write what the query log still holds.
        if let Some(Ok(log)) = self.shared.set_query_log(None).map(Arc::try_unwrap) {
            log.close();
        }
    }

    /// With `[fleet]`: the gossip, observer assignment and agreement driving `health`.
    pub fn fleet(&self) -> Option<&Fleet> {
        self.fleet.get()
    }
}

/// The machine-readable ready line: one JSON object on stdout.
fn announce(addresses: &[SocketAddr], admin: Option<SocketAddr>) -> std::io::Result<()> {
    let dns: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    let line = serde_json::json!({
        "event": "ready",
        "pid": std::process::id(),
        "udp": dns,
        "tcp": dns,
        "admin": admin.map(|a| a.to_string()),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// The signals the daemon acts on.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for SIGTERM or SIGINT; reloads on SIGHUP meanwhile.
    async fn wait(mut self, daemon: Arc<Daemon>) {
        loop {
            tokio::select! {
                _ = self.term.recv() => return,
                _ = self.int.recv() => return,
                _ = self.hup.recv() => {
                    let daemon = daemon.clone();
                    let _ = tokio::task::spawn_blocking(move || daemon.reload("SIGHUP")).await;
                }
            }
        }
    }
}
