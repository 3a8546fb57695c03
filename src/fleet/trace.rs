//! The lines `explain` and the CH TXT trace add under a target: the votes behind its state.

use crate::health::{FleetView, State, TargetHealth};

/// How the fleet decided `target`'s state, in one line; `None` without `[fleet]`.
pub fn vote_line(target: &TargetHealth) -> Option<String> {
    Some(match target.fleet_view()? {
        FleetView::Own { degraded: true } => {
            "fleet degraded: no contact with any peer, this node's own probes decide".to_string()
        }
        FleetView::Own { degraded: false } => {
            "fleet joining: no peer reached yet, this node's own probes decide".to_string()
        }
        FleetView::Fleet {
            verdict,
            observers,
            votes,
            agreement,
        } => {
            let down = votes.iter().filter(|v| v.state == State::Down).count();
            let listed: Vec<String> = observers
                .iter()
                .map(|node| match votes.iter().find(|v| &v.node == node) {
                    Some(vote) => format!(
                        "{node} {}{}",
                        vote.state.as_str(),
                        if vote.changing { " (changing)" } else { "" }
                    ),
                    None => format!("{node} no report"),
                })
                .collect();
            let verdict = match verdict {
                Some(state) => state.as_str(),
                None => "unchanged (no report yet)",
            };
            format!(
                "fleet votes: {down} of {} down (down when more than {agreement}): {verdict}; {}",
                votes.len(),
                listed.join(", ")
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Vote;

    #[test]
    fn votes_read_as_one_line() {
        let target = TargetHealth::standalone("192.0.2.10".parse().unwrap(), "ams", true);
        assert_eq!(vote_line(&target), None);
        target.set_fleet(FleetView::Fleet {
            verdict: Some(State::Up),
            observers: vec!["ns1".into(), "ns2".into(), "ns3".into()],
            votes: vec![
                Vote {
                    node: "ns1".into(),
                    state: State::Down,
                    changing: false,
                },
                Vote {
                    node: "ns2".into(),
                    state: State::Up,
                    changing: true,
                },
            ],
            agreement: 0.5,
        });
        assert_eq!(
            vote_line(&target).unwrap(),
            "fleet votes: 1 of 2 down (down when more than 0.5): up; ns1 down, ns2 up (changing), ns3 no report"
        );
        target.set_fleet(FleetView::Own { degraded: true });
        assert!(vote_line(&target).unwrap().starts_with("fleet degraded"));
    }
}
