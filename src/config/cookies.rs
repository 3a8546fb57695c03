//! The `[cookies]` table: DNS Cookies (RFC 7873, RFC 9018), on by default.
//!
//! ```toml
//! [cookies]
//! secret_file = "keys/cookie.secret"           # 32 hex digits; the same on every node of a fleet
//! previous_secret_file = "keys/cookie.old"     # during a rollover: accepted, no longer issued
//! require = false                              # UDP queries without a valid server cookie get BADCOOKIE
//! ```
//! Without `secret_file` each process makes a random secret at start: cookies then hold while a
//! client stays with this node and this process.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookiesConfig {
    /// Answer COOKIE options with server cookies; off: the option is ignored like any other.
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    /// The secret every new cookie is made with.
    pub secret_file: Option<String>,
    /// A secret still accepted while clients move to the new one.
    pub previous_secret_file: Option<String>,
    /// UDP queries that carry a COOKIE option without a valid server cookie are answered
    /// BADCOOKIE with a fresh cookie and no data (RFC 7873 §5.2.3), so only clients that
    /// proved their address get answers over UDP; queries without the option and TCP are
    /// answered as usual.
    #[serde(default)]
    pub require: bool,
}

impl Default for CookiesConfig {
    fn default() -> Self {
        CookiesConfig {
            enabled: true,
            secret_file: None,
            previous_secret_file: None,
            require: false,
        }
    }
}

fn default_enabled() -> bool {
    true
}

/// Problems with the table, as (key path, message).
pub fn validate(config: &CookiesConfig, report: &mut impl FnMut(String, String)) {
    if config.previous_secret_file.is_some() && config.secret_file.is_none() {
        report(
            "cookies.previous_secret_file".into(),
            "needs secret_file: the previous secret only makes sense beside a current one".into(),
        );
    }
    for (key, value) in [
        ("secret_file", &config.secret_file),
        ("previous_secret_file", &config.previous_secret_file),
    ] {
        if value.as_deref() == Some("") {
            report(format!("cookies.{key}"), "must not be empty".into());
        }
    }
    if config.require && !config.enabled {
        report(
            "cookies.require".into(),
            "needs cookies: enabled = false turns them off".into(),
        );
    }
}
