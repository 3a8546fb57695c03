//! A real headless browser for the console tests: Debian's `chromium` driven through
//! `chromedriver`'s W3C WebDriver HTTP API (JSON over the admin test client's HTTP/1.1).
//! When either program is missing the tests print a SKIP line and pass.
//! Dropping a [`Browser`] ends the session (chromedriver then closes chromium) and kills
//! chromedriver by its PID.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::free_port;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session.
pub struct Browser {
    driver: Child,
    address: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

/// An element in the page.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl Browser {
    /// Starts chromedriver and a headless chromium with a fresh profile, or `None` (after a
    /// SKIP line naming `test`) when they are not installed.
    pub fn start(test: &str, width: u32, height: u32) -> Option<Browser> {
        for program in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(program).exists() {
                println!(
                    "SKIP {test}: {program} is not installed (apt-get install chromium chromium-driver)"
                );
                return None;
            }
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let profile = tempfile::tempdir().expect("profile directory");
        let mut browser = Browser {
            driver,
            address,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(address).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", browser._profile.path().display()),
            &format!("--window-size={width},{height}"),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let created = browser.call("POST", "/session", Some(capabilities));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        Some(browser)
    }

    /// One WebDriver command; panics on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let (status, answer) = http(self.address, method, path, &text)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let value: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}: {answer}"));
        if status != 200 {
            panic!("WebDriver {method} {path}: {status} {value}");
        }
        value.get("value").cloned().unwrap_or(Value::Null)
    }

    fn session(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    pub fn open(&self, url: &str) {
        self.call("POST", &self.session("/url"), Some(json!({"url": url})));
    }

    /// Runs a script in the page (through DevTools, not subject to the page's CSP) and
    /// returns its value.
    pub fn run(&self, script: &str) -> Value {
        let body = json!({"script": script, "args": []});
        self.call("POST", &self.session("/execute/sync"), Some(body))
    }

    /// The first element matching a CSS selector, if any.
    pub fn find(&self, css: &str) -> Option<Element<'_>> {
        let body = json!({"using": "css selector", "value": css});
        let list = self.call("POST", &self.session("/elements"), Some(body));
        let id = list.as_array()?.first()?[ELEMENT].as_str()?.to_string();
        Some(Element { browser: self, id })
    }

    /// Waits up to `limit` for the element.
    pub fn wait_for(&self, css: &str, limit: Duration) -> Element<'_> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(element) = self.find(css) {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to `limit` until `script` returns `true`; panics with `what` and the script's
    /// last value otherwise.
    pub fn wait_until(&self, what: &str, limit: Duration, script: &str) {
        let deadline = Instant::now() + limit;
        loop {
            if self.run(script) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                panic!("{what}: not true within {limit:?}: {script}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.call("GET", &self.session("/screenshot"), None);
        base64_decode(encoded.as_str().expect("base64 screenshot"))
    }
}

impl Element<'_> {
    fn path(&self, action: &str) -> String {
        self.browser
            .session(&format!("/element/{}{action}", self.id))
    }

    pub fn click(&self) {
        self.browser
            .call("POST", &self.path("/click"), Some(json!({})));
    }

    /// Replaces the value of an input with `text`, typed.
    pub fn type_text(&self, text: &str) {
        self.browser
            .call("POST", &self.path("/clear"), Some(json!({})));
        let body = json!({"text": text});
        self.browser.call("POST", &self.path("/value"), Some(body));
    }

    pub fn text(&self) -> String {
        let value = self.browser.call("GET", &self.path("/text"), None);
        value.as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = http(self.address, "DELETE", &path, "");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One HTTP/1.1 exchange with chromedriver, reading the body by its Content-Length
/// (chromedriver keeps connections open).
fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut answer = vec![0; length];
    reader.read_exact(&mut answer)?;
    Ok((status, String::from_utf8_lossy(&answer).into_owned()))
}

/// Standard base64 (RFC 4648, with padding), as WebDriver sends screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let digits: Vec<u8> = chunk
            .iter()
            .take_while(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let bits = digits
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        for i in 0..digits.len().saturating_sub(1) {
            out.push((bits >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGVsbG8h"), b"hello!");
    assert_eq!(base64_decode("aGk="), b"hi");
}
