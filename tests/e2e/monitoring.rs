//! The monitoring files in contrib/ against the real server: `promtool check rules` on the
//! alerting rules (where Debian's `prometheus` package is installed), and every metric name
//! that an alert or a Grafana panel uses is one the server's /metrics exports.

use std::collections::BTreeSet;
use std::process::Command;

use crate::operations::{Parts, start};
use crate::support::*;

/// Metric names Prometheus itself makes, not the server.
const FROM_PROMETHEUS: &[&str] = &["up"];

/// Every `switchyard_*` name in a PromQL expression, and the Prometheus-made ones used.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut word = String::new();
    for c in expr.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
            continue;
        }
        let is_label_or_string = c == '=' || c == '!' || c == '~';
        if word.starts_with("switchyard_")
            || (FROM_PROMETHEUS.contains(&word.as_str()) && !is_label_or_string && c != '(')
        {
            names.insert(word.clone());
        }
        word.clear();
    }
    names
}

/// Family names (from HELP lines) and sample names of the server's exposition.
fn exported(server: &Server) -> BTreeSet<String> {
    let text = server.get("/metrics").body;
    let mut names = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            names.insert(rest.split(' ').next().unwrap().to_string());
        } else if !line.starts_with('#') {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            names.insert(line[..end].to_string());
        }
    }
    names
}

fn check_names(what: &str, expr: &str, exported: &BTreeSet<String>) {
    let names = metric_names(expr);
    assert!(!names.is_empty(), "{what}: no metric in {expr:?}");
    for name in names {
        if FROM_PROMETHEUS.contains(&name.as_str()) {
            continue;
        }
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        assert!(
            exported.contains(&name) || exported.contains(base),
            "{what}: {name} is not exported by /metrics"
        );
    }
}

/// The `expr:` of every rule in alerts.yml (each on one line), with its alert name.
fn alert_expressions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut alert = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("- alert:") {
            alert = name.trim().to_string();
        } else if let Some(expr) = line.strip_prefix("expr:") {
            out.push((alert.clone(), expr.trim().to_string()));
        }
    }
    out
}

#[test]
fn alerting_rules_pass_promtool_and_use_only_exported_metrics() {
    let rules = repo().join("contrib/prometheus/alerts.yml");
    if which("promtool") {
        let output = Command::new("promtool")
            .arg("check")
            .arg("rules")
            .arg(&rules)
            .output()
            .expect("run promtool");
        assert!(
            output.status.success(),
            "promtool check rules: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    } else {
        println!(
            "SKIP promtool check rules: promtool is not installed (apt-get install prometheus)"
        );
    }
    let server = start(&Parts::default(), &[]);
    // The `switchyard_fleet_*` families come only with `[fleet]`.
    let fleet_node = crate::fleet::loopback_node("ns1", crate::fleet::SECRET, "");
    let mut exported = exported(&server);
    exported.extend(self::exported(&fleet_node));
    let text = std::fs::read_to_string(&rules).unwrap();
    let expressions = alert_expressions(&text);
    let wanted = [
        "SwitchyardDatacenterDown",
        "SwitchyardFailOpen",
        "SwitchyardReloadFailed",
        "SwitchyardRateLimiting",
        "SwitchyardNoProbeResults",
        "SwitchyardFleetDegraded",
        "SwitchyardDnssecDsChangeNeeded",
        "SwitchyardDnssecSignaturesExpiring",
    ];
    for alert in wanted {
        assert!(
            expressions.iter().any(|(a, _)| a == alert),
            "{alert} missing"
        );
    }
    for (alert, expr) in &expressions {
        check_names(alert, expr, &exported);
    }
}

#[test]
fn the_grafana_dashboard_is_valid_json_over_exported_metrics() {
    let path = repo().join("contrib/grafana/switchyard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("valid JSON");
    assert_eq!(dashboard["uid"], "switchyard-dns");
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut expressions = Vec::new();
    for panel in panels {
        assert!(ids.insert(panel["id"].as_u64().unwrap()), "duplicate id");
        assert!(panel["gridPos"]["w"].as_u64().is_some(), "{panel}");
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr").to_string();
            expressions.push((panel["title"].as_str().unwrap().to_string(), expr));
        }
    }
    for wanted in [
        "rcode",
        "zone",
        "datacenter",
        "reason",
        "fail-open",
        "reloads",
        "_bucket",
    ] {
        assert!(
            expressions.iter().any(|(_, e)| e.contains(wanted)),
            "no panel queries {wanted}"
        );
    }
    let server = start(&Parts::default(), &[]);
    let exported = exported(&server);
    for (title, expr) in &expressions {
        check_names(title, expr, &exported);
    }
    let variable = &dashboard["templating"]["list"][1]["query"]["query"];
    check_names("instance variable", variable.as_str().unwrap(), &exported);
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn metric_names_are_found_in_expressions() {
    let names = metric_names(
        r#"sum by (le) (rate(switchyard_answer_duration_seconds_bucket{instance=~"$instance"}[5m])) + up{job="x"}"#,
    );
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, ["switchyard_answer_duration_seconds_bucket", "up"]);
}
