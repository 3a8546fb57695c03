//! What the registry is asked to probe: one [`ProbeSpec`] per served target, and the checks on
//! their settings that `switchyard check` and reconcile share.

use std::net::{IpAddr, SocketAddr};

use crate::config::{CheckConfig, CheckType};

use super::error::HealthError;

/// The longest probe interval accepted.
const MAX_INTERVAL: std::time::Duration = std::time::Duration::from_secs(86_400);

/// One served target: its address, datacenter and (optionally) the check that probes it.
///
/// Two specs describe the same target (and share state across a reload) when address,
/// datacenter, check name and check settings are all equal.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSpec {
    /// The address served in answers.
    pub address: IpAddr,
    pub datacenter: String,
    /// `None`: never probed, always up unless forced.
    pub check: Option<CheckSpec>,
}

/// A named check bound to the address it probes.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    pub name: String,
    /// The check's settings; `ca_file` must already be resolved against the config file's folder.
    pub config: CheckConfig,
    /// The check's `address` when set, else the served address.
    pub probe_address: IpAddr,
}

impl ProbeSpec {
    /// A target without a health check.
    pub fn unchecked(address: IpAddr, datacenter: &str) -> ProbeSpec {
        ProbeSpec {
            address,
            datacenter: datacenter.to_string(),
            check: None,
        }
    }

    /// A target probed by the named check; validates the check (see [`validate_check`]).
    pub fn checked(
        address: IpAddr,
        datacenter: &str,
        check_name: &str,
        check: &CheckConfig,
    ) -> Result<ProbeSpec, HealthError> {
        validate_check(check_name, check)?;
        let probe_address = match &check.address {
            Some(text) => parse_address(check_name, text)?,
            None => address,
        };
        Ok(ProbeSpec {
            address,
            datacenter: datacenter.to_string(),
            check: Some(CheckSpec {
                name: check_name.to_string(),
                config: check.clone(),
                probe_address,
            }),
        })
    }
}

impl CheckSpec {
    /// Where the probe connects.
    pub fn socket_address(&self) -> SocketAddr {
        SocketAddr::new(self.probe_address, self.config.port)
    }
}

/// Checks the settings of one check without touching the network or any file: bounds, `path`,
/// `host`, `expect`, `address`, and which keys suit which type. The `ca_file` is read by
/// [`super::validate_check_files`] and when the probe is built.
pub fn validate_check(name: &str, check: &CheckConfig) -> Result<(), HealthError> {
    let invalid = |message: String| HealthError::InvalidCheck {
        check: name.to_string(),
        message,
    };
    if check.port == 0 {
        return Err(invalid("port: must be 1 to 65535".into()));
    }
    if check.rise == 0 {
        return Err(invalid("rise: must be at least 1".into()));
    }
    if check.fall == 0 {
        return Err(invalid("fall: must be at least 1".into()));
    }
    let interval = check.interval.get();
    let timeout = check.timeout.get();
    if interval < std::time::Duration::from_millis(10) {
        return Err(invalid(format!(
            "interval: {} is too short (at least 10ms)",
            check.interval
        )));
    }
    if interval > MAX_INTERVAL {
        return Err(invalid(format!(
            "interval: {} is too long (at most 1d)",
            check.interval
        )));
    }
    if timeout.is_zero() {
        return Err(invalid("timeout: must be more than 0".into()));
    }
    if timeout > interval {
        return Err(invalid(format!(
            "timeout: {} is longer than interval {}",
            check.timeout, check.interval
        )));
    }
    if let Some(address) = &check.address {
        parse_address(name, address)?;
    }
    let web = matches!(check.kind, CheckType::Http | CheckType::Https);
    if web {
        if !check.path.starts_with('/') || check.path.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(format!(
                "path: {:?} must start with / and hold no spaces",
                check.path
            )));
        }
        if check.expect.is_empty() {
            return Err(invalid("expect: needs at least one status code".into()));
        }
        if let Some(code) = check.expect.iter().find(|c| !(100..=599).contains(*c)) {
            return Err(invalid(format!(
                "expect: {code} is not an HTTP status code"
            )));
        }
        if let Some(host) = &check.host {
            validate_host(host).map_err(|m| invalid(format!("host: {m}")))?;
        }
    }
    if check.kind != CheckType::Https {
        if check.insecure {
            return Err(invalid("insecure: only applies to type https".into()));
        }
        if check.ca_file.is_some() {
            return Err(invalid("ca_file: only applies to type https".into()));
        }
    }
    Ok(())
}

fn parse_address(check: &str, text: &str) -> Result<IpAddr, HealthError> {
    text.trim().parse().map_err(|_| HealthError::InvalidCheck {
        check: check.to_string(),
        message: format!("address: {text:?} is not an IPv4 or IPv6 address"),
    })
}

/// `host` is a DNS name: it becomes the Host header, the TLS server name and the URL host.
fn validate_host(host: &str) -> Result<(), String> {
    if host.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "{host:?} is an address; leave host unset to probe the address itself"
        ));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(format!("{host:?} is not a valid DNS name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;
    use crate::health::tests::check_config as check;

    fn message(name: &str, config: &CheckConfig) -> String {
        validate_check(name, config).unwrap_err().to_string()
    }

    #[test]
    fn good_checks_pass() {
        validate_check("web", &check(CheckType::Http)).unwrap();
        validate_check("tcp", &check(CheckType::Tcp)).unwrap();
        let mut https = check(CheckType::Https);
        https.host = Some("www.example.com".into());
        https.insecure = true;
        validate_check("tls", &https).unwrap();
    }

    #[test]
    fn bad_settings_name_their_key() {
        let mut c = check(CheckType::Http);
        c.rise = 0;
        assert!(message("web", &c).contains("rise"));
        let mut c = check(CheckType::Http);
        c.timeout = Duration::from_secs(5);
        assert!(message("web", &c).contains("timeout: 5s is longer than interval 2s"));
        let mut c = check(CheckType::Http);
        c.interval = Duration::from_secs(2 * 86_400);
        assert!(message("web", &c).contains("interval"));
        let mut c = check(CheckType::Http);
        c.port = 0;
        assert!(message("web", &c).contains("port"));
        let mut c = check(CheckType::Http);
        c.expect = vec![];
        assert!(message("web", &c).contains("expect"));
        let mut c = check(CheckType::Http);
        c.expect = vec![700];
        assert!(message("web", &c).contains("700"));
        let mut c = check(CheckType::Http);
        c.path = "healthz".into();
        assert!(message("web", &c).contains("path"));
        let mut c = check(CheckType::Http);
        c.host = Some("bad host".into());
        assert!(message("web", &c).contains("host"));
        let mut c = check(CheckType::Http);
        c.host = Some("192.0.2.1".into());
        assert!(message("web", &c).contains("host"));
        let mut c = check(CheckType::Http);
        c.insecure = true;
        assert!(message("web", &c).contains("insecure"));
        let mut c = check(CheckType::Tcp);
        c.ca_file = Some("ca.pem".into());
        assert!(message("web", &c).contains("ca_file"));
        let mut c = check(CheckType::Tcp);
        c.address = Some("not-an-ip".into());
        assert!(message("web", &c).contains("address"));
    }

    #[test]
    fn probe_address_defaults_to_the_served_one() {
        let served: IpAddr = "2001:db8::10".parse().unwrap();
        let spec = ProbeSpec::checked(served, "ams", "web", &check(CheckType::Http)).unwrap();
        assert_eq!(spec.check.as_ref().unwrap().probe_address, served);
        let mut c = check(CheckType::Http);
        c.address = Some("10.0.0.10".into());
        let spec = ProbeSpec::checked(served, "ams", "web", &c).unwrap();
        let check = spec.check.unwrap();
        assert_eq!(check.socket_address(), "10.0.0.10:8080".parse().unwrap());
    }
}
