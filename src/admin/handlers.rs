//! The admin endpoints other than `/metrics`. Operations that write the state file or build a
//! snapshot run on the blocking pool, never on the I/O threads.

use std::net::IpAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use super::{Body, json, text};
use crate::daemon::Daemon;
use crate::health::{Force, HealthError};
use crate::logging::rfc3339;

/// Largest request body read (a force state is a few bytes).
const MAX_BODY: usize = 4096;

/// `GET /healthz`.
pub fn healthz(daemon: &Daemon) -> Response<Body> {
    if daemon.is_ready() {
        text(StatusCode::OK, "ok\n")
    } else if daemon
        .shared
        .stopping
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        text(StatusCode::SERVICE_UNAVAILABLE, "stopping\n")
    } else {
        text(StatusCode::SERVICE_UNAVAILABLE, "starting\n")
    }
}

/// `GET /status`.
pub fn status(daemon: &Daemon) -> Response<Body> {
    json(StatusCode::OK, &status_json(daemon))
}

/// The document `/status` serves.
pub fn status_json(daemon: &Daemon) -> Value {
    let snapshot = daemon.shared.snapshot.load_full();
    let zones: Vec<Value> = snapshot
        .zones()
        .iter()
        .map(|z| {
            json!({
                "name": z.zone.origin().to_string(),
                "file": z.file.display().to_string(),
                "serial": z.zone.serial(),
                "records": z.zone.record_count(),
                "dnssec": super::dnssec::zone_status(z),
            })
        })
        .collect();
    let targets: Vec<Value> = daemon
        .health
        .targets()
        .into_iter()
        .map(|t| {
            let since = rfc3339(unix_ms_time(t.since_unix_ms));
            let mut value = serde_json::to_value(&t).unwrap_or(Value::Null);
            if let Some(map) = value.as_object_mut() {
                map.insert("since".into(), since.into());
            }
            value
        })
        .collect();
    let loaded_at_ms = snapshot
        .loaded_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let listen: Vec<String> = daemon
        .dns_addresses()
        .iter()
        .map(ToString::to_string)
        .collect();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "ready": daemon.is_ready(),
        "config": daemon.config_path.display().to_string(),
        "generation": snapshot.generation,
        "loaded_at": rfc3339(snapshot.loaded_at),
        "loaded_at_unix_ms": loaded_at_ms,
        "listen": listen,
        "admin": daemon.admin_address().map(|a| a.to_string()),
        "zones": zones,
        "datacenters": daemon.health.datacenters(),
        "targets": targets,
        "overrides": daemon.health.overrides(),
        "state_file": daemon.health.state_file().map(|p| p.display().to_string()),
        "tcp_connections": daemon.shared.tcp.active(),
        "last_reload": daemon.last_reload(),
        "fleet": super::fleet::status(daemon),
    })
}

fn unix_ms_time(ms: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)
}

/// `POST /reload`: 200 with the outcome, or 422 with every error (the old configuration
/// keeps serving).
pub async fn reload(daemon: &Arc<Daemon>) -> Response<Body> {
    let worker = daemon.clone();
    match tokio::task::spawn_blocking(move || worker.reload_with_report("admin")).await {
        Ok((Ok(_), report)) => json(StatusCode::OK, &report),
        Ok((Err(_), report)) => json(StatusCode::UNPROCESSABLE_ENTITY, &report),
        Err(e) => internal(&format!("reload task failed: {e}")),
    }
}

/// `POST /datacenters/{name}/drain` and `/undrain`.
pub async fn drain(daemon: &Arc<Daemon>, name: String, drain: bool) -> Response<Body> {
    let worker = daemon.clone();
    let target = name.clone();
    let result = tokio::task::spawn_blocking(move || {
        if drain {
            worker.health.drain(&target)
        } else {
            worker.health.undrain(&target)
        }
    })
    .await;
    match result {
        Ok(Ok(changed)) => json(
            StatusCode::OK,
            &json!({"datacenter": name, "drained": drain, "changed": changed}),
        ),
        Ok(Err(error)) => health_error(&error),
        Err(e) => internal(&format!("drain task failed: {e}")),
    }
}

/// `POST /targets/{address}/force`: the state from `?state=`, or the body as a bare word or
/// `{"state": "..."}`.
pub async fn force(
    daemon: &Arc<Daemon>,
    address: String,
    request: Request<Incoming>,
) -> Response<Body> {
    let Ok(ip) = address.parse::<IpAddr>() else {
        return bad_request(&format!("{address:?} is not an IP address"));
    };
    let from_query = request.uri().query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("state="))
            .map(str::to_string)
    });
    let word = match from_query {
        Some(word) => word,
        None => match Limited::new(request.into_body(), MAX_BODY).collect().await {
            Ok(body) => state_from_body(&body.to_bytes()),
            Err(_) => return bad_request(&format!("the body must be at most {MAX_BODY} bytes")),
        },
    };
    let force: Force = match word.parse() {
        Ok(force) => force,
        Err(e) => return bad_request(&e),
    };
    let worker = daemon.clone();
    match tokio::task::spawn_blocking(move || worker.health.force(ip, force)).await {
        Ok(Ok(changed)) => {
            let state = match force {
                Force::Up => "up",
                Force::Down => "down",
                Force::Auto => "auto",
            };
            json(
                StatusCode::OK,
                &json!({"target": ip.to_string(), "force": state, "changed": changed}),
            )
        }
        Ok(Err(error)) => health_error(&error),
        Err(e) => internal(&format!("force task failed: {e}")),
    }
}

/// `up`, `"up"`, or `{"state": "up"}`.
fn state_from_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => map
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        Ok(Value::String(word)) => word,
        _ => text.trim().to_string(),
    }
}

fn health_error(error: &HealthError) -> Response<Body> {
    let status = match error {
        HealthError::UnknownDatacenter(_) | HealthError::UnknownTarget(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    json(status, &json!({"error": error.to_string()}))
}

pub(super) fn bad_request(message: &str) -> Response<Body> {
    json(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

fn internal(message: &str) -> Response<Body> {
    tracing::error!("{message}");
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({"error": message}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_states_from_bodies() {
        assert_eq!(state_from_body(b"down\n"), "down");
        assert_eq!(state_from_body(b"\"up\""), "up");
        assert_eq!(state_from_body(br#"{"state": "auto"}"#), "auto");
        assert_eq!(state_from_body(br#"{"other": 1}"#), "");
        assert_eq!(state_from_body(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }
}
