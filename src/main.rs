//! The `switchyard` command line: serve | check | explain | ctl | keys | geoip-build.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "switchyard",
    version,
    about = "Authoritative DNS server that steers traffic across data centres"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (for the default `serve` command).
    #[arg(long, short, default_value = "switchyard.toml", global = true)]
    config: PathBuf,
    /// Log format on stderr.
    #[arg(long, value_enum, global = true)]
    log_format: Option<LogFormat>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Answer DNS queries (the default).
    Serve,
    /// Validate the configuration and every zone file; print every error; exit non-zero on any.
    Check,
    /// Explain the answer to a query: client location, rule, datacenter order, health, answer.
    Explain {
        #[command(flatten)]
        question: switchyard::ctl::Question,
        /// Treat this datacenter as down (repeatable).
        #[arg(long)]
        down: Vec<String>,
    },
    /// Talk to a running server's admin API: status, drain, undrain, force, reload, explain,
    /// events. Exit codes: 0 done, 1 refused or failed, 2 usage, 3 cannot connect, 4
    /// unauthorized.
    Ctl {
        /// The admin API's HOST:PORT (default: the configuration's [admin] listen, else
        /// 127.0.0.1:8053).
        #[arg(long, global = true)]
        admin: Option<String>,
        /// File holding the bearer token (default: the configuration's [admin] token_file).
        #[arg(long, global = true)]
        token_file: Option<PathBuf>,
        /// Print the server's JSON instead of tables.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: switchyard::ctl::Action,
    },
    /// Build a MaxMind DB from a CSV table (see geoip/README.md).
    GeoipBuild {
        #[arg(long)]
        csv: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Manage a zone's DNSSEC keys (BIND key files in a key directory; see docs/dnssec.md).
    /// Exit codes: 0 done, 1 a key file is wrong or the change is refused, 2 usage.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// List the zone's keys: role, algorithm, state, DS state and times.
    List(KeySetArgs),
    /// Make a key for a zone that has none of its kind (a CSK by default).
    Generate(KeyRoleArgs),
    /// Print the DS records (SHA-256 and SHA-384) to give the parent.
    Ds {
        #[command(flatten)]
        set: KeySetArgs,
        #[command(flatten)]
        timing: TimingArgs,
    },
    /// Copy BIND key pairs (K*.key + K*.private) into the key directory, after checking them.
    Import {
        #[command(flatten)]
        set: KeySetArgs,
        /// The pairs, each named by its .key file, its .private file or their common stem.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Start a roll of the zone's KSK, ZSK or CSK now.
    Roll(KeyRoleArgs),
    /// Confirm that the parent's DS set now names the keys whose CDS is published.
    DsSeen {
        #[command(flatten)]
        set: KeySetArgs,
        #[command(flatten)]
        timing: TimingArgs,
    },
}

#[derive(Args)]
struct KeySetArgs {
    /// The key directory (default: the zone's `dnssec.keys` in the configuration file, which
    /// also gives the algorithm).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The zone, e.g. example.com.
    #[arg(long)]
    zone: String,
    /// The zone's algorithm: ecdsap256sha256 (new keys' default) or ed25519. Keys of another
    /// algorithm are refused when given.
    #[arg(long)]
    algorithm: Option<String>,
}

/// The key set, the role of the key and the timings of a roll.
#[derive(Args)]
struct KeyRoleArgs {
    #[command(flatten)]
    set: KeySetArgs,
    #[command(flatten)]
    role: RoleArgs,
    #[command(flatten)]
    timing: TimingArgs,
}

#[derive(Args)]
#[group(multiple = false)]
struct RoleArgs {
    /// A key-signing key (flags 257; beside a ZSK).
    #[arg(long)]
    ksk: bool,
    /// A zone-signing key (flags 256).
    #[arg(long)]
    zsk: bool,
    /// A combined signing key (flags 257; the default).
    #[arg(long)]
    csk: bool,
}

/// The TTLs and delays a roll waits for (durations such as 1h, 30m, 1d).
#[derive(Args)]
struct TimingArgs {
    /// TTL of the DNSKEY RRset.
    #[arg(long, default_value = "1h", value_parser = duration_secs)]
    dnskey_ttl: u64,
    /// The longest TTL in the zone.
    #[arg(long, default_value = "1d", value_parser = duration_secs)]
    max_zone_ttl: u64,
    /// How long a change takes to reach every server.
    #[arg(long, default_value = "1h", value_parser = duration_secs)]
    propagation_delay: u64,
    /// TTL of the DS RRset at the parent.
    #[arg(long, default_value = "1d", value_parser = duration_secs)]
    parent_ds_ttl: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Serve => {
            let (level, json) = log_settings(&cli.config, cli.log_format);
            switchyard::logging::init(&level, json);
            match switchyard::daemon::serve(&cli.config) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    for problem in e.problems() {
                        eprintln!("{problem}");
                    }
                    eprintln!("switchyard: {:#}", anyhow::Error::from(e));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check => {
            let checked = switchyard::check::run(&cli.config);
            for warning in &checked.warnings {
                eprintln!("warning: {warning}");
            }
            match checked.result {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    for error in errors {
                        eprintln!("{error}");
                    }
                    ExitCode::FAILURE
                }
            }
        }
        Command::Explain { question, down } => match switchyard::explain_command::run(
            &cli.config,
            &question.name,
            &question.qtype,
            &question.client,
            &down,
        ) {
            Ok(lines) => {
                for line in lines {
                    println!("{line}");
                }
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for error in errors {
                    eprintln!("{error}");
                }
                ExitCode::FAILURE
            }
        },
        Command::Ctl {
            admin,
            token_file,
            json,
            action,
        } => {
            let options = switchyard::ctl::Options {
                admin,
                token_file,
                json,
            };
            ctl(&options, &cli.config, &action)
        }
        Command::Keys { action } => keys(&cli.config, action),
        Command::GeoipBuild { csv, out } => {
            let built = std::fs::read_to_string(&csv)
                .map_err(|e| format!("{}: {e}", csv.display()))
                .and_then(|text| {
                    switchyard::geo::build_city_database(&text)
                        .map_err(|e| format!("{}: {e}", csv.display()))
                })
                .and_then(|bytes| {
                    std::fs::write(&out, bytes).map_err(|e| format!("{}: {e}", out.display()))
                });
            match built {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn duration_secs(text: &str) -> Result<u64, String> {
    switchyard::config::Duration::parse(text).map(|d| d.get().as_secs())
}

/// `switchyard keys ...`: the library does the work; printed here.
fn keys(config: &Path, action: KeysAction) -> ExitCode {
    use switchyard::dnssec::{self, Algorithm, command, dnskey::Role, policy::KeyPolicy};

    let key_set = |args: &KeySetArgs| -> anyhow::Result<command::KeySet> {
        let zone = args
            .zone
            .parse()
            .map_err(|e| anyhow::anyhow!("--zone {}: {e}", args.zone))?;
        let algorithm = args
            .algorithm
            .as_deref()
            .map(str::parse::<Algorithm>)
            .transpose()?;
        if let Some(algorithm) = algorithm.filter(|a| !a.can_sign()) {
            anyhow::bail!(
                "--algorithm: {algorithm} cannot sign here (use {})",
                Algorithm::signing_names()
            );
        }
        let mut set = match &args.dir {
            Some(dir) => command::KeySet {
                dir: dir.clone(),
                zone,
                algorithm: None,
            },
            None => {
                let loaded = switchyard::config::load(config)?;
                command::KeySet::from_config(&loaded, &zone)?
            }
        };
        set.algorithm = algorithm.or(set.algorithm);
        Ok(set)
    };
    let role = |r: &RoleArgs| match (r.ksk, r.zsk) {
        (true, _) => Role::Ksk,
        (_, true) => Role::Zsk,
        _ => Role::Csk,
    };
    let policy = |t: &TimingArgs| {
        let seconds = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        KeyPolicy {
            dnskey_ttl: seconds(t.dnskey_ttl),
            max_zone_ttl: seconds(t.max_zone_ttl),
            propagation_delay: seconds(t.propagation_delay),
            parent_ds_ttl: seconds(t.parent_ds_ttl),
            ..KeyPolicy::default()
        }
    };
    let now = dnssec::time::now();
    let lines = || -> anyhow::Result<Vec<String>> {
        Ok(match &action {
            KeysAction::List(set) => {
                let listing = command::list(&key_set(set)?, &KeyPolicy::default(), now)?;
                vec![listing.to_string().trim_end().to_string()]
            }
            KeysAction::Generate(KeyRoleArgs {
                set,
                role: r,
                timing,
            }) => command::generate(&key_set(set)?, role(r), &policy(timing), now)?,
            KeysAction::Ds { set, timing } => command::ds(&key_set(set)?, &policy(timing), now)?,
            KeysAction::Import { set, files } => command::import(&key_set(set)?, files)?,
            KeysAction::Roll(KeyRoleArgs {
                set,
                role: r,
                timing,
            }) => command::roll(&key_set(set)?, role(r), &policy(timing), now)?,
            KeysAction::DsSeen { set, timing } => {
                command::ds_seen(&key_set(set)?, &policy(timing), now)?
            }
        })
    };
    match lines() {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log level and format from the config file when it parses; defaults otherwise.
fn log_settings(config: &std::path::Path, format: Option<LogFormat>) -> (String, bool) {
    let loaded = switchyard::config::load(config).ok();
    let level = loaded
        .as_ref()
        .map_or("info".to_string(), |l| l.config.log.level.clone());
    let json = match format {
        Some(LogFormat::Json) => true,
        Some(LogFormat::Text) => false,
        None => loaded.is_some_and(|l| l.config.log.format == "json"),
    };
    (level, json)
}

/// `switchyard ctl`: prints the answer, or the error on stderr with its exit code.
fn ctl(
    options: &switchyard::ctl::Options,
    config: &Path,
    action: &switchyard::ctl::Action,
) -> ExitCode {
    use std::io::Write;
    let result = switchyard::ctl::client(options, config)
        .and_then(|client| switchyard::ctl::run(&client, action, options.json));
    match result {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            if let switchyard::ctl::CtlError::Refused { output, .. } = &error {
                let _ = std::io::stdout().write_all(output.as_bytes());
            }
            eprintln!("switchyard ctl: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
