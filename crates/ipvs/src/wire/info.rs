//! GET_INFO's reply (`IPVS_INFO_ATTR_*`) and GET/SET_CONFIG's timeouts.
//!
//! Both live directly at the top level of their messages, not in a nest:
//! info attributes are their own namespace, timeouts reuse the top-level
//! `CmdAttr` numbers 4–6.

use super::DecodeError;
use crate::model::{Info, Timeouts};

use super::attr::{AttrWriter, attrs, malformed};
use super::cmd::CmdAttr;

kernel_numbers! {
    /// Top-level attributes of GET_INFO's reply (`IPVS_INFO_ATTR_*`).
    pub enum InfoAttr: u16 {
        /// Not an attribute.
        Unspec = 0,
        /// u32 IPVS version, 0x00MMmmpp.
        Version = 1,
        /// u32 buckets of the connection hash table.
        ConnTabSize = 2,
    }
}

/// Reads the attributes of a SET_INFO reply.
pub fn decode_info(top: &[u8]) -> Result<Info, DecodeError> {
    let (mut version, mut size) = (None, None);
    for a in attrs(top) {
        let a = a?;
        match InfoAttr::from(a.kind) {
            InfoAttr::Version => version = Some(a.u32()?),
            InfoAttr::ConnTabSize => size = Some(a.u32()?),
            _ => {}
        }
    }
    Ok(Info {
        version: version.ok_or_else(|| malformed("info without VERSION"))?,
        conn_tab_size: size.ok_or_else(|| malformed("info without CONN_TAB_SIZE"))?,
    })
}

/// SET_CONFIG's attributes: all three timeouts, 0 meaning "unchanged".
pub fn encode_timeouts(w: &mut AttrWriter, t: &Timeouts) {
    w.u32(CmdAttr::TimeoutTcp, t.tcp)
        .u32(CmdAttr::TimeoutTcpFin, t.tcp_fin)
        .u32(CmdAttr::TimeoutUdp, t.udp);
}

/// Reads GET_CONFIG's reply; a missing timeout reads as 0.
pub fn decode_timeouts(top: &[u8]) -> Result<Timeouts, DecodeError> {
    let mut t = Timeouts::default();
    for a in attrs(top) {
        let a = a?;
        match CmdAttr::from(a.kind) {
            CmdAttr::TimeoutTcp => t.tcp = a.u32()?,
            CmdAttr::TimeoutTcpFin => t.tcp_fin = a.u32()?,
            CmdAttr::TimeoutUdp => t.udp = a.u32()?,
            _ => {}
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_info() {
        let mut w = AttrWriter::new();
        w.u32(InfoAttr::Version, 0x010201)
            .u32(InfoAttr::ConnTabSize, 4096);
        let info = decode_info(&w.into_bytes()).unwrap();
        assert_eq!(info.version_triplet(), (1, 2, 1));
        assert_eq!(info.conn_tab_size, 4096);
        assert!(decode_info(&[]).is_err());
        assert!(decode_info(&[6, 0, 1, 0, 1, 0, 0, 0]).is_err());
    }

    #[test]
    fn timeouts_round_trip_in_kernel_order() {
        let t = Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300,
        };
        let mut w = AttrWriter::new();
        encode_timeouts(&mut w, &t);
        let b = w.into_bytes();
        let expected: Vec<u8> = [
            &[8, 0, 4, 0][..],
            &900u32.to_ne_bytes(),
            &[8, 0, 5, 0],
            &120u32.to_ne_bytes(),
            &[8, 0, 6, 0],
            &300u32.to_ne_bytes(),
        ]
        .concat();
        assert_eq!(b, expected);
        assert_eq!(decode_timeouts(&b).unwrap(), t);
        assert!(decode_timeouts(&b[..7]).is_err());
    }
}
