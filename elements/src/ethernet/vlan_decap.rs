//! `VLANDecap`: removes an 802.1Q tag, keeping its TCI in the VLAN TCI annotation.

use super::header_window;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ethernet::EtherType;
use crate::wire::vlan::{self, VlanHeader};

/// Strips an 802.1Q VLAN tag from Ethernet frames.
///
/// # Synopsis
///
/// ```text
/// VLANDecap([ANNO, ETHERTYPE ethertype])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic.
///
/// # Description
///
/// If a frame's EtherType field (bytes 12-13) equals `ETHERTYPE` (default 0x8100), the four
/// tag bytes after the source address are removed and the frame's TCI is kept. Other frames
/// pass unchanged with TCI 0. If `ANNO` is true (the default) the TCI goes to the VLAN TCI
/// annotation, where VLANEncap(ANNO) finds it. `VLANDecap(ETHERTYPE 0x88a8)` removes an
/// 802.1ad service tag.
///
/// As in Click, the header is read without a length check: in a frame shorter than 16
/// bytes the TCI comes from whatever the buffer holds after the data, and a frame shorter
/// than 18 bytes shrinks by up to 4 bytes (a 14-byte `0x8100` frame leaves as its first 10
/// bytes). Nothing is read or written outside the packet's buffer.
///
/// The annotation holds the TCI as a number (PCP in the top three bits).
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> VLANDecap -> VLANEncap(ANNO) -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// VLANEncap, EtherVLANEncap, StripEtherVLANHeader.
#[derive(Debug)]
pub struct VLANDecap {
    anno: bool,
    ethertype: u16,
}

impl VLANDecap {
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let window: [u8; vlan::HEADER_LEN] = header_window::read(&p, 0);
        let header = VlanHeader::new_unchecked(&window[..]);
        let mut tci = 0;
        let mut p = p;
        if header.tpid() == self.ethertype {
            tci = header.tci();
            // Click: memmove(data + 4, data, 12), then pull(4). The 12 bytes are read from
            // the buffer as it was (Click's uniqueify copies the whole buffer).
            let mut q = p.make_unique(cx.pool()).ok()?;
            header_window::write(&mut q, 4, &window[..12]);
            // Click's pull of more than the length pulls everything.
            let n = q.len().min(4);
            q.pull(n).ok()?;
            p = q.into();
        }
        if self.anno {
            p.anno_mut().vlan_tci = tci;
        }
        Some(p)
    }
}

impl Element for VLANDecap {
    const CLASS: &'static str = "VLANDecap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let anno = args.positional::<bool>("ANNO").unwrap_or(true);
        let ethertype = args.keyword::<u16>("ETHERTYPE").unwrap_or(EtherType::VLAN);
        args.finish()?;
        Ok(VLANDecap { anno, ethertype })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = self.action(p, cx) {
            out.push(0, p, cx);
        }
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.action(p, cx)
    }
}

impl Handlers for VLANDecap {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn hex(s: &str) -> alloc::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn run(config: &str, frames: &[&str]) -> (alloc::vec::Vec<(alloc::vec::Vec<u8>, u16)>, Pool) {
        let pool = Pool::new(PoolConfig::with_slots(32)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: VLANDecap = configure(config, PORTS).unwrap();
        let mut out = Collect::new();
        for f in frames {
            e.push(0, pool.packet(&hex(f)).unwrap().into(), &mut out, &mut cx);
        }
        let got = out
            .port(0)
            .iter()
            .map(|p| (p.data().to_vec(), p.anno().vlan_tci))
            .collect();
        (got, pool)
    }

    // Frames from the corpus case 11-vlan (in.pcap) and what Click wrote (out-decap.pcap,
    // out-qinq.pcap).
    const UNTAGGED: &str = "020000000001020000000a0a0800450000220001000040118e78c000020ac63364140bb90009000eda7b01080f161d24";
    const TAGGED: &str = "020000000001020000000a0a8100a0140800450000220003000040118e76c000020ac63364140bbb0009000ed473030a11181f26";
    const QINQ: &str = "020000000001020000000a0a88a800648100000a0800450000220006000040118e73c000020ac63364140bbe0009000ecb67060d141b2229";

    #[test]
    fn removes_the_tag_and_keeps_the_tci() {
        let (got, pool) = run("", &[UNTAGGED, TAGGED, QINQ]);
        assert_eq!(got[0], (hex(UNTAGGED), 0));
        assert_eq!(
            got[1],
            (
                hex("020000000001020000000a0a0800450000220003000040118e76c000020ac63364140bbb0009000ed473030a11181f26"),
                0xa014
            )
        );
        // 0x88a8 is not removed by default.
        assert_eq!(got[2], (hex(QINQ), 0));
        drop(got);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn qinq_outer_tag_with_ethertype_keyword() {
        let (got, _) = run("ETHERTYPE 0x88a8", &[QINQ]);
        assert_eq!(
            got[0],
            (
                hex("020000000001020000000a0a8100000a0800450000220006000040118e73c000020ac63364140bbe0009000ecb67060d141b2229"),
                0x0064
            )
        );
        let (got, _) = run("false", &[TAGGED]);
        assert_eq!(got[0].1, 0, "ANNO false leaves the annotation alone");
    }

    #[test]
    fn truncated_tags_shrink_as_in_click() {
        // out-decap.pcap: 16 bytes -> 12, 14 bytes -> 10 (the first 10 bytes).
        let (got, pool) = run(
            "",
            &[
                "020000000001020000000a0a8100000a",
                "020000000001020000000a0a8100",
            ],
        );
        assert_eq!(got[0], (hex("020000000001020000000a0a"), 0x000a));
        assert_eq!(got[1].0, hex("02000000000102000000"));
        // Short runts never panic.
        let (got, _) = run("", &["", "02", "0200000000010200000000008100"]);
        assert_eq!(got.len(), 3);
        drop(got);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(configure::<VLANDecap>("ETHERTYPE 0x10000", PORTS).is_err());
        assert!(configure::<VLANDecap>("maybe", PORTS).is_err());
        let e: VLANDecap = configure("ETHERTYPE 0x88a8", PORTS).unwrap();
        assert_eq!(e.ethertype, 0x88a8);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut e: VLANDecap = configure("", PORTS).unwrap();
            let mut out = Collect::new();
            e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
            drop(out);
            proptest::prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
