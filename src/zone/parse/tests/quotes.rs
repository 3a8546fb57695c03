//! Quotes: a `"` starts a string only at the start of a word, and a closing quote ends the
//! word, as Knot DNS reads them; before, a quote inside a word or right after a closing quote
//! opened a string that ran into the comment, which was then served as record data.

use super::{errors, rdata, records};
use crate::wire::rtype::*;
use crate::zone::parse::parse_rdata_text;

fn rdata_err(rtype: u16, text: &str) -> String {
    parse_rdata_text(rtype, text, &super::origin()).expect_err(text)
}

#[test]
fn a_comment_never_becomes_record_data() {
    for (zone, wanted) in [
        ("@ NS a\"  ; comment \"x\n", "unexpected quote after \"a\""),
        (
            "@ TXT \"\"\" ; '\"' quoted in the comment\n",
            "right after the closing quote",
        ),
        (
            "@ TXT \"a\"b\n",
            "unexpected 'b' right after the closing quote of \"a\"",
        ),
        ("@ TXT a\"b\"\n", "unexpected quote after \"a\""),
        (
            "@ HTTPS 1 . alpn=\"h2\"x\n",
            "right after the closing quote of \"h2\"",
        ),
        (
            "@ HTTPS 1 . alpn=h2\"x\"\n",
            "unexpected quote after \"alpn=h2\"",
        ),
        ("@ TXT \"open ; comment\n", "unterminated quoted string"),
        (
            "@ HTTPS 1 . alpn=\"h2 ; comment\n",
            "unterminated quoted string",
        ),
    ] {
        let found = errors(&format!("$TTL 1\n{zone}"));
        assert_eq!(found.len(), 1, "{zone}: {found:?}");
        assert!(
            found[0].starts_with("test.zone:2: ") && found[0].contains(wanted),
            "{zone}: {found:?}"
        );
    }
}

#[test]
fn the_next_record_is_read_normally() {
    let zone = "$TTL 1\na TXT \"x\"y ; \"z\"\nb TXT \"ok\"\nc NS a\" \nd A 192.0.2.1\n";
    let found = errors(zone);
    let lines: Vec<&str> = found.iter().map(|e| &e[..12]).collect();
    assert_eq!(lines, ["test.zone:2:", "test.zone:4:"], "{found:?}");
}

#[test]
fn quotes_that_stay_valid() {
    // Strings separated by blanks, parentheses or a comment; escaped quotes inside words.
    assert_eq!(rdata(TXT, "\"a\" \"b\""), b"\x01a\x01b");
    assert_eq!(rdata(TXT, "(\"a\")"), b"\x01a");
    assert_eq!(rdata(TXT, "\"a\"\t\"b\""), b"\x01a\x01b");
    assert_eq!(rdata(TXT, "a\\\"b"), b"\x03a\"b");
    assert_eq!(rdata(TXT, "\"a\\\"\""), b"\x02a\"");
    let records = records("$TTL 1\n@ TXT \"a\";comment\n@ TXT \"b\"(\n)\n");
    assert_eq!(records.len(), 2);
    // An SVCB value may be quoted after its `=`.
    assert_eq!(
        rdata(HTTPS, "1 . alpn=\"h2,h3\" port=\"443\""),
        rdata(HTTPS, "1 . alpn=h2,h3 port=443")
    );
}

#[test]
fn a_quote_inside_a_word_is_refused_by_every_field() {
    // Only SVCB params take `key="value"`; elsewhere such a word is an error.
    assert!(rdata_err(TXT, "v=\"x\"").contains("a quote inside"));
    assert!(rdata_err(NS, "a=\"b\"").contains("a quote inside"));
    assert!(rdata_err(CAA, "0 issue v=\"x\"").contains("a quote inside"));
    assert!(errors("$TTL 1\nowner=\"x\" A 192.0.2.1\n")[0].contains("a quote inside"));
}
