//! The decision trace comes from the walk that answers: for every query of the differential
//! corpus, the response the trace ends with (built in process from the server's own
//! configuration, through `respond_recorded`) is the response the running server sent.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use switchyard::answer::{Request, respond_recorded};
use switchyard::explain::{Trace, final_answer};
use switchyard::metrics::Metrics;
use switchyard::snapshot::{self, Health};

use super::corpus::{self, Case, Transport};
use super::{exchange_tcp, in_parallel, receive_udp, send_udp, start_both};

#[test]
fn the_trace_ends_with_the_answer_sent_for_every_query_of_the_corpus() {
    let Some((_knot, ours, truth)) = start_both() else {
        return;
    };
    let cases = corpus::build(&truth);
    let loaded = switchyard::config::load(&ours.path("switchyard.toml")).unwrap();
    let (snapshot, _) = snapshot::build(
        &loaded,
        1,
        &Metrics::default(),
        Health::Offline { down: &[] },
    )
    .unwrap_or_else(|report| panic!("{:?}", report.errors));
    let sent = ask_all(ours.dns, &cases);

    let mut out = vec![0u8; 65535];
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for (case, sent) in cases.iter().zip(&sent) {
        let request = Request {
            packet: &case.packet,
            source: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000),
            transport: match case.transport {
                Transport::Udp => switchyard::answer::Transport::Udp,
                Transport::Tcp => switchyard::answer::Transport::Tcp,
            },
        };
        let mut trace = Trace::default();
        let traced = respond_recorded(&snapshot, &request, &mut out, &mut trace);
        match (traced, sent) {
            (None, None) => {}
            (Some(_), Some(sent)) => {
                compared += 1;
                let expected = mask_cookies(&final_answer(sent));
                if mask_cookies(trace.final_answer()) != expected {
                    failures.push(format!(
                        "=== {}\ntrace:\n{}\nsent:\n{}",
                        case.label,
                        trace.lines.join("\n"),
                        expected.join("\n")
                    ));
                }
            }
            (traced, sent) => failures.push(format!(
                "=== {}: traced {}, sent {}",
                case.label,
                if traced.is_some() {
                    "a response"
                } else {
                    "nothing"
                },
                if sent.is_some() {
                    "a response"
                } else {
                    "nothing"
                }
            )),
        }
    }
    assert!(compared > cases.len() / 2, "{compared} of {}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} traces end with another answer than the one sent; the first:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

/// Our server's raw response to every case (`None`: silence), from `WORKERS` threads; a case
/// left unanswered is asked once more, as the differential test does.
fn ask_all(server: SocketAddr, cases: &[Case]) -> Vec<Option<Vec<u8>>> {
    let ask = |case: &Case| match case.transport {
        Transport::Udp => send_udp(server, &case.packet).and_then(receive_udp),
        Transport::Tcp => exchange_tcp(server, &case.packet),
    };
    in_parallel(cases.len(), |index| {
        ask(&cases[index]).or_else(|| ask(&cases[index]))
    })
}

/// Answer lines with each server cookie that verifies (see [`super::cookie_verifies`]) shown
/// as a marker: the traced and the sent response were made at different seconds.
fn mask_cookies(lines: &[String]) -> Vec<String> {
    const OPTION: &str = "000A0018";
    lines
        .iter()
        .map(|line| {
            let Some(at) = line.find(OPTION) else {
                return line.clone();
            };
            let hex = &line[at + OPTION.len()..];
            let Some(data) = hex.get(..48).and_then(|hex| {
                (0..24)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            }) else {
                return line.clone();
            };
            if !super::cookie_verifies(&data) {
                return line.clone();
            }
            let start = at + OPTION.len() + 16;
            format!(
                "{}<verified server cookie>{}",
                &line[..start],
                &line[start + 32..]
            )
        })
        .collect()
}
