//! `switchyard serve`: loads the configuration, binds every socket, starts the admin server,
//! announces the bound addresses on stdout, answers until SIGTERM/SIGINT, and reloads on
//! SIGHUP, `POST /reload` and (with `[server] watch`) file changes.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | start, the ready line, signals, shutdown |
//! | `reload.rs` | [`Daemon::reload`]: build off the hot path, validate, swap, apply live changes |
//! | `watch.rs` | polling the configuration, zone and GeoIP files for changes |

pub mod reload;
mod watch;

pub use reload::{ReloadError, ReloadOutcome};

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::admin::AdminServer;
use crate::config::{self, LoadedConfig};
use crate::fleet::Fleet;
use crate::health::HealthRegistry;
use crate::metrics::Metrics;
use crate::server::listeners::Listeners;
use crate::server::{Shared, tcp::TcpLimits};
use crate::snapshot::{self, FileIdentity};

/// The running server: what reloads and the admin API act on.
pub struct Daemon {
    pub config_path: PathBuf,
    pub shared: Arc<Shared>,
    pub metrics: Metrics,
    pub health: Arc<HealthRegistry>,
    /// With `[fleet]`: the gossip, observer assignment and agreement driving `health`.
    pub fleet: Option<Fleet>,
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
pub fn serve(config_path: &Path) -> anyhow::Result<()> {
    let loaded = match config::load(config_path) {
        Ok(loaded) => loaded,
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("{error}");
            }
            anyhow::bail!("configuration rejected");
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("switchyard-io")
        .enable_all()
        .build()?;
    let state_file = loaded
        .config
        .server
        .state_file
        .as_ref()
        .map(|f| loaded.resolve(f));
    let health = {
        let _guard = runtime.enter();
        Arc::new(HealthRegistry::new(state_file).map_err(|e| anyhow::anyhow!("{e}"))?)
    };
    let metrics = Metrics::default();
    let admin_token = reload::read_token(&loaded).map_err(|e| anyhow::anyhow!("{e}"))?;
    let built = {
        let _guard = runtime.enter();
        snapshot::build(&loaded, 1, &metrics, snapshot::Health::Live(&health))
    };
    let (snapshot, report) = match built {
        Ok(built) => built,
        Err(report) => {
            for error in &report.errors {
                eprintln!("{error}");
            }
            anyhow::bail!("configuration rejected");
        }
    };
    for warning in &report.warnings {
        tracing::warn!("{warning}");
    }
    let workers = match loaded.config.server.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let watched = watch::fingerprint(&watch::watch_set(&loaded, &snapshot));
    // The only reference is the one being served: a reload that replaces it frees it at once,
    // leaving one copy of the zones and the GeoIP database, not two.
    let shared = Arc::new(Shared::new(
        Arc::new(snapshot),
        metrics.clone(),
        tcp_limits(&loaded.config.server),
    ));
    let query_log =
        reload::open_query_log(&loaded, &metrics, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    shared.set_query_log(query_log);
    shared.rrl.configure(&loaded.config.rrl);

    let mut listeners = Listeners::new(
        runtime.handle().clone(),
        shared.clone(),
        workers,
        loaded.config.server.engine,
    );
    let wanted = listen_addresses(&loaded);
    let fresh = listeners.prepare(&wanted)?;
    listeners.commit(&wanted, fresh)?;
    let admin_listener = reload::bind_admin(&loaded, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let fleet = start_fleet(&runtime, &loaded, &health)?;

    let daemon = Arc::new_cyclic(|me| Daemon {
        config_path: config_path.to_path_buf(),
        shared: shared.clone(),
        metrics,
        health,
        fleet,
        me: me.clone(),
        runtime: runtime.handle().clone(),
        generation: AtomicU64::new(1),
        ready: AtomicBool::new(false),
        reload_lock: Mutex::new(()),
        state: Mutex::new(State {
            config: loaded,
            listeners: Some(listeners),
            admin: None,
            admin_token,
            watched,
            last_reload: None,
        }),
    });
    if let Some(listener) = admin_listener {
        let server = AdminServer::start(&daemon, listener)?;
        daemon.state().admin = Some(server);
    }
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
        crate::transfer::watch::spawn(shared.clone(), reload)
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
    if let Some(fleet) = &daemon.fleet {
        runtime.block_on(fleet.leave());
    }
    daemon.ready.store(false, Ordering::Relaxed);
    shared.stopping.store(true, Ordering::Relaxed);
    let (listeners, admin) = {
        // After a reload in progress; later ones find no listeners and do nothing.
        let _serial = daemon.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = daemon.state();
        (state.listeners.take(), state.admin.take())
    };
    drop(admin);
    if let Some(listeners) = listeners {
        listeners.shutdown();
    }
    // Every worker has stopped: write what the query log still holds.
    if let Some(Ok(log)) = shared.set_query_log(None).map(Arc::try_unwrap) {
        log.close();
    }
    let _ = watcher.join();
    transfers.abort();
    runtime.shutdown_timeout(Duration::from_secs(1));
    tracing::info!("stopped");
    Ok(())
}

/// Starts the fleet node `[fleet]` asks for (after the first snapshot, so its targets exist).
fn start_fleet(
    runtime: &tokio::runtime::Runtime,
    loaded: &LoadedConfig,
    health: &Arc<HealthRegistry>,
) -> anyhow::Result<Option<Fleet>> {
    let Some(config) = &loaded.config.fleet else {
        return Ok(None);
    };
    let secret = crate::fleet::read_secret(&loaded.resolve(&config.secret_file))?;
    let fleet = runtime.block_on(Fleet::start(config, &secret, health.clone()))?;
    Ok(Some(fleet))
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
