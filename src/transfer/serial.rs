//! The serial a zone is served with under its `serial` policy. `keep`: the zone file's.
//! `unixtime` / `increment`: the file's serial when the file's serial changes (unless that
//! would go backwards), and a new serial (seconds since the epoch, or the last + 1) when only
//! the steered names' default answers changed. What was served last is kept in a small state
//! file beside the zone file (`<file>.serial`, replaced atomically), so the serial never goes
//! backwards across restarts.

use std::path::{Path, PathBuf};

use super::serial_newer;
use crate::config::SerialPolicy;

/// What the state file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// The zone file's serial when last served.
    pub file_serial: u32,
    /// The steered names' defaults when last served (see [`super::content::fingerprint`]).
    pub fingerprint: u64,
    /// The serial served.
    pub served: u32,
}

/// Where the state of the zone read from `zone_file` is kept.
pub fn state_path(zone_file: &Path) -> PathBuf {
    let mut name = zone_file.as_os_str().to_owned();
    name.push(".serial");
    PathBuf::from(name)
}

fn read(path: &Path) -> Option<State> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut fields = text.split_ascii_whitespace();
    Some(State {
        file_serial: fields.next()?.parse().ok()?,
        fingerprint: u64::from_str_radix(fields.next()?, 16).ok()?,
        served: fields.next()?.parse().ok()?,
    })
}

fn write(path: &Path, state: &State) -> std::io::Result<()> {
    let temporary = state_path(&path.with_extension("tmp"));
    let text = format!(
        "{} {:016x} {}\n",
        state.file_serial, state.fingerprint, state.served
    );
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The serial after `last` under `policy` at `now` (seconds since the epoch).
fn next(policy: SerialPolicy, last: u32, now: u64) -> u32 {
    let plus_one = last.wrapping_add(1);
    match policy {
        SerialPolicy::Unixtime if serial_newer(now as u32, last) => now as u32,
        _ => plus_one,
    }
}

/// The serial to serve, given the previous state (if any).
pub fn decide(
    policy: SerialPolicy,
    previous: Option<State>,
    file_serial: u32,
    fingerprint: u64,
    now: u64,
) -> State {
    let served = match previous {
        _ if policy == SerialPolicy::Keep => file_serial,
        None => file_serial,
        Some(p) if p.file_serial != file_serial => {
            if serial_newer(file_serial, p.served) {
                file_serial
            } else {
                next(policy, p.served, now)
            }
        }
        Some(p) if p.fingerprint != fingerprint => next(policy, p.served, now),
        Some(p) => p.served,
    };
    State {
        file_serial,
        fingerprint,
        served,
    }
}

/// Decides the serial of the zone read from `zone_file` and records it; an error names the
/// state file that could not be written.
pub fn choose(
    policy: SerialPolicy,
    zone_file: &Path,
    file_serial: u32,
    fingerprint: u64,
) -> Result<u32, String> {
    if policy == SerialPolicy::Keep {
        return Ok(file_serial);
    }
    let path = state_path(zone_file);
    let previous = read(&path);
    let state = decide(
        policy,
        previous,
        file_serial,
        fingerprint,
        super::tsig::now(),
    );
    if previous != Some(state) {
        write(&path, &state).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(state.served)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_move_forward_only() {
        let first = decide(SerialPolicy::Increment, None, 10, 1, 0);
        assert_eq!(first.served, 10);
        let drained = decide(SerialPolicy::Increment, Some(first), 10, 2, 0);
        assert_eq!(drained.served, 11);
        // The file's serial is behind what we served: we keep going up.
        let edited = decide(SerialPolicy::Increment, Some(drained), 11, 2, 0);
        assert_eq!(edited.served, 12);
        let jump = decide(SerialPolicy::Increment, Some(edited), 100, 2, 0);
        assert_eq!(jump.served, 100);
        let unix = decide(SerialPolicy::Unixtime, Some(jump), 100, 3, 1_700_000_000);
        assert_eq!(unix.served, 1_700_000_000);
        let same_second = decide(SerialPolicy::Unixtime, Some(unix), 100, 4, 1_700_000_000);
        assert_eq!(same_second.served, 1_700_000_001);
        assert_eq!(
            decide(SerialPolicy::Keep, Some(unix), 100, 9, 0).served,
            100
        );
    }

    #[test]
    fn the_state_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let zone = dir.path().join("z.zone");
        assert_eq!(choose(SerialPolicy::Increment, &zone, 5, 1).unwrap(), 5);
        assert_eq!(choose(SerialPolicy::Increment, &zone, 5, 2).unwrap(), 6);
        assert_eq!(choose(SerialPolicy::Increment, &zone, 5, 2).unwrap(), 6);
        assert_eq!(read(&state_path(&zone)).unwrap().served, 6);
    }
}
