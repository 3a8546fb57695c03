//! The `switchyard` command line: serve | check | explain | ctl | geoip-build.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
