//! `ARPQuerier`: puts Ethernet headers on IP packets, finding destinations with ARP.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::time::Duration;

use crate::element::args::{split_words, Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Raw;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Level, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::{Packet, Timestamp, WritablePacket};
use crate::wire::arp::{self, ArpHardware, ArpOperation, ArpPacket};
use crate::wire::ethernet::{self, EtherType, EthernetFrame};
use crate::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

/// Click's clock tick for ARP: one jiffy is a millisecond (`CLICK_HZ` 1000 at user level).
const HZ: i64 = 1000;

/// Encapsulates IP packets in Ethernet headers, resolving destinations with ARP.
///
/// # Synopsis
///
/// ```text
/// ARPQuerier(IP, ETH [, keywords])
/// ARPQuerier(NAME [, keywords])
/// ```
///
/// # Ports
///
/// Two inputs: IP packets (with their destination address annotation set) on input 0, ARP
/// replies (with Ethernet header) on input 1. One or two outputs: Ethernet frames on output
/// 0; ARP queries on output 1 if it exists, otherwise on output 0.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// `IP` is this host's address (a prefix such as `192.0.2.1/24` also gives the subnet
/// broadcast address) and `ETH` its Ethernet address; one AddressInfo `NAME` can stand for
/// both. For each IP packet ARPQuerier prepends an Ethernet header (type 0x0800, source
/// `ETH`) whose destination is:
///
/// - the known address for the annotation's destination IP, if the table has one (and,
///   after `POLL_TIMEOUT`, a unicast poll is sent to renew it);
/// - ff:ff:ff:ff:ff:ff for 255.255.255.255 and the `BROADCAST` address;
/// - 01:00:5e plus the low 23 bits for multicast addresses (RFC 1112).
///
/// Packets for 0.0.0.0 are dropped (with one warning). For other addresses the packet is
/// held and an ARP query broadcast, at most one per address per 100 ms (after 10 unanswered
/// queries, one per 2 s). Queries carry the triggering packet's timestamp and VLAN TCI
/// annotation. An ARP reply on input 1 (even unsolicited) is learned and releases the
/// address's held packets, in arrival order.
///
/// Keywords: `CAPACITY` (held packets in all, default 2048, 0 for no limit),
/// `ENTRY_CAPACITY` (table entries, default 0: no limit), `ENTRY_PACKET_CAPACITY` (held
/// packets per address, default 0: no limit), `CAPACITY_SLIM_FACTOR` (default 2: when
/// `CAPACITY` is exceeded, the oldest entries' packets are dropped until `CAPACITY - CAPACITY
/// / factor` remain), `TIMEOUT` (entry lifetime, default 5 minutes, 0 for ever),
/// `POLL_TIMEOUT` (default 1 minute, 0 for no polls), `BROADCAST` (IP address),
/// `BROADCAST_POLL` (boolean: send polls broadcast). Click's `TABLE` (a shared ARPTable) is
/// not supported.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets from 192.0.2.1 to 192.0.2.2
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 f6 c8 c0 00 02 01 c0 00 02 02
///                       04 d2 00 09 00 0c 98 26 70 69 6e 67>, LIMIT 5, STOP true)
///     -> GetIPAddress(16) -> [0]arpq :: ARPQuerier(192.0.2.1, 02:00:00:00:00:01);
/// // one ARP reply: 192.0.2.2 is-at 02:00:00:00:00:02
/// InfiniteSource(DATA \<02 00 00 00 00 01 02 00 00 00 00 02 08 06 00 01 08 00 06 04 00 02
///                       02 00 00 00 00 02 c0 00 02 02 02 00 00 00 00 01 c0 00 02 01>, LIMIT 1)
///     -> [1]arpq;
/// arpq[0] -> out :: Counter -> Discard;      // the IP packets in Ethernet frames: out.count is 5
/// arpq[1] -> queries :: Counter -> Discard;  // who-has 192.0.2.2, until the reply came
/// ```
///
/// # Handlers
///
/// - `table` (read): one line per entry, oldest first: IP, 1 if known else 0, Ethernet
///   address, time since last update.
/// - `stats` (read): `N packets killed` and `N ARP queries sent`, one per line.
/// - `count` (read): table entries. `length` (read): held packets.
/// - `queries`, `responses`, `drops` (read): queries sent, replies received (42 bytes or
///   more), packets dropped by ARPQuerier itself (not by the table's limits).
/// - `ipaddr` (read/write), `broadcast` (read/write): the addresses.
/// - `insert` (write): `IP ETH` adds an entry. `delete` (write): `IP` forgets one.
/// - `clear` (write): empties the table and zeroes the counters.
///
/// # See also
///
/// ARPResponder, ARPTable, AddressInfo.
#[derive(Debug)]
pub struct ARPQuerier {
    name: String,
    my_ip: Ipv4Address,
    my_en: EthernetAddress,
    bcast: Ipv4Address,
    poll_timeout_j: i64,
    broadcast_poll: bool,
    outputs: usize,
    table: ArpTable,
    queries: u32,
    responses: u32,
    drops: u32,
    zero_warned: bool,
    next_expiry: Option<Timestamp>,
}

/// One address in the table.
#[derive(Debug)]
struct Entry {
    eth: EthernetAddress,
    known: bool,
    polls: u8,
    live_at: i64,
    polled_at: i64,
    /// Place in Click's age list, together with `live_at`.
    seq: i64,
    packets: VecDeque<WritablePacket>,
}

impl Entry {
    fn expired(&self, now: i64, timeout: i64) -> bool {
        timeout != 0 && self.live_at + timeout < now
    }

    fn is_known(&self, now: i64, timeout: i64) -> bool {
        self.known && !self.expired(now, timeout)
    }

    fn allow_poll(&self, now: i64) -> bool {
        let wait = if self.polls >= 10 { HZ * 2 } else { HZ / 10 };
        now >= self.polled_at + wait
    }

    fn mark_poll(&mut self, now: i64) {
        self.polled_at = now;
        self.polls = self.polls.saturating_add(1);
    }
}

/// Click's ARPTable: entries by address, ordered by age (`live_at`, then `seq`).
#[derive(Debug)]
struct ArpTable {
    entries: BTreeMap<Ipv4Address, Entry>,
    seq: i64,
    packet_count: u32,
    entry_capacity: u32,
    packet_capacity: u32,
    entry_packet_capacity: u32,
    slim_factor: u32,
    timeout_j: i64,
    drops: u32,
}

impl ArpTable {
    fn next_seq(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    /// Addresses oldest first.
    fn age_order(&self) -> Vec<Ipv4Address> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .map(|(ip, e)| ((e.live_at, e.seq), *ip))
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, ip)| ip).collect()
    }

    fn oldest(&self) -> Option<Ipv4Address> {
        self.entries
            .iter()
            .min_by_key(|(_, e)| (e.live_at, e.seq))
            .map(|(ip, _)| *ip)
    }

    /// Click's `slim`: drops expired entries and entries over `ENTRY_CAPACITY` (counting
    /// `pending` entries about to be added), then held packets over `CAPACITY`.
    fn slim(&mut self, now: i64, pending: usize) {
        while let Some(ip) = self.oldest() {
            let over = self.entry_capacity != 0
                && self.entries.len() + pending > self.entry_capacity as usize;
            if !(over || self.entries[&ip].expired(now, self.timeout_j)) {
                break;
            }
            if let Some(e) = self.entries.remove(&ip) {
                self.packet_count -= e.packets.len() as u32;
                self.drops += e.packets.len() as u32;
            }
        }
        if self.packet_capacity != 0 && self.packet_count > self.packet_capacity {
            let slim_capacity =
                (self.packet_capacity - self.packet_capacity / self.slim_factor).max(1);
            for ip in self.age_order() {
                let Some(e) = self.entries.get_mut(&ip) else {
                    continue;
                };
                while self.packet_count > slim_capacity && e.packets.pop_front().is_some() {
                    self.packet_count -= 1;
                    self.drops += 1;
                }
                if self.packet_count <= slim_capacity {
                    break;
                }
            }
        }
    }

    fn ensure(&mut self, ip: Ipv4Address, now: i64) {
        if !self.entries.contains_key(&ip) {
            if self.entry_capacity != 0 && self.entries.len() + 1 > self.entry_capacity as usize {
                self.slim(now, 1);
            }
            let seq = self.next_seq();
            self.entries.insert(
                ip,
                Entry {
                    eth: EthernetAddress::BROADCAST,
                    known: false,
                    polls: 0,
                    live_at: now,
                    polled_at: now - HZ,
                    seq,
                    packets: VecDeque::new(),
                },
            );
        }
    }

    /// The address for `ip` if known, and whether to poll it now.
    fn lookup(
        &mut self,
        ip: Ipv4Address,
        now: i64,
        poll_timeout: i64,
    ) -> Option<(EthernetAddress, bool)> {
        let timeout = self.timeout_j;
        let e = self.entries.get_mut(&ip)?;
        if !e.is_known(now, timeout) {
            return None;
        }
        let poll = poll_timeout != 0 && now >= e.live_at + poll_timeout && e.allow_poll(now);
        if poll {
            e.mark_poll(now);
        }
        Some((e.eth, poll))
    }

    /// Records `ip`'s address (broadcast means unknown); returns its held packets if `take`.
    fn insert(
        &mut self,
        ip: Ipv4Address,
        eth: EthernetAddress,
        now: i64,
        take: bool,
    ) -> VecDeque<WritablePacket> {
        self.ensure(ip, now);
        let seq = self.next_seq();
        let Some(e) = self.entries.get_mut(&ip) else {
            return VecDeque::new();
        };
        e.eth = eth;
        e.known = !eth.is_broadcast();
        e.live_at = now;
        e.polls = 0;
        e.polled_at = now - HZ;
        e.seq = seq;
        if take {
            let packets = core::mem::take(&mut e.packets);
            self.packet_count -= packets.len() as u32;
            packets
        } else {
            VecDeque::new()
        }
    }

    /// Holds `q` for `ip`: `Ok(true)` if a query should go out now, `Err` if it is refused.
    fn append_query(
        &mut self,
        ip: Ipv4Address,
        q: WritablePacket,
        now: i64,
    ) -> Result<bool, WritablePacket> {
        self.ensure(ip, now);
        let timeout = self.timeout_j;
        let seq = self.next_seq();
        let Some(e) = self.entries.get_mut(&ip) else {
            return Err(q);
        };
        // Keep an entry still in use just this side of expiring (Click's fix of 2009).
        if timeout != 0 && e.live_at < now - timeout {
            e.live_at = now - timeout;
            e.seq = -seq;
        }
        if self.entry_packet_capacity != 0 && e.packets.len() >= self.entry_packet_capacity as usize
        {
            self.drops += 1;
            return Err(q);
        }
        self.packet_count += 1;
        if self.packet_capacity != 0 && self.packet_count > self.packet_capacity {
            self.slim(now, 0);
        }
        self.ensure(ip, now);
        let Some(e) = self.entries.get_mut(&ip) else {
            self.packet_count -= 1;
            return Err(q);
        };
        e.packets.push_back(q);
        if e.allow_poll(now) {
            e.mark_poll(now);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn clear(&mut self) {
        for e in self.entries.values() {
            self.drops += e.packets.len() as u32;
        }
        self.entries.clear();
        self.packet_count = 0;
    }
}

/// Milliseconds since the epoch, Click's jiffies.
fn jiffies(t: Timestamp) -> i64 {
    (t.as_nanos() / 1_000_000) as i64
}

/// A duration in jiffies; as in Click, 0 (never) if it is too long for 32-bit jiffies.
fn duration_jiffies(d: Duration) -> i64 {
    if d.as_secs() >= u64::from(u32::MAX) / HZ as u64 {
        0
    } else {
        d.as_millis() as i64
    }
}

/// What a query needs from the packet that triggered it.
#[derive(Clone, Copy)]
struct QueryFor {
    timestamp: Timestamp,
    vlan_tci: u16,
    ip: Ipv4Address,
}

impl ARPQuerier {
    fn send_query<O: Output + ?Sized>(
        &mut self,
        why: QueryFor,
        to: Option<EthernetAddress>,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let Some(mut q) = cx.pool().make(ethernet::HEADER_LEN + arp::HEADER_LEN) else {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("in arp querier: cannot make packet!"),
            );
            return;
        };
        q.anno_mut().timestamp = why.timestamp;
        q.anno_mut().vlan_tci = why.vlan_tci;
        let mut frame = EthernetFrame::new_unchecked(q.data_mut());
        let dst = match to {
            Some(eth) if !self.broadcast_poll => eth,
            _ => EthernetAddress::BROADCAST,
        };
        frame.set_dst_addr(dst);
        frame.set_src_addr(self.my_en);
        frame.set_ethertype(EtherType::ARP);
        let mut a = ArpPacket::new_unchecked(frame.payload_mut());
        a.set_hardware_type(ArpHardware::ETHERNET);
        a.set_protocol_type(EtherType::IPV4);
        a.set_hardware_len(6);
        a.set_protocol_len(4);
        a.set_operation(ArpOperation::REQUEST);
        a.set_sender_hw_addr(self.my_en);
        a.set_sender_proto_addr(self.my_ip);
        a.set_target_hw_addr(EthernetAddress([0; 6]));
        a.set_target_proto_addr(why.ip);
        self.queries += 1;
        out.push(self.outputs.saturating_sub(1), q.into(), cx);
    }

    /// Click's `handle_ip` after the Ethernet header is in place.
    fn resolve<O: Output + ?Sized>(
        &mut self,
        mut q: WritablePacket,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let now = jiffies(cx.now());
        let dst_ip = q.anno().dst_ip;
        let why = QueryFor {
            timestamp: q.anno().timestamp,
            vlan_tci: q.anno().vlan_tci,
            ip: dst_ip,
        };
        let dst = if let Some((eth, poll)) = self.table.lookup(dst_ip, now, self.poll_timeout_j) {
            if poll {
                self.send_query(why, Some(eth), out, cx);
            }
            eth
        } else if dst_ip == Ipv4Address::BROADCAST || dst_ip == self.bcast {
            EthernetAddress::BROADCAST
        } else if dst_ip.is_multicast() {
            let a = dst_ip.to_u32();
            EthernetAddress([
                0x01,
                0x00,
                0x5e,
                ((a >> 16) & 0x7f) as u8,
                (a >> 8) as u8,
                a as u8,
            ])
        } else {
            if dst_ip.is_unspecified() {
                if !self.zero_warned {
                    cx.log(
                        Level::Warning,
                        &self.name,
                        format_args!("would query for 0.0.0.0; missing dest IP addr annotation?"),
                    );
                    self.zero_warned = true;
                }
                self.drops += 1;
            } else if let Ok(true) = self.table.append_query(dst_ip, q, now) {
                self.send_query(why, None, out, cx);
            }
            return;
        };
        let mut frame = EthernetFrame::new_unchecked(q.data_mut());
        frame.set_dst_addr(dst);
        frame.set_src_addr(self.my_en);
        out.push(0, q.into(), cx);
    }

    fn handle_ip<O: Output + ?Sized>(&mut self, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if self.my_ip.is_unspecified() {
            self.drops += 1;
            return;
        }
        let Ok(mut q) = p.make_unique(cx.pool()) else {
            self.drops += 1;
            return;
        };
        let Ok(header) = q.push_front(ethernet::HEADER_LEN) else {
            self.drops += 1;
            return;
        };
        EthernetFrame::new_unchecked(header).set_ethertype(EtherType::IPV4);
        self.resolve(q, out, cx);
    }

    fn handle_response<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let Ok(frame) = EthernetFrame::new_checked(p.data()) else {
            return;
        };
        let Ok(reply) = ArpPacket::new_checked(frame.payload()) else {
            return;
        };
        self.responses += 1;
        let (ip, eth) = (reply.sender_proto_addr(), reply.sender_hw_addr());
        if frame.ethertype() != EtherType::ARP
            || reply.hardware_type() != ArpHardware::ETHERNET
            || reply.protocol_type() != EtherType::IPV4
            || reply.operation() != ArpOperation::REPLY
            || eth.is_multicast()
        {
            return;
        }
        drop(p);
        let held = self.table.insert(ip, eth, jiffies(cx.now()), true);
        for q in held {
            self.resolve(q, out, cx);
        }
    }

    fn table_text(&self, now: Timestamp) -> String {
        let now = jiffies(now);
        let mut s = String::new();
        for ip in self.table.age_order() {
            let e = &self.table.entries[&ip];
            let age = (now - e.live_at).max(0) as u64;
            let age = Timestamp(age * 1_000_000);
            let ok = u8::from(e.is_known(now, self.table.timeout_j));
            let _ = writeln!(
                s,
                "{ip} {ok} {} {}.{:09}",
                e.eth,
                age.secs(),
                age.subsec_nanos()
            );
        }
        s.pop();
        s
    }
}

impl Element for ARPQuerier {
    const CLASS: &'static str = "ARPQuerier";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(2), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let packet_capacity = args.keyword::<u32>("CAPACITY").unwrap_or(2048);
        let entry_capacity = args.keyword::<u32>("ENTRY_CAPACITY").unwrap_or(0);
        let entry_packet_capacity = args.keyword::<u32>("ENTRY_PACKET_CAPACITY").unwrap_or(0);
        let slim_factor = args.keyword::<u32>("CAPACITY_SLIM_FACTOR");
        if slim_factor == Some(0) {
            let span = args.last_span();
            args.error(span, "CAPACITY_SLIM_FACTOR cannot be zero");
        }
        let timeout = args
            .keyword::<Duration>("TIMEOUT")
            .unwrap_or(Duration::from_secs(300));
        let broadcast = args.keyword::<Ipv4Address>("BROADCAST");
        if args.keyword::<Raw>("TABLE").is_some() {
            let span = args.last_span();
            args.error(
                span,
                "TABLE is not supported (ARPQuerier keeps its own table)",
            );
        }
        let poll_timeout = args
            .keyword::<Duration>("POLL_TIMEOUT")
            .unwrap_or(Duration::from_secs(60));
        let broadcast_poll = args.keyword::<bool>("BROADCAST_POLL").unwrap_or(false);

        // One argument stands for both IP and ETH (an AddressInfo name).
        let names = args.names();
        let Raw(ip_text) = args.mandatory::<Raw>("IP");
        let ip_span = args.last_span();
        let eth = args
            .positional::<Raw>("ETH")
            .map(|Raw(t)| (t, args.last_span()));
        let (mut my_ip, mut mask, mut my_en) = (
            Ipv4Address::UNSPECIFIED,
            Ipv4Address::BROADCAST,
            EthernetAddress::default(),
        );
        if !ip_text.is_empty() {
            match Ipv4Prefix::from_arg(&ip_text, names) {
                Ok(p) => (my_ip, mask) = (p.address, p.mask),
                Err(e) => args.error(ip_span, format!("IP: {e}")),
            }
            let (eth_text, eth_span) = eth.unwrap_or((ip_text, ip_span));
            match EthernetAddress::from_arg(&eth_text, names) {
                Ok(e) => my_en = e,
                Err(e) => args.error(eth_span, format!("ETH: {e}")),
            }
        }
        args.finish()?;

        let bcast = broadcast.unwrap_or_else(|| {
            let b = Ipv4Address::from_u32(my_ip.to_u32() | !mask.to_u32());
            if b == my_ip {
                Ipv4Address::BROADCAST
            } else {
                b
            }
        });
        Ok(ARPQuerier {
            name: cx.name.to_string(),
            my_ip,
            my_en,
            bcast,
            poll_timeout_j: duration_jiffies(poll_timeout),
            broadcast_poll,
            outputs: cx.ports.outputs.max(1),
            table: ArpTable {
                entries: BTreeMap::new(),
                seq: 0,
                packet_count: 0,
                entry_capacity,
                packet_capacity,
                entry_packet_capacity,
                slim_factor: slim_factor.unwrap_or(2).max(1),
                timeout_j: duration_jiffies(timeout),
                drops: 0,
            },
            queries: 0,
            responses: 0,
            drops: 0,
            zero_warned: false,
            next_expiry: None,
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        if self.table.timeout_j != 0 {
            let secs = (self.table.timeout_j / HZ) as u64;
            self.next_expiry = Some(Timestamp(cx.now().as_nanos() + secs * 1_000_000_000));
        }
        Ok(())
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        port: usize,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        if port == 0 {
            self.handle_ip(p, out, cx);
        } else {
            self.handle_response(p, out, cx);
        }
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.next_expiry
    }

    fn run_timer<O: Output + ?Sized>(&mut self, _: &mut O, cx: &mut Context<'_>) {
        self.table.slim(jiffies(cx.now()), 0);
        if self.table.timeout_j != 0 {
            let secs = (self.table.timeout_j / HZ) as u64 + 1;
            self.next_expiry = Some(Timestamp(cx.now().as_nanos() + secs * 1_000_000_000));
        } else {
            self.next_expiry = None;
        }
    }
}

impl Handlers for ARPQuerier {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("table", "the ARP table, oldest entry first"),
        HandlerSpec::read("stats", "packets killed and ARP queries sent"),
        HandlerSpec::read("count", "entries in the table"),
        HandlerSpec::read("length", "packets held in the table"),
        HandlerSpec::read("queries", "ARP queries sent"),
        HandlerSpec::read("responses", "ARP replies received"),
        HandlerSpec::read("drops", "packets dropped"),
        HandlerSpec::read_write("broadcast", "the IP broadcast address"),
        HandlerSpec::read_write("ipaddr", "this host's IP address"),
        HandlerSpec::write("insert", "add an entry: IP ETH"),
        HandlerSpec::write("delete", "forget an entry: IP"),
        HandlerSpec::write("clear", "empty the table and zero the counters"),
    ];

    fn read_handler(&self, name: &str, cx: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "table" => self.table_text(cx.now),
            "stats" => format!(
                "{} packets killed\n{} ARP queries sent",
                self.drops + self.table.drops,
                self.queries
            ),
            "count" => self.table.entries.len().to_string(),
            "length" => self.table.packet_count.to_string(),
            "queries" => self.queries.to_string(),
            "responses" => self.responses.to_string(),
            "drops" => self.drops.to_string(),
            "broadcast" => self.bcast.to_string(),
            "ipaddr" => self.my_ip.to_string(),
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::readable,
                    HandlerError::NotReadable,
                ))
            }
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let words = split_words(value, 0);
        let ip_arg = |i: usize| -> Result<Ipv4Address, HandlerError> {
            let w = words
                .get(i)
                .ok_or_else(|| HandlerError::BadValue("missing mandatory IP argument".into()))?;
            Ipv4Address::from_arg(&w.text, &NoNames)
                .map_err(|e| HandlerError::BadValue(format!("IP: {e}")))
        };
        let now = jiffies(cx.now);
        match name {
            "insert" | "delete" => {
                let ip = ip_arg(0)?;
                let eth = if name == "insert" {
                    let w = words.get(1).ok_or_else(|| {
                        HandlerError::BadValue("missing mandatory ETH argument".into())
                    })?;
                    EthernetAddress::from_arg(&w.text, &NoNames)
                        .map_err(|e| HandlerError::BadValue(format!("ETH: {e}")))?
                } else {
                    EthernetAddress::BROADCAST
                };
                let extra = if name == "insert" { 2 } else { 1 };
                if words.len() > extra {
                    return Err(HandlerError::BadValue("too many arguments".into()));
                }
                // Click's insert leaves held packets queued.
                self.table.insert(ip, eth, now, false);
            }
            "clear" => {
                self.queries = 0;
                self.drops = 0;
                self.responses = 0;
                self.table.clear();
            }
            "broadcast" => self.bcast = ip_arg(0)?,
            "ipaddr" => self.my_ip = ip_arg(0)?,
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::writable,
                    HandlerError::NotWritable,
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, KeepLog};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};

    const ONE: Ports = Ports {
        inputs: 2,
        outputs: 1,
    };
    const TWO: Ports = Ports {
        inputs: 2,
        outputs: 2,
    };

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hcx(now: Timestamp) -> HandlerContext {
        HandlerContext { now }
    }

    /// An IP packet (no Ethernet header) to `dst`, with its annotation set.
    fn ip_to(pool: &Pool, dst: Ipv4Address, ts: Timestamp) -> Packet {
        let mut data = [0u8; 20];
        data[0] = 0x45;
        data[16..20].copy_from_slice(&dst.octets());
        let mut p: Packet = pool.packet(&data).unwrap().into();
        p.anno_mut().dst_ip = dst;
        p.anno_mut().timestamp = ts;
        p
    }

    fn reply(pool: &Pool, ip: Ipv4Address, eth: [u8; 6]) -> Packet {
        let mut f = hex(
            "0200000000010000000000000806000108000604000200000000000000000000020000000001c0000201",
        );
        f[6..12].copy_from_slice(&eth);
        f[22..28].copy_from_slice(&eth);
        f[28..32].copy_from_slice(&ip.octets());
        pool.packet(&f).unwrap().into()
    }

    #[test]
    fn corpus_09_querier() {
        // Frames 6-20 of in.pcap of corpus case 09-arp-responder-querier that the Classifier
        // sends to the querier (ARP replies to input 1; IP, stripped, to input 0 with the
        // destination annotation CheckIPHeader sets), and out-querier.pcap.
        let input: [(u64, &str); 14] = [
            (6, "020000000101020000000b050800450000280001000040118e81c6336405c000020a03e900070014369001080f161d242b323940474e"),
            (7, "020000000101020000000b050800450000280002000040118e80c6336405c000020a03ea000700143089020910171e252c333a41484f"),
            (8, "020000000101020000000b050800450000280003000040118e75c6336405c000021403eb000700142a78030a11181f262d343b424950"),
            (9, "020000000001020000000a0a08060001080006040002020000000a0ac000020a020000000001c0000201"),
            (10, "020000000101020000000b050800450000280004000040118e7ec6336405c000020a03ec00070014247b040b121920272e353c434a51"),
            (11, "020000000101020000000b050800450000280005000040115088c6336405ffffffff03ed00070014e07e050c131a21282f363d444b52"),
            (12, "020000000101020000000b050800450000280006000040118d87c6336405c00002ff03ee000700141778060d141b222930373e454c53"),
            (13, "020000000101020000000b050800450000280007000040116f8ac6336405e00000fb03ef00070014f374070e151c232a31383f464d54"),
            (14, "020000000101020000000b050800450000280008000040119883c6336405efffc80103f0000700141668080f161d242b323940474e55"),
            (15, "020000000101020000000b05080045000028000b000040115082c63364050000000003f300070014bc540b121920272e353c434a5158"),
            (16, "020000000001020000000a1e08060001080006040002020000000a1ec000021e020000000001c0000201"),
            (17, "020000000101020000000b050800450000280009000040118e65c6336405c000021e03f10007001406440910171e252c333a41484f56"),
            (19, "020000000001020000000a1408060001080006040002020000000a14c0000214020000000001c0000201"),
            (20, "020000000101020000000b05080045000028000a000040118e6dc6336405c000021503f20007001400460a11181f262d343b42495057"),
        ];
        let expected: [(u64, &str); 12] = [
            (6, "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c000020a"),
            (8, "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000214"),
            (6, "020000000a0a0200000000010800450000280001000040118e81c6336405c000020a03e900070014369001080f161d242b323940474e"),
            (7, "020000000a0a0200000000010800450000280002000040118e80c6336405c000020a03ea000700143089020910171e252c333a41484f"),
            (10, "020000000a0a0200000000010800450000280004000040118e7ec6336405c000020a03ec00070014247b040b121920272e353c434a51"),
            (11, "ffffffffffff0200000000010800450000280005000040115088c6336405ffffffff03ed00070014e07e050c131a21282f363d444b52"),
            (12, "ffffffffffff0200000000010800450000280006000040118d87c6336405c00002ff03ee000700141778060d141b222930373e454c53"),
            (13, "01005e0000fb0200000000010800450000280007000040116f8ac6336405e00000fb03ef00070014f374070e151c232a31383f464d54"),
            (14, "01005e7fc8010200000000010800450000280008000040119883c6336405efffc80103f0000700141668080f161d242b323940474e55"),
            (17, "020000000a1e0200000000010800450000280009000040118e65c6336405c000021e03f10007001406440910171e252c333a41484f56"),
            (8, "020000000a140200000000010800450000280003000040118e75c6336405c000021403eb000700142a78030a11181f262d343b424950"),
            (20, "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000215"),
        ];
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: ARPQuerier =
            configure("192.0.2.1, 02:00:00:00:00:01, BROADCAST 192.0.2.255", ONE).unwrap();
        q.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        let base = 1_700_000_000_000_000_000u64;
        for (ms, f) in input {
            let bytes = hex(f);
            let ts = Timestamp(base + ms * 1_000_000);
            let mut p: Packet = pool.packet(&bytes).unwrap().into();
            p.anno_mut().timestamp = ts;
            if bytes[12..14] == [0x08, 0x06] {
                q.push(1, p, &mut out, &mut cx);
            } else {
                let mut p = p;
                p.pull(14).unwrap();
                p.anno_mut().dst_ip = Ipv4Address::from_bytes(&p.data()[16..20]).unwrap();
                q.push(0, p, &mut out, &mut cx);
            }
        }
        let got: Vec<_> = out
            .port(0)
            .iter()
            .map(|p| {
                (
                    (p.anno().timestamp.as_nanos() - base) / 1_000_000,
                    p.data().to_vec(),
                )
            })
            .collect();
        let want: Vec<_> = expected.iter().map(|(ms, f)| (*ms, hex(f))).collect();
        assert_eq!(got, want);
        // out-handlers.txt
        let h = hcx(Timestamp::SIMULATED_EPOCH);
        let read = |n: &str| q.read_handler(n, &h).unwrap();
        assert_eq!(
            [
                read("queries"),
                read("responses"),
                read("drops"),
                read("count"),
                read("length")
            ],
            ["3", "3", "1", "4", "1"]
        );
        assert_eq!(log.messages.len(), 1);
        assert!(log.messages[0]
            .1
            .ends_with("would query for 0.0.0.0; missing dest IP addr annotation?"));
        assert_eq!(
            read("table"),
            "192.0.2.10 1 02:00:00:00:0a:0a 0.000000000\n\
             192.0.2.30 1 02:00:00:00:0a:1e 0.000000000\n\
             192.0.2.20 1 02:00:00:00:0a:14 0.000000000\n\
             192.0.2.21 0 ff:ff:ff:ff:ff:ff 0.000000000"
        );
        drop(out);
        drop(q);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn queries_rate_limit_and_second_output() {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: ARPQuerier = configure("192.0.2.1/24, 02:00:00:00:00:01", TWO).unwrap();
        let h = hcx(Timestamp::SIMULATED_EPOCH);
        assert_eq!(q.read_handler("broadcast", &h).unwrap(), "192.0.2.255");
        let mut out = Collect::new();
        let dst = Ipv4Address::new(192, 0, 2, 7);
        let t0 = Timestamp::SIMULATED_EPOCH;
        q.push(0, ip_to(&pool, dst, t0), &mut out, &mut cx);
        q.push(0, ip_to(&pool, dst, t0), &mut out, &mut cx);
        assert_eq!((out.count(0), out.count(1)), (0, 1), "one query per 100 ms");
        cx.set_now(Timestamp(t0.as_nanos() + 100_000_000));
        q.push(0, ip_to(&pool, dst, t0), &mut out, &mut cx);
        assert_eq!(out.count(1), 2);
        // Ten unanswered queries slow down to one per 2 s.
        for i in 2..=20u64 {
            cx.set_now(Timestamp(t0.as_nanos() + i * 100_000_000));
            q.push(0, ip_to(&pool, dst, t0), &mut out, &mut cx);
        }
        assert_eq!(out.count(1), 10);
        assert_eq!(q.read_handler("length", &h).unwrap(), "22");
        q.push(1, reply(&pool, dst, [2, 0, 0, 0, 0, 7]), &mut out, &mut cx);
        assert_eq!(out.count(0), 22);
        assert_eq!(&out.port(0)[0].data()[..6], [2, 0, 0, 0, 0, 7]);
        assert_eq!(q.read_handler("length", &h).unwrap(), "0");
        drop(out);
        drop(q);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn capacities_drop_held_packets() {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: ARPQuerier = configure(
            "10.0.0.1, 02:00:00:00:00:01, ENTRY_PACKET_CAPACITY 2, CAPACITY 4",
            ONE,
        )
        .unwrap();
        let mut out = Collect::new();
        let t = Timestamp::SIMULATED_EPOCH;
        for _ in 0..3 {
            q.push(
                0,
                ip_to(&pool, Ipv4Address::new(10, 0, 0, 2), t),
                &mut out,
                &mut cx,
            );
        }
        let h = hcx(t);
        assert_eq!(q.read_handler("length", &h).unwrap(), "2");
        for d in 3..6 {
            q.push(
                0,
                ip_to(&pool, Ipv4Address::new(10, 0, 0, d), t),
                &mut out,
                &mut cx,
            );
        }
        // The fifth held packet exceeds CAPACITY 4: counting it, the oldest entries'
        // packets go until 4 - 4/2 = 2 remain (Click counts the new packet before slimming).
        assert_eq!(q.read_handler("length", &h).unwrap(), "2");
        assert_eq!(
            q.read_handler("stats", &h).unwrap(),
            "4 packets killed\n4 ARP queries sent"
        );
        assert_eq!(q.read_handler("drops", &h).unwrap(), "0");
        drop(q);
        // ENTRY_CAPACITY forgets the oldest entry.
        let mut q: ARPQuerier =
            configure("10.0.0.1, 02:00:00:00:00:01, ENTRY_CAPACITY 2", ONE).unwrap();
        for d in 2..5 {
            q.push(
                0,
                ip_to(&pool, Ipv4Address::new(10, 0, 0, d), t),
                &mut out,
                &mut cx,
            );
        }
        assert_eq!(q.read_handler("count", &h).unwrap(), "2");
        assert!(!q.read_handler("table", &h).unwrap().contains("10.0.0.2 "));
        drop((out, q));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn entries_expire_on_the_timer_and_poll_after_poll_timeout() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: ARPQuerier = configure(
            "10.0.0.1, 02:00:00:00:00:01, TIMEOUT 10, POLL_TIMEOUT 5",
            ONE,
        )
        .unwrap();
        q.initialize(&mut cx).unwrap();
        let t0 = Timestamp::SIMULATED_EPOCH.as_nanos();
        assert_eq!(q.next_timer(), Some(Timestamp(t0 + 10_000_000_000)));
        let h = hcx(Timestamp::SIMULATED_EPOCH);
        q.write_handler("insert", "10.0.0.9 02:00:00:00:00:09", &h)
            .unwrap();
        let mut out = Collect::new();
        let dst = Ipv4Address::new(10, 0, 0, 9);
        cx.set_now(Timestamp(t0 + 6_000_000_000));
        q.push(0, ip_to(&pool, dst, cx.now()), &mut out, &mut cx);
        // A unicast poll, then the packet.
        assert_eq!(out.count(0), 2);
        assert_eq!(&out.port(0)[0].data()[..6], [2, 0, 0, 0, 0, 9]);
        assert_eq!(&out.port(0)[0].data()[12..14], [8, 6]);
        let h6 = hcx(cx.now());
        assert_eq!(
            q.read_handler("table", &h6).unwrap(),
            "10.0.0.9 1 02:00:00:00:00:09 6.000000000"
        );
        cx.set_now(Timestamp(t0 + 10_000_000_001 + 1_000_000));
        q.run_timer(&mut out, &mut cx);
        assert_eq!(q.read_handler("count", &h6).unwrap(), "0");
        assert_eq!(
            q.next_timer(),
            Some(Timestamp(cx.now().as_nanos() + 11_000_000_000))
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn handlers_insert_delete_clear() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: ARPQuerier = configure("10.0.0.1, 02:00:00:00:00:01", ONE).unwrap();
        let h = hcx(Timestamp::SIMULATED_EPOCH);
        let mut out = Collect::new();
        let dst = Ipv4Address::new(10, 0, 0, 5);
        q.push(0, ip_to(&pool, dst, cx.now()), &mut out, &mut cx);
        // insert learns the address but leaves the held packet queued, as in Click.
        q.write_handler("insert", "10.0.0.5 02:00:00:00:00:05", &h)
            .unwrap();
        assert_eq!(q.read_handler("length", &h).unwrap(), "1");
        q.push(0, ip_to(&pool, dst, cx.now()), &mut out, &mut cx);
        assert_eq!(out.count(0), 2);
        q.write_handler("delete", "10.0.0.5", &h).unwrap();
        assert!(q
            .read_handler("table", &h)
            .unwrap()
            .starts_with("10.0.0.5 0 ff:ff:ff:ff:ff:ff"));
        assert!(q.write_handler("insert", "10.0.0.5", &h).is_err());
        assert!(q
            .write_handler("insert", "x 02:00:00:00:00:05", &h)
            .is_err());
        q.write_handler("clear", "", &h).unwrap();
        assert_eq!(
            [
                q.read_handler("count", &h).unwrap(),
                q.read_handler("queries", &h).unwrap()
            ],
            ["0", "0"]
        );
        q.write_handler("ipaddr", "10.0.0.2", &h).unwrap();
        assert_eq!(q.read_handler("ipaddr", &h).unwrap(), "10.0.0.2");
        assert_eq!(
            q.write_handler("count", "1", &h),
            Err(HandlerError::NotWritable)
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors() {
        for bad in [
            "",
            "10.0.0.1",
            "10.0.0.1, 02:00:00:00:00",
            "x, 02:00:00:00:00:01",
            "10.0.0.1, 02:00:00:00:00:01, CAPACITY_SLIM_FACTOR 0",
            "10.0.0.1, 02:00:00:00:00:01, TABLE t",
            "10.0.0.1, 02:00:00:00:00:01, 3",
        ] {
            assert!(configure::<ARPQuerier>(bad, ONE).is_err(), "{bad}");
        }
        let err = configure::<ARPQuerier>("10.0.0.1, 02:00:00:00:00", ONE).unwrap_err();
        assert_eq!(err.errors[0].message, "ETH: expected Ethernet address");
        assert_eq!((err.errors[0].span.start, err.errors[0].span.end), (10, 24));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(frames in proptest::collection::vec(
            (proptest::bool::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..64), proptest::num::u32::ANY), 0..12)) {
            let pool = Pool::new(PoolConfig::with_slots(32)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut q: ARPQuerier = configure("10.0.0.1/8, 02:00:00:00:00:01", TWO).unwrap();
            let mut out = Collect::new();
            for (port, bytes, dst) in frames {
                let mut p: Packet = pool.packet(&bytes).unwrap().into();
                p.anno_mut().dst_ip = Ipv4Address::from_u32(dst);
                q.push(usize::from(port), p, &mut out, &mut cx);
            }
            drop((out, q));
            proptest::prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
