//! The reader against hand-built transfers: AXFR, IXFR (incremental, AXFR-style, up to date)
//! and each way a transfer is rejected.

use std::sync::Arc;

use super::*;
use crate::transfer::tsig::Key;

const ORIGIN: &[u8] = b"\x07example\x00";

fn soa(serial: u32) -> Vec<u8> {
    let mut rdata = b"\x02ns\xc0\x0c\x04host\xc0\x0c".to_vec();
    for field in [serial, 3600, 600, 86400, 300] {
        rdata.extend_from_slice(&field.to_be_bytes());
    }
    rdata
}

/// (owner wire, type, rdata): records as a primary sends them.
type Sent = (Vec<u8>, u16, Vec<u8>);

fn rec(owner: &[u8], rtype: u16, rdata: Vec<u8>) -> Sent {
    (owner.to_vec(), rtype, rdata)
}

fn soa_rec(serial: u32) -> Sent {
    rec(ORIGIN, rtype::SOA, soa(serial))
}

fn a(host: u8) -> Sent {
    rec(b"\x03www\x07example\x00", rtype::A, vec![192, 0, 2, host])
}

/// A response message to request `id` with these answers (question only when `question`).
pub fn message(id: u16, qtype: u16, question: bool, answers: &[Sent]) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x84, 0, 0, u8::from(question)]);
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    if question {
        out.extend_from_slice(ORIGIN);
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&[0, 1]);
    }
    for (owner, rtype, rdata) in answers {
        out.extend_from_slice(owner);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 1, 44]);
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

fn read(qtype: u16, ours: Option<u32>, messages: &[Vec<u8>]) -> Result<Option<Transfer>, Rejected> {
    let mut reader = Reader::new(ORIGIN, 7, qtype, ours, None);
    let mut last = Ok(None);
    for m in messages {
        last = Ok(reader.feed(m, 0)?);
    }
    last
}

#[test]
fn an_axfr_in_two_messages() {
    let first = message(7, rtype::AXFR, true, &[soa_rec(5), a(1)]);
    let second = message(7, rtype::AXFR, false, &[a(2), soa_rec(5)]);
    let Some(Transfer::Full { soa, records }) = read(rtype::AXFR, None, &[first, second]).unwrap()
    else {
        panic!("not a full transfer");
    };
    assert_eq!(soa.serial(), 5);
    assert_eq!(records.len(), 2);
    // The SOA's names were decompressed.
    assert!(soa.rdata.starts_with(b"\x02ns\x07example\x00"));
}

#[test]
fn an_ixfr_chain_and_its_shortcuts() {
    let chain = [
        soa_rec(3),
        soa_rec(1),
        a(1),
        soa_rec(2),
        a(2),
        soa_rec(2),
        soa_rec(3),
        a(3),
        soa_rec(3),
    ];
    let Some(Transfer::Incremental { soa, steps }) = read(
        rtype::IXFR,
        Some(1),
        &[message(7, rtype::IXFR, true, &chain)],
    )
    .unwrap() else {
        panic!("not incremental");
    };
    assert_eq!(soa.serial(), 3);
    assert_eq!(steps.len(), 2);
    assert_eq!((steps[0].from, steps[0].to.serial()), (1, 2));
    assert_eq!(steps[1].added.len(), 1);
    // The SOA alone: up to date.
    let single = message(7, rtype::IXFR, true, &[soa_rec(1)]);
    assert_eq!(
        read(rtype::IXFR, Some(1), &[single]).unwrap(),
        Some(Transfer::UpToDate { serial: 1 })
    );
    // AXFR-style answer to an IXFR.
    let whole = message(7, rtype::IXFR, true, &[soa_rec(3), a(1), soa_rec(3)]);
    assert!(matches!(
        read(rtype::IXFR, Some(1), &[whole]).unwrap(),
        Some(Transfer::Full { .. })
    ));
}

#[test]
fn broken_transfers_are_rejected() {
    let q = |answers: &[Sent]| message(7, rtype::IXFR, true, answers);
    let cases: Vec<(Vec<u8>, Rejected)> = vec![
        (q(&[a(1), soa_rec(2)]), Rejected::NoSoa),
        // A difference that does not start at our serial.
        (
            q(&[soa_rec(3), soa_rec(2), soa_rec(3), soa_rec(3)]),
            Rejected::Sequence("the first difference is not from our serial"),
        ),
        // A gap in the chain.
        (
            q(&[
                soa_rec(4),
                soa_rec(1),
                soa_rec(2),
                soa_rec(3),
                soa_rec(4),
                soa_rec(4),
            ]),
            Rejected::Sequence("a difference does not start where the one before ended"),
        ),
        (
            q(&[
                soa_rec(3),
                rec(b"\x03www\x07example\x03org\x00", rtype::A, vec![1, 2, 3, 4]),
            ]),
            Rejected::OutOfZone("www.example.org.".into()),
        ),
        (q(&[soa_rec(3), a(1), soa_rec(3), a(2)]), Rejected::AfterEnd),
        (q(&[soa_rec(3), a(1), soa_rec(2)]), Rejected::InnerSoa),
        (
            message(8, rtype::IXFR, true, &[soa_rec(3)]),
            Rejected::NotOurs,
        ),
    ];
    for (bytes, wanted) in cases {
        assert_eq!(read(rtype::IXFR, Some(1), &[bytes]), Err(wanted));
    }
    // Truncated in the middle of a record.
    let mut cut = q(&[soa_rec(3), a(1), soa_rec(3)]);
    cut.truncate(cut.len() - 3);
    assert!(matches!(
        read(rtype::IXFR, Some(1), &[cut]),
        Err(Rejected::Malformed(_))
    ));
    // A class other than IN.
    let mut chaos = q(&[soa_rec(3), a(1), soa_rec(3)]);
    let at = chaos.len() - soa(3).len() - 8;
    chaos[at] = 3;
    assert!(matches!(
        read(rtype::IXFR, Some(1), &[chaos]),
        Err(Rejected::Class(_))
    ));
    // Ended before the closing SOA: the reader says so.
    let open = message(7, rtype::AXFR, true, &[soa_rec(3), a(1)]);
    assert_eq!(read(rtype::AXFR, None, &[open]), Ok(None));
}

#[test]
fn tsig_is_required_and_checked_when_configured() {
    let key = Arc::new(Key::new(
        &"transfer.".parse().unwrap(),
        crate::config::TsigAlgorithm::HmacSha256,
        b"0123456789abcdef",
    ));
    let mut request = crate::transfer::secondary::client::request(7, ORIGIN, rtype::AXFR, None);
    let client = Session::sign_request(&key, &mut request, 1000);
    let body = message(7, rtype::AXFR, true, &[soa_rec(1), a(1), soa_rec(1)]);
    // Unsigned: rejected.
    let mut reader = Reader::new(ORIGIN, 7, rtype::AXFR, None, Some(client.clone()));
    assert!(matches!(reader.feed(&body, 1000), Err(Rejected::Tsig(_))));
    // Signed by the server side of the same exchange: accepted.
    let parsed = Message::parse(&request).unwrap();
    let ring = crate::transfer::tsig::KeyRing::load(
        &[(
            "transfer".to_string(),
            crate::config::TsigConfig {
                algorithm: crate::config::TsigAlgorithm::HmacSha256,
                secret: Some("MDEyMzQ1Njc4OWFiY2RlZg==".into()),
                secret_file: None,
            },
        )]
        .into(),
        |p: &str| std::path::PathBuf::from(p),
    )
    .unwrap();
    let mut server = crate::transfer::tsig::verify_request(&ring, &parsed, 1000)
        .unwrap()
        .unwrap();
    let mut signed = body.clone();
    server.sign(&mut signed, 1000);
    let mut reader = Reader::new(ORIGIN, 7, rtype::AXFR, None, Some(client.clone()));
    assert!(matches!(
        reader.feed(&signed, 1000),
        Ok(Some(Transfer::Full { .. }))
    ));
    // Tampered after signing: rejected.
    let mut tampered = signed.clone();
    tampered[body.len() - 1] ^= 1;
    let mut reader = Reader::new(ORIGIN, 7, rtype::AXFR, None, Some(client));
    assert!(matches!(
        reader.feed(&tampered, 1000),
        Err(Rejected::Tsig(_))
    ));
    // Signed when no key is configured: rejected too.
    let mut reader = Reader::new(ORIGIN, 7, rtype::AXFR, None, None);
    assert_eq!(reader.feed(&signed, 1000), Err(Rejected::UnexpectedTsig));
}
