//! The framing under [`Transport`](super::Transport) with datagrams from
//! a fuzzer instead of the kernel: netlink headers whose lengths lie,
//! sequence numbers of other requests, types that are not acks, errors
//! cut short, a receive queue that overflowed. The project's fuzz target
//! and its corpus replay call [`netlink_frames`]; nothing else does.

use std::collections::VecDeque;
use std::io;

use super::batch::{self, Limits, Link};
use super::socket;
use crate::wire::{Cmd, Request};

/// Runs fuzzer bytes through the datagram walk and the batch sender.
///
/// Layout: a byte for the number of requests (0 to 63), four for the last
/// sequence number used before them (so numbers wrap), a byte whose low
/// bit makes the send fail, then datagrams, each a little-endian `u16`
/// length and its bytes; the length 0xFFFF stands for an `ENOBUFS` from
/// the socket instead of a datagram. Each datagram is first walked on its
/// own, then all are the replies the batch reads. The batch must give one
/// result per request, whatever came back.
pub fn netlink_frames(data: &[u8]) {
    let Some((head, mut rest)) = data.split_at_checked(6) else {
        return;
    };
    let requests = usize::from(head[0] % 64);
    let mut seq = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    let fail_send = head[5] & 1 == 1;
    let mut replies = VecDeque::new();
    while let Some((len, tail)) = rest.split_at_checked(2) {
        let len = u16::from_le_bytes([len[0], len[1]]);
        if len == u16::MAX {
            replies.push_back(None);
            rest = tail;
            continue;
        }
        let (datagram, tail) = tail.split_at(usize::from(len).min(tail.len()));
        for m in socket::messages(datagram).flatten() {
            let _ = m.code();
        }
        replies.push_back(Some(datagram.to_vec()));
        rest = tail;
    }
    let reqs: Vec<Request> = (0..requests)
        .map(|i| Request {
            cmd: Cmd::NewService,
            attrs: vec![i as u8; 4],
        })
        .collect();
    let mut link = Replies { replies, fail_send };
    // Small limits, so that a few requests already make several chunks.
    let limits = Limits {
        send_bytes: 4096,
        ack_bytes: 3 * batch::ack_cost(socket::HDR_LEN + 8),
    };
    let results = batch::run(&mut link, 0x1c, &mut seq, limits, &reqs);
    assert_eq!(results.len(), requests, "one result per request");
}

/// A socket that hands out scripted datagrams, cut to the read size as
/// `recvmmsg` cuts them. When they run out it answers as a non-blocking
/// read of an empty queue does (`EAGAIN`), which ends every wait.
struct Replies {
    replies: VecDeque<Option<Vec<u8>>>,
    fail_send: bool,
}

impl Link for Replies {
    fn send(&mut self, _: &[u8]) -> io::Result<()> {
        if self.fail_send {
            return Err(io::Error::from_raw_os_error(libc::EMSGSIZE));
        }
        Ok(())
    }

    fn recv_each(
        &mut self,
        slot: usize,
        slots: usize,
        each: &mut dyn FnMut(&[u8]),
    ) -> io::Result<usize> {
        let mut n = 0;
        while n < slots {
            match self.replies.front() {
                None if n == 0 => return Err(io::Error::from_raw_os_error(libc::EAGAIN)),
                None => break,
                Some(None) if n == 0 => {
                    self.replies.pop_front();
                    return Err(io::Error::from_raw_os_error(libc::ENOBUFS));
                }
                Some(None) => break,
                Some(Some(d)) => {
                    each(&d[..d.len().min(slot)]);
                    self.replies.pop_front();
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}
