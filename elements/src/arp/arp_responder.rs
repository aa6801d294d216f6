//! `ARPResponder`: answers ARP requests for configured addresses and prefixes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt::Write as _;

use crate::element::args::{split_words, Args, ConfigError, FromArg, NoNames, Resolver};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::arp::{self, ArpHardware, ArpOperation, ArpPacket};
use crate::wire::ethernet::{self, EtherType, EthernetFrame};
use crate::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

/// Generates replies to ARP requests for the addresses it is told about.
///
/// # Synopsis
///
/// ```text
/// ARPResponder(IP/MASK [IP/MASK...] ETH, IP2/MASK2 ETH2, ...)
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Replies leave on output 0; requests it does not answer
/// leave on output 1 if it exists.
///
/// # Processing
///
/// Input and output 0 agnostic, output 1 push. In a pull path unanswered requests are
/// dropped.
///
/// # Description
///
/// Input should be ARP requests with their Ethernet header. If a request (at least 42
/// bytes, EtherType ARP, hardware Ethernet, protocol IPv4, operation request) asks for an
/// address inside one of the configured prefixes, ARPResponder emits a reply giving that
/// entry's Ethernet address, and drops the request; anything else goes to output 1. Each
/// argument is one or more prefixes (a bare address is a /32) and one Ethernet address, so
/// ARPResponder serves the host's own address and proxy ARP alike. The most specific prefix
/// wins; for the same prefix given twice, the later entry.
///
/// Replies are new 42-byte packets timestamped now, with the request's device and VLAN TCI
/// annotations.
///
/// # Example
///
/// ```text
/// // ARP requests: who has 192.0.2.1? tell 192.0.2.10
/// InfiniteSource(DATA \<ff ff ff ff ff ff 02 00 00 00 00 0a 08 06 00 01 08 00 06 04 00 01
///                       02 00 00 00 00 0a c0 00 02 0a 00 00 00 00 00 00 c0 00 02 01>,
///                LIMIT 3, STOP true)
///     -> c :: Classifier(12/0806 20/0001, -);
/// c[0] -> ar :: ARPResponder(192.0.2.1 02:00:00:00:00:01,
///                            198.51.100.0/24 02:00:00:00:00:01)
///      -> replies :: Counter -> Discard;   // 192.0.2.1 is-at 02:00:00:00:00:01: replies.count is 3
/// ar[1] -> unanswered :: Counter -> Discard;
/// c[1] -> Discard;   // not ARP requests
/// ```
///
/// # Handlers
///
/// - `table` (read): the entries, one `IP/MASK ETH` per line.
/// - `add` (write): adds entries, `IP/MASK [IP/MASK...] ETH`.
/// - `remove` (write): removes the entry for `IP/MASK`.
///
/// # See also
///
/// ARPQuerier, ARPFaker, AddressInfo.
#[derive(Debug)]
pub struct ARPResponder {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    dst: Ipv4Address,
    mask: Ipv4Address,
    ena: EthernetAddress,
}

/// Parses one `IP/MASK [IP/MASK...] ETH` argument into `v`, as Click's `ARPResponder::add`.
fn add(v: &mut Vec<Entry>, text: &str, names: &dyn Resolver) -> Result<(), &'static str> {
    let old = v.len();
    let words = split_words(text, 0);
    let mut ena = None;
    for w in &words {
        if let Ok(p) = Ipv4Prefix::from_arg(&w.text, names) {
            v.push(Entry {
                dst: p.address.mask(p.mask),
                mask: p.mask,
                ena: EthernetAddress::default(),
            });
        } else if let Ok(e) = EthernetAddress::from_arg(&w.text, names) {
            if ena.is_some() {
                v.truncate(old);
                return Err("more than one ETH");
            }
            ena = Some(e);
        } else {
            v.truncate(old);
            return Err("expected IP/MASK ETH");
        }
    }
    // An argument that is both an IP address and an Ethernet address (an AddressInfo name).
    if ena.is_none() {
        ena = words
            .iter()
            .find_map(|w| EthernetAddress::from_arg(&w.text, names).ok());
    }
    if v.len() == old {
        return Err("missing IP/MASK");
    }
    let Some(ena) = ena else {
        v.truncate(old);
        return Err("missing ETH");
    };
    for e in &mut v[old..] {
        e.ena = ena;
    }
    Ok(())
}

/// Click's entry order: more specific prefixes first; for the same prefix the later entry
/// first; otherwise as given. Then one entry per prefix.
fn normalize(v: &mut Vec<Entry>) {
    let cmp = |a: usize, b: usize, v: &[Entry]| -> Ordering {
        let (ea, eb) = (v[a], v[b]);
        if ea.dst == eb.dst && ea.mask == eb.mask {
            b.cmp(&a)
        } else if ea.dst.mask(eb.mask) == eb.dst {
            Ordering::Less
        } else if eb.dst.mask(ea.mask) == ea.dst {
            Ordering::Greater
        } else {
            a.cmp(&b)
        }
    };
    let mut order: Vec<usize> = (0..v.len()).collect();
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && cmp(order[j - 1], order[j], v) == Ordering::Greater {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut out: Vec<Entry> = Vec::with_capacity(v.len());
    for i in order {
        let e = v[i];
        if out
            .last()
            .is_none_or(|last| last.dst != e.dst || last.mask != e.mask)
        {
            out.push(e);
        }
    }
    *v = out;
}

/// Click's `unparse_with_mask`: the bare address for a /32.
fn unparse_with_mask(dst: Ipv4Address, mask: Ipv4Address) -> String {
    if mask == Ipv4Address::BROADCAST {
        format!("{dst}")
    } else {
        format!("{}", Ipv4Prefix { address: dst, mask })
    }
}

impl ARPResponder {
    /// The Ethernet address for `addr`, if an entry covers it.
    pub fn lookup(&self, addr: Ipv4Address) -> Option<EthernetAddress> {
        self.entries
            .iter()
            .find(|e| addr.mask(e.mask) == e.dst)
            .map(|e| e.ena)
    }

    /// The reply to `p`, if it is a request ARPResponder answers (and the pool has a slot).
    fn respond(&self, p: &Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let frame = EthernetFrame::new_checked(p.data()).ok()?;
        let request = ArpPacket::new_checked(frame.payload()).ok()?;
        if frame.ethertype() != EtherType::ARP
            || request.hardware_type() != ArpHardware::ETHERNET
            || request.protocol_type() != EtherType::IPV4
            || request.operation() != ArpOperation::REQUEST
        {
            return None;
        }
        let target = request.target_proto_addr();
        let ena = self.lookup(target)?;
        let mut q = cx.pool().make(ethernet::HEADER_LEN + arp::HEADER_LEN)?;
        let anno = q.anno_mut();
        anno.device = p.anno().device;
        anno.vlan_tci = p.anno().vlan_tci;
        anno.timestamp = cx.now();
        let mut reply = EthernetFrame::new_unchecked(q.data_mut());
        reply.set_dst_addr(request.sender_hw_addr());
        reply.set_src_addr(ena);
        reply.set_ethertype(EtherType::ARP);
        let mut arp = ArpPacket::new_unchecked(reply.payload_mut());
        arp.set_hardware_type(ArpHardware::ETHERNET);
        arp.set_protocol_type(EtherType::IPV4);
        arp.set_hardware_len(6);
        arp.set_protocol_len(4);
        arp.set_operation(ArpOperation::REPLY);
        arp.set_sender_hw_addr(ena);
        arp.set_sender_proto_addr(target);
        arp.set_target_hw_addr(request.sender_hw_addr());
        arp.set_target_proto_addr(request.sender_proto_addr());
        Some(q.into())
    }
}

impl Element for ARPResponder {
    const CLASS: &'static str = "ARPResponder";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let names = args.names();
        let mut entries = Vec::new();
        for (i, arg) in args.rest().into_iter().enumerate() {
            if let Err(e) = add(&mut entries, &arg.text, names) {
                args.error(arg.span, format!("argument {i}: {e}"));
            }
        }
        args.finish()?;
        normalize(&mut entries);
        Ok(ARPResponder { entries })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.respond(&p, cx) {
            Some(q) => {
                drop(p);
                out.push(0, q, cx);
            }
            // An unconnected output 1 drops the request, as Click's checked_output_push.
            None => out.push(1, p, cx),
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
        self.respond(&p, cx)
    }
}

impl Handlers for ARPResponder {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("table", "the entries, one IP/MASK ETH per line"),
        HandlerSpec::write("add", "add entries: IP/MASK [IP/MASK...] ETH"),
        HandlerSpec::write("remove", "remove the entry for IP/MASK"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "table" => {
                let mut s = String::new();
                for e in &self.entries {
                    let _ = writeln!(s, "{} {}", unparse_with_mask(e.dst, e.mask), e.ena);
                }
                s.pop();
                Ok(s)
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "add" => {
                let mut v = self.entries.clone();
                add(&mut v, value, &NoNames).map_err(|e| HandlerError::BadValue(e.into()))?;
                normalize(&mut v);
                self.entries = v;
                Ok(())
            }
            "remove" => {
                let p = Ipv4Prefix::from_arg(value.trim(), &NoNames)
                    .map_err(|_| HandlerError::BadValue("expected IP/MASK".into()))?;
                let dst = p.address.mask(p.mask);
                match self
                    .entries
                    .iter()
                    .position(|e| e.dst == dst && e.mask == p.mask)
                {
                    Some(i) => {
                        self.entries.remove(i);
                        Ok(())
                    }
                    None => Err(HandlerError::BadValue(format!(
                        "{} not found",
                        unparse_with_mask(dst, p.mask)
                    ))),
                }
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const TWO: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };
    const CORPUS: &str = "192.0.2.1 02:00:00:00:00:01,\n 198.51.100.0/24 02:00:00:00:00:01";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn corpus_09_replies_and_unanswered() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut ar: ARPResponder = configure(CORPUS, TWO).unwrap();
        let mut out = Collect::new();
        // in.pcap frames 0-5 of corpus case 09-arp-responder-querier.
        let input = [
            "ffffffffffff020000000a0a08060001080006040001020000000a0ac000020a000000000000c0000201",
            "ffffffffffff020000000a0b08060001080006040001020000000a0bc000020b000000000000c633644d",
            "ffffffffffff020000000a0c08060001080006040001020000000a0cc000020c000000000000c0000263",
            "ffffffffffff020000000a0d08060001080006040001020000000a0dc000020d000000000000c000020d",
            "ffffffffffff020000000a0e08060001080006040001020000000a0ec000020e0000",
            "ffffffffffff020000000a0f0806000186dd060a0001020000000a0f3139322e302e322e31350000000000003139322e302e322e31",
        ];
        for (i, f) in input.iter().enumerate() {
            let mut p: Packet = pool.packet(&hex(f)).unwrap().into();
            p.anno_mut().vlan_tci = i as u16;
            p.anno_mut().timestamp = Timestamp::from_secs(1_700_000_000);
            ar.push(0, p, &mut out, &mut cx);
        }
        // out-responder.pcap
        let replies: Vec<_> = out.port(0).iter().map(|p| p.data().to_vec()).collect();
        assert_eq!(
            replies,
            [
                hex("020000000a0a02000000000108060001080006040002020000000001c0000201020000000a0ac000020a"),
                hex("020000000a0b02000000000108060001080006040002020000000001c633644d020000000a0bc000020b"),
            ]
        );
        assert_eq!(out.port(0)[1].anno().vlan_tci, 1);
        assert_eq!(out.port(0)[1].anno().timestamp, Timestamp::SIMULATED_EPOCH);
        // out-unanswered.pcap: the requests themselves, unchanged.
        let unanswered: Vec<_> = out.port(1).iter().map(|p| p.data().to_vec()).collect();
        assert_eq!(
            unanswered,
            input[2..].iter().map(|f| hex(f)).collect::<Vec<_>>()
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn most_specific_and_latest_entry_wins() {
        let ar: ARPResponder = configure(
            "10.0.0.0/8 1:1:1:1:1:1, 10.1.0.0/16 10.2.0.1 2:2:2:2:2:2, 10.0.0.0/8 3:3:3:3:3:3",
            TWO,
        )
        .unwrap();
        assert_eq!(
            ar.lookup(Ipv4Address::new(10, 1, 2, 3)),
            Some(EthernetAddress([2; 6]))
        );
        assert_eq!(
            ar.lookup(Ipv4Address::new(10, 9, 9, 9)),
            Some(EthernetAddress([3; 6]))
        );
        assert_eq!(ar.lookup(Ipv4Address::new(11, 0, 0, 1)), None);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(
            ar.read_handler("table", &hcx).unwrap(),
            "10.1.0.0/16 02:02:02:02:02:02\n10.2.0.1 02:02:02:02:02:02\n10.0.0.0/8 03:03:03:03:03:03"
        );
    }

    #[test]
    fn configuration_errors_are_located() {
        let err = configure::<ARPResponder>("10.0.0.1, 1:1:1:1:1:1 2:2:2:2:2:2 10.0.0.2, x y", TWO)
            .unwrap_err();
        let msgs: Vec<_> = err.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "argument 0: missing ETH",
                "argument 1: more than one ETH",
                "argument 2: expected IP/MASK ETH"
            ]
        );
        assert_eq!((err.errors[1].span.start, err.errors[1].span.end), (10, 42));
        assert!(configure::<ARPResponder>("1:1:1:1:1:1", TWO).is_err());
    }

    #[test]
    fn add_and_remove_handlers() {
        let mut ar: ARPResponder = configure(CORPUS, TWO).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        ar.write_handler("add", "203.0.113.0/24 4:4:4:4:4:4", &hcx)
            .unwrap();
        assert_eq!(
            ar.lookup(Ipv4Address::new(203, 0, 113, 9)),
            Some(EthernetAddress([4; 6]))
        );
        ar.write_handler("remove", "203.0.113.0/24", &hcx).unwrap();
        assert_eq!(ar.lookup(Ipv4Address::new(203, 0, 113, 9)), None);
        assert!(ar.write_handler("remove", "203.0.113.0/24", &hcx).is_err());
        assert!(ar.write_handler("add", "garbage", &hcx).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut ar: ARPResponder = configure("0.0.0.0/0 1:1:1:1:1:1", TWO).unwrap();
            let mut out = Collect::new();
            ar.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
            proptest::prop_assert_eq!(out.total(), 1);
            drop(out);
            proptest::prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
