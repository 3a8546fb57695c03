//! The operator console: one page and its scripts, style sheet and world map, embedded in the
//! binary and served at `/` and `/console/{file}` with a strict Content-Security-Policy (no
//! inline script or style, nothing from another origin, no framing). The page only reads the
//! JSON views and posts to the existing mutating endpoints; see `console/NOTICE.md` for the
//! map data's sources and licences.

use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Deserialize;

use super::{Body, text};
use crate::geo::Code2;

/// What the console may load and do: its own files and API only.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The embedded files: name, content type, contents.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("console/style.css"),
    ),
    (
        "util.js",
        "text/javascript; charset=utf-8",
        include_str!("console/util.js"),
    ),
    (
        "health.js",
        "text/javascript; charset=utf-8",
        include_str!("console/health.js"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_str!("console/map.js"),
    ),
    (
        "actions.js",
        "text/javascript; charset=utf-8",
        include_str!("console/actions.js"),
    ),
    (
        "explain.js",
        "text/javascript; charset=utf-8",
        include_str!("console/explain.js"),
    ),
    (
        "main.js",
        "text/javascript; charset=utf-8",
        include_str!("console/main.js"),
    ),
    ("world.json", "application/json", WORLD),
];

const PAGE: &str = include_str!("console/index.html");
const WORLD: &str = include_str!("console/world.json");

/// `GET /`.
pub fn page() -> Response<Body> {
    respond("text/html; charset=utf-8", PAGE)
}

/// `GET /console/{file}`.
pub fn asset(file: &str) -> Response<Body> {
    match ASSETS.iter().find(|(name, ..)| *name == file) {
        Some((_, kind, contents)) => respond(kind, contents),
        None => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn respond(kind: &'static str, contents: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(contents.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A country on the map, as the server places it.
#[derive(Debug, Clone, Copy)]
pub struct Country {
    pub code: Code2,
    pub continent: Code2,
    /// Latitude, longitude of its representative point.
    pub point: (f64, f64),
}

#[derive(Deserialize)]
struct World {
    countries: Vec<WorldCountry>,
}

#[derive(Deserialize)]
struct WorldCountry {
    code: String,
    continent: String,
    point: (f64, f64),
}

/// Every country of the embedded map (parsed once; its test proves it parses).
pub fn countries() -> &'static [Country] {
    static COUNTRIES: OnceLock<Vec<Country>> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        let world: World = match serde_json::from_str(WORLD) {
            Ok(world) => world,
            Err(e) => {
                tracing::error!(error = %e, "the embedded world map does not parse");
                return Vec::new();
            }
        };
        world
            .countries
            .iter()
            .filter_map(|c| {
                Some(Country {
                    code: Code2::new(&c.code)?,
                    continent: Code2::new(&c.continent)?,
                    point: c.point,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_map_parses_and_is_small() {
        let countries = countries();
        assert!(countries.len() > 200, "{}", countries.len());
        let nl = countries.iter().find(|c| c.code.as_str() == "NL").unwrap();
        assert_eq!(nl.continent.as_str(), "EU");
        assert!((nl.point.0 - 52.2).abs() < 1.0 && (nl.point.1 - 5.5).abs() < 1.0);
        assert!(
            countries.iter().any(|c| c.code.as_str() == "SG"),
            "small ones too"
        );
        let total: usize = PAGE.len() + ASSETS.iter().map(|(_, _, c)| c.len()).sum::<usize>();
        assert!(total < 300 * 1024, "console is {total} bytes");
    }

    #[test]
    fn the_page_loads_nothing_inline_or_from_elsewhere() {
        for (name, _, contents) in ASSETS.iter().chain([&("index.html", "", PAGE)]) {
            if name.ends_with(".json") {
                continue;
            }
            let contents = contents.replace("\"http://www.w3.org/2000/svg\"", "");
            for forbidden in [
                "http://",
                "https://",
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "style=\"",
            ] {
                assert!(!contents.contains(forbidden), "{name} contains {forbidden}");
            }
        }
        assert!(!PAGE.contains("<script>"), "no inline script");
        assert!(!PAGE.contains("<style"), "no inline style");
    }
}
