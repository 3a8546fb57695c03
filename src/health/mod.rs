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
//! | file | concept |
//! |---|---|
//! | `state.rs` | `TargetHealth`, `DatacenterHealth`, the rise/fall rule, status types |
//! | `spec.rs` | `ProbeSpec`: what to probe, and check validation |
//! | `registry.rs` | `HealthRegistry`: reconcile, operator actions, status |
//! | `probe.rs` | the prober task: interval, timeout, jitter, logging, error reasons |
//! | `probe_http.rs`, `probe_tcp.rs` | one probe of each kind |
//! | `tls.rs` | rustls settings: platform roots + `ca_file`, or `insecure` |
//! | `persist.rs` | the state file (atomic writes) |

mod error;
mod persist;
mod probe;
mod probe_http;
mod probe_tcp;
mod registry;
mod spec;
mod state;
mod tls;

#[cfg(test)]
mod tests;

pub use error::HealthError;
pub use persist::Overrides;
pub use probe_http::USER_AGENT;
pub use registry::{HealthRegistry, Reconciled};
pub use spec::{CheckSpec, ProbeSpec, validate_check};
pub use state::{
    DatacenterHealth, DatacenterStatus, Force, LastResult, State, TargetHealth, TargetStatus,
};
pub use tls::validate_check_files;
