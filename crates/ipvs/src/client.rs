//! The kernel connection: one generic-netlink socket and one `IPVS` family
//! lookup per `Ipvs` value, with one method per IPVS command.
//!
//! Two layers. `Transport` moves request bodies (from `wire::Request`) and
//! reply bodies: "do with ack", "dump", and a pipelined batch of "do"s, so
//! the methods of `Ipvs` — which only pick a request and decode the replies
//! — can be tested with a fake. `NetlinkTransport` is the real one: a raw
//! socket (`socket`) with our own framing and receive loop, no thread and
//! no per-message allocation beyond the reply bodies. Every message gets
//! its own sequence number and replies are matched by it; `batch` sends
//! many requests per `sendmsg` and matches their acks the same way.

mod batch;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod fuzz;
mod socket;

pub use batch::{Limits, ack_cost};

use crate::change::Change;
use crate::model::{Daemon, DaemonState, Destination, Info, Service, ServiceKey, Timeouts};
use crate::wire::{self, Counters, DecodeError, Request};

use socket::{DUMP_SLOT, F_ACK, F_DUMP, F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_MIN_TYPE};

/// What went wrong underneath an operation: the kernel's answer, the
/// socket, or bytes that did not decode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The `IPVS` generic-netlink family is not registered (no ip_vs module).
    #[error("IPVS generic netlink family not found")]
    FamilyNotFound,
    /// The kernel answered with an error; the value is the positive errno.
    /// `EINTR` is the one code netlink answers with silence (no ack, no
    /// error): a request that got no answer at all carries it.
    #[error("{}", std::io::Error::from_raw_os_error(*.0))]
    Kernel(i32),
    /// A socket-level failure.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// A reply we could not decode.
    #[error("malformed reply: {0}")]
    Malformed(#[from] DecodeError),
    /// The network namespace could not be entered ([`Ipvs::connect_in`]).
    #[error("{0}")]
    Namespace(#[from] crate::netns::Error),
    /// A dump reply was longer than the read buffer and was cut. The
    /// transport reads with larger buffers from then on, so repeating the
    /// dump works ([`Ipvs`] does so by itself).
    #[error("netlink reply longer than the read buffer")]
    Truncated,
}

impl Failure {
    /// The errno this failure carries: the kernel's, or the socket's.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Failure::Kernel(errno) => Some(*errno),
            Failure::Io(err) => err.raw_os_error(),
            Failure::Namespace(err) => err.errno(),
            _ => None,
        }
    }
}

/// The IPVS operation an [`Error`] happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Opening the socket and resolving the `IPVS` family.
    Connect,
    /// [`Ipvs::info`].
    GetInfo,
    /// [`Ipvs::add_service`], [`Change::AddService`].
    AddService,
    /// [`Ipvs::edit_service`], [`Change::EditService`].
    EditService,
    /// [`Ipvs::delete_service`], [`Change::DeleteService`].
    DeleteService,
    /// [`Ipvs::flush`], [`Change::Flush`].
    Flush,
    /// [`Ipvs::services`].
    ListServices,
    /// [`Ipvs::service`].
    GetService,
    /// [`Ipvs::destinations`] and its variants.
    ListDestinations,
    /// [`Ipvs::add_destination`], [`Change::AddDestination`].
    AddDestination,
    /// [`Ipvs::edit_destination`], [`Change::EditDestination`].
    EditDestination,
    /// [`Ipvs::delete_destination`], [`Change::DeleteDestination`].
    DeleteDestination,
    /// [`Ipvs::zero`], [`Change::Zero`].
    Zero,
    /// [`Ipvs::timeouts`].
    GetTimeouts,
    /// [`Ipvs::set_timeouts`], [`Change::SetTimeouts`].
    SetTimeouts,
    /// [`Ipvs::daemons`].
    ListDaemons,
    /// [`Ipvs::start_daemon`], [`Change::StartDaemon`].
    StartDaemon,
    /// [`Ipvs::stop_daemon`], [`Change::StopDaemon`].
    StopDaemon,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Connect => "connecting to IPVS",
            Operation::GetInfo => "reading the IPVS version",
            Operation::AddService => "adding a service",
            Operation::EditService => "editing a service",
            Operation::DeleteService => "deleting a service",
            Operation::Flush => "flushing the table",
            Operation::ListServices => "listing services",
            Operation::GetService => "reading a service",
            Operation::ListDestinations => "listing real servers",
            Operation::AddDestination => "adding a real server",
            Operation::EditDestination => "editing a real server",
            Operation::DeleteDestination => "deleting a real server",
            Operation::Zero => "zeroing counters",
            Operation::GetTimeouts => "reading the timeouts",
            Operation::SetTimeouts => "setting the timeouts",
            Operation::ListDaemons => "listing sync daemons",
            Operation::StartDaemon => "starting a sync daemon",
            Operation::StopDaemon => "stopping a sync daemon",
        })
    }
}

/// Why a kernel operation failed: the operation, and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {failure}")]
pub struct Error {
    operation: Operation,
    failure: Failure,
}

impl Error {
    /// An error of `operation` (for transports and tests outside the crate).
    pub fn new(operation: Operation, failure: Failure) -> Error {
        Error { operation, failure }
    }

    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// What went wrong.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// The errno, if the kernel or the socket gave one.
    pub fn errno(&self) -> Option<i32> {
        self.failure.errno()
    }
}

/// The result of every [`Ipvs`] method.
pub type Result<T> = std::result::Result<T, Error>;

/// A transport's result: the failure without the operation, which the
/// [`Ipvs`] method that called it adds.
pub type Raw<T> = std::result::Result<T, Failure>;

/// Moves IPVS request bodies to the kernel and reply bodies back. Bodies
/// are generic-netlink payloads: the 4-byte genl header and attributes.
/// `Send`, so that an [`Ipvs`] can move to another thread.
pub trait Transport: Send {
    /// Sends `req` with `NLM_F_REQUEST | NLM_F_ACK` and waits for its ack;
    /// returns the bodies of any replies that came before it (GET_INFO,
    /// GET_CONFIG and GET_SERVICE answer that way). A kernel error reply
    /// becomes `Failure::Kernel(errno)`.
    fn request(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>>;

    /// Sends `req` as a dump and returns every reply body, in kernel order,
    /// up to `NLMSG_DONE`.
    fn dump(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>>;

    /// Like `dump`, but hands each reply body to `each` as it is read
    /// instead of collecting copies; stops at the first error `each`
    /// returns (the rest of the dump is still read and dropped).
    fn dump_each(&mut self, req: &Request, each: &mut dyn FnMut(&[u8]) -> Raw<()>) -> Raw<()> {
        self.dump(req)?.iter().try_for_each(|b| each(b))
    }

    /// Sends every request as `request` would, but without waiting for
    /// each ack before the next: the kernel still runs them in order, and
    /// the results come back one per request, in order. Replies other than
    /// acks are not expected (change requests have none).
    fn batch(&mut self, reqs: &[Request]) -> Vec<Raw<()>> {
        reqs.iter().map(|r| self.request(r).map(drop)).collect()
    }
}

/// The real transport: a netlink socket and the resolved family id, plus
/// a second socket for destination dumps, opened on first use.
///
/// Why two: the kernel sizes every dump buffer to the largest read its
/// socket ever made. The service dump wants large reads (each message
/// makes the kernel walk the service table again from the start), but a
/// 32 KiB buffer is a multi-page allocation from the page allocator, paid
/// twice per destination dump (the second pass only says "done"). Small
/// reads on a socket of their own keep those buffers in the slab: a
/// listing with counters of 2,000 services of 10 real servers each ran
/// ~25% faster with one-page reads, and reads of one page less the
/// kernel's bookkeeping make them single pages (see `dest_slot`).
pub struct NetlinkTransport {
    sock: socket::Socket,
    dest_sock: Option<socket::Socket>,
    /// The read size on `dest_sock` (see [`dest_slot`]).
    dest_slot: usize,
    family: u16,
    seq: u32,
    /// Set once `batch` has raised the socket buffers.
    limits: Option<Limits>,
    tx: Vec<u8>,
}

/// `CTRL_CMD_GETFAMILY`, `CTRL_ATTR_FAMILY_ID`, `CTRL_ATTR_FAMILY_NAME`
/// and nlctrl's fixed id `GENL_ID_CTRL`.
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const GENL_ID_CTRL: u16 = 0x10;

/// Socket buffers asked for before a batch (the kernel doubles them):
/// a few thousand requests per `sendmsg`.
const BATCH_BUFFER: usize = 4 << 20;

/// Datagrams read per `recvmmsg` for "do"s and dumps: a reply and its ack,
/// or dump parts and `NLMSG_DONE`, usually come together.
const REPLY_SLOTS: usize = 4;

/// What ends the replies to a request: the ack of a "do", or the
/// `NLMSG_DONE` of a dump.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Ack,
    Done,
}

/// Which socket a message goes on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Main,
    Dests,
}

/// A page, at most 8 KiB: the kernel's `NLMSG_GOODSIZE` plus the
/// `skb_shared_info` kept at the end of each buffer, so reads of this
/// size never cut a dump message.
fn page_slot() -> usize {
    use nix::unistd::{SysconfVar, sysconf};
    let page = sysconf(SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(4096);
    usize::try_from(page).unwrap_or(4096).clamp(4096, 8192)
}

/// `sizeof(struct skb_shared_info)` as 64-bit kernels round it to cache
/// lines, as we read the struct (17 fragments of 16 bytes after a head of
/// about 48): 320 bytes. `tests/kernel.rs` checks the guess against the
/// test VM's kernel.
const SHARED_INFO: usize = 320;

/// The first read size for destination dumps: our guess at NLMSG_GOODSIZE,
/// the smallest buffer the kernel fills a dump message into.
///
/// The kernel allocates each dump buffer for the larger of that and the
/// socket's largest read so far. A read of one page asks for a page plus
/// `skb_shared_info`, a two-page allocation; reading exactly GOODSIZE
/// keeps every dump buffer, two per service, to one page: a numeric
/// listing of 2,000 services of 10 real servers each spent ~15% less
/// system time. Should a kernel's GOODSIZE be larger than the guess, a reply comes
/// back cut; the transport then goes back to [`page_slot`] and the dump
/// is repeated (`Error::Truncated`).
fn dest_slot() -> usize {
    page_slot() - SHARED_INFO
}

impl NetlinkTransport {
    /// Opens the socket and resolves the `IPVS` family. Resolving asks
    /// nlctrl, which also makes the kernel try to autoload ip_vs.
    pub fn connect() -> Raw<NetlinkTransport> {
        let mut t = NetlinkTransport {
            sock: socket::Socket::open()?,
            dest_sock: None,
            dest_slot: dest_slot(),
            family: 0,
            seq: 0,
            limits: None,
            tx: Vec::with_capacity(256),
        };
        t.family = t.resolve_family(wire::FAMILY_NAME)?;
        Ok(t)
    }

    /// The generic-netlink id of the IPVS family.
    pub fn family_id(&self) -> u16 {
        self.family
    }

    /// The size of each read of a destination dump: at first a guess at
    /// the kernel's NLMSG_GOODSIZE (see `dest_slot`), a page once a
    /// reply came back cut.
    pub fn dest_read_size(&self) -> usize {
        self.dest_slot
    }

    /// Sets the read size of destination dumps (at least 256 bytes, so
    /// that NLMSG_DONE and error replies always fit). Replies longer than
    /// it make that dump fail with `Failure::Truncated` and the size grow to
    /// a page. For tests of that path.
    pub fn set_dest_read_size(&mut self, bytes: usize) {
        self.dest_slot = bytes.max(256);
    }

    fn resolve_family(&mut self, name: &str) -> Raw<u16> {
        let mut w = wire::AttrWriter::new();
        w.cstr(CTRL_ATTR_FAMILY_NAME, name);
        let body = [&[CTRL_CMD_GETFAMILY, 2, 0, 0][..], &w.into_bytes()].concat();
        let seq = self.send(GENL_ID_CTRL, F_REQUEST | F_ACK, &body)?;
        let mut id = None;
        let got = self.collect(seq, Line::Main, End::Ack, &mut |body| {
            let reply = wire::Reply::parse(body)?;
            for a in wire::attrs(reply.attrs) {
                let a = a?;
                if a.kind == CTRL_ATTR_FAMILY_ID {
                    id = Some(a.u16()?);
                }
            }
            Ok(())
        });
        match got {
            // nlctrl answers ENOENT for a family it does not know.
            Err(Failure::Kernel(libc::ENOENT)) => Err(Failure::FamilyNotFound),
            Err(e) => Err(e),
            Ok(()) => id.ok_or(Failure::FamilyNotFound),
        }
    }

    /// Sends one message and returns its sequence number.
    fn send(&mut self, nl_type: u16, flags: u16, body: &[u8]) -> Raw<u32> {
        self.seq = self.seq.wrapping_add(1);
        self.tx.clear();
        socket::frame(&mut self.tx, nl_type, flags, self.seq, &[body]);
        self.sock.send(&self.tx)?;
        Ok(self.seq)
    }

    /// The socket for `line`, and the size of each read from it.
    fn line(&mut self, line: Line) -> (&mut socket::Socket, usize) {
        match (line, self.dest_sock.as_mut()) {
            (Line::Dests, Some(sock)) => (sock, self.dest_slot),
            _ => (&mut self.sock, DUMP_SLOT),
        }
    }

    fn send_request(&mut self, req: &Request, flags: u16, line: Line) -> Raw<u32> {
        self.seq = self.seq.wrapping_add(1);
        self.tx.clear();
        let genl = [u8::from(req.cmd), wire::GENL_VERSION, 0, 0];
        socket::frame(
            &mut self.tx,
            self.family,
            flags,
            self.seq,
            &[&genl, &req.attrs],
        );
        let tx = std::mem::take(&mut self.tx);
        let sent = self.line(line).0.send(&tx);
        self.tx = tx;
        sent?;
        Ok(self.seq)
    }

    /// Reads replies to message `seq` until its ack (a "do") or
    /// `NLMSG_DONE` (a dump), handing each reply body to `each`. Messages
    /// for other sequence numbers are left over from an earlier request
    /// that failed half-way; they are skipped. After an error from `each`
    /// the rest is still read, so the socket stays in step.
    ///
    /// A "do" is read without blocking: the kernel runs the request inside
    /// our `sendmsg` and queues every reply to it before `send` returns
    /// (a dump's later parts, by contrast, are made as we read). So a "do"
    /// that finds its queue empty before its ack will get no ack at all.
    /// Netlink withholds the ack of exactly one kind of request: one whose
    /// handler returned EINTR (netlink reads that code as "the request
    /// will be restarted", and answers nothing). IPVS returns it when
    /// DEL_DAEMON stopped a daemon whose thread had not yet run; Debian's
    /// ipvsadm then waits forever. We report the code the kernel withheld.
    fn collect(
        &mut self,
        seq: u32,
        line: Line,
        end: End,
        each: &mut dyn FnMut(&[u8]) -> Raw<()>,
    ) -> Raw<()> {
        let (sock, slot) = self.line(line);
        let queued = end == End::Ack;
        let mut outcome = Ok(());
        loop {
            let got = match sock.recv(slot, REPLY_SLOTS, queued) {
                Err(e) if queued && e.kind() == std::io::ErrorKind::WouldBlock => {
                    return Err(Failure::Kernel(libc::EINTR));
                }
                got => got?,
            };
            if got.cut() && outcome.is_ok() {
                outcome = Err(Failure::Truncated);
            }
            for d in got.datagrams() {
                for m in socket::messages(d) {
                    // A cut datagram ends in a partial message; the ack or
                    // NLMSG_DONE still to come is in a datagram of its own.
                    let m = match m {
                        Ok(m) => m,
                        Err(_) if got.cut() => break,
                        Err(e) => return Err(Failure::Malformed(wire::malformed(e))),
                    };
                    if m.seq != seq {
                        continue;
                    }
                    match m.kind {
                        NLMSG_ERROR | NLMSG_DONE => {
                            let code = m.code().unwrap_or(0);
                            return if code != 0 {
                                Err(Failure::Kernel(code.wrapping_neg()))
                            } else {
                                outcome
                            };
                        }
                        k if k >= NLMSG_MIN_TYPE && outcome.is_ok() => outcome = each(m.payload),
                        _ => {}
                    }
                }
            }
            // Neither the ack nor NLMSG_DONE yet: a dump spans datagrams.
        }
    }

    /// Raises the socket buffers once, for batches.
    fn batch_limits(&mut self) -> Limits {
        *self.limits.get_or_insert_with(|| {
            let rcv = self.sock.grow_buffer(true, BATCH_BUFFER);
            let snd = self.sock.grow_buffer(false, BATCH_BUFFER);
            self.sock.cap_acks();
            Limits::from_buffers(snd, rcv)
        })
    }
}

impl Transport for NetlinkTransport {
    fn request(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
        let seq = self.send_request(req, F_REQUEST | F_ACK, Line::Main)?;
        let mut bodies = Vec::new();
        self.collect(seq, Line::Main, End::Ack, &mut |b| {
            bodies.push(b.to_vec());
            Ok(())
        })?;
        Ok(bodies)
    }

    fn dump(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
        let mut bodies = Vec::new();
        self.dump_each(req, &mut |b| {
            bodies.push(b.to_vec());
            Ok(())
        })?;
        Ok(bodies)
    }

    fn dump_each(&mut self, req: &Request, each: &mut dyn FnMut(&[u8]) -> Raw<()>) -> Raw<()> {
        // ipvsadm also sets ACK on dumps; the kernel sends no ack after a
        // successful dump, only an error reply if the dump cannot start.
        let line = if req.cmd == wire::Cmd::GetDest {
            if self.dest_sock.is_none() {
                self.dest_sock = Some(socket::Socket::open()?);
            }
            Line::Dests
        } else {
            Line::Main
        };
        let seq = self.send_request(req, F_REQUEST | F_ACK | F_DUMP, line)?;
        let dumped = self.collect(seq, line, End::Done, each);
        if matches!(dumped, Err(Failure::Truncated)) && line == Line::Dests {
            self.dest_slot = self.dest_slot.max(page_slot());
        }
        dumped
    }

    fn batch(&mut self, reqs: &[Request]) -> Vec<Raw<()>> {
        let limits = self.batch_limits();
        batch::run(&mut self.sock, self.family, &mut self.seq, limits, reqs)
    }
}

/// `Ipvs` must stay `Send` (programs hand it to worker threads); this
/// fails to compile if a field ever makes it otherwise.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Ipvs>();
};

/// A connection to the kernel's IPVS: one socket, one family lookup.
///
/// `Send`: it can be opened on one thread and used on another (one thread
/// at a time). The socket belongs to the network namespace of the thread
/// that opened it, for its whole life ([`Ipvs::connect_in`]).
pub struct Ipvs {
    transport: Box<dyn Transport>,
}

impl Ipvs {
    /// Opens one socket and resolves the family once; every method reuses
    /// both. Without ip_vs: [`Failure::FamilyNotFound`].
    pub fn connect() -> Result<Ipvs> {
        let transport =
            NetlinkTransport::connect().map_err(|f| Error::new(Operation::Connect, f))?;
        Ok(Ipvs {
            transport: Box::new(transport),
        })
    }

    /// Opens an `Ipvs` on the IPVS table of the network namespace `name`
    /// (`ip netns add NAME`), without moving the calling thread: the
    /// socket is opened on a short-lived thread that enters the namespace,
    /// and a netlink socket keeps the namespace it was opened in.
    /// Everything else in the process stays where it was.
    pub fn connect_in(name: &str) -> Result<Ipvs> {
        let opened = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    crate::netns::enter(name)?;
                    NetlinkTransport::connect()
                })
                .join()
        });
        match opened {
            Ok(Ok(transport)) => Ok(Ipvs {
                transport: Box::new(transport),
            }),
            Ok(Err(failure)) => Err(Error::new(Operation::Connect, failure)),
            // The thread only panics if std cannot start one.
            Err(_) => Err(Error::new(
                Operation::Connect,
                Failure::Io(std::io::Error::other("the namespace thread panicked")),
            )),
        }
    }

    /// An `Ipvs` over any transport (tests fake the kernel with one).
    #[cfg(any(test, feature = "internals"))]
    pub fn with_transport(transport: Box<dyn Transport>) -> Ipvs {
        Ipvs { transport }
    }

    /// A "do" whose replies we do not need.
    fn act(&mut self, op: Operation, req: &Request) -> Result<()> {
        settle(op, self.transport.request(req).map(drop))
    }

    /// A "do" that must answer with exactly one reply before its ack.
    fn ask<T>(
        &mut self,
        op: Operation,
        req: Request,
        decode: impl Fn(&[u8]) -> std::result::Result<T, DecodeError>,
    ) -> Result<T> {
        let replies = self
            .transport
            .request(&req)
            .map_err(|f| Error::new(op, f))?;
        match replies.as_slice() {
            [one] => decode(one).map_err(|e| Error::new(op, e.into())),
            other => Err(Error::new(
                op,
                Failure::Malformed(wire::malformed(format!(
                    "{} replies, expected 1",
                    other.len()
                ))),
            )),
        }
    }

    /// Makes one change, as one request on its own.
    pub fn change(&mut self, change: &Change) -> Result<()> {
        self.act(change.operation(), &change.request())
    }

    /// Makes many changes, pipelined: the kernel runs them in order,
    /// exactly as if each were sent after the previous one's ack (a failed
    /// change does not stop the ones after it); one result per change.
    pub fn execute(&mut self, changes: &[Change]) -> Vec<Result<()>> {
        let reqs: Vec<Request> = changes.iter().map(Change::request).collect();
        let results = self.transport.batch(&reqs);
        let mut ops = changes.iter().map(Change::operation);
        let mut results: Vec<Result<()>> = results
            .into_iter()
            .zip(&mut ops)
            .map(|(r, op)| settle(op, r))
            .collect();
        // One result per change, whatever the transport did; a missing one
        // counts as failed rather than silently passing.
        results.extend(ops.map(|op| {
            Err(Error::new(
                op,
                Failure::Malformed(wire::malformed("no result from the transport")),
            ))
        }));
        results
    }

    /// GET_INFO: IPVS version and connection table size.
    pub fn info(&mut self) -> Result<Info> {
        self.ask(
            Operation::GetInfo,
            Request::get_info(),
            wire::decode_info_reply,
        )
    }

    /// Adds a virtual service (NEW_SERVICE), with no real servers yet.
    /// `EEXIST` if its key is taken; `ENOENT` if the kernel has no module
    /// for its scheduler or persistence engine.
    pub fn add_service(&mut self, svc: &Service) -> Result<()> {
        self.act(Operation::AddService, &Request::new_service(svc))
    }

    /// Changes the service with `svc.key` (SET_SERVICE): replaces
    /// scheduler, flags, timeout, netmask and persistence engine with
    /// `svc`'s, keeping its real servers, connections and counters.
    /// `ESRCH` if there is no such service.
    pub fn edit_service(&mut self, svc: &Service) -> Result<()> {
        self.act(Operation::EditService, &Request::set_service(svc))
    }

    /// Deletes a service and its real servers (DEL_SERVICE). `ESRCH` if
    /// there is no such service.
    pub fn delete_service(&mut self, key: &ServiceKey) -> Result<()> {
        self.act(Operation::DeleteService, &Request::del_service(key))
    }

    /// FLUSH: removes every service (and so every destination).
    pub fn flush(&mut self) -> Result<()> {
        self.act(Operation::Flush, &Request::flush())
    }

    /// Every virtual service with its settings and counters (GET_SERVICE
    /// dump), in the kernel's order.
    pub fn services(&mut self) -> Result<Vec<Service>> {
        let mut services = Vec::new();
        self.transport
            .dump_each(&Request::get_services(), &mut |b| {
                services.push(wire::decode_service_reply(b)?);
                Ok(())
            })
            .map_err(|f| Error::new(Operation::ListServices, f))?;
        Ok(services)
    }

    /// GET_SERVICE for one service; a `Kernel(ESRCH)` failure when it does
    /// not exist.
    pub fn service(&mut self, key: &ServiceKey) -> Result<Service> {
        self.ask(
            Operation::GetService,
            Request::get_service(key),
            wire::decode_service_reply,
        )
    }

    /// The real servers of a service with their connection counts and
    /// counters (GET_DEST dump), in the kernel's order (newest first). An
    /// unknown service gives an empty list, not an error.
    pub fn destinations(&mut self, key: &ServiceKey) -> Result<Vec<Destination>> {
        let mut dests = Vec::new();
        self.destinations_into(key, &mut dests)?;
        Ok(dests)
    }

    /// Like [`Ipvs::destinations`], into `out` (cleared first), so that a
    /// walk over every service can reuse one buffer.
    pub fn destinations_into(
        &mut self,
        key: &ServiceKey,
        out: &mut Vec<Destination>,
    ) -> Result<()> {
        self.dump_destinations(key, Counters::Read, out)
    }

    /// Like [`Ipvs::destinations_into`], but the counters and rates are
    /// not read (their `stats` stay zero): more than half of each reply,
    /// skipped by a view that does not show them.
    pub fn destinations_without_stats_into(
        &mut self,
        key: &ServiceKey,
        out: &mut Vec<Destination>,
    ) -> Result<()> {
        self.dump_destinations(key, Counters::Skip, out)
    }

    fn dump_destinations(
        &mut self,
        key: &ServiceKey,
        counters: Counters,
        out: &mut Vec<Destination>,
    ) -> Result<()> {
        let family = key.family();
        let req = Request::get_dests(key);
        let mut dump = |out: &mut Vec<Destination>| {
            out.clear();
            self.transport.dump_each(&req, &mut |b| {
                out.push(wire::decode_dest_reply(b, family, counters)?);
                Ok(())
            })
        };
        match dump(out) {
            // Once, with the larger reads the transport has switched to.
            Err(Failure::Truncated) => dump(out),
            done => done,
        }
        .map_err(|f| Error::new(Operation::ListDestinations, f))
    }

    /// Adds a real server to the service `svc` (NEW_DEST). `ESRCH` if
    /// there is no such service, `EEXIST` if it has a server with the
    /// same address and port.
    pub fn add_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Operation::AddDestination, &Request::new_dest(svc, dest))
    }

    /// Changes the real server with `dest`'s address and port (SET_DEST):
    /// replaces forwarding, weight, thresholds and tunnel with `dest`'s,
    /// keeping its connections and counters. Weight 0 drains it.
    /// `ENOENT` if the service has no such server.
    pub fn edit_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Operation::EditDestination, &Request::set_dest(svc, dest))
    }

    /// Removes a real server from a service (DEL_DEST); only `dest`'s
    /// address and port matter to the kernel. `ENOENT` if the service has
    /// no such server.
    pub fn delete_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Operation::DeleteDestination, &Request::del_dest(svc, dest))
    }

    /// ZERO: one service's counters, or all with `None`.
    pub fn zero(&mut self, key: Option<&ServiceKey>) -> Result<()> {
        self.act(Operation::Zero, &Request::zero(key))
    }

    /// The connection timeouts in seconds (GET_CONFIG).
    pub fn timeouts(&mut self) -> Result<Timeouts> {
        self.ask(
            Operation::GetTimeouts,
            Request::get_config(),
            wire::decode_timeouts_reply,
        )
    }

    /// Sets the connection timeouts in seconds (SET_CONFIG); a 0 field
    /// leaves that timeout unchanged.
    pub fn set_timeouts(&mut self, t: &Timeouts) -> Result<()> {
        self.act(Operation::SetTimeouts, &Request::set_config(t))
    }

    /// GET_DAEMON dump: the running sync daemons, master first.
    pub fn daemons(&mut self) -> Result<Vec<Daemon>> {
        let op = Operation::ListDaemons;
        self.transport
            .dump(&Request::get_daemons())
            .map_err(|f| Error::new(op, f))?
            .iter()
            .map(|b| wire::decode_daemon_reply(b).map_err(|e| Error::new(op, e.into())))
            .collect()
    }

    /// Starts a connection-synchronisation daemon (NEW_DAEMON): a kernel
    /// thread that sends (master) or receives (backup) connection state
    /// over multicast. `EEXIST` if one of that role runs already.
    pub fn start_daemon(&mut self, d: &Daemon) -> Result<()> {
        self.act(Operation::StartDaemon, &Request::new_daemon(d))
    }

    /// DEL_DAEMON: stops the daemon of `state` (`syncid` is sent too, as
    /// ipvsadm does; the kernel ignores it). `ESRCH` if none runs. A daemon
    /// stopped before its thread first ran is stopped too, though the
    /// kernel then answers nothing (see the transport); that is `Ok`.
    pub fn stop_daemon(&mut self, state: DaemonState, syncid: u32) -> Result<()> {
        self.act(Operation::StopDaemon, &Request::del_daemon(state, syncid))
    }
}

/// The result of a change as its caller should see it. DEL_DAEMON fails
/// with EINTR when the daemon's thread was stopped before it first ran
/// (the thread's own return code, passed on); the kernel has taken the
/// daemon down all the same, so the stop succeeded.
fn settle(op: Operation, result: Raw<()>) -> Result<()> {
    match result {
        Err(Failure::Kernel(libc::EINTR)) if op == Operation::StopDaemon => Ok(()),
        other => other.map_err(|f| Error::new(op, f)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::model::{DaemonState, Protocol};
    use crate::wire::{Cmd, CmdAttr, DaemonAttr, InfoAttr};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Call {
        Do,
        Dump,
    }

    /// Records every request and answers from a script.
    #[derive(Default)]
    struct Fake {
        sent: Vec<(Call, Request)>,
        answers: VecDeque<Raw<Vec<Vec<u8>>>>,
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Fake>>);

    impl Shared {
        fn answer(&self, a: Raw<Vec<Vec<u8>>>) -> &Self {
            self.0.lock().unwrap().answers.push_back(a);
            self
        }
        fn sent(&self) -> Vec<(Call, Request)> {
            self.0.lock().unwrap().sent.clone()
        }
        fn next(&self, call: Call, req: &Request) -> Raw<Vec<Vec<u8>>> {
            let mut f = self.0.lock().unwrap();
            f.sent.push((call, req.clone()));
            f.answers.pop_front().unwrap_or(Ok(Vec::new()))
        }
    }

    impl Transport for Shared {
        fn request(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
            self.next(Call::Do, req)
        }
        fn dump(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
            self.next(Call::Dump, req)
        }
    }

    fn ipvs() -> (Ipvs, Shared) {
        let s = Shared::default();
        (Ipvs::with_transport(Box::new(s.clone())), s)
    }

    fn key() -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            port: 80,
        }
    }

    #[test]
    fn a_daemon_stopped_before_its_thread_ran_is_stopped() {
        let (mut ipvs, fake) = ipvs();
        let eintr = || Err(Failure::Kernel(libc::EINTR));
        fake.answer(eintr()).answer(eintr()).answer(eintr());
        ipvs.stop_daemon(DaemonState::Backup, 0).unwrap();
        let stop = Change::StopDaemon {
            state: DaemonState::Master,
            syncid: 0,
        };
        let got = ipvs.execute(&[stop, Change::Flush]);
        assert!(got[0].is_ok(), "{got:?}");
        // From any other change, the code stays an error.
        assert_eq!(got[1].as_ref().unwrap_err().errno(), Some(libc::EINTR));
    }

    #[test]
    fn change_requests_are_dos_with_the_right_command() {
        let (mut ipvs, fake) = ipvs();
        let svc = Service::new(key());
        let d = Destination::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 80);
        let daemon = Daemon {
            state: DaemonState::Master,
            mcast_ifn: "lo".into(),
            syncid: 1,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        };
        ipvs.add_service(&svc).unwrap();
        ipvs.edit_service(&svc).unwrap();
        ipvs.delete_service(&key()).unwrap();
        ipvs.flush().unwrap();
        ipvs.add_destination(&key(), &d).unwrap();
        ipvs.edit_destination(&key(), &d).unwrap();
        ipvs.delete_destination(&key(), &d).unwrap();
        ipvs.zero(None).unwrap();
        ipvs.zero(Some(&key())).unwrap();
        ipvs.set_timeouts(&Timeouts::default()).unwrap();
        ipvs.start_daemon(&daemon).unwrap();
        ipvs.stop_daemon(daemon.state, daemon.syncid).unwrap();
        let cmds: Vec<(Call, Cmd)> = fake.sent().into_iter().map(|(c, r)| (c, r.cmd)).collect();
        use Call::Do;
        assert_eq!(
            cmds,
            vec![
                (Do, Cmd::NewService),
                (Do, Cmd::SetService),
                (Do, Cmd::DelService),
                (Do, Cmd::Flush),
                (Do, Cmd::NewDest),
                (Do, Cmd::SetDest),
                (Do, Cmd::DelDest),
                (Do, Cmd::Zero),
                (Do, Cmd::Zero),
                (Do, Cmd::SetConfig),
                (Do, Cmd::NewDaemon),
                (Do, Cmd::DelDaemon),
            ]
        );
        assert_eq!(fake.sent()[1].1, Request::set_service(&svc));
        assert!(fake.sent()[7].1.attrs.is_empty());
    }

    #[test]
    fn kernel_errors_pass_through() {
        let (mut ipvs, fake) = ipvs();
        fake.answer(Err(Failure::Kernel(libc::EEXIST)));
        let err = ipvs.add_service(&Service::new(key())).unwrap_err();
        assert_eq!(err.operation(), Operation::AddService);
        assert_eq!(err.errno(), Some(libc::EEXIST));
        assert_eq!(
            err.to_string(),
            "adding a service: File exists (os error 17)"
        );
        fake.answer(Err(Failure::Kernel(libc::ESRCH)));
        let err = ipvs.service(&key()).unwrap_err();
        assert_eq!(err.operation(), Operation::GetService);
        assert!(matches!(err.failure(), Failure::Kernel(libc::ESRCH)));
    }

    #[test]
    fn info_and_timeouts_decode_their_single_reply() {
        let (mut ipvs, fake) = ipvs();
        fake.answer(Ok(vec![
            Request::with_attrs(Cmd::SetInfo, |w| {
                w.u32(InfoAttr::Version, 0x010201)
                    .u32(InfoAttr::ConnTabSize, 4096);
            })
            .encode(),
        ]))
        .answer(Ok(vec![
            Request::with_attrs(Cmd::SetConfig, |w| {
                w.u32(CmdAttr::TimeoutTcp, 900)
                    .u32(CmdAttr::TimeoutTcpFin, 120)
                    .u32(CmdAttr::TimeoutUdp, 300);
            })
            .encode(),
        ]))
        .answer(Ok(vec![]));
        assert_eq!(
            ipvs.info().unwrap(),
            Info {
                version: 0x010201,
                conn_tab_size: 4096
            }
        );
        assert_eq!(
            ipvs.timeouts().unwrap(),
            Timeouts {
                tcp: 900,
                tcp_fin: 120,
                udp: 300
            }
        );
        // An ack without the reply is malformed, not a panic.
        let err = ipvs.info().unwrap_err();
        assert!(matches!(err.failure(), Failure::Malformed(_)), "{err}");
        let sent = fake.sent();
        assert_eq!(sent[0], (Call::Do, Request::get_info()));
        assert_eq!(sent[1], (Call::Do, Request::get_config()));
    }

    #[test]
    fn dumps_decode_every_reply_in_order() {
        let (mut ipvs, fake) = ipvs();
        let a = Service::new(key());
        let b = Service::new(ServiceKey::Fwmark {
            mark: 9,
            family: crate::model::Family::Inet6,
        });
        let svc_body = |s: &Service| {
            Request::with_attrs(Cmd::NewService, |w| {
                w.nest(CmdAttr::Service, |n| crate::wire::encode_service(n, s));
            })
            .encode()
        };
        fake.answer(Ok(vec![svc_body(&a), svc_body(&b)]));
        let got = ipvs.services().unwrap();
        assert_eq!(got, vec![a.clone(), b.clone()]);
        assert_eq!(fake.sent()[0], (Call::Dump, Request::get_services()));

        let d = Destination::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)), 8080);
        fake.answer(Ok(vec![
            Request::with_attrs(Cmd::NewDest, |w| {
                w.nest(CmdAttr::Dest, |n| crate::wire::encode_dest(n, &d));
            })
            .encode(),
        ]));
        assert_eq!(ipvs.destinations(&key()).unwrap(), vec![d]);
        assert_eq!(fake.sent()[1], (Call::Dump, Request::get_dests(&key())));

        fake.answer(Ok(vec![
            Request::with_attrs(Cmd::NewDaemon, |w| {
                w.nest(CmdAttr::Daemon, |n| {
                    n.u32(DaemonAttr::State, 2)
                        .cstr(DaemonAttr::McastIfn, "eth0")
                        .u32(DaemonAttr::SyncId, 0);
                });
            })
            .encode(),
        ]));
        let daemons = ipvs.daemons().unwrap();
        assert_eq!(daemons.len(), 1);
        assert_eq!(daemons[0].state, DaemonState::Backup);

        // One bad reply spoils the dump with Malformed.
        fake.answer(Ok(vec![svc_body(&a), vec![1, 1, 0, 0, 3, 0]]));
        let err = ipvs.services().unwrap_err();
        assert_eq!(err.operation(), Operation::ListServices);
        assert!(matches!(err.failure(), Failure::Malformed(_)), "{err}");
    }
}
