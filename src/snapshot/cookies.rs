//! `[cookies]` as the snapshot carries it: the secret files read at build time, so that a
//! reload rolls the secrets.

use super::CookieSettings;
use crate::config::LoadedConfig;
use crate::cookies::{Cookies, load_secret};

/// `[cookies]` with its secret files read (paths relative to the configuration's directory);
/// without `secret_file`, this process's random secret. Errors are `file:line: reason`.
pub fn cookie_settings(loaded: &LoadedConfig) -> Result<Option<CookieSettings>, Vec<String>> {
    let config = &loaded.config.cookies;
    if !config.enabled {
        return Ok(None);
    }
    let read = |file: &Option<String>| {
        file.as_ref()
            .map(|file| load_secret(&loaded.resolve(file)).map_err(|e| e.to_string()))
            .transpose()
    };
    let (current, previous) = (
        read(&config.secret_file),
        read(&config.previous_secret_file),
    );
    let secrets = match (current, previous) {
        (Ok(Some(current)), Ok(previous)) => Cookies::new(current, previous),
        (Ok(None), Ok(_)) => Cookies::process_random().clone(),
        (current, previous) => {
            return Err([current.err(), previous.err()]
                .into_iter()
                .flatten()
                .collect());
        }
    };
    Ok(Some(CookieSettings {
        secrets,
        require: config.require,
    }))
}
