//! `switchyard serve`: loads the configuration, binds every socket, announces them on stdout,
//! answers until SIGTERM/SIGINT, and reloads on SIGHUP.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::config::{self, LoadedConfig};
use crate::health::HealthRegistry;
use crate::metrics::Metrics;
use crate::server::{self, Shared, tcp::TcpLimits};
use crate::snapshot::{self, BuildReport};

/// How long connections get to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The running server: what reloads and the admin API act on.
pub struct Daemon {
    pub config_path: PathBuf,
    pub shared: Arc<Shared>,
    pub metrics: Metrics,
    pub health: HealthRegistry,
    generation: AtomicU64,
    reload_lock: Mutex<()>,
    config: Mutex<LoadedConfig>,
}

/// What a reload did.
#[derive(Debug, Clone)]
pub struct ReloadOutcome {
    pub generation: u64,
    pub warnings: Vec<String>,
}

impl Daemon {
    /// Re-reads the configuration and every file it names; swaps the new snapshot in only when
    /// all of it is valid. On error the old snapshot keeps serving.
    pub fn reload(&self) -> Result<ReloadOutcome, BuildReport> {
        let _serial = self.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
        let loaded = config::load(&self.config_path).map_err(|errors| BuildReport {
            errors: errors.0.iter().map(ToString::to_string).collect(),
            warnings: Vec::new(),
        })?;
        let generation = self.generation.load(Ordering::Relaxed) + 1;
        let (snapshot, report) = snapshot::build(
            &loaded,
            generation,
            &self.metrics,
            snapshot::Health::Live(&self.health),
        )?;
        let old = self
            .config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut warnings = report.warnings;
        if old.config.server.listen != loaded.config.server.listen {
            warnings.push(
                "server.listen changed: restart to bind the new addresses (still serving on the old ones)"
                    .to_string(),
            );
        }
        self.shared.snapshot.store(Arc::new(snapshot));
        self.shared.rrl.configure(&loaded.config.rrl);
        self.generation.store(generation, Ordering::Relaxed);
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(ReloadOutcome {
            generation,
            warnings,
        })
    }

    /// Current configuration generation (1 at start).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }
}

/// Runs the server until a stop signal; returns the process exit code.
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
        HealthRegistry::new(state_file).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let metrics = Metrics::default();
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
    let server_config = loaded.config.server.clone();
    let workers = match server_config.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let shared = Arc::new(Shared::new(Arc::new(snapshot), metrics.clone()));
    shared.rrl.configure(&loaded.config.rrl);
    let daemon = Arc::new(Daemon {
        config_path: config_path.to_path_buf(),
        shared: shared.clone(),
        metrics,
        health,
        generation: AtomicU64::new(1),
        reload_lock: Mutex::new(()),
        config: Mutex::new(loaded),
    });

    let mut bound = Vec::new();
    for listen in &server_config.listen {
        let address: SocketAddr = listen.parse()?;
        let sockets = server::bind(address, workers)
            .map_err(|e| anyhow::anyhow!("cannot bind {address}: {e}"))?;
        bound.push(sockets);
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let limits = TcpLimits {
        idle_timeout: server_config.tcp_idle_timeout.get(),
        query_timeout: server_config.tcp_query_timeout.get(),
        max_connections: server_config.tcp_max_connections,
        max_per_client: server_config.tcp_max_per_client,
        max_pipeline: server_config.tcp_max_pipeline,
    };

    let mut udp_threads = Vec::new();
    let mut tcp_tasks = Vec::new();
    let mut addresses = Vec::new();
    let response_limit = usize::from(server_config.udp_payload).max(512);
    for sockets in bound {
        addresses.push(sockets.address);
        for (i, socket) in sockets.udp.into_iter().enumerate() {
            let shared = shared.clone();
            let thread = std::thread::Builder::new()
                .name(format!("switchyard-udp-{i}"))
                .spawn(move || server::udp::run_worker(socket, shared, response_limit))?;
            udp_threads.push(thread);
        }
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(sockets.tcp)?
        };
        tcp_tasks.push(runtime.spawn(server::tcp::serve(
            listener,
            shared.clone(),
            limits,
            stop_rx.clone(),
            SHUTDOWN_GRACE,
        )));
    }

    announce(&addresses)?;
    tracing::info!(addresses = ?addresses, workers, "serving");

    runtime.block_on(wait_for_signals(daemon.clone()));
    tracing::info!("stopping");
    shared.stopping.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    runtime.block_on(async {
        for task in tcp_tasks {
            let _ = task.await;
        }
    });
    for thread in udp_threads {
        let _ = thread.join();
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// The machine-readable ready line: one JSON object on stdout.
fn announce(addresses: &[SocketAddr]) -> std::io::Result<()> {
    let dns: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    let line = serde_json::json!({
        "event": "ready",
        "pid": std::process::id(),
        "udp": dns,
        "tcp": dns,
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// Waits for SIGTERM or SIGINT; reloads on SIGHUP meanwhile.
async fn wait_for_signals(daemon: Arc<Daemon>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => return,
            _ = int.recv() => return,
            _ = hup.recv() => {
                let daemon = daemon.clone();
                let result = tokio::task::spawn_blocking(move || daemon.reload()).await;
                log_reload(result.ok());
            }
        }
    }
}

/// Logs the result of a reload.
pub fn log_reload(result: Option<Result<ReloadOutcome, BuildReport>>) {
    match result {
        Some(Ok(outcome)) => {
            for warning in &outcome.warnings {
                tracing::warn!("{warning}");
            }
            tracing::info!(generation = outcome.generation, "reloaded");
        }
        Some(Err(report)) => {
            for error in &report.errors {
                tracing::error!("{error}");
            }
            tracing::error!("reload rejected; still serving the previous configuration");
        }
        None => tracing::error!("reload task failed"),
    }
}
