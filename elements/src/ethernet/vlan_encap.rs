//! `VLANEncap`: inserts an 802.1Q tag after the Ethernet addresses.

use alloc::format;
use alloc::string::{String, ToString};

use super::header_window;
use super::tci::TciSettings;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ethernet::{self, EtherType, EthernetFrame};
use crate::wire::vlan::{self, VlanHeader};

/// Adds an 802.1Q VLAN tag to Ethernet frames.
///
/// # Synopsis
///
/// ```text
/// VLANEncap(VLAN_TCI [, VLAN_PCP, keywords VLAN_ID, NATIVE_VLAN, ETHERTYPE])
/// VLANEncap(ANNO [, keywords NATIVE_VLAN, ETHERTYPE])
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
/// Inserts four bytes after the source address: the tag protocol identifier `ETHERTYPE`
/// (default 0x8100) and the TCI. The TCI is `VLAN_TCI` (an integer up to 0xFFFF) or
/// `VLAN_ID` (0-4095, default 0), with `VLAN_PCP` (0-7, default 0) in its top three bits. With
/// `VLAN_TCI` set to `ANNO` the TCI comes from each packet's VLAN TCI annotation (set by
/// VLANDecap).
///
/// A frame whose VLAN ID equals `NATIVE_VLAN` (default 0; -1 means none) leaves untagged,
/// so by default a TCI with VID 0 is not written and its priority bits are lost, as in
/// Click. Frames are not checked: an existing tag is stacked on, and, as in Click, a packet
/// shorter than 12 bytes is extended with whatever its buffer holds past the data (the tag
/// itself may then lie past the new end).
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> VLANEncap(VLAN_ID 100, VLAN_PCP 3) -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// - `vlan_tci` (read/write): the TCI in decimal, or `ANNO`.
/// - `vlan_id` (read/write), `vlan_pcp` (read/write): the `VLAN_ID` and `VLAN_PCP` settings.
/// - `native_vlan` (read/write): the native VLAN, -1 for none.
/// - `ethertype` (read/write): the tag protocol identifier, in decimal.
///
/// # See also
///
/// VLANDecap, EtherVLANEncap, SetVLANAnno.
#[derive(Debug)]
pub struct VLANEncap {
    settings: TciSettings,
    ethertype: u16,
}

impl VLANEncap {
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let tci = if self.settings.use_anno() {
            p.anno().vlan_tci
        } else {
            self.settings.tci()
        };
        if self.settings.native_vlan() == Some(tci & vlan::Tci::MAX_VID) {
            return Some(p);
        }
        // The addresses are read from the buffer as it was, even past a short packet's end.
        let old: [u8; ethernet::HEADER_LEN] = header_window::read(&p, 0);
        let old = EthernetFrame::new_unchecked(&old[..]);
        let mut q = p.make_unique(cx.pool()).ok()?;
        q.push_front(vlan::TAG_LEN).ok()?;
        let mut bytes = [0u8; vlan::HEADER_LEN];
        let mut header = VlanHeader::new_unchecked(&mut bytes[..]);
        header.set_dst_addr(old.dst_addr());
        header.set_src_addr(old.src_addr());
        header.set_tpid(self.ethertype);
        header.set_tci(tci);
        // Everything up to the TCI; the encapsulated EtherType is the old one, in place.
        header_window::write(&mut q, 0, &bytes[..vlan::HEADER_LEN - 2]);
        Some(q.into())
    }
}

impl Element for VLANEncap {
    const CLASS: &'static str = "VLANEncap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let settings = TciSettings::read(&mut args);
        let ethertype = args.keyword::<u16>("ETHERTYPE").unwrap_or(EtherType::VLAN);
        args.finish()?;
        Ok(VLANEncap {
            settings,
            ethertype,
        })
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

impl Handlers for VLANEncap {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("vlan_tci", "the TCI in decimal, or ANNO"),
        HandlerSpec::read_write("vlan_id", "the VLAN_ID setting"),
        HandlerSpec::read_write("vlan_pcp", "the VLAN_PCP setting"),
        HandlerSpec::read_write("native_vlan", "the native VLAN, -1 for none"),
        HandlerSpec::read_write("ethertype", "the tag protocol identifier"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        if name == "ethertype" {
            return Ok(self.ethertype.to_string());
        }
        self.settings.read_handler(name).ok_or_else(|| {
            missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        if name == "ethertype" {
            self.ethertype = u16::from_arg(value.trim(), &NoNames)
                .map_err(|e| HandlerError::BadValue(format!("ETHERTYPE: {e}")))?;
            return Ok(());
        }
        if self.settings.write_handler(name, value)? {
            Ok(())
        } else {
            Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Pushes `(frame, tci annotation)` pairs through `VLANEncap(config)`.
    fn run(config: &str, frames: &[(&str, u16)]) -> Vec<Vec<u8>> {
        let pool = Pool::new(PoolConfig::with_slots(32)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: VLANEncap = configure(config, PORTS).unwrap();
        let mut out = Collect::new();
        for (f, tci) in frames {
            let mut p: Packet = pool.packet(&hex(f)).unwrap().into();
            p.anno_mut().vlan_tci = *tci;
            e.push(0, p, &mut out, &mut cx);
        }
        let got = out.port(0).iter().map(|p| p.data().to_vec()).collect();
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        got
    }

    const IP: &str = "0800450000220002000040118e77c000020ac63364140bba0009000ed777020910171e25";
    const MACS: &str = "020000000001020000000a0a";

    #[test]
    fn anno_retags_and_native_vlan_zero_loses_the_pcp() {
        // out-reencap.pcap of corpus case 11-vlan.
        let f = alloc::format!("{MACS}{IP}");
        let got = run("ANNO", &[(&f, 0x000a), (&f, 0xc000), (&f, 0xffff)]);
        assert_eq!(got[0], hex(&alloc::format!("{MACS}8100000a{IP}")));
        assert_eq!(got[1], hex(&f), "VID 0 is the native VLAN: untagged");
        assert_eq!(got[2], hex(&alloc::format!("{MACS}8100ffff{IP}")));
        // NATIVE_VLAN -1: every frame is tagged.
        let got = run("ANNO, NATIVE_VLAN -1", &[(&f, 0xc000)]);
        assert_eq!(got[0], hex(&alloc::format!("{MACS}8100c000{IP}")));
    }

    #[test]
    fn fixed_tag_stacks_and_short_packets_follow_click() {
        // out-retag.pcap: VLAN_ID 100, VLAN_PCP 3 gives TCI 0x6064, stacked on a 0x88a8 tag.
        let qinq = alloc::format!("{MACS}88a800648100000a{IP}");
        let got = run("VLAN_ID 100, VLAN_PCP 3", &[(&qinq, 0)]);
        assert_eq!(
            got[0],
            hex(&alloc::format!("{MACS}8100606488a800648100000a{IP}"))
        );
        let got = run("0x6064, ETHERTYPE 0x88a8", &[(MACS, 0)]);
        assert_eq!(got[0], hex(&alloc::format!("{MACS}88a86064")));
        // A 10-byte packet becomes 14 bytes whose last two are the TPID; its first 12 bytes
        // are the 10 data bytes and whatever followed them in the buffer.
        let got = run("VLAN_ID 100", &[("02000000000102000000", 0)]);
        assert_eq!(got[0].len(), 14);
        assert_eq!(got[0][..10], hex("02000000000102000000")[..]);
        assert_eq!(got[0][12..], [0x81, 0x00]);
        let got = run("VLAN_ID 1", &[("", 0)]);
        assert_eq!(got[0].len(), 4);
    }

    #[test]
    fn configuration_errors() {
        for bad in [
            "VLAN_PCP 8",
            "VLAN_ID 4096",
            "NATIVE_VLAN -2",
            "ANNOX",
            "0x10000",
            "1, 2, 3",
        ] {
            assert!(configure::<VLANEncap>(bad, PORTS).is_err(), "{bad}");
        }
        let err = configure::<VLANEncap>("VLAN_ID 1, VLAN_PCP 9", PORTS).unwrap_err();
        assert_eq!(err.errors[0].message, "VLAN_PCP: out of range, bound 7");
        assert_eq!((err.errors[0].span.start, err.errors[0].span.end), (11, 21));
    }

    #[test]
    fn handlers_read_and_reconfigure() {
        let mut e: VLANEncap = configure("VLAN_ID 100, VLAN_PCP 3", PORTS).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("vlan_tci", &hcx).unwrap(), "24676");
        assert_eq!(e.read_handler("vlan_id", &hcx).unwrap(), "100");
        assert_eq!(e.read_handler("ethertype", &hcx).unwrap(), "33024");
        e.write_handler("vlan_id", "7", &hcx).unwrap();
        assert_eq!(e.read_handler("vlan_tci", &hcx).unwrap(), "24583");
        assert!(e.write_handler("vlan_pcp", "x", &hcx).is_err());
        assert_eq!(
            e.read_handler("nope", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64), tci: u16) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut e: VLANEncap = configure("ANNO", PORTS).unwrap();
            let mut out = Collect::new();
            let mut p: Packet = pool.packet(&bytes).unwrap().into();
            p.anno_mut().vlan_tci = tci;
            e.push(0, p, &mut out, &mut cx);
            drop(out);
            proptest::prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
