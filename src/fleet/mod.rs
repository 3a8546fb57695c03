//! The fleet: several Switchyard nodes serving the same zones share health observations and
//! answer alike.
//!
//! Each checked target is probed by `observers` nodes chosen by rendezvous hashing over the
//! live members, so the load on a backend does not grow with the fleet. Each observer applies
//! rise/fall to its own probes and gossips the result; every node counts the observers' votes
//! with the same rule (down when more than `agreement` of them say down) and publishes the
//! verdict into the same atomics the query path reads. Drains and forced states made on any
//! node travel the same way and are kept in every node's state file. A node with no live peer
//! falls back to its own probes of every target and says so (degraded).
//!
//! Membership, failure detection and the anti-entropy of each node's key-values are chitchat's
//! (scuttlebutt gossip with a phi-accrual failure detector); every datagram is sealed with an
//! HMAC of the shared secret and numbered against replays (`auth.rs`).
//!
//! | file | concept |
//! |---|---|
//! | `auth.rs` | the sealed datagram: MAC, freshness, replay window |
//! | `transport.rs` | chitchat's transport over UDP with sealed datagrams |
//! | `membership.rs` | live members from the gossip state; the mode (fleet, joining, degraded) |
//! | `assignment.rs` | observers of a target by rendezvous hashing |
//! | `agreement.rs` | the agreement rule and the reports it counts |
//! | `keys.rs` | what each node publishes: mode, reports, overrides |
//! | `round.rs` | one round: assign, probe or not, vote, take overrides, publish |
//! | `status.rs`, `stats.rs` | what `/status` and `/metrics` show |
//! | `trace.rs` | the votes behind a target's state, for `explain` and the CH TXT trace |

mod agreement;
mod assignment;
pub mod auth;
mod error;
mod keys;
mod membership;
mod round;
mod stats;
mod status;
mod trace;
pub mod transport;

pub use error::FleetError;
pub use membership::{Member, Mode};
pub use stats::Counters;
pub use status::FleetStatus;
pub use trace::vote_line;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chitchat::{ChitchatConfig, ChitchatHandle, ChitchatId, FailureDetectorConfig, ListenerHandle};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::config::FleetConfig;
use crate::health::{HealthRegistry, unix_ms};
use round::{Context, Rounds};
use transport::SealedTransport;

/// The fewest characters a secret may have.
pub const MIN_SECRET: usize = 32;
const MAX_SECRET: usize = 4096;
/// Failure detector: a member is dead once silent for this many mean heartbeat intervals.
const PHI_THRESHOLD: f64 = 8.0;
/// How long dead members and deleted keys are remembered.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// The cluster name in chitchat's messages (the secret is what separates fleets).
const CLUSTER: &str = "switchyard";

/// Reads the shared secret: the file's text without surrounding whitespace, at least
/// [`MIN_SECRET`] characters (for example `openssl rand -base64 32`).
pub fn read_secret(path: &Path) -> Result<Vec<u8>, FleetError> {
    let text = std::fs::read(path).map_err(|source| FleetError::SecretRead {
        path: path.to_path_buf(),
        source,
    })?;
    let secret = text.trim_ascii();
    if secret.len() < MIN_SECRET || secret.len() > MAX_SECRET {
        return Err(FleetError::SecretContent {
            path: path.to_path_buf(),
            message: format!(
                "the secret must be {MIN_SECRET} to {MAX_SECRET} characters (it has {}); for example: openssl rand -base64 32",
                secret.len()
            ),
        });
    }
    Ok(secret.to_vec())
}

/// A running fleet node.
pub struct Fleet {
    me: ChitchatId,
    interval: Duration,
    handle: tokio::sync::Mutex<Option<ChitchatHandle>>,
    counters: Arc<Counters>,
    status: Arc<Mutex<FleetStatus>>,
    rounds: AbortHandle,
    _listeners: Vec<ListenerHandle>,
}

impl Fleet {
    /// Binds the gossip socket, starts gossiping with the seeds and starts the rounds that
    /// drive `registry`. `secret` comes from [`read_secret`].
    pub async fn start(
        config: &FleetConfig,
        secret: &[u8],
        registry: Arc<HealthRegistry>,
    ) -> Result<Fleet, FleetError> {
        let listen: SocketAddr = config
            .listen
            .parse()
            .map_err(|_| FleetError::Gossip(format!("fleet.listen: {:?}", config.listen)))?;
        let bind = |source| FleetError::Bind {
            address: listen,
            source,
        };
        let socket = tokio::net::UdpSocket::bind(listen).await.map_err(bind)?;
        let bound = socket.local_addr().map_err(bind)?;
        let advertise = match &config.advertise {
            Some(text) => text
                .parse()
                .map_err(|_| FleetError::Gossip(format!("fleet.advertise: {text:?}")))?,
            None => bound,
        };
        let generation = unix_ms(SystemTime::now());
        let me = ChitchatId::new(config.node.clone(), generation, advertise);
        let interval = config.gossip_interval.get();
        let counters = Arc::new(Counters::default());
        let key = auth::Key::new(secret);
        let transport =
            SealedTransport::new(socket, key, &config.node, generation, counters.clone());
        let chitchat_config = chitchat_config(config, &me, bound, interval);
        let initial = vec![
            (keys::MODE.to_string(), Mode::Joining.as_str().to_string()),
            (
                keys::VERSION.to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ];
        let handle = chitchat::spawn_chitchat(chitchat_config, initial, &transport)
            .await
            .map_err(|e| FleetError::Gossip(e.to_string()))?;
        registry.set_node(&config.node);

        let remote = Arc::new(Notify::new());
        let chitchat = handle.chitchat();
        let listeners = subscribe(&chitchat, &remote).await;
        let status = Arc::new(Mutex::new(FleetStatus {
            node: config.node.clone(),
            gossip: advertise,
            mode: Mode::Joining,
            degraded: false,
            mode_since_unix_ms: generation,
            observers: config.observers,
            agreement: config.agreement,
            gossip_interval_ms: interval.as_millis() as u64,
            members: Vec::new(),
            targets: 0,
            observing: 0,
        }));
        let context = Context {
            me: me.clone(),
            chitchat,
            registry: registry.clone(),
            observers: config.observers,
            agreement: config.agreement,
            counters: counters.clone(),
            status: status.clone(),
        };
        let local = registry.changed();
        let rounds = tokio::spawn(Rounds::new(context, interval).run(interval, local, remote));
        tracing::info!(
            node = config.node.as_str(),
            gossip = %advertise,
            peers = config.peers.join(","),
            observers = config.observers,
            agreement = config.agreement,
            "fleet started"
        );
        Ok(Fleet {
            me,
            interval,
            handle: tokio::sync::Mutex::new(Some(handle)),
            counters,
            status,
            rounds: rounds.abort_handle(),
            _listeners: listeners,
        })
    }

    /// The fleet as this node sees it now.
    pub fn status(&self) -> FleetStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Tells the live peers this node is leaving (they move its targets to other observers at
    /// once instead of waiting for the failure detector), then stops gossiping.
    pub async fn leave(&self) {
        self.rounds.abort();
        let Some(handle) = self.handle.lock().await.take() else {
            return;
        };
        let peers: Vec<SocketAddr> = {
            let chitchat = handle.chitchat();
            let mut chitchat = chitchat.lock().await;
            chitchat.self_node_state().set(keys::MODE, "leaving");
            chitchat
                .live_nodes()
                .filter(|id| **id != self.me)
                .map(|id| id.gossip_advertise_addr)
                .collect()
        };
        // One exchange (syn, syn-ack, ack) carries the news; it is started three times over
        // a few round trips, so a lost datagram or a busy peer does not leave it to the
        // failure detector.
        let wait = (self.interval * 2).clamp(Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..3 {
            for peer in &peers {
                let _ = handle.gossip(*peer);
            }
            tokio::time::sleep(wait / 3).await;
        }
        if let Err(error) = handle.shutdown().await {
            tracing::debug!(error = %error, "fleet gossip stopped with an error");
        }
        tracing::info!(node = &*self.me.node_id, peers = peers.len(), "fleet left");
    }
}

/// chitchat's settings: the failure detector's prior is one gossip interval; dead members and
/// deleted keys are forgotten after [`FORGET_AFTER`].
fn chitchat_config(
    config: &FleetConfig,
    me: &ChitchatId,
    bound: SocketAddr,
    interval: Duration,
) -> ChitchatConfig {
    ChitchatConfig {
        chitchat_id: me.clone(),
        cluster_id: CLUSTER.to_string(),
        gossip_interval: interval,
        listen_addr: bound,
        seed_nodes: config.peers.clone(),
        failure_detector_config: FailureDetectorConfig {
            phi_threshold: PHI_THRESHOLD,
            sampling_window_size: 1000,
            max_interval: interval * 10,
            initial_interval: interval,
            dead_node_grace_period: FORGET_AFTER,
        },
        marked_for_deletion_grace_period: FORGET_AFTER,
        catchup_callback: None,
        extra_liveness_predicate: None,
    }
}

/// Wakes `remote` whenever a peer's report, override or mode arrives.
async fn subscribe(
    chitchat: &tokio::sync::Mutex<chitchat::Chitchat>,
    remote: &Arc<Notify>,
) -> Vec<ListenerHandle> {
    let guard = chitchat.lock().await;
    [keys::REPORT, keys::OVERRIDE, keys::MODE]
        .into_iter()
        .map(|prefix| {
            let remote = remote.clone();
            guard.subscribe_event(prefix, move |_| remote.notify_one())
        })
        .collect()
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.rounds.abort();
    }
}
