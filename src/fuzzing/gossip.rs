//! Target 6: the fleet's gossip decoder. The input is tried two ways: as a datagram off the
//! wire (the sealed-datagram checks must refuse it without a panic, and a datagram sealed with
//! the fleet's key must open exactly once, to what was sealed), and as the message inside an
//! authentic datagram (chitchat's decoder, reached only after the MAC, must not panic, and
//! the socket's path must agree with it).

use crate::fleet::auth::{Key, Opener, Rejection, Sealer};
use crate::fleet::transport::{decode, receive};

const SECRET: &[u8] = b"fuzzing secret, thirty-two bytes";
const NOW: u64 = 1_767_225_600_000;

/// Target `gossip`.
pub fn gossip(data: &[u8]) {
    let key = Key::new(SECRET);
    let mut opener = Opener::new(key.clone());
    // Off the wire: without the key nothing opens.
    match opener.open(data, NOW) {
        Err(_) => {}
        Ok(opened) => panic!("an unsealed input opened: {opened:?}"),
    }
    // Sealed with the key: opens once, to the same message.
    let mut sealer = Sealer::new(key, "fuzz", NOW - 1);
    let mut sealed = Vec::new();
    sealer.seal(data, NOW, &mut sealed);
    let opened = opener.open(&sealed, NOW).expect("a sealed datagram opens");
    assert_eq!((opened.sender, opened.message), ("fuzz", data));
    assert_eq!(opener.open(&sealed, NOW), Err(Rejection::Replay));
    // Inside an authentic datagram: the library's decoder, directly and through the socket.
    let direct = decode(data);
    sealer.seal(data, NOW, &mut sealed);
    let through = receive(&mut opener, &sealed, NOW).map(|(_, message)| message);
    assert_eq!(direct, through);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_captured_messages_decode() {
        let corpus = super::super::fixture::repository().join("fuzz/corpus/gossip");
        for name in [
            "syn-empty-digest",
            "synack-two-nodes",
            "ack-delta",
            "bad-cluster",
        ] {
            let data = std::fs::read(corpus.join(name)).unwrap();
            assert!(decode(&data).is_ok(), "{name}");
        }
    }
}
