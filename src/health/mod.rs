//! Health: probers (HTTP, HTTPS, TCP), per-target rise/fall state, drains and forced states,
//! and the atomics the query path reads.
//!
//! The query path holds `Arc<TargetHealth>` and `Arc<DatacenterHealth>` in its snapshot and
//! calls [`TargetHealth::is_up`], [`TargetHealth::is_changing`] and
//! [`DatacenterHealth::is_drained`]: one relaxed atomic load each, no lock, no allocation.
//!
//! Everything else runs off the query path in the [`HealthRegistry`]: `reconcile` at start and
//! on every reload hands out those `Arc`s (keeping the state of targets that still exist),
//! probers run as tokio tasks and publish into the same atomics, and operator actions
//! (`drain`, `undrain`, `force`) change them at once and persist in the state file.
//!
//! With `[fleet]`, `src/fleet/` drives three more things through the registry: which targets
//! this node probes ([`TargetHealth`]'s probing gate), the fleet's verdict that serves instead
//! of this node's own probes, and drains and forced states made on other nodes.
//!
//! | file | concept |
//! |---|---|
//! | `state.rs` | `TargetHealth`: the packed atomic, the rise/fall rule, the fleet's verdict |
//! | `status.rs` | what operators see: states, forced states, target status, votes, drains |
//! | `spec.rs` | `ProbeSpec`: what to probe, and check validation |
//! | `registry.rs` | `HealthRegistry`: reconcile, status |
//! | `operator.rs` | drains and forced states, made here or received from the fleet |
//! | `overrides.rs` | overrides with the stamp of each one's latest change (last writer wins) |
//! | `probe.rs` | the prober task: interval, timeout, jitter, logging, error reasons |
//! | `probe_http.rs`, `probe_tcp.rs` | one probe of each kind |
//! | `tls.rs` | rustls settings: platform roots + `ca_file`, or `insecure` |
//! | `persist.rs` | the state file (atomic writes; version 2 keeps stamps, version 1 is read) |

mod error;
mod operator;
mod overrides;
mod persist;
mod probe;
mod probe_http;
mod probe_tcp;
mod registry;
mod spec;
mod state;
mod status;
mod tls;

#[cfg(test)]
mod tests;

pub use error::HealthError;
pub use overrides::{Change, Overrides, Setting, Subject};
pub use probe_http::USER_AGENT;
pub use registry::{HealthRegistry, Reconciled};
pub use spec::{CheckSpec, ProbeSpec, validate_check};
pub use state::TargetHealth;
pub(crate) use state::unix_ms;
pub use status::{
    DatacenterHealth, DatacenterStatus, FleetView, Force, LastResult, Observation, State,
    TargetStatus, Vote,
};
pub use tls::validate_check_files;
