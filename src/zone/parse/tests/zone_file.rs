//! Whole zone files: syntax, directives, TTL rules, `$INCLUDE`, error reporting.

use std::path::{Path, PathBuf};

use super::{errors, origin, parse_with, records, shown};
use crate::wire::Name;
use crate::wire::rtype::*;
use crate::zone::Record;
use crate::zone::parse::{ParseOptions, parse_zone_file, rdata_to_text};

fn name(text: &str) -> Name {
    text.parse().unwrap()
}

/// `owner ttl TYPE rdata` per record, for compact assertions.
fn lines(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.owner,
                r.ttl,
                type_to_string(r.rtype),
                rdata_to_text(r.rtype, &r.rdata)
            )
        })
        .collect()
}

const SOA_LINE: &str = "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n";

#[test]
fn a_small_zone() {
    let zone = "$ORIGIN example.com.\n\
        $TTL 1h\n\
        @   IN  SOA ns1.example.com. hostmaster.example.com. (\n\
                    2024010101 ; serial\n\
                    2h         ; refresh\n\
                    1h 2w 5m ) ; retry, expire, minimum\n\
        \tIN  NS  ns1\n\
        \tNS  ns2.example.net.\n\
        ns1 300 IN A 192.0.2.1\n\
        www IN 60 AAAA 2001:db8::1 ; class before TTL\n\
        \tA 192.0.2.2\n\
        Mail.Example.COM. 1H30M MX 10 mail\n\
        *.wild TXT \"a;b\" c\n";
    let records = records(zone);
    assert_eq!(
        lines(&records),
        [
            "example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
            "example.com. 3600 NS ns1.example.com.",
            "example.com. 3600 NS ns2.example.net.",
            "ns1.example.com. 300 A 192.0.2.1",
            "www.example.com. 60 AAAA 2001:db8::1",
            "www.example.com. 3600 A 192.0.2.2",
            "Mail.Example.COM. 5400 MX 10 mail.example.com.",
            "*.wild.example.com. 3600 TXT \"a;b\" \"c\"",
        ]
    );
    let lines: Vec<u32> = records.iter().map(|r| r.source.line).collect();
    assert_eq!(lines, [3, 7, 8, 9, 10, 11, 12, 13]);
    assert!(records.iter().all(|r| r.class == CLASS_IN));
    assert_eq!(records[0].source.to_string(), "test.zone:3");
}

#[test]
fn owners_origins_and_escapes() {
    let zone = "$TTL 60\n\
        @ A 192.0.2.1\n\
        $ORIGIN sub\n\
        @ A 192.0.2.2\n\
        host A 192.0.2.3\n\
        $ORIGIN other.test.\n\
        a\\.b A 192.0.2.4\n\
        \\042 A 192.0.2.5\n\
        \"quoted\" A 192.0.2.6\n";
    let owners: Vec<String> = records(zone).iter().map(|r| r.owner.to_string()).collect();
    assert_eq!(
        owners,
        [
            "example.com.",
            "sub.example.com.",
            "host.sub.example.com.",
            "a\\.b.other.test.",
            "*.other.test.",
            "quoted.other.test.",
        ]
    );
}

#[test]
fn ttl_rules() {
    // $TTL applies to every record without a TTL, whatever the last explicit one was.
    let r = records("$TTL 100\na 5 A 192.0.2.1\nb A 192.0.2.2\n$TTL 200\nc A 192.0.2.3\n");
    assert_eq!(r.iter().map(|r| r.ttl).collect::<Vec<_>>(), [5, 100, 200]);
    // Without $TTL: the last explicit TTL (RFC 1035), and the SOA MINIMUM before any.
    let r = records(&format!(
        "{SOA_LINE}a A 192.0.2.1\nb 7 A 192.0.2.2\nc A 192.0.2.3\n"
    ));
    assert_eq!(
        r.iter().map(|r| r.ttl).collect::<Vec<_>>(),
        [300, 300, 7, 7]
    );
    // Records before the SOA wait for it.
    let r = records(&format!("a A 192.0.2.1\n{SOA_LINE}"));
    assert_eq!(r.iter().map(|r| r.ttl).collect::<Vec<_>>(), [300, 300]);
    // The option comes before the SOA MINIMUM.
    let options = ParseOptions {
        default_ttl: Some(42),
        ..ParseOptions::default()
    };
    let r = parse_with(&format!("{SOA_LINE}a A 192.0.2.1\n"), &options).unwrap();
    assert_eq!(r.iter().map(|r| r.ttl).collect::<Vec<_>>(), [42, 42]);
    // Units, any case; the largest allowed TTL.
    let r = records("a 1w2D3h4M5s A 192.0.2.1\nb 2147483647 A 192.0.2.2\n");
    assert_eq!(r[0].ttl, 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    assert_eq!(r[1].ttl, 2147483647);
    // No source of a TTL at all.
    assert_eq!(
        errors("a A 192.0.2.1\n"),
        [
            "test.zone:1: no TTL for this record: write one, or a $TTL directive, or an SOA record whose MINIMUM can serve"
        ]
    );
    assert_eq!(
        errors("$TTL 1x\na 2147483648 A 192.0.2.1\n"),
        [
            "test.zone:1: bad TTL \"1x\"",
            "test.zone:2: TTL 2147483648 is above the maximum 2147483647 (RFC 2181)",
        ]
    );
}

#[test]
fn parentheses_comments_and_quotes() {
    let zone = "$TTL 60\n\
        ; a comment line\n\
        \n\
        \t; an indented comment\n\
        txt TXT ( \"one ; not a comment\" ; a comment\n\
        \t\"two ( not a paren\"\n\
        ) \n\
        next ( A\n\
        192.0.2.1 )\n";
    let r = records(zone);
    assert_eq!(
        rdata_to_text(TXT, &r[0].rdata),
        "\"one ; not a comment\" \"two ( not a paren\""
    );
    assert_eq!(r[0].source.line, 5);
    assert_eq!(r[1].source.line, 8);
    // Windows line ends.
    let r = records("$TTL 60\r\na A 192.0.2.1\r\n\tA 192.0.2.2\r\n");
    assert_eq!(r.len(), 2);
    // No newline at the end of the file.
    assert_eq!(records("$TTL 60\na A 192.0.2.1").len(), 1);
}

#[test]
fn errors_carry_the_first_line_and_are_collected() {
    let zone = "$TTL 60\n\
        a A 10.0.0.300\n\
        b AAA 192.0.2.1\n\
        c ( A\n\
        1.2.3 )\n\
        d CH TXT \"x\"\n\
        e A ( 192.0.2.1\n\
        f A 192.0.2.2\n";
    assert_eq!(
        errors(zone),
        [
            "test.zone:2: bad IPv4 address \"10.0.0.300\"",
            "test.zone:3: unknown record type \"AAA\"",
            "test.zone:4: bad IPv4 address \"1.2.3\"",
            "test.zone:6: class CH is not supported: zone data must be class IN",
            "test.zone:7: unbalanced parentheses: '(' not closed",
        ]
    );
    assert_eq!(
        errors("$TTL 60\na A 192.0.2.1 )\nb TXT \"open\nc A 192.0.2.1\n"),
        [
            "test.zone:2: unbalanced parentheses: ')' without '('",
            "test.zone:3: unterminated quoted string",
        ]
    );
    assert_eq!(
        errors(
            "\tA 192.0.2.1\n$FOO bar\n$TTL\n$ORIGIN a b\n$ORIGIN a..b\nx 60 IN\nx 60 60 A 1.2.3.4\n"
        ),
        [
            "test.zone:1: no owner name: the first record must name its owner (a line that starts with a blank repeats the previous owner)",
            "test.zone:2: unknown directive \"$FOO\"",
            "test.zone:3: missing a TTL after $TTL",
            "test.zone:4: unexpected \"b\" after $ORIGIN",
            "test.zone:5: bad $ORIGIN: empty label in name \"a..b\"",
            "test.zone:6: missing record type",
            "test.zone:7: second TTL \"60\" in one record",
        ]
    );
    assert_eq!(
        errors(
            "$TTL 60\nx IN IN A 1.2.3.4\nx \"60\" A 1.2.3.4\ny CLASS3 A 1.2.3.4\nz A 1.2.3.4 extra\n"
        ),
        [
            "test.zone:2: second class \"IN\" in one record",
            "test.zone:3: expected a TTL, class or type, found the quoted string \"60\"",
            "test.zone:4: class CH is not supported: zone data must be class IN",
            "test.zone:5: unexpected \"extra\" after the rdata",
        ]
    );
    let options = ParseOptions {
        max_errors: 3,
        ..ParseOptions::default()
    };
    let many = "a 60 A x\n".repeat(10);
    assert_eq!(parse_with(&many, &options).unwrap_err().len(), 3);
}

#[test]
fn a_record_with_an_error_still_sets_the_owner() {
    assert_eq!(
        errors("$TTL 60\nwww A 1.2.3\n\tAAAA ::1\n\tA 192.0.2.1\n"),
        ["test.zone:2: bad IPv4 address \"1.2.3\""]
    );
}

/// A fresh directory (with a `sub` folder) under the system temp dir, removed on drop
/// (`tempfile`): its path, then the guard that removes it.
struct TempDir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("switchyard-zone-{tag}-"))
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        TempDir(dir.path().to_path_buf(), dir)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn load(path: &Path) -> Result<Vec<Record>, Vec<String>> {
    parse_zone_file(path, &origin(), &ParseOptions::default()).map_err(|e| shown(&e))
}

#[test]
fn include_is_relative_to_the_including_file() {
    let dir = TempDir::new("include");
    dir.write(
        "sub/hosts.zone",
        "host A 192.0.2.1\n\tAAAA ::1\n$ORIGIN elsewhere.test.\nx A 192.0.2.9\n",
    );
    dir.write("sub/nested.zone", "$INCLUDE hosts.zone\n");
    let main = dir.write(
        "main.zone",
        "$TTL 60\nwww A 192.0.2.2\n$INCLUDE sub/hosts.zone\n\tA 192.0.2.3\n$INCLUDE \"sub/nested.zone\" lab\nafter A 192.0.2.4\n",
    );
    let r = load(&main).unwrap();
    let owners: Vec<String> = r
        .iter()
        .map(|r| format!("{} {}", r.owner, r.source))
        .collect();
    let sub = dir.0.join("sub");
    assert_eq!(
        owners,
        [
            format!("www.example.com. {}:2", main.display()),
            format!("host.example.com. {}:1", sub.join("hosts.zone").display()),
            format!("host.example.com. {}:2", sub.join("hosts.zone").display()),
            format!("x.elsewhere.test. {}:4", sub.join("hosts.zone").display()),
            // The owner and origin of main.zone are back after the include.
            format!("www.example.com. {}:4", main.display()),
            format!(
                "host.lab.example.com. {}:1",
                sub.join("hosts.zone").display()
            ),
            format!(
                "host.lab.example.com. {}:2",
                sub.join("hosts.zone").display()
            ),
            format!("x.elsewhere.test. {}:4", sub.join("hosts.zone").display()),
            format!("after.example.com. {}:6", main.display()),
        ]
    );
}

#[test]
fn dollar_ttl_ends_with_its_include() {
    // As Knot DNS reads it: the included file starts with the $TTL in force, and a $TTL it sets
    // does not outlive it (nor does one set in a file it includes).
    let dir = TempDir::new("ttl");
    dir.write("inner.zone", "$TTL 300\ndeep A 192.0.2.5\n");
    dir.write(
        "sub.zone",
        "first A 192.0.2.1\n$TTL 200\nsecond A 192.0.2.2\nthird 33 A 192.0.2.3\n\
         $INCLUDE inner.zone\nfourth A 192.0.2.4\n",
    );
    let main = dir.write(
        "main.zone",
        "$TTL 100\nbefore A 192.0.2.9\n$INCLUDE sub.zone\nafter A 192.0.2.10\n",
    );
    let ttls: Vec<String> = load(&main)
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.owner, r.ttl))
        .collect();
    assert_eq!(
        ttls,
        [
            "before.example.com. 100",
            "first.example.com. 100",
            "second.example.com. 200",
            "third.example.com. 33",
            "deep.example.com. 300",
            "fourth.example.com. 200",
            "after.example.com. 100",
        ]
    );
}

#[test]
fn include_loops_depth_and_missing_files() {
    let dir = TempDir::new("loops");
    dir.write("a.zone", "$INCLUDE b.zone\n");
    dir.write("b.zone", "$INCLUDE a.zone\n");
    let main = dir.write(
        "main.zone",
        "$TTL 60\n$INCLUDE a.zone\n$INCLUDE main.zone\n$INCLUDE missing.zone\n",
    );
    let errors = load(&main).unwrap_err();
    let b = dir.0.join("b.zone");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(
        errors[0],
        format!(
            "{}:1: $INCLUDE loop: {}",
            b.display(),
            dir.0.join("a.zone").display()
        )
    );
    assert_eq!(
        errors[1],
        format!("{}:3: $INCLUDE loop: {}", main.display(), main.display())
    );
    assert!(
        errors[2].starts_with(&format!(
            "{}:4: cannot read included file {}:",
            main.display(),
            dir.0.join("missing.zone").display()
        )),
        "{}",
        errors[2]
    );

    for i in 0..12 {
        dir.write(
            &format!("d{i}.zone"),
            &format!("$INCLUDE d{}.zone\n", i + 1),
        );
    }
    dir.write("d12.zone", "x 60 A 192.0.2.1\n");
    let errors = load(&dir.0.join("d0.zone")).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("d8.zone:1: $INCLUDE nested more than 8 deep"),
        "{}",
        errors[0]
    );

    let options = ParseOptions {
        allow_include: false,
        ..ParseOptions::default()
    };
    let errors = parse_zone_file(&main, &origin(), &options).unwrap_err();
    assert_eq!(errors[0].message, "$INCLUDE is not allowed");
}

#[test]
fn unreadable_file_is_an_error_at_line_zero() {
    let path = Path::new("/nonexistent/switchyard/zone");
    let errors = load(path).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("/nonexistent/switchyard/zone: cannot read zone file:"),
        "{}",
        errors[0]
    );
}

#[test]
fn raw_bytes_in_strings_survive() {
    let dir = TempDir::new("bytes");
    let path = dir.0.join("latin1.zone");
    std::fs::write(&path, b"$TTL 60\nx TXT \"caf\xe9\"\n").unwrap();
    let r = load(&path).unwrap();
    assert_eq!(&*r[0].rdata, b"\x04caf\xe9");
    std::fs::write(&path, b"$TTL 60\ncaf\xe9 A 192.0.2.1\n").unwrap();
    assert!(load(&path).unwrap_err()[0].contains("is not valid UTF-8"));
    let _ = name("x.");
}
