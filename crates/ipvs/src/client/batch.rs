//! Pipelined change requests: many requests per `sendmsg`, their acks read
//! many per `recvmmsg` and matched back by sequence number.
//!
//! Ordering. The kernel's generic netlink handles the messages of one
//! datagram in order, one after the other, inside our `sendmsg` (there is
//! no queue in between), and answers each with its own ack or error on our
//! socket. So a destination request after its service request in the same
//! datagram sees the service, a failing request does not stop the ones
//! after it, and results come back in request order, each carrying its
//! request's sequence number. That is exactly what sending one at a time
//! would give, which is why the caller can print the errors in line order
//! afterwards.
//!
//! Overflow. The acks of a datagram are queued on our socket while the
//! kernel still works through it; we cannot read any of them before
//! `sendmsg` returns. If our receive queue is over `SO_RCVBUF`, the kernel
//! drops the ack and flags ENOBUFS on the socket: a lost error would be a
//! lost message on stderr. So a chunk is cut so that all its acks fit at
//! once, with room to spare:
//!
//! - each ack is one socket buffer charged at its "truesize": the
//!   `sk_buff` (~256 bytes) plus its data rounded up to a kmalloc size,
//!   which includes ~320 bytes of `skb_shared_info`. An error ack echoes
//!   the whole request unless `NETLINK_CAP_ACK` is set (we set it when
//!   we can, but do not count on it). Data is then at most
//!   `16 + 4 + len + 320`, rounded up to the next power of two (at most
//!   twice that); `ack_cost` charges `2 * len + 2048`, above that bound;
//! - a chunk's summed costs stay below half of `SO_RCVBUF` as the kernel
//!   reports it (the queue limit itself); the buffer is raised first;
//! - a chunk's bytes stay below half of `SO_SNDBUF` (the kernel refuses
//!   datagrams over `SO_SNDBUF - 32` with EMSGSIZE).
//!
//! If ENOBUFS comes anyway (the bound is an estimate of kernel internals),
//! nothing hangs and nothing is silently dropped: the whole chunk was
//! processed before `sendmsg` returned, so we drain what is queued without
//! blocking, and every request whose ack is missing gets `Io(ENOBUFS)`,
//! which its line prints as an error.
//!
//! No reply. For the same reason every read is non-blocking: once the
//! queue is empty, no more acks will come. Without an overrun, a request
//! still missing its ack is one whose handler returned EINTR, the one code
//! netlink answers with silence (it means "will be restarted" there); it
//! gets `Kernel(EINTR)`, the code the kernel withheld. IPVS returns it
//! for DEL_DAEMON when the daemon's thread had not yet run.

use std::io;

use super::socket::{self, F_ACK, F_REQUEST, HDR_LEN, NLMSG_ERROR};
use super::{Failure, Raw};
use crate::wire::Request;

/// What the batch sender needs from a socket; the real one is
/// `socket::Socket`, tests use a fake kernel.
pub trait Link {
    fn send(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Reads up to `slots` datagrams of at most `slot` bytes, handing each
    /// to `each`, without blocking (`WouldBlock` when none is queued).
    /// Returns how many.
    fn recv_each(
        &mut self,
        slot: usize,
        slots: usize,
        each: &mut dyn FnMut(&[u8]),
    ) -> io::Result<usize>;
}

impl Link for socket::Socket {
    fn send(&mut self, buf: &[u8]) -> io::Result<()> {
        socket::Socket::send(self, buf)
    }

    fn recv_each(
        &mut self,
        slot: usize,
        slots: usize,
        each: &mut dyn FnMut(&[u8]),
    ) -> io::Result<usize> {
        let got = self.recv(slot, slots, true)?;
        for d in got.datagrams() {
            each(d);
        }
        Ok(got.len())
    }
}

/// How much one datagram of requests may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of requests per `sendmsg`.
    pub send_bytes: usize,
    /// Summed `ack_cost` of the requests of one `sendmsg`.
    pub ack_bytes: usize,
}

impl Limits {
    /// From the socket buffer sizes the kernel reports.
    pub fn from_buffers(sndbuf: usize, rcvbuf: usize) -> Limits {
        Limits {
            send_bytes: (sndbuf / 2).max(4096),
            ack_bytes: rcvbuf / 2,
        }
    }
}

/// Upper bound of the receive-queue charge of the ack (or error) of a
/// request of `msg_len` bytes; see the module comment.
pub fn ack_cost(msg_len: usize) -> usize {
    2 * msg_len + 2048
}

/// An ack is 36 bytes, an error echoing a request a few hundred; a cut
/// one still carries its sequence number and errno.
const ACK_SLOT: usize = 1024;
/// Datagrams per `recvmmsg`.
const ACK_SLOTS: usize = 256;

/// Sends `reqs` of generic-netlink family `family` with `NLM_F_ACK`, cut
/// into chunks by `limits`, and returns one result per request, in order.
/// `seq` is the last sequence number used; it is advanced.
pub fn run(
    link: &mut dyn Link,
    family: u16,
    seq: &mut u32,
    limits: Limits,
    reqs: &[Request],
) -> Vec<Raw<()>> {
    let mut results = Vec::with_capacity(reqs.len());
    let mut buf = Vec::new();
    let mut start = 0;
    while start < reqs.len() {
        buf.clear();
        let first = seq.wrapping_add(1);
        let mut acks = 0;
        let mut end = start;
        while let Some(req) = reqs.get(end) {
            let len = socket::align(HDR_LEN + 4 + req.attrs.len());
            let cost = ack_cost(len);
            if end > start
                && (buf.len() + len > limits.send_bytes || acks + cost > limits.ack_bytes)
            {
                break;
            }
            *seq = seq.wrapping_add(1);
            let genl = [u8::from(req.cmd), crate::wire::GENL_VERSION, 0, 0];
            socket::frame(
                &mut buf,
                family,
                F_REQUEST | F_ACK,
                *seq,
                &[&genl, &req.attrs],
            );
            acks += cost;
            end += 1;
        }
        collect_chunk(link, &buf, first, end - start, &mut results);
        start = end;
    }
    results
}

/// Sends one chunk of `n` framed requests (sequence numbers from `first`)
/// and appends their `n` results.
fn collect_chunk(
    link: &mut dyn Link,
    buf: &[u8],
    first: u32,
    n: usize,
    results: &mut Vec<Raw<()>>,
) {
    if let Err(e) = link.send(buf) {
        // Nothing of the datagram reached the kernel.
        results.extend((0..n).map(|_| Err(copy_io(&e))));
        return;
    }
    let mut got: Vec<Option<Raw<()>>> = (0..n).map(|_| None).collect();
    let mut missing = n;
    let mut overrun = false;
    while missing > 0 {
        let slots = ACK_SLOTS.min(missing);
        let mut on_datagram = |d: &[u8]| {
            for m in socket::messages(d).flatten() {
                let i = m.seq.wrapping_sub(first) as usize;
                if m.kind != NLMSG_ERROR || i >= n || got[i].is_some() {
                    continue; // not one of ours: left over from before
                }
                got[i] = Some(match m.code() {
                    Some(0) => Ok(()),
                    Some(code) => Err(Failure::Kernel(code.wrapping_neg())),
                    None => Err(Failure::Malformed(crate::wire::malformed(
                        "short netlink error message",
                    ))),
                });
                missing -= 1;
            }
        };
        match link.recv_each(ACK_SLOT, slots, &mut on_datagram) {
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => overrun = true,
            // Drained: what is still missing was dropped (after an
            // overrun) or never sent (EINTR).
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                for slot in got.iter_mut().filter(|g| g.is_none()) {
                    *slot = Some(Err(copy_io(&e)));
                }
                break;
            }
        }
    }
    results.extend(got.into_iter().map(|g| {
        g.unwrap_or_else(|| {
            Err(if overrun {
                Failure::Io(io::Error::from_raw_os_error(libc::ENOBUFS))
            } else {
                Failure::Kernel(libc::EINTR)
            })
        })
    }));
}

fn copy_io(e: &io::Error) -> Failure {
    Failure::Io(match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::wire::Cmd;

    /// A kernel in miniature: answers every request of a datagram in
    /// order, failing those whose attribute bytes start with an errno
    /// listed in `fail`, and can drop acks past a receive-queue size.
    #[derive(Default)]
    struct FakeKernel {
        /// errno for requests whose first attribute byte is this key
        fail: Vec<(u8, i32)>,
        /// acks queued at most this many at once (None: unlimited)
        queue_limit: Option<usize>,
        queue: VecDeque<Vec<u8>>,
        overrun: bool,
        /// requests per datagram received
        chunks: Vec<usize>,
        /// every request's (seq, first attribute byte), in arrival order
        seen: Vec<(u32, u8)>,
        /// stale messages to deliver before anything else
        stale: Vec<Vec<u8>>,
    }

    impl Link for FakeKernel {
        fn send(&mut self, buf: &[u8]) -> io::Result<()> {
            let mut count = 0;
            for m in socket::messages(buf) {
                let m = m.expect("well-formed request");
                count += 1;
                let key = m.payload.get(4).copied().unwrap_or(0);
                self.seen.push((m.seq, key));
                let errno = self
                    .fail
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or(0, |(_, e)| *e);
                if errno == libc::EINTR {
                    continue; // netlink answers nothing for EINTR
                }
                let mut ack = Vec::new();
                let mut payload = (-errno).to_ne_bytes().to_vec();
                payload.extend_from_slice(&[0; 16]);
                socket::frame(&mut ack, NLMSG_ERROR, 0, m.seq, &[&payload]);
                if self.queue_limit.is_some_and(|l| self.queue.len() >= l) {
                    self.overrun = true;
                } else {
                    self.queue.push_back(ack);
                }
            }
            self.chunks.push(count);
            Ok(())
        }

        fn recv_each(
            &mut self,
            _slot: usize,
            slots: usize,
            each: &mut dyn FnMut(&[u8]),
        ) -> io::Result<usize> {
            if let Some(s) = self.stale.pop() {
                each(&s);
                return Ok(1);
            }
            if self.overrun {
                self.overrun = false;
                return Err(io::Error::from_raw_os_error(libc::ENOBUFS));
            }
            if self.queue.is_empty() {
                return Err(io::Error::from_raw_os_error(libc::EAGAIN));
            }
            let mut n = 0;
            while n < slots {
                let Some(d) = self.queue.pop_front() else {
                    break;
                };
                each(&d);
                n += 1;
            }
            Ok(n)
        }
    }

    fn req(key: u8) -> Request {
        Request {
            cmd: Cmd::NewService,
            attrs: vec![key, 0, 0, 0],
        }
    }

    fn errnos(results: &[Raw<()>]) -> Vec<i32> {
        results
            .iter()
            .map(|r| match r {
                Ok(()) => 0,
                Err(Failure::Kernel(e)) => *e,
                Err(Failure::Io(e)) => 1000 + e.raw_os_error().unwrap_or(0),
                Err(_) => -1,
            })
            .collect()
    }

    const ROOMY: Limits = Limits {
        send_bytes: 1 << 20,
        ack_bytes: 1 << 30,
    };

    #[test]
    fn one_datagram_and_errors_matched_to_their_requests() {
        let mut k = FakeKernel {
            fail: vec![(3, libc::EEXIST), (7, libc::ENOENT)],
            ..Default::default()
        };
        let reqs: Vec<Request> = (0..10).map(req).collect();
        let mut seq = 41;
        let got = run(&mut k, 0x22, &mut seq, ROOMY, &reqs);
        assert_eq!(
            errnos(&got),
            vec![0, 0, 0, libc::EEXIST, 0, 0, 0, libc::ENOENT, 0, 0]
        );
        assert_eq!(k.chunks, vec![10]);
        assert_eq!(seq, 51);
        let seqs: Vec<u32> = k.seen.iter().map(|s| s.0).collect();
        assert_eq!(seqs, (42..52).collect::<Vec<_>>());
        // Requests reach the kernel in the order given.
        let keys: Vec<u8> = k.seen.iter().map(|s| s.1).collect();
        assert_eq!(keys, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn sequence_numbers_wrap_and_stale_messages_are_skipped() {
        let mut stale = Vec::new();
        // An ack for a sequence number of ours, but from an older exchange
        // it is not: the chunk starts after it.
        socket::frame(
            &mut stale,
            NLMSG_ERROR,
            0,
            u32::MAX - 1,
            &[&(-1i32).to_ne_bytes()],
        );
        let mut k = FakeKernel {
            fail: vec![(2, libc::ESRCH)],
            stale: vec![stale],
            ..Default::default()
        };
        let mut seq = u32::MAX - 1;
        let reqs: Vec<Request> = (0..4).map(req).collect();
        let got = run(&mut k, 0x22, &mut seq, ROOMY, &reqs);
        assert_eq!(errnos(&got), vec![0, 0, libc::ESRCH, 0]);
        assert_eq!(seq, 2);
    }

    #[test]
    fn chunks_respect_both_buffer_bounds() {
        let reqs: Vec<Request> = (0..100).map(req).collect();
        let len = socket::align(HDR_LEN + 4 + 4);
        // Ack budget for exactly 7 requests per datagram.
        let limits = Limits {
            send_bytes: 1 << 20,
            ack_bytes: 7 * ack_cost(len) + 1,
        };
        let mut k = FakeKernel::default();
        let got = run(&mut k, 1, &mut 0, limits, &reqs);
        assert!(got.iter().all(|r| r.is_ok()));
        assert_eq!(k.chunks.iter().sum::<usize>(), 100);
        assert!(k.chunks.iter().all(|&c| c <= 7), "{:?}", k.chunks);
        // Send budget for 3 requests per datagram.
        let limits = Limits {
            send_bytes: 3 * len + 1,
            ack_bytes: 1 << 30,
        };
        let mut k = FakeKernel::default();
        run(&mut k, 1, &mut 0, limits, &reqs);
        assert!(k.chunks.iter().all(|&c| c == 3 || c == 1), "{:?}", k.chunks);
        // A single request larger than both still goes, alone.
        let mut k = FakeKernel::default();
        let tiny = Limits {
            send_bytes: 1,
            ack_bytes: 1,
        };
        assert_eq!(run(&mut k, 1, &mut 0, tiny, &reqs[..3]).len(), 3);
        assert_eq!(k.chunks, vec![1, 1, 1]);
    }

    #[test]
    fn the_real_bounds_keep_acks_within_the_receive_buffer() {
        // Default-sized buffers (net.core.rmem_default 212992, as the
        // kernel reports it) and the largest requests we send (~300 bytes).
        let limits = Limits::from_buffers(212_992, 212_992);
        let per_chunk = limits.ack_bytes / ack_cost(320);
        assert!(per_chunk >= 20, "{per_chunk}");
        // Worst case truesize of an error ack echoing a 320-byte request:
        // 256 + next_power_of_two(16 + 4 + 320 + 320) = 1280.
        assert!(per_chunk * 1280 < 212_992);
    }

    #[test]
    fn an_overrun_never_hangs_and_never_hides_an_error() {
        let mut k = FakeKernel {
            fail: vec![(1, libc::EEXIST)],
            queue_limit: Some(5),
            ..Default::default()
        };
        let reqs: Vec<Request> = (0..8).map(req).collect();
        let got = run(&mut k, 1, &mut 0, ROOMY, &reqs);
        let enobufs = 1000 + libc::ENOBUFS;
        assert_eq!(
            errnos(&got),
            vec![0, libc::EEXIST, 0, 0, 0, enobufs, enobufs, enobufs]
        );
    }

    #[test]
    fn a_request_answered_by_silence_gets_eintr_and_the_rest_their_acks() {
        let mut k = FakeKernel {
            fail: vec![(2, libc::EINTR), (4, libc::ESRCH)],
            ..Default::default()
        };
        let reqs: Vec<Request> = (0..6).map(req).collect();
        let got = run(&mut k, 1, &mut 0, ROOMY, &reqs);
        assert_eq!(errnos(&got), vec![0, 0, libc::EINTR, 0, libc::ESRCH, 0]);
    }

    #[test]
    fn a_failed_send_fails_every_request_of_the_chunk() {
        struct Refuses;
        impl Link for Refuses {
            fn send(&mut self, _: &[u8]) -> io::Result<()> {
                Err(io::Error::from_raw_os_error(libc::EMSGSIZE))
            }
            fn recv_each(
                &mut self,
                _: usize,
                _: usize,
                _: &mut dyn FnMut(&[u8]),
            ) -> io::Result<usize> {
                panic!("nothing was sent")
            }
        }
        let reqs: Vec<Request> = (0..3).map(req).collect();
        let got = run(&mut Refuses, 1, &mut 0, ROOMY, &reqs);
        assert_eq!(errnos(&got), vec![1000 + libc::EMSGSIZE; 3]);
    }
}
