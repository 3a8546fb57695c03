//! The operator console in a real headless browser against the real binary with real health
//! backends: each datacenter's state, a backend going down showing within seconds, the map's
//! colours following health and drains, the explain form, and drains refused without the
//! admin token and applied with it. `console_screenshots` (ignored; run by
//! contrib/console/screenshots.sh) writes the pictures in docs/.

use std::time::Duration;

use crate::support::browser::Browser;
use crate::support::*;

const TOKEN: &str = "console-test-token";

/// A server steering `www.example.net` by geo over ams, iad and sin, whose targets are the
/// backends at 127.0.0.`first`, `first + 1` and `first + 2`, with the admin token set.
pub fn console_server(first: u8) -> (Server, Vec<Backend>) {
    let address = |i: u8| format!("127.0.0.{}", first + i);
    let addresses: Vec<String> = (0..3).map(address).collect();
    let ips: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let (port, backends) = backends_on(&ips);
    let (ams, iad, sin) = (address(0), address(1), address(2));
    let geoip = repo().join("geoip/example-city.mmdb");
    let config = format!(
        r#"[server]
listen = ["127.0.0.1:0"]
[admin]
listen = "127.0.0.1:0"
token_file = "admin.token"
[geoip]
database = "{geoip}"
[zones]
"example.net." = "example.net.zone"
[datacenters]
ams = {{ location = [52.37, 4.90] }}
iad = {{ location = [38.95, -77.45] }}
sin = {{ location = [1.35, 103.82] }}
[checks.web]
type = "http"
port = {port}
path = "/healthz"
interval = "200ms"
timeout = "150ms"
rise = 1
fall = 1
[[services]]
name = "www.example.net."
policy = "geo"
ttl = 30
check = "web"
targets = [
  {{ datacenter = "ams", address = "{ams}" }},
  {{ datacenter = "iad", address = "{iad}" }},
  {{ datacenter = "sin", address = "{sin}" }},
]
[services.geo]
"country:SG" = ["sin", "ams"]
"continent:EU" = ["ams", "iad"]
"continent:NA" = ["iad", "ams"]
default = ["iad", "ams", "sin"]
"#,
        geoip = geoip.display()
    );
    let zone = crate::operations::zone(1, "10.0.0.1");
    let server = Server::start(
        &config,
        &[("example.net.zone", zone.as_str()), ("admin.token", TOKEN)],
    );
    (server, backends)
}

const SOON: Duration = Duration::from_secs(10);

fn datacenter_state(dc: &str, state: &str) -> String {
    format!(
        "const c = document.querySelector('.dc[data-datacenter=\"{dc}\"]'); \
         return !!c && c.dataset.state === '{state}';"
    )
}

fn country_goes_to(code: &str, dc: &str) -> String {
    format!(
        "const s = document.querySelector('#map [data-code=\"{code}\"]'); \
         return !!s && s.dataset.datacenter === '{dc}';"
    )
}

/// Clicks the datacenter's drain button and confirms.
fn drain(browser: &Browser, dc: &str) {
    browser
        .wait_for(
            &format!("button[data-action=\"drain\"][data-datacenter=\"{dc}\"]"),
            SOON,
        )
        .click();
    browser
        .wait_for("#confirm[open] #confirm-yes", SOON)
        .click();
}

/// Asks "where does this client go?" and returns the trace shown.
fn explain(browser: &Browser, client: &str) -> String {
    browser.find("#explain-client").unwrap().type_text(client);
    browser.run("delete document.getElementById('explain-output').dataset.done; return true;");
    browser.find("#explain-go").unwrap().click();
    browser.wait_until(
        "the trace",
        SOON,
        "return document.getElementById('explain-output').dataset.done === 'ok';",
    );
    browser.find("#explain-output").unwrap().text()
}

fn assert_notice(browser: &Browser, wanted: &str) {
    let script =
        "const n = document.getElementById('notice'); return n.hidden ? '' : n.textContent;";
    let notice = browser.run(script);
    assert!(
        notice.as_str().unwrap_or_default().contains(wanted),
        "{notice}"
    );
}

/// Whether ams (the first datacenter) is drained, as the server says.
fn assert_drained(server: &Server, drained: bool) {
    assert_eq!(
        server.get("/status").json()["datacenters"][0]["drained"],
        drained
    );
}

#[test]
fn the_console_shows_health_follows_it_explains_and_drains_with_the_token() {
    let (server, backends) = console_server(61);
    let Some(browser) = Browser::start("console test", 1440, 1100) else {
        return;
    };
    browser.open(&format!("http://{}/", server.admin()));
    for dc in ["ams", "iad", "sin"] {
        browser.wait_until(&format!("{dc} up"), SOON, &datacenter_state(dc, "up"));
    }
    // The map: each country coloured by the datacenter its clients get now.
    browser.wait_until("NL → ams", SOON, &country_goes_to("NL", "ams"));
    browser.wait_until("US → iad", SOON, &country_goes_to("US", "iad"));
    browser.wait_until("SG → sin", SOON, &country_goes_to("SG", "sin"));

    // A backend going down shows within seconds, in the card, the events and the map.
    backends[1].set_healthy(false);
    browser.wait_until(
        "iad down",
        Duration::from_secs(6),
        &datacenter_state("iad", "down"),
    );
    browser.wait_until(
        "the event list names the target",
        SOON,
        "return [...document.querySelectorAll('#events li')].some(\
         l => l.textContent.includes('target 127.0.0.62 (iad) down'));",
    );
    browser.wait_until("US moves to ams", SOON, &country_goes_to("US", "ams"));
    backends[1].set_healthy(true);
    browser.wait_until("iad up again", SOON, &datacenter_state("iad", "up"));

    // Where does this client go? The trace, against the live state.
    browser
        .find("#explain-name")
        .unwrap()
        .type_text("www.example.net");
    let trace = explain(&browser, "192.0.2.1/24");
    assert!(trace.contains("rule continent:EU matched"), "{trace}");
    assert!(trace.contains("branch geo: answer from ams"), "{trace}");

    // A drain without the token is refused, and changes nothing.
    drain(&browser, "ams");
    browser.wait_until(
        "refusal shown",
        SOON,
        "return document.getElementById('notice').textContent.includes('Refused');",
    );
    assert_notice(&browser, "bearer token");
    assert_drained(&server, false);

    // With the token it works, and the map recolours the countries that preferred ams.
    browser.find("#token-button").unwrap().click();
    browser
        .wait_for("#token-dialog[open] #token-input", SOON)
        .type_text(TOKEN);
    browser.find("#token-save").unwrap().click();
    drain(&browser, "ams");
    browser.wait_until("ams drained", SOON, &datacenter_state("ams", "drained"));
    assert_notice(&browser, "Drained ams");
    assert_drained(&server, true);
    browser.wait_until("NL moves to iad", SOON, &country_goes_to("NL", "iad"));
    let title = browser
        .run("return document.querySelector('#map [data-code=\"NL\"] title').textContent;")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(title.contains("prefers ams"), "{title}");
}

/// Sends ECS queries from the example database's regions until `stop`, so that the console
/// shows answers per second.
fn traffic(dns: std::net::SocketAddr, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let subnets = [
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "198.18.0.0/15",
    ];
    let mut i = 0usize;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let subnet = subnets[i % subnets.len()];
        let query = QueryBuilder::new("www.example.net", "A")
            .edns(1232)
            .client_subnet(subnet)
            .build();
        let _ = exchange_udp(dns, &query, Duration::from_millis(200));
        i += 1;
        if i.is_multiple_of(20) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Writes docs/console-healthy.png and docs/console-dc-down.png (or into
/// $SWITCHYARD_SCREENSHOTS); run by contrib/console/screenshots.sh.
#[test]
#[ignore = "writes the README's screenshots; run contrib/console/screenshots.sh"]
fn console_screenshots() {
    let out = std::env::var_os("SWITCHYARD_SCREENSHOTS")
        .map_or_else(|| repo().join("docs"), std::path::PathBuf::from);
    let (server, backends) = console_server(71);
    let Some(browser) = Browser::start("console screenshots", 1440, 1400) else {
        return;
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let (dns, stop) = (server.dns, stop.clone());
        std::thread::spawn(move || traffic(dns, stop))
    };
    browser.open(&format!("http://{}/", server.admin()));
    for dc in ["ams", "iad", "sin"] {
        browser.wait_until(dc, SOON, &datacenter_state(dc, "up"));
    }
    explain(&browser, "192.0.2.1/24");
    browser.wait_until(
        "rates",
        SOON,
        "return !document.querySelector('[data-rate=\"ams\"]').textContent.startsWith('…');",
    );
    browser.wait_for("#map [data-code=\"NL\"]", SOON).click();
    browser.wait_for("#country-trace li", SOON);
    std::fs::write(out.join("console-healthy.png"), browser.screenshot()).unwrap();

    backends[1].set_healthy(false);
    browser.wait_until("iad down", SOON, &datacenter_state("iad", "down"));
    browser.wait_until("US moves", SOON, &country_goes_to("US", "ams"));
    explain(&browser, "198.51.100.7");
    browser.wait_for("#map [data-code=\"US\"]", SOON).click();
    browser.wait_until(
        "trace of the US",
        SOON,
        "return document.getElementById('country').textContent.includes('United States');",
    );
    std::thread::sleep(Duration::from_millis(900));
    std::thread::sleep(Duration::from_millis(900));
    std::fs::write(out.join("console-dc-down.png"), browser.screenshot()).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    sender.join().unwrap();
}
