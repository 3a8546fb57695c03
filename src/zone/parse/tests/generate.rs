//! `$GENERATE` forms, as BIND documents them.

use super::{errors, parse_with, records};
use crate::zone::parse::{ParseOptions, rdata_to_text};

fn generated(zone: &str) -> Vec<String> {
    records(zone)
        .iter()
        .map(|r| format!("{} {} {}", r.owner, r.ttl, rdata_to_text(r.rtype, &r.rdata)))
        .collect()
}

#[test]
fn counter_in_owner_and_rdata() {
    assert_eq!(
        generated("$TTL 60\n$GENERATE 1-3 host-$ A 192.0.2.$\n"),
        [
            "host-1.example.com. 60 192.0.2.1",
            "host-2.example.com. 60 192.0.2.2",
            "host-3.example.com. 60 192.0.2.3",
        ]
    );
    assert_eq!(
        generated("$GENERATE 0-4/2 $.2.0.192.in-addr.arpa. 300 IN PTR host$.example.com.\n"),
        [
            "0.2.0.192.in-addr.arpa. 300 host0.example.com.",
            "2.2.0.192.in-addr.arpa. 300 host2.example.com.",
            "4.2.0.192.in-addr.arpa. 300 host4.example.com.",
        ]
    );
    // Class before TTL, and several rdata words.
    assert_eq!(
        generated("$GENERATE 7-7 srv$ IN 30 SRV 0 $ 80 t$\n"),
        ["srv7.example.com. 30 0 7 80 t7.example.com."]
    );
}

#[test]
fn modifiers() {
    assert_eq!(
        generated(
            "$TTL 60\n$GENERATE 9-10 a${0,3,d} CNAME b${-5}.c${10,4,x}.d${0,0,o}.E${245,2,X}\n"
        ),
        [
            "a009.example.com. 60 b4.c0013.d11.EFE.example.com.",
            "a010.example.com. 60 b5.c0014.d12.EFF.example.com.",
        ]
    );
    // Nibbles, as for ip6.arpa: reversed, the width counting the dots.
    assert_eq!(
        generated(
            "$TTL 60\n$GENERATE 26-26 ${0,0,n} A 192.0.2.1\n$GENERATE 26-26 ${0,5,N} A 192.0.2.1\n$GENERATE 0-0 ${0,3,n} A 192.0.2.1\n"
        ),
        [
            "a.1.example.com. 60 192.0.2.1",
            "A.1.0.example.com. 60 192.0.2.1",
            "0.0.example.com. 60 192.0.2.1",
        ]
    );
    // $$ and \$ are a literal dollar; @ is the origin.
    assert_eq!(
        generated("$TTL 60\n$GENERATE 1-1 x$$$ TXT \"cost \\$$ $$\"\n$GENERATE 1-1 @ TXT v$\n"),
        [
            "x\\$1.example.com. 60 \"cost $1 $\"",
            "example.com. 60 \"v1\"",
        ]
    );
}

#[test]
fn bad_forms() {
    assert_eq!(
        errors(
            "$TTL 60\n$GENERATE 5-1 a$ A 192.0.2.$\n$GENERATE 1-2/0 a$ A 192.0.2.$\n$GENERATE x a$ A 1.2.3.4\n"
        ),
        [
            "test.zone:2: bad $GENERATE range \"5-1\" (write start-stop or start-stop/step)",
            "test.zone:3: bad $GENERATE range \"1-2/0\" (write start-stop or start-stop/step)",
            "test.zone:4: bad $GENERATE range \"x\" (write start-stop or start-stop/step)",
        ]
    );
    assert_eq!(
        errors(
            "$TTL 60\n$GENERATE 1-2 a${0,2,q} A 192.0.2.$\n$GENERATE 1-2 a${0 A 1.2.3.4\n$GENERATE 1-2 a$\n$GENERATE 1-2 a$ A\n$GENERATE 1-2\n"
        ),
        [
            "test.zone:2: bad $GENERATE modifier \"${0,2,q}\"",
            "test.zone:3: unclosed ${ in $GENERATE",
            "test.zone:4: missing record type",
            "test.zone:5: missing $GENERATE rdata",
            "test.zone:6: $GENERATE needs a range, an owner, a type and rdata",
        ]
    );
    // An error in the generated records is reported once, with the counter.
    assert_eq!(
        errors("$TTL 60\n$GENERATE 250-260 a$ A 192.0.2.$\n"),
        ["test.zone:2: $GENERATE at 256: bad IPv4 address \"192.0.2.256\""]
    );
    assert_eq!(
        errors("$TTL 60\n$GENERATE 0-1 a${-1,0,x} A 192.0.2.1\n"),
        ["test.zone:2: $GENERATE at 0: $GENERATE value -1 is negative"]
    );
    assert_eq!(
        errors("$TTL 60\n$GENERATE 0-1 a${0,1000} A 192.0.2.1\n"),
        ["test.zone:2: $GENERATE width 1000 is more than 255"]
    );
    let options = ParseOptions {
        max_generate: 10,
        ..ParseOptions::default()
    };
    let errors = parse_with("$TTL 60\n$GENERATE 1-11 a$ A 192.0.2.$\n", &options).unwrap_err();
    assert_eq!(
        errors[0].message,
        "$GENERATE would make 11 records, more than the limit of 10"
    );
    assert_eq!(
        parse_with("$TTL 60\n$GENERATE 1-20/2 a$ A 192.0.2.$\n", &options)
            .unwrap()
            .len(),
        10
    );
}
