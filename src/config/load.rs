//! Reading the configuration file: TOML syntax and shape errors as `file:line: message`,
//! meaning errors as `file: key.path: message`.

use std::fmt;
use std::path::{Path, PathBuf};

use super::types::Config;
use super::validate;

/// One problem with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// Line (1-based) when the error has one.
    pub line: Option<usize>,
    /// Key path such as `services[0].targets[2].datacenter`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A configuration that parsed and validated, with the directory its paths are relative to.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: PathBuf,
    pub base_dir: PathBuf,
}

impl LoadedConfig {
    /// A path from the configuration, resolved against the file's directory.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        resolve(&self.base_dir, relative)
    }
}

/// `relative` against `base` (absolute paths stay as they are).
pub fn resolve(base: &Path, relative: &str) -> PathBuf {
    let path = Path::new(relative);
    if path.is_absolute() || base.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// Reads, parses and validates a configuration file.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line: None,
            key: None,
            message: format!("cannot read: {e}"),
        }])
    })?;
    parse(&text, path)
}

/// Parses and validates configuration text; `path` names it in errors and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig, ConfigErrors> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line,
            key: None,
            message: e.message().trim().to_string(),
        }])
    })?;
    let problems = validate::validate(&config);
    if !problems.is_empty() {
        return Err(ConfigErrors(
            problems
                .into_iter()
                .map(|(key, message)| ConfigError {
                    file: path.to_path_buf(),
                    line: None,
                    key: Some(key),
                    message,
                })
                .collect(),
        ));
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(LoadedConfig {
        config,
        path: path.to_path_buf(),
        base_dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse(
            "[server]\nlisten = [\"127.0.0.1:53\"]\nbogus = 1\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("s.toml:3: "), "{text}");
        assert!(text.contains("bogus"), "{text}");
    }

    #[test]
    fn meaning_errors_name_the_key() {
        let err = parse(
            "[server]\nlisten = [\"not an address\"]\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml: server.listen[0]: \"not an address\" is not an address with a port (e.g. 127.0.0.1:5300)"
        );
    }
}
