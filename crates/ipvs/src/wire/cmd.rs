//! The IPVS generic-netlink commands and top-level attributes, and the
//! message bodies that carry them (the 4-byte genl header plus attributes).
//!
//! A `Request` is what one netlink message carries to the kernel; a `Reply`
//! is one message back. Both stop at the genl header: the netlink header
//! (family id, flags, sequence number) belongs to the transport in
//! `client`, so that a later batch sender can stamp many requests itself.

use super::DecodeError;

use super::attr::{self, Attr, AttrWriter, malformed};

/// `IPVS_GENL_VERSION`.
pub const GENL_VERSION: u8 = 1;
/// Name of the generic-netlink family.
pub const FAMILY_NAME: &str = "IPVS";

kernel_numbers! {
    /// IPVS commands (`IPVS_CMD_*`).
    pub enum Cmd: u8 {
        /// Not a command; never sent.
        Unspec = 0,
        /// Add a virtual service.
        NewService = 1,
        /// Replace the settings of a virtual service.
        SetService = 2,
        /// Delete a virtual service and its real servers.
        DelService = 3,
        /// One service (a "do" naming it) or all of them (a dump).
        GetService = 4,
        /// Add a real server to a service.
        NewDest = 5,
        /// Replace the settings of a real server.
        SetDest = 6,
        /// Delete a real server.
        DelDest = 7,
        /// Dump the real servers of one service.
        GetDest = 8,
        /// Start a sync daemon.
        NewDaemon = 9,
        /// Stop a sync daemon.
        DelDaemon = 10,
        /// Dump the running sync daemons.
        GetDaemon = 11,
        /// Set the connection timeouts (libipvs calls it SET_TIMEOUT).
        SetConfig = 12,
        /// Read the three connection timeouts.
        GetConfig = 13,
        /// The command of GET_INFO's reply; never sent.
        SetInfo = 14,
        /// Read the IPVS version and connection table size.
        GetInfo = 15,
        /// Zero the counters of one service or of all.
        Zero = 16,
        /// Delete every service.
        Flush = 17,
    }
}

kernel_numbers! {
    /// Top-level attributes of every IPVS message (`IPVS_CMD_ATTR_*`).
    pub enum CmdAttr: u16 {
        /// Not an attribute; never sent.
        Unspec = 0,
        /// Nest of service attributes ([`SvcAttr`](super::SvcAttr)).
        Service = 1,
        /// Nest of real-server attributes ([`DestAttr`](super::DestAttr)).
        Dest = 2,
        /// Nest of sync daemon attributes ([`DaemonAttr`](super::DaemonAttr)).
        Daemon = 3,
        /// u32 seconds: [`Timeouts::tcp`](crate::model::Timeouts::tcp).
        TimeoutTcp = 4,
        /// u32 seconds: [`Timeouts::tcp_fin`](crate::model::Timeouts::tcp_fin).
        TimeoutTcpFin = 5,
        /// u32 seconds: [`Timeouts::udp`](crate::model::Timeouts::udp).
        TimeoutUdp = 6,
    }
}

/// One request: a command and its already-encoded attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The IPVS command.
    pub cmd: Cmd,
    /// The top-level attributes, encoded.
    pub attrs: Vec<u8>,
}

impl Request {
    /// `cmd` with the attributes `fill` writes: how every request is made,
    /// and how tests and fake transports make the kernel's replies (the
    /// same layout, read back with [`Reply::parse`]).
    pub fn with_attrs(cmd: Cmd, fill: impl FnOnce(&mut AttrWriter)) -> Request {
        let mut w = AttrWriter::for_request();
        fill(&mut w);
        Request {
            cmd,
            attrs: w.into_bytes(),
        }
    }

    /// The generic-netlink payload: genl header, then the attributes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.attrs.len());
        out.push(u8::from(self.cmd));
        out.push(GENL_VERSION);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.attrs);
        out
    }

    /// The inverse of `encode`, for tests and fake transports.
    pub fn decode(body: &[u8]) -> Result<Request, DecodeError> {
        let reply = Reply::parse(body)?;
        Ok(Request {
            cmd: reply.cmd,
            attrs: reply.attrs.to_vec(),
        })
    }
}

/// One message from the kernel, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    /// The command in the reply's genl header.
    pub cmd: Cmd,
    /// The top-level attributes, still encoded.
    pub attrs: &'a [u8],
}

impl<'a> Reply<'a> {
    /// Splits a generic-netlink payload into command and attributes.
    pub fn parse(body: &'a [u8]) -> Result<Reply<'a>, DecodeError> {
        match body {
            [cmd, _version, _r1, _r2, attrs @ ..] => Ok(Reply {
                cmd: Cmd::from(*cmd),
                attrs,
            }),
            _ => Err(malformed(format!(
                "generic netlink payload of {} bytes",
                body.len()
            ))),
        }
    }

    /// Fails unless the reply carries the expected command.
    pub fn expect(self, cmd: Cmd) -> Result<Reply<'a>, DecodeError> {
        if self.cmd == cmd {
            Ok(self)
        } else {
            Err(malformed(format!(
                "expected command {cmd:?}, got {:?}",
                self.cmd
            )))
        }
    }

    /// The top-level attributes, failing on the first malformed one.
    pub fn attrs(&self) -> Result<Vec<Attr<'a>>, DecodeError> {
        attr::attrs(self.attrs).collect()
    }

    /// The payload of the top-level nest `kind`, if present.
    /// (The last one wins, as in the kernel's own parser; read without
    /// collecting, as this runs once per dumped destination.)
    pub fn nest(&self, kind: CmdAttr) -> Result<Option<&'a [u8]>, DecodeError> {
        let kind = u16::from(kind);
        let mut found = None;
        for a in attr::attrs(self.attrs) {
            let a = a?;
            if a.kind == kind {
                found = Some(a.payload);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genl_header_round_trip() {
        let req = Request {
            cmd: Cmd::Flush,
            attrs: vec![],
        };
        assert_eq!(req.encode(), vec![17, 1, 0, 0]);
        assert_eq!(Request::decode(&req.encode()).unwrap(), req);
    }

    #[test]
    fn short_payload_is_malformed() {
        assert!(matches!(Reply::parse(&[1, 1, 0]), Err(DecodeError { .. })));
        assert!(Reply::parse(&[]).is_err());
    }

    #[test]
    fn unknown_command_is_kept_not_rejected() {
        let r = Reply::parse(&[200, 1, 0, 0]).unwrap();
        assert_eq!(r.cmd, Cmd::UnrecognizedConst(200));
        assert!(r.expect(Cmd::NewService).is_err());
    }
}
