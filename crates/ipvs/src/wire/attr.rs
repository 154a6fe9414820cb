//! Netlink attribute (TLV) bytes: a writer for requests and a checked
//! reader for replies.
//!
//! Why our own and not `neli::genl::Nlattr`: IPVS mixes byte orders inside
//! one nest (big-endian ports next to host-order AF and flags), wants the
//! 16-byte `nf_inet_addr`, and the codec tests compare exact bytes against
//! what Debian's ipvsadm sends. A few dozen lines that write exactly those
//! bytes are easier to check than neli's generic serialisers, and the reader
//! can promise what we need most: any byte sequence from the kernel yields a
//! value or `Malformed`, never a panic. The socket, the netlink header and
//! the family lookup are `client`'s (see `client/socket.rs` for why that is
//! our own framing too, not neli's socket handle).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Bytes from the kernel that do not decode: what was wrong with them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub(crate) String);

/// `NLA_F_NESTED`: set on the nests we send, like libnl does; the kernel's
/// replies leave it off, so the reader ignores it.
pub const NLA_F_NESTED: u16 = 0x8000;
/// `NLA_F_NET_BYTEORDER`, also masked off when reading the type.
pub const NLA_F_NET_BYTEORDER: u16 = 0x4000;
const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);
const NLA_HDRLEN: usize = 4;
/// The most text [`AttrWriter::cstr`] writes. IPVS names (scheduler,
/// persistence engine, interface) are at most 15 bytes.
const CSTR_MAX: usize = 255;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends attributes to a byte buffer. Integers are written in host order
/// unless the method says otherwise.
#[derive(Debug, Default, Clone)]
pub struct AttrWriter {
    buf: Vec<u8>,
}

impl AttrWriter {
    /// An empty writer.
    pub fn new() -> AttrWriter {
        AttrWriter::default()
    }

    /// A writer that will not grow for an IPVS request (the largest, a
    /// destination with its service, is ~150 bytes): growing step by step
    /// was a third of the work of making a request.
    pub fn for_request() -> AttrWriter {
        AttrWriter {
            buf: Vec::with_capacity(256),
        }
    }

    /// The attributes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// One attribute with an arbitrary payload, padded to 4 bytes.
    pub fn bytes(&mut self, kind: impl Into<u16>, payload: &[u8]) -> &mut Self {
        self.parts(kind.into(), &[payload])
    }

    /// One attribute whose payload is `parts` one after the other.
    fn parts(&mut self, kind: u16, parts: &[&[u8]]) -> &mut Self {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        for part in parts {
            self.buf.extend_from_slice(part);
        }
        self.end_attr(start)
    }

    /// Writes the length of the attribute that starts at `start` and pads
    /// it to 4 bytes.
    fn end_attr(&mut self, start: usize) -> &mut Self {
        // A length that does not fit 16 bits cannot be expressed in
        // netlink; our attributes are at most a few hundred bytes, so this
        // only guards against misuse.
        let len = u16::try_from(self.buf.len() - start).unwrap_or(u16::MAX);
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self.buf.resize(align4(self.buf.len()), 0);
        self
    }

    /// One attribute with a payload of a fixed size, written in one go
    /// (these make up nearly every request; see `for_request`).
    fn fixed<const N: usize>(&mut self, kind: impl Into<u16>, payload: [u8; N]) -> &mut Self {
        const { assert!(N <= 16) };
        let len = NLA_HDRLEN + N;
        let mut attr = [0u8; NLA_HDRLEN + 16];
        attr[..2].copy_from_slice(&(len as u16).to_ne_bytes());
        attr[2..4].copy_from_slice(&kind.into().to_ne_bytes());
        attr[NLA_HDRLEN..len].copy_from_slice(&payload);
        self.buf.extend_from_slice(&attr[..align4(len)]);
        self
    }

    /// A u8 attribute.
    pub fn u8(&mut self, kind: impl Into<u16>, v: u8) -> &mut Self {
        self.fixed(kind, [v])
    }

    /// A u16 attribute, host order.
    pub fn u16(&mut self, kind: impl Into<u16>, v: u16) -> &mut Self {
        self.fixed(kind, v.to_ne_bytes())
    }

    /// A `__be16`: ports in SERVICE, DEST and TUN_PORT.
    pub fn be16(&mut self, kind: impl Into<u16>, v: u16) -> &mut Self {
        self.fixed(kind, v.to_be_bytes())
    }

    /// A u32 attribute, host order.
    pub fn u32(&mut self, kind: impl Into<u16>, v: u32) -> &mut Self {
        self.fixed(kind, v.to_ne_bytes())
    }

    /// A u64 attribute, host order.
    pub fn u64(&mut self, kind: impl Into<u16>, v: u64) -> &mut Self {
        self.fixed(kind, v.to_ne_bytes())
    }

    /// A C string: the text and a terminating NUL. Text beyond
    /// `CSTR_MAX` (255) bytes is left out: still longer than any name the
    /// kernel takes (it refuses it as it would the whole), but within the
    /// 16-bit lengths of the attribute and its nest. Past those, the
    /// lengths would be wrong and the kernel would read the rest of the
    /// text as attributes of their own.
    pub fn cstr(&mut self, kind: impl Into<u16>, s: &str) -> &mut Self {
        let text = &s.as_bytes()[..s.len().min(CSTR_MAX)];
        self.parts(kind.into(), &[text, &[0]])
    }

    /// A `union nf_inet_addr`: always 16 bytes, IPv4 in the first four.
    pub fn inet_addr(&mut self, kind: impl Into<u16>, addr: &IpAddr) -> &mut Self {
        self.fixed(kind, inet_addr_bytes(addr))
    }

    /// A nest whose content is built by `fill` in place; its length is
    /// patched in afterwards.
    pub fn nest(&mut self, kind: impl Into<u16>, fill: impl FnOnce(&mut AttrWriter)) -> &mut Self {
        let start = self.buf.len();
        self.parts(kind.into() | NLA_F_NESTED, &[]);
        fill(self);
        self.end_attr(start)
    }
}

/// The 16-byte `nf_inet_addr` form of an address.
pub fn inet_addr_bytes(addr: &IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match addr {
        IpAddr::V4(a) => out[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => out.copy_from_slice(&a.octets()),
    }
    out
}

/// One attribute read from a buffer: its type (flags masked off) and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    /// The attribute type, without the NESTED and NET_BYTEORDER bits.
    pub kind: u16,
    /// The payload, without header or padding.
    pub payload: &'a [u8],
}

/// Iterates over the attributes in `buf`. A length field that is too
/// small or runs past the end yields one `Err` and ends the iteration.
pub fn attrs(buf: &[u8]) -> AttrIter<'_> {
    AttrIter { rest: buf }
}

/// Calls `each` with every attribute in `buf`, with the checks of
/// [`attrs`]; stops at the first error, its own or `each`'s. For the
/// decoders that run per real server: a loop over the iterator's
/// `Option<Result<Attr>>` cost them some 15% more instructions.
#[inline]
pub fn each_attr<'a>(
    mut rest: &'a [u8],
    mut each: impl FnMut(Attr<'a>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    while let Some((attr, next)) = split_first(rest).map_err(bad_length)? {
        each(attr)?;
        rest = next;
    }
    Ok(())
}

/// An attribute header whose length is below the header's or past the end.
struct BadLength {
    kind: u16,
    len: usize,
}

/// The first attribute in `buf` and the bytes after it (and its padding);
/// `None` when fewer bytes than a header are left: trailing bytes that
/// short are padding at best, and the kernel's own parser ignores them
/// too. A length field that is too small or runs past the end is `Err`
/// with the attribute's type and length (a small error type, which keeps
/// the callers' loops tight).
#[inline]
fn split_first(buf: &[u8]) -> Result<Option<(Attr<'_>, &[u8])>, BadLength> {
    if buf.len() < NLA_HDRLEN {
        return Ok(None);
    }
    let len = usize::from(u16::from_ne_bytes([buf[0], buf[1]]));
    let kind = u16::from_ne_bytes([buf[2], buf[3]]) & NLA_TYPE_MASK;
    if len < NLA_HDRLEN || len > buf.len() {
        return Err(BadLength { kind, len });
    }
    let attr = Attr {
        kind,
        payload: &buf[NLA_HDRLEN..len],
    };
    // The last attribute may omit its padding.
    Ok(Some((attr, buf.get(align4(len)..).unwrap_or(&[]))))
}

/// The iterator of [`attrs`].
pub struct AttrIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<Attr<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        match split_first(self.rest) {
            Ok(first) => {
                let (attr, rest) = first?;
                self.rest = rest;
                Some(Ok(attr))
            }
            Err(bad) => {
                self.rest = &[];
                Some(Err(bad_length(bad)))
            }
        }
    }
}

/// A [`DecodeError`] saying what was wrong.
pub fn malformed(what: impl Into<String>) -> DecodeError {
    DecodeError(what.into())
}

// The error paths of the readers, kept out of line: the readers run for
// every attribute of a listing (some 40 per real server), and the
// formatting code inlined into them made each several times longer.
#[cold]
#[inline(never)]
fn bad_length(BadLength { kind, len }: BadLength) -> DecodeError {
    malformed(format!("attribute {kind} has length {len}"))
}

#[cold]
#[inline(never)]
fn bad_size(kind: u16, got: usize, expected: usize) -> DecodeError {
    malformed(format!(
        "attribute {kind} has {got} bytes, expected {expected}"
    ))
}

/// Typed readers of attribute payloads. Each checks the length exactly
/// (the kernel sends fixed sizes), so a wrong-sized payload is `Malformed`.
impl Attr<'_> {
    fn fixed<const N: usize>(&self) -> Result<[u8; N], DecodeError> {
        <[u8; N]>::try_from(self.payload).map_err(|_| bad_size(self.kind, self.payload.len(), N))
    }

    /// A 1-byte payload.
    pub fn u8(&self) -> Result<u8, DecodeError> {
        Ok(self.fixed::<1>()?[0])
    }

    /// A 2-byte payload, host order.
    pub fn u16(&self) -> Result<u16, DecodeError> {
        Ok(u16::from_ne_bytes(self.fixed()?))
    }

    /// A 2-byte payload, big-endian (ports).
    pub fn be16(&self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.fixed()?))
    }

    /// A 4-byte payload, host order.
    pub fn u32(&self) -> Result<u32, DecodeError> {
        Ok(u32::from_ne_bytes(self.fixed()?))
    }

    /// An 8-byte payload, host order.
    pub fn u64(&self) -> Result<u64, DecodeError> {
        Ok(u64::from_ne_bytes(self.fixed()?))
    }

    /// A NUL-terminated string; text after the first NUL is ignored, and a
    /// missing NUL is tolerated (the text is then the whole payload).
    pub fn cstr(&self) -> Result<String, DecodeError> {
        let end = self
            .payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.payload.len());
        String::from_utf8(self.payload[..end].to_vec())
            .map_err(|_| malformed(format!("attribute {} is not UTF-8", self.kind)))
    }

    /// The 16-byte `nf_inet_addr`, read as the given family.
    pub fn inet_addr(&self, family: crate::model::Family) -> Result<IpAddr, DecodeError> {
        let raw: [u8; 16] = self.fixed()?;
        Ok(match family {
            crate::model::Family::Inet => IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3])),
            crate::model::Family::Inet6 => IpAddr::V6(Ipv6Addr::from(raw)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_padded_tlvs_in_host_and_network_order() {
        let mut w = AttrWriter::new();
        w.u16(1u16, 2).be16(4u16, 80).u8(13u16, 1).cstr(6u16, "rr");
        let expected: Vec<u8> = [
            &[6, 0, 1, 0][..],
            &2u16.to_ne_bytes(),
            &[0, 0],
            &[6, 0, 4, 0, 0, 80, 0, 0],
            &[5, 0, 13, 0, 1, 0, 0, 0],
            &[7, 0, 6, 0, b'r', b'r', 0, 0],
        ]
        .concat();
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn nest_sets_nested_flag_and_length() {
        let mut w = AttrWriter::new();
        w.nest(1u16, |n| {
            n.u32(5u16, 7);
        });
        let b = w.into_bytes();
        assert_eq!(&b[..4], &[12, 0, 1, 0x80]);
        assert_eq!(&b[4..8], &[8, 0, 5, 0]);
        assert_eq!(&b[8..], &7u32.to_ne_bytes());
    }

    #[test]
    fn reader_round_trips_and_masks_flags() {
        let mut w = AttrWriter::new();
        w.nest(1u16, |n| {
            n.u16(1u16, 10);
        })
        .u64(2u16, u64::MAX - 1);
        let bytes = w.into_bytes();
        let all: Vec<_> = attrs(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].kind, 1);
        let inner: Vec<_> = attrs(all[0].payload).collect::<Result<_, _>>().unwrap();
        assert_eq!(inner[0].u16().unwrap(), 10);
        assert_eq!(all[1].u64().unwrap(), u64::MAX - 1);
    }

    #[test]
    fn reader_rejects_bad_lengths_without_panicking() {
        // length 2 (< header), length past the end, and a short payload.
        assert!(attrs(&[2, 0, 1, 0]).next().unwrap().is_err());
        assert!(attrs(&[9, 0, 1, 0, 1, 2, 3, 4]).next().unwrap().is_err());
        let a = attrs(&[6, 0, 1, 0, 1, 2]).next().unwrap().unwrap();
        assert!(a.u32().is_err());
        assert!(a.u8().is_err());
        assert_eq!(a.u16().unwrap(), u16::from_ne_bytes([1, 2]));
        // Fewer bytes than a header: nothing, not an error.
        assert!(attrs(&[1, 2, 3]).next().is_none());
    }

    #[test]
    fn reader_survives_every_truncation_and_random_bytes() {
        let mut w = AttrWriter::new();
        w.u32(1u16, 1).cstr(2u16, "wlc").nest(3u16, |n| {
            n.u64(1u16, 5);
        });
        let bytes = w.into_bytes();
        for cut in 0..bytes.len() {
            for a in attrs(&bytes[..cut]).flatten() {
                let _ = (a.u8(), a.u16(), a.u32(), a.u64(), a.cstr());
                let _ = attrs(a.payload).count();
            }
        }
        // A simple deterministic generator; no dependency needed.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let buf: Vec<u8> = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x & 0x1f) as u8
                })
                .collect();
            for a in attrs(&buf).flatten() {
                let _ = (a.u32(), a.cstr());
            }
        }
    }
}
