//! The module layers of ARCHITECTURE.md ("Layers"), checked against the source: a module uses
//! only modules of lower layers (or, where listed, of its own). Test code (`tests.rs`,
//! `tests/` folders, `#[cfg(test)] mod tests`) and comments are not read. A module missing
//! from the table is not checked; add it to the table (and to ARCHITECTURE.md) when adding it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. Modules in one layer may not use each other unless listed in `SIBLINGS`.
const LAYERS: &[&[&str]] = &[
    &["wire", "cookies"],
    &["logging", "geo"],
    &["config", "events"],
    &["health", "zone"],
    &["policy", "fleet", "dnssec"],
    &["authoritative", "metrics"],
    &["snapshot"],
    &["explain"],
    &["answer"],
    &["rrl", "querylog"],
    &["server"],
    &["admin", "daemon"],
    &["check", "ctl", "explain_command", "fuzzing"],
];

/// Same-layer uses that are allowed: the admin API acts on the daemon, which starts it.
const SIBLINGS: &[(&str, &str)] = &[("admin", "daemon"), ("daemon", "admin")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules each top-level module's code names as `crate::…`.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "tests" {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".rs") || name == "tests.rs" {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let top = relative
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            let found = uses.entry(top.clone()).or_default();
            for line in code.lines() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                for (at, _) in line.match_indices("crate::") {
                    let rest = &line[at + "crate::".len()..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        // `use crate::{a, b::c}`: every first segment inside the braces.
                        Some(inner) => inner
                            .split([',', '}'])
                            .map(|part| part.trim().split("::").next().unwrap_or("").trim())
                            .collect(),
                        None => vec![
                            rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                                .next()
                                .unwrap_or(""),
                        ],
                    };
                    for used in names {
                        if !used.is_empty()
                            && used != top
                            && used.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        {
                            found.insert(used.to_string());
                        }
                    }
                }
            }
        }
    }
    uses
}

#[test]
fn modules_use_only_lower_layers() {
    let uses = uses();
    let mut wrong = Vec::new();
    for (module, used) in &uses {
        let Some(layer) = layer_of(module) else {
            continue;
        };
        for other in used {
            let Some(other_layer) = layer_of(other) else {
                continue;
            };
            let sibling = SIBLINGS.contains(&(module.as_str(), other.as_str()));
            if other_layer > layer || (other_layer == layer && !sibling) {
                wrong.push(format!(
                    "{module} (layer {layer}) uses {other} (layer {other_layer})"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The check reads something: the query path's modules are there and use what they should.
    assert!(uses["answer"].contains("authoritative"));
    assert!(uses["snapshot"].contains("authoritative"));
    assert!(!uses["zone"].contains("authoritative"));
    assert!(!uses["metrics"].contains("answer"));
}

#[test]
fn the_query_path_modules_form_no_cycle() {
    let uses = uses();
    let path = [
        "wire",
        "zone",
        "authoritative",
        "answer",
        "metrics",
        "explain",
        "snapshot",
    ];
    // Depth-first search for a cycle among them.
    fn visit<'a>(
        module: &'a str,
        uses: &'a BTreeMap<String, BTreeSet<String>>,
        path: &[&str],
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|m| *m == module) {
            let mut cycle: Vec<String> = stack[at..].iter().map(|m| m.to_string()).collect();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        stack.push(module);
        for next in uses.get(module).into_iter().flatten() {
            if path.contains(&next.as_str())
                && let Some(cycle) = visit(next, uses, path, stack)
            {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    for module in path {
        let cycle = visit(module, &uses, &path, &mut Vec::new());
        assert!(cycle.is_none(), "cycle: {}", cycle.unwrap().join(" → "));
    }
}
