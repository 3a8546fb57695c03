//! A minimal HTTP/1.1 client for the admin API (one request per connection), and a strict
//! parser of the Prometheus text format that `/metrics` must produce.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An HTTP response.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole response (the connection is closed after it).
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Http {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect to admin {address}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    // The address as Host, unless the test sends its own.
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {address}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read admin response");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("response head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Http {
        status,
        headers,
        body: body.to_string(),
    }
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed exposition.
#[derive(Debug, Default)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    pub types: HashMap<String, String>,
}

impl Exposition {
    /// The sample of `name` with exactly these labels.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// Like [`Exposition::get`], 0 when absent (counters not yet seen).
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// The sum of every sample of `name` whose labels include these.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }
}

fn valid_name(name: &str, colons: bool) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("bad value {text:?}")),
    }
}

/// Parses the text format strictly: names, label escapes, values, one HELP and TYPE per
/// family before its samples, no duplicate series, histogram buckets cumulative and ending in
/// `+Inf` equal to `_count`.
pub fn parse_prometheus(text: &str) -> Result<Exposition, String> {
    let mut out = Exposition::default();
    let mut helps = HashSet::new();
    let mut series = HashSet::new();
    if !text.ends_with('\n') {
        return Err("exposition must end with a line feed".into());
    }
    for (number, line) in text.lines().enumerate() {
        let at = |m: String| format!("line {}: {m}: {line:?}", number + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest
                .split_once(' ')
                .ok_or_else(|| at("HELP without text".into()))?;
            if !valid_name(name, true) || !helps.insert(name.to_string()) {
                return Err(at("bad or repeated HELP".into()));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| at("TYPE without type".into()))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(at(format!("unknown type {kind}")));
            }
            if out
                .types
                .insert(name.to_string(), kind.to_string())
                .is_some()
            {
                return Err(at("repeated TYPE".into()));
            }
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => return Err(at("no value".into())),
        };
        if !valid_name(name, true) {
            return Err(at("bad metric name".into()));
        }
        let mut labels = BTreeMap::new();
        let mut rest = rest;
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '}' {
                    end = Some(i);
                    break;
                }
                if c == ',' {
                    continue;
                }
                let start = i;
                let mut eq = None;
                for (j, c) in chars.by_ref() {
                    if c == '=' {
                        eq = Some(j);
                        break;
                    }
                }
                let eq = eq.ok_or_else(|| at("label without =".into()))?;
                let label = &body[start..eq];
                if !valid_name(label, false) {
                    return Err(at(format!("bad label name {label:?}")));
                }
                if chars.next().map(|(_, c)| c) != Some('"') {
                    return Err(at("label value not quoted".into()));
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, '\\')) => value.push('\\'),
                            Some((_, '"')) => value.push('"'),
                            Some((_, 'n')) => value.push('\n'),
                            other => return Err(at(format!("bad escape {other:?}"))),
                        },
                        Some((_, '"')) => break,
                        Some((_, '\n')) | None => {
                            return Err(at("unterminated label value".into()));
                        }
                        Some((_, c)) => value.push(c),
                    }
                }
                if labels.insert(label.to_string(), value).is_some() {
                    return Err(at("repeated label".into()));
                }
            }
            let end = end.ok_or_else(|| at("unterminated labels".into()))?;
            rest = &body[end + 1..];
        }
        let value = rest
            .strip_prefix(' ')
            .ok_or_else(|| at("no space before the value".into()))?;
        let value = parse_value(value.split(' ').next().unwrap_or(value)).map_err(at)?;
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (out.types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
            })
            .unwrap_or(name);
        if !out.types.contains_key(family) || !helps.contains(family) {
            return Err(at(format!("sample of {family} before its HELP and TYPE")));
        }
        if !series.insert(format!("{name}{labels:?}")) {
            return Err(at("duplicate series".into()));
        }
        out.samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    check_histograms(&out)?;
    Ok(out)
}

fn check_histograms(out: &Exposition) -> Result<(), String> {
    for (family, kind) in &out.types {
        if kind != "histogram" {
            continue;
        }
        let buckets: Vec<&Sample> = out
            .samples
            .iter()
            .filter(|s| s.name == format!("{family}_bucket"))
            .collect();
        let last = buckets.last().ok_or(format!("{family}: no buckets"))?;
        if last.labels.get("le").map(String::as_str) != Some("+Inf") {
            return Err(format!("{family}: last bucket is not +Inf"));
        }
        if buckets.windows(2).any(|w| w[1].value < w[0].value) {
            return Err(format!("{family}: buckets not cumulative"));
        }
        let count = out
            .get(&format!("{family}_count"), &[])
            .ok_or("no _count")?;
        if count != last.value || out.get(&format!("{family}_sum"), &[]).is_none() {
            return Err(format!(
                "{family}: _count differs from +Inf or _sum missing"
            ));
        }
    }
    Ok(())
}
