//! `switchyard ctl`: the admin API from the command line, for people (tables) and scripts
//! (`--json`, exit codes).
//!
//! | exit | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | the server refused or the operation failed (unknown datacenter, reload rejected, …) |
//! | 2 | usage: bad arguments, unreadable token file or configuration |
//! | 3 | cannot reach the admin API (server not running, wrong address, no answer) |
//! | 4 | unauthorized: token missing or wrong, or a change from a non-loopback peer without one |
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | commands, options, errors and exit codes |
//! | `client.rs` | the HTTP client |
//! | `render.rs` | tables and lines for people |

mod client;
mod render;

use std::path::{Path, PathBuf};

pub use client::{AdminClient, Reply, encode};

/// Where the admin API listens when neither `--admin` nor a configuration says.
pub const DEFAULT_ADMIN: &str = "127.0.0.1:8053";

/// What `switchyard ctl` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// Datacenters and targets: state, last probe, latency, since when.
    Status,
    /// Drain a datacenter: its clients go to their next datacenter at once.
    Drain { datacenter: String },
    /// End a drain.
    Undrain { datacenter: String },
    /// Force every target with this address up or down, or give it back to its probes (auto).
    Force {
        target: String,
        #[arg(value_parser = ["up", "down", "auto"])]
        state: String,
    },
    /// Reload the configuration and every file it names.
    Reload,
    /// The decision trace for a query, against the live state.
    Explain(Question),
    /// The latest health changes, drains, forced states and reloads.
    Events,
}

/// A query to explain: `NAME [TYPE] --client IP[/PREFIX]` (also `switchyard explain`'s).
#[derive(Debug, Clone, clap::Args)]
pub struct Question {
    /// The name asked for.
    pub name: String,
    /// The record type (A, AAAA, ...).
    #[arg(default_value = "A")]
    pub qtype: String,
    /// The resolver's address, or an ECS subnet as ADDRESS/PREFIX.
    #[arg(long)]
    pub client: String,
}

/// How to reach the admin API.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--admin HOST:PORT`.
    pub admin: Option<String>,
    /// `--token-file F`.
    pub token_file: Option<PathBuf>,
    /// Print the server's JSON instead of tables.
    pub json: bool,
}

/// Why a command failed; [`CtlError::exit_code`] maps it to the documented exit status.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    #[error("{0}")]
    Usage(String),
    #[error(
        "cannot connect to the admin API at {address}: {source} (is switchyard running with \
         [admin] listen = \"{address}\"? use --admin HOST:PORT)"
    )]
    Connect {
        address: String,
        source: std::io::Error,
    },
    #[error("the admin API at {address} did not answer within {seconds} s")]
    Timeout { address: String, seconds: u64 },
    #[error("talking to the admin API at {0}")]
    Http(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The server said no; `output` is what still goes to stdout (its JSON with `--json`).
    #[error("{reason}")]
    Refused { reason: String, output: String },
}

impl CtlError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CtlError::Refused { .. } => 1,
            CtlError::Usage(_) => 2,
            CtlError::Connect { .. } | CtlError::Timeout { .. } | CtlError::Http(_) => 3,
            CtlError::Unauthorized(_) => 4,
        }
    }
}

/// The client for `options`, with what the configuration at `config` says where the options
/// are silent (its `[admin] listen` and `token_file`), else [`DEFAULT_ADMIN`] and no token.
pub fn client(options: &Options, config: &Path) -> Result<AdminClient, CtlError> {
    let loaded = if options.admin.is_some() && options.token_file.is_some() || !config.exists() {
        None
    } else {
        let loaded = crate::config::load(config).map_err(|errors| {
            CtlError::Usage(format!(
                "{}: {errors} (or pass --admin and --token-file)",
                config.display()
            ))
        })?;
        Some(loaded)
    };
    let admin = loaded.as_ref().and_then(|l| l.config.admin.as_ref());
    let address = options
        .admin
        .clone()
        .or_else(|| admin.map(|a| a.listen.clone()))
        .unwrap_or_else(|| DEFAULT_ADMIN.to_string());
    if address.ends_with(":0") {
        return Err(CtlError::Usage(format!(
            "the admin address {address} has port 0 (the server picks one at start): pass \
             --admin with the address its ready line or /status announced"
        )));
    }
    let token_file = options.token_file.clone().or_else(|| {
        let file = admin?.token_file.as_ref()?;
        loaded.as_ref().map(|l| l.resolve(file))
    });
    let token = match token_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                CtlError::Usage(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?;
            Some(text.trim().to_string()).filter(|t| !t.is_empty())
        }
    };
    Ok(AdminClient { address, token })
}

/// Runs `action`; returns what to print on stdout.
pub fn run(client: &AdminClient, action: &Action, json: bool) -> Result<String, CtlError> {
    let reply = match action {
        Action::Status => client.get("/status")?,
        Action::Events => client.get("/events")?,
        Action::Drain { datacenter } => {
            client.post(&format!("/datacenters/{}/drain", encode(datacenter)), None)?
        }
        Action::Undrain { datacenter } => client.post(
            &format!("/datacenters/{}/undrain", encode(datacenter)),
            None,
        )?,
        Action::Force { target, state } => client.post(
            &format!("/targets/{}/force", encode(target)),
            Some(&serde_json::json!({ "state": state }).to_string()),
        )?,
        Action::Reload => client.post("/reload", None)?,
        Action::Explain(question) => client.get(&format!(
            "/explain?name={}&type={}&client={}",
            encode(&question.name),
            encode(&question.qtype),
            encode(&question.client)
        ))?,
    };
    let value = reply.json();
    let failed = match reply.status {
        200..=299 => None,
        401 => return Err(CtlError::Unauthorized(unauthorized(client, &reply))),
        403 if client.token.is_none() => {
            return Err(CtlError::Unauthorized(reply.error_text()));
        }
        _ => Some(refusal(action, &reply)),
    };
    let text = if json {
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render::render(action, &value)
    };
    match failed {
        // Scripts still get the server's document on stdout; people get the reason on stderr.
        Some(reason) => Err(CtlError::Refused {
            reason,
            output: if json { text } else { String::new() },
        }),
        None => Ok(text),
    }
}

fn unauthorized(client: &AdminClient, reply: &Reply) -> String {
    let hint = if client.token.is_some() {
        "the token was refused (check --token-file or [admin] token_file)"
    } else {
        "this server needs a token: pass --token-file or run with the server's --config"
    };
    format!("{} — {hint}", reply.error_text())
}

fn refusal(action: &Action, reply: &Reply) -> String {
    if matches!(action, Action::Reload)
        && let Some(errors) = reply.json().get("errors").and_then(|e| e.as_array())
    {
        let lines: Vec<String> = errors
            .iter()
            .filter_map(|e| e.as_str())
            .map(|e| format!("  {e}"))
            .collect();
        return format!(
            "reload rejected (HTTP {}), still serving the previous configuration:\n{}",
            reply.status,
            lines.join("\n")
        );
    }
    format!("refused (HTTP {}): {}", reply.status, reply.error_text())
}
