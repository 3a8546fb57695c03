//! The UDP fast path: one thread per worker, each with its own `SO_REUSEPORT` socket, receiving
//! and sending in batches with `recvmmsg`/`sendmmsg` into buffers reused for the life of the
//! thread. The snapshot is loaded once per batch; answering takes no lock.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::Shared;
use crate::answer::{Request, Transport};
use crate::rrl::RrlWorker;

/// Datagrams handled per system call.
const BATCH: usize = 32;
/// Largest query we read; longer datagrams are cut and then fail to parse.
const QUERY_BUFFER: usize = 4096;
/// Query buffers lie this far apart: a stride of exactly 4096 bytes would put the start of
/// every buffer, where each datagram is written, in the same few cache sets.
const QUERY_STRIDE: usize = QUERY_BUFFER + 64;
/// How often an idle worker checks for shutdown.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Responses are built in buffers this large: the largest `server.udp_payload` accepted, so
/// that a reload may raise it.
const RESPONSE_BUFFER: usize = 4096;
/// Batches answered after shutdown from what is already queued on the socket.
const DRAIN_BATCHES: usize = 64;

/// Binds one UDP socket with `SO_REUSEPORT` so that every worker can have its own.
pub fn bind(address: SocketAddr) -> io::Result<UdpSocket> {
    let domain = Domain::for_address(address);
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    ignore_path_mtu(&socket, address.is_ipv6());
    // Room for bursts; the kernel caps this at net.core.rmem_max.
    let _ = socket.set_recv_buffer_size(4 << 20);
    let _ = socket.set_send_buffer_size(4 << 20);
    socket.bind(&address.into())?;
    socket.set_read_timeout(Some(POLL_INTERVAL))?;
    Ok(socket.into())
}

/// Makes replies ignore path-MTU information (`IP_PMTUDISC_OMIT`, `IPV6_PMTUDISC_OMIT`): a
/// forged ICMP "fragmentation needed" or "packet too big" then cannot make the kernel cut
/// later replies to that client into smaller fragments, which is how fragmentation attacks
/// slip forged records into a resolver's cache. Replies leave without DF and are fragmented
/// only where they exceed the outgoing interface's MTU. Kernels older than 3.15 lack the
/// setting; the socket then keeps the default.
fn ignore_path_mtu(socket: &Socket, ipv6: bool) {
    let (level, name, value) = if ipv6 {
        (
            libc::IPPROTO_IPV6,
            libc::IPV6_MTU_DISCOVER,
            libc::IPV6_PMTUDISC_OMIT,
        )
    } else {
        (
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            libc::IP_PMTUDISC_OMIT,
        )
    };
    // SAFETY: `value` is a live c_int and its size is passed with it.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result != 0 {
        tracing::debug!(error = %io::Error::last_os_error(), "path MTU discovery left on");
    }
}

/// Serves one socket until `stop` is set (shutdown, or the address was removed by a reload),
/// then answers what is already queued on the socket and returns (closing it).
pub fn run_worker(socket: UdpSocket, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let mut worker = Worker::new();
    let mut rrl = shared.rrl.worker();
    while !stop.load(Ordering::Relaxed) {
        match worker.receive(&socket, 0) {
            Ok(0) => continue,
            Ok(count) => worker.serve(&socket, count, &shared, &mut rrl),
            Err(e) if is_transient(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "UDP receive failed");
                std::thread::sleep(POLL_INTERVAL);
            }
        }
    }
    // Queries that reached the socket before it closes are in flight: answer them.
    for _ in 0..DRAIN_BATCHES {
        match worker.receive(&socket, libc::MSG_DONTWAIT) {
            Ok(count) if count > 0 => worker.serve(&socket, count, &shared, &mut rrl),
            _ => break,
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(libc::ECONNREFUSED)
}

/// Buffers and message headers for one batch, allocated once. The `mmsghdr` and `iovec`
/// arrays point into the buffers and are built once: a receive only resets the address
/// lengths the kernel overwrote, and a reply points at the address its query came from, so no
/// header is zeroed and no address copied per batch. Everything the headers point at lives on
/// the heap (boxes and vectors never resized), so the pointers stay valid when the `Worker`
/// itself moves.
struct Worker {
    queries: Vec<[u8; QUERY_STRIDE]>,
    responses: Vec<Vec<u8>>,
    lengths: [usize; BATCH],
    addresses: Box<[libc::sockaddr_storage; BATCH]>,
    receive_iovecs: Box<[libc::iovec; BATCH]>,
    receive_headers: Box<[libc::mmsghdr; BATCH]>,
    /// For reply `i`: which query (and so which address slot) it answers.
    reply_sources: [u8; BATCH],
    send_iovecs: Box<[libc::iovec; BATCH]>,
    send_headers: Box<[libc::mmsghdr; BATCH]>,
}

impl Worker {
    fn new() -> Worker {
        let mut worker = Worker {
            queries: vec![[0u8; QUERY_STRIDE]; BATCH],
            responses: vec![vec![0u8; RESPONSE_BUFFER]; BATCH],
            lengths: [0; BATCH],
            // SAFETY (this and the three below): sockaddr_storage, iovec and mmsghdr are plain
            // old data; all zeroes is a valid value of each, and every field the kernel reads
            // is set before the first call.
            addresses: Box::new(unsafe { zeroed() }),
            receive_iovecs: Box::new(unsafe { zeroed() }),
            receive_headers: Box::new(unsafe { zeroed() }),
            reply_sources: [0; BATCH],
            send_iovecs: Box::new(unsafe { zeroed() }),
            send_headers: Box::new(unsafe { zeroed() }),
        };
        for i in 0..BATCH {
            worker.receive_iovecs[i] = libc::iovec {
                iov_base: worker.queries[i].as_mut_ptr().cast(),
                iov_len: QUERY_BUFFER,
            };
            let header = &mut worker.receive_headers[i].msg_hdr;
            header.msg_name = (&mut worker.addresses[i] as *mut libc::sockaddr_storage).cast();
            header.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            header.msg_iov = &mut worker.receive_iovecs[i];
            header.msg_iovlen = 1;
            worker.send_iovecs[i].iov_base = worker.responses[i].as_mut_ptr().cast();
            let header = &mut worker.send_headers[i].msg_hdr;
            header.msg_iov = &mut worker.send_iovecs[i];
            header.msg_iovlen = 1;
        }
        worker
    }

    /// Answers a received batch and sends the replies.
    fn serve(
        &mut self,
        socket: &UdpSocket,
        count: usize,
        shared: &Shared,
        rrl: &mut RrlWorker<'_>,
    ) {
        let snapshot = shared.snapshot.load();
        let replies = self.answer(count, &snapshot, shared, rrl);
        drop(snapshot);
        self.send(socket, replies, shared);
    }

    /// Receives up to a batch of datagrams, waiting for the first unless `flags` has
    /// `MSG_DONTWAIT`.
    fn receive(&mut self, socket: &UdpSocket, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: every header points at a live buffer and address slot owned by `self` for
        // the duration of the call; the kernel writes at most the lengths given.
        let received = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                self.receive_headers.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE | flags,
                std::ptr::null_mut(),
            )
        };
        if received < 0 {
            return Err(io::Error::last_os_error());
        }
        let received = received as usize;
        for (length, header) in self
            .lengths
            .iter_mut()
            .zip(&mut self.receive_headers[..received])
        {
            let truncated = header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            // A datagram longer than our buffer is not a query we can read whole.
            *length = if truncated {
                0
            } else {
                header.msg_len as usize
            };
            // The kernel wrote the sender's address length here; the next receive may be
            // from a longer address.
            header.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        }
        Ok(received)
    }

    /// Answers the received datagrams; returns how many replies are queued.
    fn answer(
        &mut self,
        count: usize,
        snapshot: &Arc<crate::snapshot::Snapshot>,
        shared: &Shared,
        rrl: &mut RrlWorker<'_>,
    ) -> usize {
        let mut replies = 0;
        // Response rate limiting, when on: one clock read per batch.
        let limiter = shared.rrl.limiter();
        let limiter = limiter.as_deref();
        let now = limiter.map_or(0, |l| l.now());
        for i in 0..count {
            let Some(source) = decode_address(&self.addresses[i]) else {
                continue;
            };
            let request = Request {
                packet: &self.queries[i][..self.lengths[i]],
                source,
                transport: Transport::Udp,
            };
            let out = &mut self.responses[replies][..];
            if let Some(mut summary) = shared.answer(snapshot, &request, out) {
                if crate::transfer::intercepts(&summary, request.packet) {
                    summary.len = transferred(shared, snapshot, &request, out, summary.len);
                }
                let len = match limiter {
                    None => summary.len,
                    Some(limiter) => match rrl.apply(limiter, now, source.ip(), &summary, out) {
                        Some(len) => len,
                        None => continue,
                    },
                };
                self.send_iovecs[replies].iov_len = len;
                self.reply_sources[replies] = i as u8;
                replies += 1;
            }
        }
        replies
    }

    /// Sends the queued replies, retrying the tail when the kernel takes only part.
    fn send(&mut self, socket: &UdpSocket, replies: usize, shared: &Shared) {
        for i in 0..replies {
            let address = &mut self.addresses[usize::from(self.reply_sources[i])];
            let header = &mut self.send_headers[i].msg_hdr;
            header.msg_namelen = address_length(address);
            header.msg_name = (address as *mut libc::sockaddr_storage).cast();
        }
        let mut sent = 0usize;
        let mut attempts = 0;
        while sent < replies && attempts < 4 {
            attempts += 1;
            // SAFETY: send_headers[sent..replies] point at live response buffers (lengths set
            // in `answer`) and at the address slots of the queries they answer.
            let result = unsafe {
                libc::sendmmsg(
                    socket.as_raw_fd(),
                    self.send_headers[sent..].as_mut_ptr(),
                    (replies - sent) as libc::c_uint,
                    0,
                )
            };
            if result < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // One bad destination must not stop the rest of the batch: skip it.
                send_failed(shared, &error);
                sent += 1;
                continue;
            }
            sent += result as usize;
        }
        for _ in sent..replies {
            send_failed(shared, &io::Error::other("gave up after partial sends"));
        }
    }
}

#[cold]
fn send_failed(shared: &Shared, error: &io::Error) {
    shared.metrics.udp_send_failed();
    tracing::debug!(error = %error, "UDP send failed");
}

fn address_length(address: &libc::sockaddr_storage) -> libc::socklen_t {
    if address.ss_family as i32 == libc::AF_INET6 {
        size_of::<libc::sockaddr_in6>() as libc::socklen_t
    } else {
        size_of::<libc::sockaddr_in>() as libc::socklen_t
    }
}

fn decode_address(address: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match address.ss_family as i32 {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let v4: &libc::sockaddr_in =
                unsafe { &*(address as *const _ as *const libc::sockaddr_in) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr));
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(v4.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let v6: &libc::sockaddr_in6 =
                unsafe { &*(address as *const _ as *const libc::sockaddr_in6) };
            let ip = std::net::Ipv6Addr::from(v6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(v6.sin6_port),
                v6.sin6_flowinfo,
                v6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// A request the query path left to zone transfers (NOTIFY, IXFR, TSIG): their reply replaces
/// the query path's when they have one that fits.
#[cold]
#[inline(never)]
fn transferred(
    shared: &Shared,
    snapshot: &Arc<crate::snapshot::Snapshot>,
    request: &Request<'_>,
    out: &mut [u8],
    len: usize,
) -> usize {
    match super::tcp::transferred(shared, snapshot, request) {
        Some(crate::transfer::Handled::Single(reply)) if reply.len() <= out.len() => {
            out[..reply.len()].copy_from_slice(&reply);
            reply.len()
        }
        _ => len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(socket: &UdpSocket, level: libc::c_int, name: libc::c_int) -> libc::c_int {
        let mut value: libc::c_int = -1;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` and `len` are live and `len` is the size of `value`.
        let result = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                level,
                name,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(result, 0, "{}", io::Error::last_os_error());
        value
    }

    #[test]
    fn sockets_ignore_path_mtu_information() {
        let v4 = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert_eq!(
            option(&v4, libc::IPPROTO_IP, libc::IP_MTU_DISCOVER),
            libc::IP_PMTUDISC_OMIT
        );
        // Hosts without IPv6 on loopback skip the second half.
        if let Ok(v6) = bind("[::1]:0".parse().unwrap()) {
            assert_eq!(
                option(&v6, libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER),
                libc::IPV6_PMTUDISC_OMIT
            );
        }
    }
}
