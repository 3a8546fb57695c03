//! Reloading: re-read the configuration and every file it names, build the new snapshot off
//! the hot path, and only when all of it is valid swap it in and apply the live changes (listen
//! addresses, admin address and token, TCP limits, query log, log level). A rejected reload
//! changes nothing: the old snapshot keeps serving and the errors are logged and returned.
//!
//! The same path ([`Daemon::apply`]) builds the first generation at start, from the empty
//! snapshot the daemon begins with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::json;

use super::{Daemon, listen_addresses, tcp_limits, watch};
use crate::admin::AdminServer;
use crate::config::{self, LoadedConfig};
use crate::events::EventKind;
use crate::metrics::Metrics;
use crate::querylog::QueryLog;
use crate::snapshot;
use crate::snapshot::FileIdentity;

/// What an applied reload did.
#[derive(Debug, Clone)]
pub struct ReloadOutcome {
    pub generation: u64,
    pub warnings: Vec<String>,
    /// Changed settings that only a restart applies.
    pub restart_needed: Vec<String>,
    /// DNS addresses served now, and those opened and closed by this reload.
    pub listen: Vec<SocketAddr>,
    pub opened: Vec<SocketAddr>,
    pub closed: Vec<SocketAddr>,
    pub admin: Option<SocketAddr>,
}

/// A rejected reload: every problem found, as `file:line: message` or `file: key: message`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("reload rejected: {}", errors.join("; "))]
pub struct ReloadError {
    pub errors: Vec<String>,
    /// The generation still serving.
    pub generation: u64,
}

/// The admin socket a configuration asks for, bound.
pub struct AdminListener {
    pub configured: SocketAddr,
    pub listener: std::net::TcpListener,
}

impl Daemon {
    /// Re-reads the configuration and every file it names; swaps the new snapshot in only when
    /// all of it is valid. `trigger` names the cause in the log (SIGHUP, admin, watch).
    pub fn reload(&self, trigger: &str) -> Result<ReloadOutcome, ReloadError> {
        self.reload_with_report(trigger).0
    }

    /// As [`Daemon::reload`], with the JSON report `/reload` answers and `/status` shows.
    pub fn reload_with_report(
        &self,
        trigger: &str,
    ) -> (Result<ReloadOutcome, ReloadError>, serde_json::Value) {
        let started = Instant::now();
        let _serial = self.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
        let result = self.try_reload().map_err(|errors| ReloadError {
            errors,
            generation: self.generation(),
        });
        self.metrics.reload(result.is_ok());
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let record = match &result {
            Ok(outcome) => {
                for warning in &outcome.warnings {
                    tracing::warn!("{warning}");
                }
                for note in &outcome.restart_needed {
                    tracing::warn!("{note}");
                }
                tracing::info!(
                    trigger,
                    generation = outcome.generation,
                    duration_ms,
                    opened = ?outcome.opened,
                    closed = ?outcome.closed,
                    "configuration reloaded"
                );
                outcome_json(outcome, trigger, duration_ms)
            }
            Err(error) => {
                for line in &error.errors {
                    tracing::error!("{line}");
                }
                tracing::error!(
                    trigger,
                    generation = error.generation,
                    errors = error.errors.len(),
                    "reload rejected; still serving the previous configuration"
                );
                error_json(error, trigger, duration_ms)
            }
        };
        let config = self.config_path.display().to_string();
        let (state, message) = match &result {
            Ok(outcome) => (
                "applied",
                format!(
                    "reload ({trigger}) applied: generation {}",
                    outcome.generation
                ),
            ),
            Err(error) => (
                "rejected",
                format!("reload ({trigger}) rejected: {}", error.errors.join("; ")),
            ),
        };
        self.health
            .events()
            .record(EventKind::Reload, &config, None, state, message);
        self.state().last_reload = Some(record.clone());
        (result, record)
    }

    fn try_reload(&self) -> Result<ReloadOutcome, Vec<String>> {
        // What the watched files look like before anything is read.
        let before = {
            let state = self.state();
            if state.listeners.is_none() {
                return Err(vec!["shutting down".to_string()]);
            }
            watch::refresh(&state.watched)
        };
        let loaded = match config::load(&self.config_path) {
            Ok(loaded) => loaded,
            Err(errors) => {
                self.state().watched = before;
                return Err(errors.0.iter().map(ToString::to_string).collect());
            }
        };
        let result = self.apply(&loaded);
        self.remember_watched(&loaded, &before);
        if result.is_ok() {
            self.state().config = loaded;
        }
        result
    }

    /// Remembers the files a reload of `loaded` reads, as they were in `before` when the reload
    /// began reading them (those not there are looked at now).
    pub(super) fn remember_watched(&self, loaded: &LoadedConfig, before: &[FileIdentity]) {
        let files = watch::watch_set(loaded, &self.shared.snapshot.load());
        let watched = watch::fingerprint_from(&files, before);
        self.state().watched = watched;
    }

    /// Prepares everything that can fail, then swaps and applies: each reload, and the first
    /// generation at start (where a listen address or admin server that cannot start is an
    /// error, not a warning: there is nothing else to serve).
    pub(super) fn apply(&self, loaded: &LoadedConfig) -> Result<ReloadOutcome, Vec<String>> {
        let token = read_token(loaded).map_err(|e| vec![e])?;
        let wanted = listen_addresses(loaded);
        let (fresh, current_admin, current_log, old) = {
            let state = self.state();
            let Some(listeners) = state.listeners.as_ref() else {
                return Err(vec!["shutting down".to_string()]);
            };
            let fresh = listeners.prepare(&wanted).map_err(|e| {
                vec![format!(
                    "{}: server.listen: {e}",
                    self.config_path.display()
                )]
            })?;
            let admin = state.admin.as_ref().map(AdminServer::configured);
            (fresh, admin, self.shared.query_log(), state.config.clone())
        };
        let admin_listener = bind_admin(loaded, current_admin).map_err(|e| vec![e])?;
        let query_log =
            open_query_log(loaded, &self.metrics, current_log.as_ref()).map_err(|e| vec![e])?;

        let generation = self.generation() + 1;
        let first = generation == 1;
        // The serving snapshot is held only while the next one is built (it lends its GeoIP
        // database when the files are unchanged).
        let previous = self.shared.snapshot.load_full();
        let (snapshot, report) = snapshot::build_next(
            loaded,
            generation,
            &self.metrics,
            snapshot::Health::Live(&self.health),
            Some(&previous),
        )
        .map_err(|report| report.errors)?;
        drop(previous);

        // Nothing below rejects the configuration.
        let old_snapshot = self.shared.snapshot.swap(Arc::new(snapshot));
        retire(old_snapshot);
        self.generation.store(generation, Ordering::Relaxed);
        let config = &loaded.config;
        self.shared.tcp.set_limits(tcp_limits(&config.server));
        self.shared.rrl.configure(&config.rrl);
        drop(self.shared.set_query_log(query_log));
        crate::logging::set_level(&config.log.level);

        let mut warnings = report.warnings;
        let mut state = self.state();
        let (opened, closed) = match state.listeners.as_mut() {
            Some(listeners) => match listeners.commit(&wanted, fresh) {
                Ok(changes) => changes,
                Err(e) if first => {
                    return Err(vec![format!("server.listen: cannot start serving: {e}")]);
                }
                Err(e) => {
                    warnings.push(format!("server.listen: cannot start serving: {e}"));
                    (Vec::new(), Vec::new())
                }
            },
            None => (Vec::new(), Vec::new()),
        };
        match (admin_listener, config.admin.is_some()) {
            (Some(listener), _) => match AdminServer::start(self, listener) {
                Ok(server) => state.admin = Some(server),
                Err(e) if first => return Err(vec![format!("admin.listen: cannot serve: {e}")]),
                Err(e) => warnings.push(format!("admin.listen: cannot serve: {e}")),
            },
            (None, false) => state.admin = None,
            (None, true) => {}
        }
        state.admin_token = token;
        let workers = state.listeners.as_ref().map_or(0, |l| l.workers());
        let restart_needed = restart_needed(&old, loaded, workers);
        Ok(ReloadOutcome {
            generation,
            warnings,
            restart_needed,
            listen: state
                .listeners
                .as_ref()
                .map(|l| l.addresses())
                .unwrap_or_default(),
            opened,
            closed,
            admin: state.admin.as_ref().map(AdminServer::address),
        })
    }
}

/// Frees a replaced snapshot on this (reload) thread rather than on whichever answering thread
/// happens to drop the last reference: waits, briefly, for queries still answering from it.
/// Nothing else keeps a snapshot, so this returns as soon as they are done.
fn retire(snapshot: Arc<snapshot::Snapshot>) {
    let deadline = Instant::now() + std::time::Duration::from_secs(1);
    while Arc::strong_count(&snapshot) > 1 && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    drop(snapshot);
}

/// Settings that changed but apply only at the next start.
fn restart_needed(old: &LoadedConfig, new: &LoadedConfig, workers: usize) -> Vec<String> {
    let (old, new) = (&old.config, &new.config);
    let mut notes = Vec::new();
    if old.server.workers != new.server.workers {
        notes.push(format!(
            "server.workers changed: applies at restart (serving with {workers} UDP threads per address)"
        ));
    }
    if old.server.engine != new.server.engine {
        notes.push("server.engine changed: applies at restart".to_string());
    }
    if old.server.state_file != new.server.state_file {
        notes.push(
            "server.state_file changed: applies at restart (drains and forced states are still kept in the old file)"
                .to_string(),
        );
    }
    if old.log.format != new.log.format {
        notes.push("log.format changed: applies at restart".to_string());
    }
    if old.fleet != new.fleet {
        notes.push("fleet changed: applies at restart".to_string());
    }
    notes
}

/// The bearer token from `[admin] token_file` (surrounding whitespace removed).
pub fn read_token(loaded: &LoadedConfig) -> Result<Option<String>, String> {
    let Some(file) = loaded
        .config
        .admin
        .as_ref()
        .and_then(|a| a.token_file.as_ref())
    else {
        return Ok(None);
    };
    let path = loaded.resolve(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: admin.token_file: cannot read: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() || token.len() > 4096 || token.chars().any(char::is_whitespace) {
        return Err(format!(
            "{}: admin.token_file: the token must be one word of 1 to 4096 characters",
            path.display()
        ));
    }
    Ok(Some(token.to_string()))
}

/// Binds `[admin] listen` unless the admin server already listens there (`current`).
pub fn bind_admin(
    loaded: &LoadedConfig,
    current: Option<SocketAddr>,
) -> Result<Option<AdminListener>, String> {
    let Some(admin) = &loaded.config.admin else {
        return Ok(None);
    };
    let Ok(configured) = admin.listen.parse::<SocketAddr>() else {
        return Ok(None); // rejected by validation
    };
    if current == Some(configured) {
        return Ok(None);
    }
    let listener = crate::server::bind_tcp(configured).map_err(|e| {
        format!(
            "{}: admin.listen: cannot bind {configured}: {e}",
            loaded.path.display()
        )
    })?;
    Ok(Some(AdminListener {
        configured,
        listener,
    }))
}

/// The query log `[log]` asks for: the running one when it still writes to that path (with
/// the new sample rate), else a new one, so that rotation is: rename the file, then reload.
pub fn open_query_log(
    loaded: &LoadedConfig,
    metrics: &Metrics,
    current: Option<&Arc<QueryLog>>,
) -> Result<Option<Arc<QueryLog>>, String> {
    let log = &loaded.config.log;
    let Some(path) = &log.queries else {
        return Ok(None);
    };
    let path = loaded.resolve(path);
    if let Some(current) = current.filter(|c| c.writes_to(&path)) {
        current.set_sample(log.sample);
        return Ok(Some(current.clone()));
    }
    QueryLog::open(&path, log.sample, metrics.clone())
        .map(|log| Some(Arc::new(log)))
        .map_err(|e| format!("{e} (log.queries)"))
}

fn addresses(list: &[SocketAddr]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn outcome_json(outcome: &ReloadOutcome, trigger: &str, duration_ms: f64) -> serde_json::Value {
    json!({
        "ok": true,
        "trigger": trigger,
        "time": crate::logging::rfc3339(std::time::SystemTime::now()),
        "generation": outcome.generation,
        "duration_ms": duration_ms,
        "warnings": outcome.warnings,
        "restart_needed": outcome.restart_needed,
        "listen": addresses(&outcome.listen),
        "opened": addresses(&outcome.opened),
        "closed": addresses(&outcome.closed),
        "admin": outcome.admin.map(|a| a.to_string()),
    })
}

fn error_json(error: &ReloadError, trigger: &str, duration_ms: f64) -> serde_json::Value {
    json!({
        "ok": false,
        "trigger": trigger,
        "time": crate::logging::rfc3339(std::time::SystemTime::now()),
        "generation": error.generation,
        "duration_ms": duration_ms,
        "errors": error.errors,
    })
}
