//! The cookie secret file: 32 hexadecimal digits (128 bits, RFC 9018 §4.4), optionally prefixed
//! by `0x` and followed by a newline; the form `knotc`'s `secret` and BIND's `cookie-secret`
//! take, so one secret can be shared with those servers. `#` starts a comment line.

use std::path::Path;

use super::Secret;

/// Why a secret file was refused; displayed as `file: reason`.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Invalid {
        path: String,
        line: usize,
        reason: String,
    },
}

/// Reads a secret file.
pub fn load_secret(path: &Path) -> Result<Secret, SecretError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SecretError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_secret(&text).map_err(|(line, reason)| SecretError::Invalid {
        path: shown,
        line,
        reason,
    })
}

/// Parses the text of a secret file; the error is a line number and a reason.
pub fn parse_secret(text: &str) -> Result<Secret, (usize, String)> {
    let mut found = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if found.is_some() {
            return Err((index + 1, "more than one secret in the file".into()));
        }
        found = Some((index + 1, line));
    }
    let Some((line, hex)) = found else {
        return Err((1, "no secret: expected 32 hexadecimal digits".into()));
    };
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    if hex.len() != 32 {
        return Err((
            line,
            format!(
                "a cookie secret is 32 hexadecimal digits (128 bits), this is {} characters",
                hex.len()
            ),
        ));
    }
    let mut secret = [0u8; 16];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| (line, format!("`{hex}` is not hexadecimal")))?;
    }
    Ok(secret)
}
