//! Traffic counters (`IPVS_STATS_ATTR_*`), found in the STATS and STATS64
//! nests of services and destinations.
//!
//! The kernel sends both nests: STATS with 32-bit counters and rates (bytes
//! are 64-bit even there), STATS64 with everything 64-bit (kernel >= 4.1).
//! The model keeps u64, so we read STATS64 when present and widen STATS
//! otherwise; ipvsadm 1.31 read STATS64 with 32-bit getters for
//! destinations (defect D2), which we deliberately do not copy.

use super::DecodeError;
use crate::model::Stats;

use super::attr::each_attr;

kernel_numbers! {
    /// Attributes of the STATS and STATS64 nests (`IPVS_STATS_ATTR_*`).
    pub enum StatsAttr: u16 {
        /// Not an attribute.
        Unspec = 0,
        /// Connections scheduled.
        Conns = 1,
        /// Incoming packets.
        Inpkts = 2,
        /// Outgoing packets.
        Outpkts = 3,
        /// Incoming bytes (u64 in both nests).
        Inbytes = 4,
        /// Outgoing bytes (u64 in both nests).
        Outbytes = 5,
        /// Connections per second.
        Cps = 6,
        /// Incoming packets per second.
        Inpps = 7,
        /// Outgoing packets per second.
        Outpps = 8,
        /// Incoming bytes per second.
        Inbps = 9,
        /// Outgoing bytes per second.
        Outbps = 10,
        /// Alignment filler of STATS64 (`nla_put_u64_64bit`); no content.
        Pad = 11,
    }
}

/// Reads a STATS or STATS64 nest. Absent counters stay 0; a counter is
/// 4 bytes in STATS, 8 in STATS64 (bytes are 8 in both).
///
/// Indexed by attribute number rather than matched through `StatsAttr`:
/// a counter listing runs this once per real server, and the plain table
/// took about a third fewer instructions.
pub fn decode_stats(nest: &[u8]) -> Result<Stats, DecodeError> {
    // IPVS_STATS_ATTR_CONNS (1) to _OUTBPS (10), in `StatsAttr`'s order.
    const FIRST: usize = 1;
    const LAST: usize = 10;
    let mut v = [0u64; LAST + 1];
    each_attr(nest, |a| {
        let k = usize::from(a.kind);
        if (FIRST..=LAST).contains(&k) {
            v[k] = match a.payload.len() {
                4 => u64::from(a.u32()?),
                _ => a.u64()?,
            };
        }
        Ok(())
    })?;
    Ok(Stats {
        conns: v[1],
        inpkts: v[2],
        outpkts: v[3],
        inbytes: v[4],
        outbytes: v[5],
        cps: v[6],
        inpps: v[7],
        outpps: v[8],
        inbps: v[9],
        outbps: v[10],
    })
}

/// Picks the 64-bit nest when both are present.
pub fn decode_either(stats64: Option<&[u8]>, stats: Option<&[u8]>) -> Result<Stats, DecodeError> {
    match (stats64, stats) {
        (Some(n), _) | (None, Some(n)) => decode_stats(n),
        (None, None) => Ok(Stats::default()),
    }
}

/// Writes a stats nest the way the kernel does (used by tests to build
/// replies): `wide` = STATS64 layout with PAD attributes, else STATS.
#[cfg(test)]
pub fn encode_stats(w: &mut super::attr::AttrWriter, s: &Stats, wide: bool) {
    let fields = [
        (StatsAttr::Conns, s.conns),
        (StatsAttr::Inpkts, s.inpkts),
        (StatsAttr::Outpkts, s.outpkts),
        (StatsAttr::Inbytes, s.inbytes),
        (StatsAttr::Outbytes, s.outbytes),
        (StatsAttr::Cps, s.cps),
        (StatsAttr::Inpps, s.inpps),
        (StatsAttr::Outpps, s.outpps),
        (StatsAttr::Inbps, s.inbps),
        (StatsAttr::Outbps, s.outbps),
    ];
    for (k, v) in fields {
        let bytes_field = matches!(k, StatsAttr::Inbytes | StatsAttr::Outbytes);
        if wide || bytes_field {
            if wide {
                w.bytes(StatsAttr::Pad, &[]);
            }
            w.u64(k, v);
        } else {
            w.u32(k, v as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::attr::AttrWriter;
    use super::*;

    fn sample() -> Stats {
        Stats {
            conns: 1 << 33,
            inpkts: 2,
            outpkts: 3,
            inbytes: 1 << 40,
            outbytes: 5,
            cps: 6,
            inpps: 7,
            outpps: 8,
            inbps: 9,
            outbps: 10,
        }
    }

    #[test]
    fn stats64_keeps_all_64_bits() {
        let mut w = AttrWriter::new();
        encode_stats(&mut w, &sample(), true);
        assert_eq!(decode_stats(&w.into_bytes()).unwrap(), sample());
    }

    #[test]
    fn stats32_widens_and_stats64_is_preferred() {
        let mut narrow = AttrWriter::new();
        encode_stats(&mut narrow, &sample(), false);
        let narrow = narrow.into_bytes();
        let got = decode_stats(&narrow).unwrap();
        assert_eq!(got.conns, 0, "32-bit conns truncated by the kernel");
        assert_eq!(got.inbytes, 1 << 40, "bytes are 64-bit even in STATS");
        let mut wide = AttrWriter::new();
        encode_stats(&mut wide, &sample(), true);
        let wide = wide.into_bytes();
        assert_eq!(decode_either(Some(&wide), Some(&narrow)).unwrap(), sample());
        assert_eq!(decode_either(None, Some(&narrow)).unwrap(), got);
        assert_eq!(decode_either(None, None).unwrap(), Stats::default());
    }

    #[test]
    fn odd_sized_counter_is_malformed() {
        let mut w = AttrWriter::new();
        w.u16(StatsAttr::Conns, 1);
        assert!(matches!(
            decode_stats(&w.into_bytes()),
            Err(DecodeError { .. })
        ));
    }
}
