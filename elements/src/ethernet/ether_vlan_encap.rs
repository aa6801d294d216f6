//! `EtherVLANEncap`: prepends an 802.1Q-tagged Ethernet header.

use alloc::format;
use alloc::string::{String, ToString};

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
use crate::wire::EthernetAddress;

/// Encapsulates packets in an Ethernet header with an 802.1Q tag.
///
/// # Synopsis
///
/// ```text
/// EtherVLANEncap(ETHERTYPE, SRC, DST [, VLAN_TCI, VLAN_PCP, keywords VLAN_ID, NATIVE_VLAN])
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
/// Prepends an 18-byte header: destination `DST`, source `SRC`, TPID 0x8100, the TCI, and
/// `ETHERTYPE`. The TCI is `VLAN_TCI` (an integer up to 0xFFFF, or `ANNO` for the packet's
/// VLAN TCI annotation) or `VLAN_ID` (default 0), with `VLAN_PCP` in its top three bits. If
/// the VLAN ID equals `NATIVE_VLAN` (default 0; -1 for none) a plain 14-byte Ethernet header
/// is prepended instead.
///
/// # Example
///
/// ```text
/// FromDump(ip.pcap, STOP true)
///   -> EtherVLANEncap(0x0800, 02:00:00:00:00:01, 02:00:00:00:0b:14, VLAN_ID 7, VLAN_PCP 1)
///   -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// - `src` (read/write), `dst` (read/write): the addresses.
/// - `ethertype` (read/write): the encapsulated EtherType, in decimal.
/// - `vlan_tci` (read/write): the TCI in decimal, or `ANNO`.
/// - `vlan_id` (read/write), `vlan_pcp` (read/write), `native_vlan` (read/write): the tag
///   settings.
///
/// # See also
///
/// EtherEncap, VLANEncap, VLANDecap.
#[derive(Debug)]
pub struct EtherVLANEncap {
    ethertype: u16,
    src: EthernetAddress,
    dst: EthernetAddress,
    settings: TciSettings,
}

impl EtherVLANEncap {
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let tci = if self.settings.use_anno() {
            p.anno().vlan_tci
        } else {
            self.settings.tci()
        };
        let mut q = p.make_unique(cx.pool()).ok()?;
        if self.settings.native_vlan() == Some(tci & vlan::Tci::MAX_VID) {
            let mut frame = EthernetFrame::new_unchecked(q.push_front(ethernet::HEADER_LEN).ok()?);
            frame.set_dst_addr(self.dst);
            frame.set_src_addr(self.src);
            frame.set_ethertype(self.ethertype);
        } else {
            let mut header = VlanHeader::new_unchecked(q.push_front(vlan::HEADER_LEN).ok()?);
            header.set_dst_addr(self.dst);
            header.set_src_addr(self.src);
            header.set_tpid(EtherType::VLAN);
            header.set_tci(tci);
            header.set_ethertype(self.ethertype);
        }
        Some(q.into())
    }
}

impl Element for EtherVLANEncap {
    const CLASS: &'static str = "EtherVLANEncap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let ethertype = args.mandatory::<u16>("ETHERTYPE");
        let src = args.mandatory::<EthernetAddress>("SRC");
        let dst = args.mandatory::<EthernetAddress>("DST");
        let settings = TciSettings::read(&mut args);
        args.finish()?;
        Ok(EtherVLANEncap {
            ethertype,
            src,
            dst,
            settings,
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

impl Handlers for EtherVLANEncap {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "the source address"),
        HandlerSpec::read_write("dst", "the destination address"),
        HandlerSpec::read_write("ethertype", "the encapsulated EtherType"),
        HandlerSpec::read_write("vlan_tci", "the TCI in decimal, or ANNO"),
        HandlerSpec::read_write("vlan_id", "the VLAN_ID setting"),
        HandlerSpec::read_write("vlan_pcp", "the VLAN_PCP setting"),
        HandlerSpec::read_write("native_vlan", "the native VLAN, -1 for none"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "dst" => Ok(self.dst.to_string()),
            "ethertype" => Ok(self.ethertype.to_string()),
            _ => self.settings.read_handler(name).ok_or_else(|| {
                missing(
                    Self::HANDLERS,
                    name,
                    Access::readable,
                    HandlerError::NotReadable,
                )
            }),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let v = value.trim();
        let bad = |kw: &str, e: String| HandlerError::BadValue(format!("{kw}: {e}"));
        match name {
            "src" => {
                self.src = EthernetAddress::from_arg(v, &NoNames).map_err(|e| bad("SRC", e))?
            }
            "dst" => {
                self.dst = EthernetAddress::from_arg(v, &NoNames).map_err(|e| bad("DST", e))?
            }
            "ethertype" => {
                self.ethertype = u16::from_arg(v, &NoNames).map_err(|e| bad("ETHERTYPE", e))?
            }
            _ => {
                if !self.settings.write_handler(name, value)? {
                    return Err(missing(
                        Self::HANDLERS,
                        name,
                        Access::writable,
                        HandlerError::NotWritable,
                    ));
                }
            }
        }
        Ok(())
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
    const CORPUS: &str = "0x0800, 02:00:00:00:00:01, 02:00:00:00:0b:14, VLAN_ID 7, VLAN_PCP 1";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn run(config: &str, data: &[u8], tci: u16) -> Vec<u8> {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: EtherVLANEncap = configure(config, PORTS).unwrap();
        let mut out = Collect::new();
        let mut p: Packet = pool.packet(data).unwrap().into();
        p.anno_mut().vlan_tci = tci;
        e.push(0, p, &mut out, &mut cx);
        let got = out.port(0)[0].data().to_vec();
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        got
    }

    #[test]
    fn corpus_header_and_empty_payload() {
        // out-ethervlan.pcap of corpus case 11-vlan.
        let ip = hex("450000220001000040118e78c000020ac63364140bb90009000eda7b01080f161d24");
        let mut want = hex("020000000b14020000000001810020070800");
        assert_eq!(run(CORPUS, &[], 0), want);
        want.extend_from_slice(&ip);
        assert_eq!(run(CORPUS, &ip, 0), want);
    }

    #[test]
    fn native_vlan_and_anno() {
        let cfg = "0x0800, 02:00:00:00:00:01, 02:00:00:00:0b:14, ANNO";
        assert_eq!(
            run(cfg, b"x", 0x2000),
            hex("020000000b1402000000000108 0078".replace(' ', "").as_str())
        );
        assert_eq!(
            run(cfg, b"x", 0x2005),
            hex("020000000b14020000000001810020050800 78"
                .replace(' ', "")
                .as_str())
        );
    }

    #[test]
    fn configuration_and_handlers() {
        assert!(configure::<EtherVLANEncap>("0x0800, 1:2:3:4:5:6", PORTS).is_err());
        assert!(configure::<EtherVLANEncap>("0x10000, 1:2:3:4:5:6, 1:2:3:4:5:6", PORTS).is_err());
        let mut e: EtherVLANEncap = configure(CORPUS, PORTS).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("dst", &hcx).unwrap(), "02:00:00:00:0b:14");
        assert_eq!(e.read_handler("vlan_tci", &hcx).unwrap(), "8199");
        e.write_handler("src", "0a:0b:0c:0d:0e:0f", &hcx).unwrap();
        assert_eq!(e.read_handler("src", &hcx).unwrap(), "0a:0b:0c:0d:0e:0f");
        assert!(e.write_handler("ethertype", "zz", &hcx).is_err());
    }
}
