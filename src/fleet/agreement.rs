//! The agreement rule, and the reports it counts as they travel in gossip.
//!
//! Each observer applies the check's rise/fall rule to its own probes and reports the result
//! (`up` or `down`, `changing` while a streak is in progress). A target is down for the whole
//! fleet when more than `agreement` of its observers' reports say down; a pure function of the
//! reports, so every node that holds the same reports reaches the same verdict.

use crate::health::{Observation, State, Vote};

/// The report value of an observation.
pub fn encode(observation: Observation) -> &'static str {
    match (observation.state, observation.changing) {
        (State::Up, false) => "up",
        (State::Up, true) => "up changing",
        (State::Down, false) => "down",
        (State::Down, true) => "down changing",
    }
}

/// The observation a report value carries; `None` for anything else (ignored, like a missing
/// report).
pub fn decode(value: &str) -> Option<Observation> {
    let (state, changing) = match value {
        "up" => (State::Up, false),
        "up changing" => (State::Up, true),
        "down" => (State::Down, false),
        "down changing" => (State::Down, true),
        _ => return None,
    };
    Some(Observation { state, changing })
}

/// Down when more than `agreement` of the votes say down, else up; `None` without votes.
pub fn decide(votes: &[Vote], agreement: f64) -> Option<State> {
    if votes.is_empty() {
        return None;
    }
    let down = votes.iter().filter(|v| v.state == State::Down).count();
    let share = down as f64 / votes.len() as f64;
    Some(if share > agreement {
        State::Down
    } else {
        State::Up
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(states: &[State]) -> Vec<Vote> {
        states
            .iter()
            .enumerate()
            .map(|(i, &state)| Vote {
                node: format!("ns{i}"),
                state,
                changing: false,
            })
            .collect()
    }

    use State::{Down, Up};

    #[test]
    fn more_than_the_share_must_see_it_down() {
        assert_eq!(decide(&[], 0.5), None);
        assert_eq!(
            decide(&votes(&[Up, Up, Down]), 0.5),
            Some(Up),
            "one of three"
        );
        assert_eq!(
            decide(&votes(&[Up, Down, Down]), 0.5),
            Some(Down),
            "two of three"
        );
        assert_eq!(
            decide(&votes(&[Up, Down]), 0.5),
            Some(Up),
            "half is not more than half"
        );
        assert_eq!(decide(&votes(&[Down]), 0.5), Some(Down));
        assert_eq!(
            decide(&votes(&[Up, Up, Down]), 0.0),
            Some(Down),
            "any observer"
        );
        assert_eq!(decide(&votes(&[Up, Down, Down]), 0.7), Some(Up));
        assert_eq!(decide(&votes(&[Down, Down, Down]), 0.99), Some(Down));
    }

    #[test]
    fn reports_round_trip_and_junk_is_no_report() {
        for state in [Up, Down] {
            for changing in [false, true] {
                let observation = Observation { state, changing };
                assert_eq!(decode(encode(observation)), Some(observation));
            }
        }
        for junk in ["", "UP", "sideways", "up  changing", "down\0"] {
            assert_eq!(decode(junk), None, "{junk:?}");
        }
    }
}
