//! The TOML configuration as written by operators. Every table denies unknown keys.
//!
//! These types only describe the file; [`super::validate`] checks meaning and cross-references and
//! reports errors with their key paths.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::cookies::CookiesConfig;
use super::duration::Duration;
use super::zones::{CatalogConfig, TsigConfig, ZoneEntry};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    pub admin: Option<AdminConfig>,
    pub geoip: Option<GeoipConfig>,
    /// Zones served: `"origin." = "file"` or a table (see [`super::zones`]).
    #[serde(default)]
    pub zones: BTreeMap<String, ZoneEntry>,
    /// TSIG keys by name, for transfers and NOTIFY.
    #[serde(default)]
    pub tsig: BTreeMap<String, TsigConfig>,
    /// The catalog zone (RFC 9432) listing the zones we are primary for.
    pub catalog: Option<CatalogConfig>,
    #[serde(default)]
    pub datacenters: BTreeMap<String, DatacenterConfig>,
    #[serde(default)]
    pub checks: BTreeMap<String, CheckConfig>,
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub rrl: RrlConfig,
    /// DNS Cookies (see [`super::cookies`]).
    #[serde(default)]
    pub cookies: CookiesConfig,
    /// Several nodes sharing health observations (`src/fleet/`); none: this node probes alone.
    pub fleet: Option<FleetConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Addresses to serve DNS on, UDP and TCP on each.
    #[serde(default = "default_listen")]
    pub listen: Vec<String>,
    /// NSID and CH TXT id.server / hostname.bind.
    pub identity: Option<String>,
    /// CH TXT version.bind; hidden unless set.
    pub version: Option<String>,
    /// Networks that may ask for the decision trace (`dig NAME CH TXT`).
    #[serde(default = "default_trace_from")]
    pub trace_from: Vec<String>,
    /// UDP worker threads; 0 means one per CPU core.
    #[serde(default)]
    pub workers: usize,
    /// Transport engine: our own batched UDP and capped TCP loops, or hickory-server.
    #[serde(default)]
    pub engine: Engine,
    /// Largest UDP response we send to EDNS clients (RFC 6891 advertised size).
    #[serde(default = "default_udp_payload")]
    pub udp_payload: u16,
    /// Close a TCP connection after this long without a query.
    #[serde(default = "default_tcp_idle_timeout")]
    pub tcp_idle_timeout: Duration,
    /// Deadline for receiving one whole query once its first byte arrived.
    #[serde(default = "default_tcp_query_timeout")]
    pub tcp_query_timeout: Duration,
    /// Simultaneous TCP connections, all clients together.
    #[serde(default = "default_tcp_max_connections")]
    pub tcp_max_connections: usize,
    /// Simultaneous TCP connections from one client address.
    #[serde(default = "default_tcp_max_per_client")]
    pub tcp_max_per_client: usize,
    /// Queries read ahead on one TCP connection before earlier answers are written.
    #[serde(default = "default_tcp_max_pipeline")]
    pub tcp_max_pipeline: usize,
    /// Reload when the config, a zone file or a GeoIP database changes.
    #[serde(default)]
    pub watch: bool,
    /// Where drains and forced target states are kept across restarts.
    pub state_file: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            identity: None,
            version: None,
            trace_from: default_trace_from(),
            workers: 0,
            engine: Engine::default(),
            udp_payload: default_udp_payload(),
            tcp_idle_timeout: default_tcp_idle_timeout(),
            tcp_query_timeout: default_tcp_query_timeout(),
            tcp_max_connections: default_tcp_max_connections(),
            tcp_max_per_client: default_tcp_max_per_client(),
            tcp_max_pipeline: default_tcp_max_pipeline(),
            watch: false,
            state_file: None,
        }
    }
}

/// Which code receives and sends DNS messages; both answer through the same `respond()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// recvmmsg/sendmmsg UDP workers and the capped tokio TCP loop (Linux).
    #[default]
    Native,
    /// hickory-server's UDP and TCP handling (portable; no TCP caps, no RRL, no batching).
    Hickory,
}

fn default_listen() -> Vec<String> {
    vec!["127.0.0.1:5300".to_string()]
}
fn default_trace_from() -> Vec<String> {
    vec!["127.0.0.0/8".to_string(), "::1/128".to_string()]
}
/// Default of `[server] udp_payload`: the EDNS payload size of the DNS flag day 2020, which
/// stays under the common path MTU.
pub const DEFAULT_UDP_PAYLOAD: u16 = 1232;

fn default_udp_payload() -> u16 {
    DEFAULT_UDP_PAYLOAD
}
fn default_tcp_idle_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_tcp_query_timeout() -> Duration {
    Duration::from_secs(2)
}
fn default_tcp_max_connections() -> usize {
    4096
}
fn default_tcp_max_per_client() -> usize {
    64
}
fn default_tcp_max_pipeline() -> usize {
    16
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// HTTP address for /metrics, /status, drains and reload.
    pub listen: String,
    /// File holding the bearer token required by mutating endpoints.
    pub token_file: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoipConfig {
    /// City or Country database (GeoIP2, GeoLite2, DB-IP layout).
    pub database: String,
    /// Optional ASN database for `asn:` rules.
    pub asn_database: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatacenterConfig {
    /// Latitude and longitude in degrees, for policy `nearest`.
    pub location: Option<[f64; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckType {
    Http,
    Https,
    Tcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InitialState {
    #[default]
    Up,
    Down,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    #[serde(rename = "type")]
    pub kind: CheckType,
    pub port: u16,
    /// Request path for http/https.
    #[serde(default = "default_check_path")]
    pub path: String,
    /// Host header and TLS SNI.
    pub host: Option<String>,
    /// Accepted status codes.
    #[serde(default = "default_expect")]
    pub expect: Vec<u16>,
    #[serde(default = "default_check_interval")]
    pub interval: Duration,
    #[serde(default = "default_check_timeout")]
    pub timeout: Duration,
    #[serde(default = "default_rise")]
    pub rise: u32,
    #[serde(default = "default_fall")]
    pub fall: u32,
    /// Probe this address instead of the served one.
    pub address: Option<String>,
    /// Skip certificate verification (https).
    #[serde(default)]
    pub insecure: bool,
    /// Extra CA certificate (PEM) trusted for https probes.
    pub ca_file: Option<String>,
    /// State before the first probe result.
    #[serde(default)]
    pub initial: InitialState,
}

fn default_check_path() -> String {
    "/".to_string()
}
fn default_expect() -> Vec<u16> {
    vec![200]
}
fn default_check_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_check_timeout() -> Duration {
    Duration::from_secs(2)
}
fn default_rise() -> u32 {
    2
}
fn default_fall() -> u32 {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Geo,
    Nearest,
    Weighted,
    Failover,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub name: String,
    pub policy: PolicyKind,
    #[serde(default = "default_service_ttl")]
    pub ttl: u32,
    /// Lowest TTL used while a candidate is changing state.
    #[serde(default = "default_min_ttl")]
    pub min_ttl: u32,
    /// Addresses per answer.
    #[serde(default = "default_answers")]
    pub answers: usize,
    /// Health check for every target (a target may name its own).
    pub check: Option<String>,
    /// Weighted picks from a hash of the client's network instead of at random.
    #[serde(default)]
    pub sticky: bool,
    /// Whether the default answer given to secondaries by zone transfer follows probe
    /// results (datacenters with no healthy target skipped), not only drains. Off by default:
    /// flapping health must not turn into a stream of new serials.
    #[serde(default)]
    pub transfer_follows_health: bool,
    /// Datacenter order for `failover`.
    #[serde(default)]
    pub order: Vec<String>,
    pub targets: Vec<TargetConfig>,
    /// Rules for `geo` (and the fallback order of `nearest`): rule → datacenters in order.
    #[serde(default)]
    pub geo: BTreeMap<String, Vec<String>>,
}

fn default_service_ttl() -> u32 {
    30
}
fn default_min_ttl() -> u32 {
    5
}
fn default_answers() -> usize {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub datacenter: String,
    /// IPv4 or IPv6 address served for A or AAAA.
    pub address: Option<String>,
    /// Or a name served as a CNAME.
    pub cname: Option<String>,
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// Overrides the service's check.
    pub check: Option<String>,
}

fn default_weight() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Default level when RUST_LOG is not set.
    #[serde(default = "default_log_level")]
    pub level: String,
    /// `text` or `json`.
    #[serde(default = "default_log_format")]
    pub format: String,
    /// JSON-lines query log path.
    pub queries: Option<String>,
    /// Fraction of queries written to the query log.
    #[serde(default = "default_sample")]
    pub sample: f64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: default_log_level(),
            format: default_log_format(),
            queries: None,
            sample: default_sample(),
        }
    }
}

fn default_log_level() -> String {
    "info".to_string()
}
fn default_log_format() -> String {
    "text".to_string()
}
fn default_sample() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RrlConfig {
    #[serde(default)]
    pub enabled: bool,
    /// Responses per second allowed per client network and response class (and, for answers,
    /// question name and type).
    #[serde(default = "default_rrl_rate")]
    pub rate: u32,
    /// Seconds over which a network's excess is remembered: one that went over the rate stays
    /// limited until its debt (at most `window × rate` responses) is paid back at `rate` per
    /// second.
    #[serde(default = "default_rrl_window")]
    pub window: u32,
    /// Every Nth limited response is sent truncated (TC=1); 0 drops them all.
    #[serde(default = "default_rrl_slip")]
    pub slip: u32,
    #[serde(default = "default_rrl_ipv4_prefix")]
    pub ipv4_prefix: u8,
    #[serde(default = "default_rrl_ipv6_prefix")]
    pub ipv6_prefix: u8,
    /// Buckets in the rate table (8 bytes each, rounded up to a power of two): the most
    /// networks and names tracked at once.
    #[serde(default = "default_rrl_table_size")]
    pub table_size: usize,
}

impl Default for RrlConfig {
    fn default() -> Self {
        RrlConfig {
            enabled: false,
            rate: default_rrl_rate(),
            window: default_rrl_window(),
            slip: default_rrl_slip(),
            ipv4_prefix: default_rrl_ipv4_prefix(),
            ipv6_prefix: default_rrl_ipv6_prefix(),
            table_size: default_rrl_table_size(),
        }
    }
}

fn default_rrl_rate() -> u32 {
    20
}
fn default_rrl_window() -> u32 {
    15
}
fn default_rrl_slip() -> u32 {
    2
}
fn default_rrl_ipv4_prefix() -> u8 {
    24
}
fn default_rrl_ipv6_prefix() -> u8 {
    56
}
fn default_rrl_table_size() -> usize {
    1 << 18
}

/// The `[rrl] table_size` values a configuration may give (buckets).
pub const RRL_TABLE_SIZES: std::ops::RangeInclusive<usize> = 1024..=1 << 26;

/// `[fleet]`: the nodes serving the same zones, agreeing on health.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// This node's name, unique in the fleet.
    pub node: String,
    /// UDP address for gossip.
    pub listen: String,
    /// The address peers reach this node at (needed when `listen` is a wildcard address).
    pub advertise: Option<String>,
    /// Seeds: gossip addresses (`ip:port` or `host:port`) of other nodes.
    #[serde(default)]
    pub peers: Vec<String>,
    /// File holding the shared secret every gossip datagram is authenticated with.
    pub secret_file: String,
    /// Nodes that probe each target (rendezvous hashing over the live members).
    #[serde(default = "default_observers")]
    pub observers: usize,
    /// A target is down when more than this share of its reporting observers see it down.
    #[serde(default = "default_agreement")]
    pub agreement: f64,
    /// Time between gossip rounds.
    #[serde(default = "default_gossip_interval")]
    pub gossip_interval: Duration,
}

fn default_observers() -> usize {
    3
}
fn default_agreement() -> f64 {
    0.5
}
fn default_gossip_interval() -> Duration {
    Duration::from_secs(1)
}
