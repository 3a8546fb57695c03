//! End-to-end tests: the real `switchyard` binary on 127.0.0.1 port 0, queried over UDP and
//! TCP. One test binary for every end-to-end test keeps builds short.

mod support;

mod authoritative;
mod cli;
mod console;
mod cookies;
mod ctl;
mod differential;
mod dnssec;
mod engines;
mod fleet;
mod geoip;
mod hostile;
mod monitoring;
mod operations;
mod protocol;
mod regressions;
mod steering;
mod transfer;
mod zone_types;
