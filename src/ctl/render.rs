//! What `switchyard ctl` prints for people: aligned tables for `status` and `events`, one line
//! for an action, the trace for `explain`. Values come from the server's JSON as they are.

use serde_json::Value;

use super::Action;

/// The text for a successful answer to `action`.
pub fn render(action: &Action, value: &Value) -> String {
    match action {
        Action::Status => status(value),
        Action::Events => events(value),
        Action::Explain(_) => lines(&value["lines"]),
        Action::Drain { datacenter } | Action::Undrain { datacenter } => {
            let drained = value["drained"].as_bool() == Some(true);
            let word = if drained { "drained" } else { "undrained" };
            let note = if value["changed"] == true {
                ""
            } else {
                " (no change: it already was)"
            };
            format!("datacenter {datacenter} {word}{note}\n")
        }
        Action::Force { target, state } => {
            let note = if value["changed"] == true {
                ""
            } else {
                " (no change)"
            };
            match state.as_str() {
                "auto" => format!("target {target} back to its probes{note}\n"),
                _ => format!("target {target} forced {state}{note}\n"),
            }
        }
        Action::Reload => {
            let mut out = format!("reloaded: generation {}\n", text(&value["generation"]));
            for key in ["warnings", "restart_needed"] {
                for line in value[key].as_array().into_iter().flatten() {
                    out.push_str(&format!("warning: {}\n", text(line)));
                }
            }
            out
        }
    }
}

fn status(value: &Value) -> String {
    let reload = &value["last_reload"];
    let reload = match reload["ok"].as_bool() {
        Some(true) => format!("applied {}", text(&reload["time"])),
        Some(false) => format!("REJECTED {}", text(&reload["time"])),
        None => "none".to_string(),
    };
    let mut out = format!(
        "switchyard {}, generation {} loaded {}, DNS {}, last reload {}\n\n",
        text(&value["version"]),
        text(&value["generation"]),
        text(&value["loaded_at"]),
        list(&value["listen"]),
        reload
    );
    let targets = value["targets"].as_array().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for dc in value["datacenters"].as_array().into_iter().flatten() {
        let name = text(&dc["name"]);
        let mine: Vec<&Value> = targets
            .iter()
            .filter(|t| text(&t["datacenter"]) == name)
            .collect();
        let up = mine.iter().filter(|t| t["state"] == "up").count();
        let state = if dc["drained"] == true {
            "drained"
        } else if !mine.is_empty() && up == mine.len() {
            "up"
        } else if up > 0 {
            "degraded"
        } else {
            "down"
        };
        rows.push(vec![
            name,
            state.to_string(),
            format!("{up}/{}", mine.len()),
        ]);
    }
    out.push_str(&table(&["DATACENTER", "STATE", "TARGETS UP"], &rows));
    out.push('\n');
    let rows: Vec<Vec<String>> = targets
        .iter()
        .map(|t| {
            let mut state = text(&t["state"]);
            if t["changing"] == true {
                state.push_str(" (changing)");
            }
            let probe = match (t["check"].is_null(), text(&t["last_result"]).as_str()) {
                (true, _) => "not probed".to_string(),
                (false, "failed") => format!("failed: {}", text(&t["last_error"])),
                (false, "none") => "no result yet".to_string(),
                (false, result) => result.to_string(),
            };
            let latency = t["last_latency_ms"]
                .as_f64()
                .map_or("-".to_string(), |ms| format!("{ms:.1} ms"));
            vec![
                text(&t["address"]),
                text(&t["datacenter"]),
                state,
                t["forced"].as_str().unwrap_or("-").to_string(),
                probe,
                latency,
                text(&t["since"]),
            ]
        })
        .collect();
    let headers = [
        "TARGET",
        "DATACENTER",
        "STATE",
        "FORCED",
        "LAST PROBE",
        "LATENCY",
        "SINCE",
    ];
    out.push_str(&table(&headers, &rows));
    out.push_str(&signed_zones(value));
    out
}

/// One row per key of each signed zone, then per zone what waits (DS change, next event,
/// earliest signature expiration); nothing when no zone is signed.
fn signed_zones(value: &Value) -> String {
    let zones: Vec<&Value> = value["zones"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|z| !z["dnssec"].is_null())
        .collect();
    if zones.is_empty() {
        return String::new();
    }
    let mut rows = Vec::new();
    let mut notes = String::new();
    for zone in zones {
        let name = text(&zone["name"]);
        let dnssec = &zone["dnssec"];
        for key in dnssec["keys"].as_array().into_iter().flatten() {
            rows.push(vec![
                name.clone(),
                text(&key["tag"]),
                text(&key["role"]),
                text(&key["algorithm"]),
                text(&key["state"]),
                text(&key["ds"]),
            ]);
        }
        let mut facts = vec![format!("mode {}", text(&dnssec["mode"]))];
        if dnssec["ds_change_needed"] == true {
            facts.push("DS CHANGE NEEDED at the parent (then `switchyard keys ds-seen`)".into());
        }
        if !dnssec["next_key_event"].is_null() {
            let event = &dnssec["next_key_event"];
            facts.push(format!(
                "next: {} at {}",
                text(&event["what"]),
                text(&event["at"])
            ));
        }
        if !dnssec["signatures_expire"].is_null() {
            facts.push(format!(
                "signatures expire from {}",
                text(&dnssec["signatures_expire"]["at"])
            ));
        }
        notes.push_str(&format!("{name}: {}\n", facts.join("; ")));
    }
    let mut out = String::from("\n");
    if !rows.is_empty() {
        let headers = ["ZONE", "KEY", "ROLE", "ALGORITHM", "STATE", "DS"];
        out.push_str(&table(&headers, &rows));
        out.push('\n');
    }
    out.push_str(&notes);
    out
}

fn events(value: &Value) -> String {
    let rows: Vec<Vec<String>> = value["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| vec![text(&e["time"]), text(&e["kind"]), text(&e["message"])])
        .collect();
    if rows.is_empty() {
        return "no events yet\n".to_string();
    }
    table(&["TIME", "KIND", "EVENT"], &rows)
}

fn lines(value: &Value) -> String {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|line| format!("{}\n", text(line)))
        .collect()
}

/// A JSON value as plain text: strings without quotes, null as `-`; control characters
/// (which a terminal would act on) replaced.
fn text(value: &Value) -> String {
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    raw.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn list(value: &Value) -> String {
    let items: Vec<String> = value.as_array().into_iter().flatten().map(text).collect();
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
    }
}

/// Columns padded to their widest cell, two spaces apart.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_neutralise_control_characters() {
        let rows = vec![
            vec!["ams".to_string(), "up".to_string()],
            vec![text(&serde_json::json!("a\u{1b}[31m")), "down".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "STATE"], &rows),
            "NAME    STATE\nams     up\na?[31m  down\n"
        );
        assert_eq!(text(&Value::Null), "-");
        assert_eq!(text(&serde_json::json!(3)), "3");
    }
}
