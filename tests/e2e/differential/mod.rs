//! Differential test against Knot DNS: both servers load the same zones (the bundled
//! example.com and tests/e2e/zones/example.net.zone), a generated corpus is sent to both, and
//! every response pair must match exactly (rcode, flags, question echo, sections as sets, OPT)
//! or differ only in a way listed in [`allowed::ALLOWED`], each entry with the RFC that allows
//! it. Skipped, with a line saying so, where `knotd` is not installed.

mod allowed;
mod compare;
mod corpus;
mod corpus_edge;
mod matchers;
mod matchers_signed;
mod message;
mod signed;
mod trace;
mod truth;

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::knot::{Knot, KnotSetup};
use crate::support::{Server, example_zone, read_framed, repo, write_framed};
use compare::{Outcome, differences};
use corpus::{Case, Transport};

/// The identity both servers report (CH TXT id.server, NSID).
const IDENTITY: &str = "ns1.example.com";
const TIMEOUT: Duration = Duration::from_millis(1500);
/// The DNS Cookie secret both servers make and check server cookies with (RFC 9018).
const COOKIE_SECRET: &str = "e5b1c2a3d4f5061728394a5b6c7d8e9f";
/// Queries in flight at once.
const WORKERS: usize = 8;

/// A line in the test output even when output is captured.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Both servers serving the same zones, and the zones as Knot loaded them; `None` (the test
/// skipped, with a line saying so) where `knotd` is not installed.
fn start_both() -> Option<(Knot, Server, truth::Truth)> {
    let example_com = example_zone();
    let example_net =
        std::fs::read_to_string(repo().join("tests/e2e/zones/example.net.zone")).unwrap();
    let zones = [
        ("example.com.", example_com.as_str()),
        ("example.net.", example_net.as_str()),
    ];
    let knot = match Knot::start(&KnotSetup {
        zones: &zones,
        identity: IDENTITY,
        cookie_secret: Some(COOKIE_SECRET),
    }) {
        Ok(Some(knot)) => knot,
        Ok(None) => {
            say("knotd not installed: differential test skipped");
            return None;
        }
        Err(e) => panic!("knotd did not start: {e}"),
    };
    let config = format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"{IDENTITY}\"\n\n[zones]\n\
         \"example.com.\" = \"example.com.zone\"\n\"example.net.\" = \"example.net.zone\"\n\n\
         [cookies]\nsecret_file = \"cookie.secret\"\nrequire = true\n"
    );
    let ours = Server::start(
        &config,
        &[
            ("example.com.zone", example_com.as_str()),
            ("example.net.zone", example_net.as_str()),
            ("cookie.secret", COOKIE_SECRET),
        ],
    );
    let truth = truth::Truth::transfer(knot.addr, &["example.com.", "example.net."]);
    Some((knot, ours, truth))
}

#[test]
fn differential_against_knot() {
    let Some((knot, ours, truth)) = start_both() else {
        return;
    };
    let cases = corpus::build(&truth);
    let mut outcomes = exchange_all(ours.dns, knot.addr, &cases);
    for (a, b) in &mut outcomes {
        verify_server_cookies(a);
        verify_server_cookies(b);
    }
    judge(
        "differential test against knotd",
        &knot,
        &truth,
        &cases,
        &outcomes,
    );
}

/// Compares every outcome pair; prints the summary (titled `title`: queries, identical ones,
/// those that differ only as allowed, by entry) and panics with the differences left.
fn judge(
    title: &str,
    knot: &Knot,
    truth: &truth::Truth,
    cases: &[Case],
    outcomes: &[(Outcome, Outcome)],
) {
    let mut exact = 0usize;
    let mut by_entry = vec![0usize; allowed::ALLOWED.len()];
    let mut allowed_queries = 0usize;
    let mut failures = Vec::new();
    // DIFFERENTIAL_SHOW=text prints both responses to every query whose label contains it.
    let show = std::env::var("DIFFERENTIAL_SHOW").ok();
    for (case, (a, b)) in cases.iter().zip(outcomes) {
        if let Some(pattern) = &show
            && case.label.contains(pattern.as_str())
        {
            say(&report(case, a, b, &differences(a, b)));
        }
        if differences(a, b).is_empty() {
            exact += 1;
            continue;
        }
        match allowed::explain(case, a, b, truth) {
            Ok(entries) => {
                allowed_queries += 1;
                for entry in entries {
                    by_entry[entry] += 1;
                }
            }
            Err(left) => failures.push(report(case, a, b, &left)),
        }
    }

    let mut summary = format!(
        "{title}: {} queries, {exact} identical, {allowed_queries} differ only as allowed, {} \
         differ",
        cases.len(),
        failures.len()
    );
    for (entry, count) in allowed::ALLOWED.iter().zip(&by_entry) {
        let _ = write!(
            summary,
            "\n  {count:5} × {}\n          ({})",
            entry.name, entry.rfc
        );
    }
    say(&summary);
    if !failures.is_empty() {
        let file = format!("{}.txt", title.replace(' ', "-"));
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(file);
        let _ = std::fs::write(&path, failures.join("\n"));
        let shown = failures.len().min(40);
        panic!(
            "{title}: {} of {} queries differ from Knot DNS beyond the allowed differences; all \
             of them are in {}; the first {shown}:\n\n{}\nknotd log:\n{}",
            failures.len(),
            cases.len(),
            path.display(),
            failures[..shown].join("\n"),
            knot.log(),
        );
    }
}

/// Knot's `mod-cookies` answers a UDP query without a valid server cookie BADCOOKIE, which is
/// our `[cookies] require = true`: both servers run that way here, with the same secret.
/// Server cookies differ by their timestamps and are compared by what they prove instead: one
/// that verifies with the shared secret for our address (RFC 9018) is replaced by a marker, so
/// both servers' cookies compare equal exactly when both verify.
fn verify_server_cookies(outcome: &mut Outcome) {
    let Outcome::Response(message) = outcome else {
        return;
    };
    for (code, data) in message.opt.iter_mut().flat_map(|o| o.options.iter_mut()) {
        if *code == 10 && cookie_verifies(data) {
            data[8..].copy_from_slice(VERIFIED_COOKIE);
        }
    }
}

/// What replaces a server cookie that verifies.
const VERIFIED_COOKIE: &[u8; 16] = b"verified RFC9018";

/// Whether COOKIE option data holds a server cookie made with [`COOKIE_SECRET`] for 127.0.0.1.
fn cookie_verifies(data: &[u8]) -> bool {
    let mut secret = [0u8; 16];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&COOKIE_SECRET[2 * i..2 * i + 2], 16).unwrap();
    }
    let cookies = switchyard::cookies::Cookies::new(secret, None);
    let client = std::net::IpAddr::from([127, 0, 0, 1]);
    data.len() == 24
        && matches!(
            cookies.check(data, client, switchyard::cookies::now()),
            switchyard::cookies::Verdict::Valid { .. }
        )
}

/// Sends every case to both servers, a few cases at a time (so that waiting for a response that
/// never comes overlaps), and returns the outcomes in corpus order. Where one server answered
/// and the other did not, the case is asked once more before that is believed, so that a
/// datagram lost on a loaded machine does not fail the test.
fn exchange_all(ours: SocketAddr, theirs: SocketAddr, cases: &[Case]) -> Vec<(Outcome, Outcome)> {
    let all: Vec<usize> = (0..cases.len()).collect();
    let mut outcomes = exchange_some(ours, theirs, cases, &all);
    let one_sided: Vec<usize> = all
        .into_iter()
        .filter(|&i| {
            matches!(
                outcomes[i],
                (Outcome::Silence, Outcome::Response(_)) | (Outcome::Response(_), Outcome::Silence)
            )
        })
        .collect();
    for (index, pair) in one_sided
        .iter()
        .zip(exchange_some(ours, theirs, cases, &one_sided))
    {
        outcomes[*index] = pair;
    }
    outcomes
}

/// The outcomes of the cases at `indices`, in that order, from `WORKERS` threads.
fn exchange_some(
    ours: SocketAddr,
    theirs: SocketAddr,
    cases: &[Case],
    indices: &[usize],
) -> Vec<(Outcome, Outcome)> {
    in_parallel(indices.len(), |slot| {
        exchange_both(ours, theirs, &cases[indices[slot]])
    })
}

/// `work(0)` to `work(count - 1)` on `WORKERS` threads; the results in that order.
fn in_parallel<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= count {
                            return done;
                        }
                        done.push((index, work(index)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Sends the case to both servers at once and collects both outcomes.
fn exchange_both(ours: SocketAddr, theirs: SocketAddr, case: &Case) -> (Outcome, Outcome) {
    match case.transport {
        Transport::Udp => {
            let a = send_udp(ours, &case.packet);
            let b = send_udp(theirs, &case.packet);
            (
                Outcome::decode(a.and_then(receive_udp)),
                Outcome::decode(b.and_then(receive_udp)),
            )
        }
        Transport::Tcp => (
            Outcome::decode(exchange_tcp(ours, &case.packet)),
            Outcome::decode(exchange_tcp(theirs, &case.packet)),
        ),
    }
}

fn send_udp(server: SocketAddr, packet: &[u8]) -> Option<UdpSocket> {
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    socket.set_read_timeout(Some(TIMEOUT)).ok()?;
    socket.connect(server).ok()?;
    socket.send(packet).ok()?;
    Some(socket)
}

fn receive_udp(socket: UdpSocket) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 65535];
    let len = socket.recv(&mut buf).ok()?;
    buf.truncate(len);
    Some(buf)
}

fn exchange_tcp(server: SocketAddr, packet: &[u8]) -> Option<Vec<u8>> {
    let mut stream = std::net::TcpStream::connect_timeout(&server, TIMEOUT).ok()?;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    write_framed(&mut stream, packet).ok()?;
    read_framed(&mut stream)
}

/// A failure: the query, what differs, and both responses side by side.
fn report(case: &Case, ours: &Outcome, theirs: &Outcome, left: &[String]) -> String {
    let ours_text = ours.to_string();
    let theirs_text = theirs.to_string();
    let a: Vec<&str> = ours_text.lines().collect();
    let b: Vec<&str> = theirs_text.lines().collect();
    let width = a.iter().map(|l| l.len()).max().unwrap_or(0).clamp(20, 90);
    let mut out = format!("=== {} ({} bytes)\n", case.label, case.packet.len());
    for line in left {
        let _ = writeln!(out, "  differs: {line}");
    }
    let _ = writeln!(out, "  {:width$} | knotd", "switchyard");
    for i in 0..a.len().max(b.len()) {
        let _ = writeln!(
            out,
            "  {:width$} | {}",
            a.get(i).copied().unwrap_or(""),
            b.get(i).copied().unwrap_or("")
        );
    }
    out
}
