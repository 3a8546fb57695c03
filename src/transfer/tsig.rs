//! TSIG (RFC 8945): the `[tsig]` keys, and signing and checking messages with them —
//! requests, first responses, and each later message of a multi-message transfer (whose MAC
//! chains on the one before it, §5.3.1). HMAC comes from `ring`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;

use super::message::{Message, RecordRef};
use crate::config::{TsigAlgorithm, TsigConfig};
use crate::wire::Name;
use crate::wire::rtype;

/// TSIG error codes (RFC 8945 §3).
pub mod error {
    pub const BADSIG: u16 = 16;
    pub const BADKEY: u16 = 17;
    pub const BADTIME: u16 = 18;
}

/// Fudge we sign with: seconds of clock difference allowed (RFC 8945 §10 recommends 300).
pub const FUDGE: u16 = 300;

/// A key from `[tsig.NAME]`.
pub struct Key {
    /// The key's name in lowercase wire form (what a TSIG record's owner must be).
    pub name: Name,
    pub algorithm: TsigAlgorithm,
    secret: hmac::Key,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({}, {:?})", self.name, self.algorithm)
    }
}

/// Algorithm names as TSIG carries them, and ring's HMACs.
fn algorithm_name(algorithm: TsigAlgorithm) -> &'static [u8] {
    match algorithm {
        TsigAlgorithm::HmacSha1 => b"\x09hmac-sha1\x00",
        TsigAlgorithm::HmacSha256 => b"\x0bhmac-sha256\x00",
        TsigAlgorithm::HmacSha384 => b"\x0bhmac-sha384\x00",
        TsigAlgorithm::HmacSha512 => b"\x0bhmac-sha512\x00",
    }
}

fn hmac_algorithm(algorithm: TsigAlgorithm) -> hmac::Algorithm {
    match algorithm {
        TsigAlgorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        TsigAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
        TsigAlgorithm::HmacSha384 => hmac::HMAC_SHA384,
        TsigAlgorithm::HmacSha512 => hmac::HMAC_SHA512,
    }
}

impl Key {
    /// A key from its name and secret bytes.
    pub fn new(name: &Name, algorithm: TsigAlgorithm, secret: &[u8]) -> Key {
        Key {
            name: name.to_lowercase(),
            algorithm,
            secret: hmac::Key::new(hmac_algorithm(algorithm), secret),
        }
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut context = hmac::Context::with_key(&self.secret);
        for part in parts {
            context.update(part);
        }
        context.sign().as_ref().to_vec()
    }
}

/// Every `[tsig]` key, by its name in the configuration.
#[derive(Debug, Default, Clone)]
pub struct KeyRing {
    keys: BTreeMap<String, Arc<Key>>,
}

impl KeyRing {
    /// Reads every key (secret inline or from its file). Problems are `(key path, message)`.
    pub fn load(
        config: &BTreeMap<String, TsigConfig>,
        resolve: impl Fn(&str) -> std::path::PathBuf,
    ) -> Result<KeyRing, Vec<(String, String)>> {
        let mut keys = BTreeMap::new();
        let mut problems = Vec::new();
        for (name, key) in config {
            let (text, where_) = match (&key.secret, &key.secret_file) {
                (Some(secret), _) => (secret.clone(), format!("tsig.{name}.secret")),
                (None, Some(file)) => match std::fs::read_to_string(resolve(file)) {
                    Ok(text) => (text, format!("tsig.{name}.secret_file")),
                    Err(e) => {
                        let path = resolve(file);
                        problems.push((
                            format!("tsig.{name}.secret_file"),
                            format!("{}: {e}", path.display()),
                        ));
                        continue;
                    }
                },
                (None, None) => continue, // reported by config validation
            };
            let mut secret = Vec::new();
            let parts = text.split_ascii_whitespace().map(str::as_bytes);
            if let Err(e) = crate::zone::parse::encoding::decode_base64(parts, &mut secret) {
                problems.push((where_, format!("the secret is not base64: {e}")));
                continue;
            }
            if secret.is_empty() {
                problems.push((where_, "the secret is empty".into()));
                continue;
            }
            let Ok(owner) = Name::parse(name, Some(&Name::root())) else {
                continue; // reported by config validation
            };
            keys.insert(
                name.clone(),
                Arc::new(Key::new(&owner, key.algorithm, &secret)),
            );
        }
        if problems.is_empty() {
            Ok(KeyRing { keys })
        } else {
            Err(problems)
        }
    }

    /// The key named `name` in the configuration.
    pub fn get(&self, name: &str) -> Option<&Arc<Key>> {
        self.keys.get(name)
    }

    /// The key a TSIG record names, by its lowercased wire name and algorithm.
    fn find(&self, owner: &[u8], algorithm: &[u8]) -> Option<&Arc<Key>> {
        self.keys.values().find(|k| {
            k.name.as_wire().eq_ignore_ascii_case(owner)
                && algorithm_name(k.algorithm).eq_ignore_ascii_case(algorithm)
        })
    }
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The fields of a TSIG record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields<'a> {
    pub algorithm: &'a [u8],
    pub time_signed: u64,
    pub fudge: u16,
    pub mac: &'a [u8],
    pub original_id: u16,
    pub error: u16,
    pub other: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Reads TSIG rdata (the algorithm name is never compressed, RFC 8945 §4.2).
    pub fn parse(rdata: &'a [u8]) -> Option<Fields<'a>> {
        let name_len = crate::wire::name::wire_name_len(rdata)?;
        let fixed = rdata.get(name_len..name_len + 10)?;
        let time_signed = u64::from_be_bytes([
            0, 0, fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5],
        ]);
        let fudge = u16::from_be_bytes([fixed[6], fixed[7]]);
        let mac_len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let mac_at = name_len + 10;
        let mac = rdata.get(mac_at..mac_at + mac_len)?;
        let tail = rdata.get(mac_at + mac_len..mac_at + mac_len + 6)?;
        let other_len = usize::from(u16::from_be_bytes([tail[4], tail[5]]));
        let other_at = mac_at + mac_len + 6;
        let other = rdata.get(other_at..other_at + other_len)?;
        (other_at + other_len == rdata.len()).then_some(Fields {
            algorithm: &rdata[..name_len],
            time_signed,
            fudge,
            mac,
            original_id: u16::from_be_bytes([tail[0], tail[1]]),
            error: u16::from_be_bytes([tail[2], tail[3]]),
            other,
        })
    }
}

/// The message as it was before `tsig` was added: ARCOUNT one less, the original ID.
fn unsigned_part(message: &[u8], tsig: &RecordRef<'_>, original_id: u16) -> Vec<u8> {
    let mut bytes = message[..tsig.start].to_vec();
    bytes[0..2].copy_from_slice(&original_id.to_be_bytes());
    let arcount = u16::from_be_bytes([bytes[10], bytes[11]]).saturating_sub(1);
    bytes[10..12].copy_from_slice(&arcount.to_be_bytes());
    bytes
}

/// The TSIG variables of RFC 8945 §4.3.3 (all of them, or only the timers).
fn variables(
    key: &Key,
    time_signed: u64,
    fudge: u16,
    error: u16,
    other: &[u8],
    full: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    if full {
        out.extend_from_slice(key.name.as_wire());
        out.extend_from_slice(&rtype::CLASS_ANY.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(algorithm_name(key.algorithm));
    }
    out.extend_from_slice(&time_signed.to_be_bytes()[2..]);
    out.extend_from_slice(&fudge.to_be_bytes());
    if full {
        out.extend_from_slice(&error.to_be_bytes());
        out.extend_from_slice(&(other.len() as u16).to_be_bytes());
        out.extend_from_slice(other);
    }
    out
}

/// Appends a TSIG record to the message in `buf` and counts it in ARCOUNT.
#[allow(clippy::too_many_arguments)]
fn append_record(
    buf: &mut Vec<u8>,
    key_name: &[u8],
    algorithm: &[u8],
    time_signed: u64,
    fudge: u16,
    mac: &[u8],
    original_id: u16,
    error: u16,
    other: &[u8],
) {
    let rdlen = algorithm.len() + 16 + mac.len() + other.len();
    buf.extend_from_slice(key_name);
    buf.extend_from_slice(&rtype::TSIG.to_be_bytes());
    buf.extend_from_slice(&rtype::CLASS_ANY.to_be_bytes());
    buf.extend_from_slice(&0u32.to_be_bytes());
    buf.extend_from_slice(&(rdlen as u16).to_be_bytes());
    buf.extend_from_slice(algorithm);
    buf.extend_from_slice(&time_signed.to_be_bytes()[2..]);
    buf.extend_from_slice(&fudge.to_be_bytes());
    buf.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    buf.extend_from_slice(mac);
    buf.extend_from_slice(&original_id.to_be_bytes());
    buf.extend_from_slice(&error.to_be_bytes());
    buf.extend_from_slice(&(other.len() as u16).to_be_bytes());
    buf.extend_from_slice(other);
    let arcount = u16::from_be_bytes([buf[10], buf[11]]).wrapping_add(1);
    buf[10..12].copy_from_slice(&arcount.to_be_bytes());
}

/// Largest TSIG record we append (owner, fixed fields, the longest algorithm name and MAC,
/// 6 bytes of other data).
pub const MAX_RECORD: usize = 255 + 10 + 13 + 16 + 64 + 6;

/// A signed exchange in progress: the key and the last MAC, which the next message's MAC
/// covers.
#[derive(Debug, Clone)]
pub struct Session {
    pub key: Arc<Key>,
    prior_mac: Vec<u8>,
    /// Messages signed or checked after the first.
    later: bool,
}

/// Why a signed request was refused, and what the error response carries.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// BADKEY, BADSIG or BADTIME.
    pub error: u16,
    /// The request's TSIG owner and algorithm, echoed.
    pub key_name: Vec<u8>,
    pub algorithm: Vec<u8>,
    pub time_signed: u64,
    pub fudge: u16,
    pub original_id: u16,
    /// For BADTIME: the key and request MAC the signed error response is computed with.
    pub signed_by: Option<(Arc<Key>, Vec<u8>)>,
}

impl Refusal {
    /// Appends the TSIG record of the error response (RFC 8945 §5.2: unsigned for BADKEY and
    /// BADSIG, signed with our time in Other Data for BADTIME) to the response in `buf`.
    pub fn append(&self, buf: &mut Vec<u8>, now: u64) {
        match &self.signed_by {
            None => append_record(
                buf,
                &self.key_name,
                &self.algorithm,
                self.time_signed,
                self.fudge,
                &[],
                self.original_id,
                self.error,
                &[],
            ),
            Some((key, request_mac)) => {
                let other = now.to_be_bytes()[2..].to_vec();
                let vars = variables(key, self.time_signed, self.fudge, self.error, &other, true);
                let mac = key.mac(&[
                    &(request_mac.len() as u16).to_be_bytes(),
                    request_mac,
                    buf,
                    &vars,
                ]);
                append_record(
                    buf,
                    key.name.as_wire(),
                    algorithm_name(key.algorithm),
                    self.time_signed,
                    self.fudge,
                    &mac,
                    self.original_id,
                    self.error,
                    &other,
                );
            }
        }
    }
}

/// Checks the TSIG of a request; `Ok(None)` when it is unsigned.
pub fn verify_request(
    keys: &KeyRing,
    message: &Message<'_>,
    now: u64,
) -> Result<Option<Session>, Refusal> {
    let Some(tsig) = message.tsig() else {
        return Ok(None);
    };
    let fields = Fields::parse(tsig.rdata);
    let mut refusal = Refusal {
        error: error::BADKEY,
        key_name: tsig.owner.to_ascii_lowercase(),
        algorithm: fields
            .as_ref()
            .map_or(b"\x00".to_vec(), |f| f.algorithm.to_vec()),
        time_signed: fields.as_ref().map_or(0, |f| f.time_signed),
        fudge: fields.as_ref().map_or(0, |f| f.fudge),
        original_id: fields.as_ref().map_or(message.id, |f| f.original_id),
        signed_by: None,
    };
    let Some(fields) = fields else {
        return Err(refusal);
    };
    let Some(key) = keys.find(&tsig.owner, fields.algorithm) else {
        return Err(refusal);
    };
    let unsigned = unsigned_part(message.bytes, tsig, fields.original_id);
    let vars = variables(
        key,
        fields.time_signed,
        fields.fudge,
        fields.error,
        fields.other,
        true,
    );
    let expected = key.mac(&[&unsigned, &vars]);
    if !mac_matches(&expected, fields.mac) {
        refusal.error = error::BADSIG;
        return Err(refusal);
    }
    if now.abs_diff(fields.time_signed) > u64::from(fields.fudge) {
        refusal.error = error::BADTIME;
        refusal.signed_by = Some((key.clone(), fields.mac.to_vec()));
        return Err(refusal);
    }
    Ok(Some(Session {
        key: key.clone(),
        prior_mac: fields.mac.to_vec(),
        later: false,
    }))
}

/// Compares a MAC in constant time; a truncated MAC (RFC 8945 §5.2.2.1) must keep at least
/// half the digest and 10 bytes.
fn mac_matches(expected: &[u8], got: &[u8]) -> bool {
    let shortest = (expected.len() / 2).max(10);
    if got.len() < shortest || got.len() > expected.len() {
        return false;
    }
    let mut diff = 0u8;
    for (a, b) in expected.iter().zip(got) {
        diff |= a ^ b;
    }
    diff == 0
}

impl Session {
    /// Starts a client's exchange: signs the request in `buf` with `key`.
    pub fn sign_request(key: &Arc<Key>, buf: &mut Vec<u8>, now: u64) -> Session {
        let id = u16::from_be_bytes([buf[0], buf[1]]);
        let vars = variables(key, now, FUDGE, 0, &[], true);
        let mac = key.mac(&[buf, &vars]);
        append_record(
            buf,
            key.name.as_wire(),
            algorithm_name(key.algorithm),
            now,
            FUDGE,
            &mac,
            id,
            0,
            &[],
        );
        Session {
            key: key.clone(),
            prior_mac: mac,
            later: false,
        }
    }

    /// Signs the next response message in `buf` (the first covers the request's MAC and every
    /// variable; later ones the previous MAC and the timers only).
    pub fn sign(&mut self, buf: &mut Vec<u8>, now: u64) {
        let id = u16::from_be_bytes([buf[0], buf[1]]);
        let vars = variables(&self.key, now, FUDGE, 0, &[], !self.later);
        let prior = (self.prior_mac.len() as u16).to_be_bytes();
        let mac = self.key.mac(&[&prior, &self.prior_mac, buf, &vars]);
        append_record(
            buf,
            self.key.name.as_wire(),
            algorithm_name(self.key.algorithm),
            now,
            FUDGE,
            &mac,
            id,
            0,
            &[],
        );
        self.prior_mac = mac;
        self.later = true;
    }

    /// Checks the next response message of a client's exchange. RFC 8945 §5.3.1 lets a server
    /// leave up to 99 messages unsigned between signed ones; they are folded into the next
    /// MAC. Returns an error naming what is wrong.
    pub fn verify(
        &mut self,
        message: &Message<'_>,
        pending: &mut Vec<u8>,
        now: u64,
    ) -> Result<(), String> {
        let Some(tsig) = message.tsig() else {
            if !self.later {
                return Err("the first response is not signed".into());
            }
            pending.extend_from_slice(message.bytes);
            if pending.len() > 100 * 65_535 {
                return Err("too many unsigned messages".into());
            }
            return Ok(());
        };
        let fields = Fields::parse(tsig.rdata).ok_or("malformed TSIG record")?;
        if !self.key.name.as_wire().eq_ignore_ascii_case(&tsig.owner)
            || !algorithm_name(self.key.algorithm).eq_ignore_ascii_case(fields.algorithm)
        {
            return Err("signed with another key".into());
        }
        if fields.error != 0 {
            return Err(format!("TSIG error {}", fields.error));
        }
        let unsigned = unsigned_part(message.bytes, tsig, fields.original_id);
        let vars = variables(
            &self.key,
            fields.time_signed,
            fields.fudge,
            fields.error,
            fields.other,
            !self.later,
        );
        let prior = (self.prior_mac.len() as u16).to_be_bytes();
        let expected = self
            .key
            .mac(&[&prior, &self.prior_mac, pending, &unsigned, &vars]);
        if !mac_matches(&expected, fields.mac) {
            return Err("bad TSIG signature".into());
        }
        if now.abs_diff(fields.time_signed) > u64::from(fields.fudge) {
            return Err("TSIG time outside the fudge".into());
        }
        pending.clear();
        self.prior_mac = fields.mac.to_vec();
        self.later = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(algorithm: TsigAlgorithm) -> Arc<Key> {
        Arc::new(Key::new(
            &"transfer.".parse().unwrap(),
            algorithm,
            b"0123456789abcdef",
        ))
    }

    fn ring(key: &Arc<Key>) -> KeyRing {
        KeyRing {
            keys: [("transfer".to_string(), key.clone())].into(),
        }
    }

    fn query() -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x07example\x00\x00\xfc\x00\x01");
        q
    }

    #[test]
    fn a_signed_exchange_verifies_both_ways() {
        for algorithm in [
            TsigAlgorithm::HmacSha1,
            TsigAlgorithm::HmacSha256,
            TsigAlgorithm::HmacSha384,
            TsigAlgorithm::HmacSha512,
        ] {
            let key = key(algorithm);
            let mut request = query();
            let mut client = Session::sign_request(&key, &mut request, 1000);
            let parsed = Message::parse(&request).unwrap();
            let mut server = verify_request(&ring(&key), &parsed, 1010).unwrap().unwrap();
            let mut pending = Vec::new();
            for _ in 0..3 {
                let mut response = query();
                response[2] |= 0x80;
                server.sign(&mut response, 1011);
                let parsed = Message::parse(&response).unwrap();
                client.verify(&parsed, &mut pending, 1012).unwrap();
            }
        }
    }

    #[test]
    fn errors_are_badsig_badkey_badtime() {
        let key = key(TsigAlgorithm::HmacSha256);
        let mut request = query();
        Session::sign_request(&key, &mut request, 1000);
        let parsed = Message::parse(&request).unwrap();
        let other = KeyRing::default();
        assert_eq!(
            verify_request(&other, &parsed, 1000).unwrap_err().error,
            error::BADKEY
        );
        let late = verify_request(&ring(&key), &parsed, 2000).unwrap_err();
        assert_eq!(late.error, error::BADTIME);
        assert!(late.signed_by.is_some());
        let mut tampered = request.clone();
        tampered[14] ^= 1;
        let parsed = Message::parse(&tampered).unwrap();
        assert_eq!(
            verify_request(&ring(&key), &parsed, 1000)
                .unwrap_err()
                .error,
            error::BADSIG
        );
    }

    #[test]
    fn a_tampered_later_message_fails() {
        let key = key(TsigAlgorithm::HmacSha256);
        let mut request = query();
        let mut client = Session::sign_request(&key, &mut request, 1000);
        let parsed = Message::parse(&request).unwrap();
        let mut server = verify_request(&ring(&key), &parsed, 1000).unwrap().unwrap();
        let mut pending = Vec::new();
        let mut first = query();
        server.sign(&mut first, 1000);
        client
            .verify(&Message::parse(&first).unwrap(), &mut pending, 1000)
            .unwrap();
        let mut second = query();
        server.sign(&mut second, 1000);
        second[13] ^= 1;
        assert!(
            client
                .verify(&Message::parse(&second).unwrap(), &mut pending, 1000)
                .is_err()
        );
    }
}
