//! `IPReassembler`: reassembles IPv4 fragments into whole datagrams, with bounded memory.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::element::args::{Args, ConfigError};
use crate::element::handler::{missing, Access, HandlerContext, HandlerError, HandlerSpec};
use crate::element::values::Raw;
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, PortRange, Processing,
    ProcessingSpec,
};
use crate::packet::{Annotations, Packet, Timestamp, WritablePacket};
use crate::wire::ipv4::{Ipv4Packet, HEADER_LEN as IP_LEN};
use crate::wire::Ipv4Address;

/// Click's `REAP_TIMEOUT`: an incomplete datagram older than this many seconds is dropped.
const REAP_TIMEOUT: u64 = 30;
/// Click's `REAP_INTERVAL`: seconds between two reaping passes.
const REAP_INTERVAL: u64 = 10;
/// Click's `IPH_MEM_USED`: bytes charged per datagram on top of its payload.
const IPH_MEM_USED: u32 = 40;
/// Click's `NMAP`: hash buckets, by IP identification.
const NMAP: usize = 256;
/// Units of 8 bytes in the largest IP payload.
const UNITS: usize = 65536 / 8;
const MF: u16 = 0x2000;

/// One datagram being reassembled: its bytes live in one pool slot, laid out as the
/// reassembled packet will be (link header and IP header of the first fragment, then the
/// payload at its offsets).
struct Queue {
    src: Ipv4Address,
    dst: Ipv4Address,
    id: u16,
    proto: u8,
    /// The datagram so far: prefix (up to the end of the IP header), then `len` bytes.
    pkt: WritablePacket,
    /// Bytes before the payload.
    prefix: usize,
    /// Payload length so far (the largest fragment end seen).
    len: usize,
    /// The IP header's flags word (offset bits clear): DF and RF of the first fragment that
    /// arrived, MF until a fragment without MF arrives.
    flags: u16,
    anno: Annotations,
    /// Which 8-byte payload units are covered.
    covered: [u64; UNITS / 64],
}

impl Queue {
    fn mem(&self) -> u32 {
        IPH_MEM_USED + self.len as u32
    }

    fn mark(&mut self, off: usize, last: usize) {
        let mut end = last / 8;
        if last % 8 != 0 && last == self.len {
            end += 1;
        }
        for u in off / 8..end.min(UNITS) {
            self.covered[u / 64] |= 1 << (u % 64);
        }
    }

    fn complete(&self) -> bool {
        let units = self.len.div_ceil(8).min(UNITS);
        (0..units).all(|u| self.covered[u / 64] & (1 << (u % 64)) != 0)
    }

    /// The covered byte ranges, as Click's chunk list.
    fn chunks(&self, out: &mut String) {
        let units = self.len.div_ceil(8).min(UNITS);
        let mut u = 0;
        while u < units {
            if self.covered[u / 64] & (1 << (u % 64)) == 0 {
                u += 1;
                continue;
            }
            let start = u;
            while u < units && self.covered[u / 64] & (1 << (u % 64)) != 0 {
                u += 1;
            }
            let _ = write!(out, " ({},{})", start * 8, (u * 8).min(self.len));
        }
    }
}

/// Reassembles fragmented IP packets.
///
/// # Synopsis
///
/// ```text
/// IPReassembler([KEYWORDS])
/// ```
///
/// # Ports
///
/// One input; one or two outputs.
///
/// # Processing
///
/// Agnostic input and output 0; output 1 pushes.
///
/// # Description
///
/// Expects IP packets with a network header (after CheckIPHeader or MarkIPHeader).
/// Packets that are not fragments pass through unchanged. Fragments are held until every
/// byte of their datagram has arrived, in any order; the whole datagram then leaves on
/// output 0 in a fresh pool slot: the link header and IP header of the fragment at offset
/// 0 (options included), the payload, total length and checksum recomputed, fragment
/// offset and MF clear, the annotations of the first fragment and the timestamp of the
/// last one to arrive. Overlapping fragments are accepted; later bytes overwrite earlier
/// ones, as in Click. Fragments are matched on source, destination, protocol and
/// identification.
///
/// A fragment is dropped and counted as bad if its length and offset go past 65535 bytes,
/// it is empty, it has MF set and a length that is not a multiple of 8, or the packet is
/// shorter than its IP length says. A fragment that would extend a datagram whose last
/// fragment has arrived is dropped.
///
/// A datagram that has seen no new first fragment for 30 seconds is given up, as is the
/// oldest when memory use passes `HIMEM` (until it falls to 3/4 of it): its bytes so far
/// leave on output 1 if there is one (holes zeroed) and are dropped otherwise. Reaping runs
/// when a fragment arrives (as in Click) and also from a timer every 10 seconds while
/// datagrams are pending. A datagram that does not fit in one pool slot (2048 bytes less the
/// headroom by default) is dropped and counted in `too_large`; so is one for which the pool
/// has no slot.
///
/// Keywords:
///
/// - `HIMEM` (unsigned): the memory bound in bytes, counting 40 bytes plus the payload
///   length per datagram, as Click does. Default 262144.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap) -> Strip(14) -> CheckIPHeader -> r :: IPReassembler -> Discard;
/// r[1] -> ICMPError(10.0.0.1, timeexceeded, reassembly) -> Discard;
/// ```
///
/// # Handlers
///
/// - `dump` (read): statistics and the byte ranges held per datagram, in Click's format.
/// - `too_large` (read): datagrams dropped because they did not fit a slot or the pool
///   was empty.
///
/// # See also
///
/// IPFragmenter, CheckIPHeader, ICMPError.
pub struct IPReassembler {
    buckets: Vec<Vec<Queue>>,
    himem: u32,
    lowmem: u32,
    mem_used: u32,
    reap_time: u64,
    pending: usize,
    two_outputs: bool,
    frags_seen: u32,
    good: u32,
    failed: u32,
    bad: u32,
    too_large: u64,
}

impl core::fmt::Debug for IPReassembler {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IPReassembler")
            .field("pending", &self.pending)
            .field("mem_used", &self.mem_used)
            .finish()
    }
}

/// What happened to a packet.
enum Verdict {
    Out(Packet),
    Held,
}

impl IPReassembler {
    fn give_up<O: Output + ?Sized>(&mut self, q: Queue, out: &mut O, cx: &mut Context<'_>) {
        self.mem_used -= q.mem();
        self.pending -= 1;
        let mut p = q.pkt;
        *p.anno_mut() = q.anno;
        if self.two_outputs {
            out.push(1, p.into(), cx);
        }
    }

    fn reap<O: Output + ?Sized>(&mut self, now: u64, out: &mut O, cx: &mut Context<'_>) {
        for b in 0..NMAP {
            let mut i = 0;
            while i < self.buckets[b].len() {
                if self.buckets[b][i].anno.timestamp.secs() + REAP_TIMEOUT < now {
                    let q = self.buckets[b].remove(i);
                    self.give_up(q, out, cx);
                } else {
                    i += 1;
                }
            }
        }
        self.reap_time = now + REAP_INTERVAL;
    }

    fn reap_overfull<O: Output + ?Sized>(&mut self, now: u64, out: &mut O, cx: &mut Context<'_>) {
        for delta in [10u64, 5, 0] {
            for b in 0..NMAP {
                let mut i = 0;
                while i < self.buckets[b].len() {
                    if delta == 0 || self.buckets[b][i].anno.timestamp.secs() + delta < now {
                        let q = self.buckets[b].remove(i);
                        self.give_up(q, out, cx);
                        self.failed += 1;
                        if self.mem_used <= self.lowmem {
                            return;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }

    fn action<O: Output + ?Sized>(
        &mut self,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) -> Verdict {
        let (Some(nh_off), Some(th_off)) = (p.network_header_offset(), p.transport_header_offset())
        else {
            self.bad += 1;
            return Verdict::Held;
        };
        let nh = p.network_header().unwrap_or(&[]);
        // A header shorter than 20 bytes (an IHL under 5, which MarkIPHeader trusts) is
        // bad: trimming to the IP length could leave less than the fixed header to copy.
        if nh.len() < IP_LEN || nh_off < 0 || th_off - nh_off < IP_LEN as isize {
            self.bad += 1;
            return Verdict::Held;
        }
        let ip = Ipv4Packet::new_unchecked(nh);
        let off_word = (u16::from(ip.dont_frag()) << 14)
            | (u16::from(ip.reserved_flag()) << 15)
            | (u16::from(ip.more_frags()) << 13);
        let more = ip.more_frags();
        let off = usize::from(ip.frag_offset_units()) * 8;
        let last = off as i64 + i64::from(ip.total_len()) - i64::from(ip.ihl()) * 4;
        let (src, dst, id, proto) = (ip.src_addr(), ip.dst_addr(), ip.ident(), ip.protocol());
        if !more && off == 0 {
            return Verdict::Out(p);
        }
        self.frags_seen += 1;

        if p.anno().timestamp == Timestamp::default() {
            p.anno_mut().timestamp = cx.now();
        }
        let now = p.anno().timestamp.secs();
        if now >= self.reap_time {
            self.reap(now, out, cx);
        }

        let dlen = p.transport_header().map_or(0, <[u8]>::len) as i64;
        if last > 0xFFFF
            || last <= off as i64
            || (last % 8 != 0 && more)
            || dlen < last - off as i64
        {
            self.bad += 1;
            return Verdict::Held;
        }
        let last = last as usize;
        let ihl = (th_off - nh_off) as usize;
        let _ = p.take(dlen as usize - (last - off));

        if self.mem_used > self.himem {
            self.reap_overfull(now, out, cx);
        }

        let b = usize::from(id) % NMAP;
        let found = self.buckets[b]
            .iter()
            .position(|q| q.id == id && q.proto == proto && q.src == src && q.dst == dst);
        let Some(i) = found else {
            self.make_queue(&p, b, off, last, off_word, src, dst, id, proto, ihl, cx);
            return Verdict::Held;
        };

        let mut q = self.buckets[b].remove(i);
        if last > q.len {
            if q.flags & MF == 0 {
                self.buckets[b].insert(i, q);
                return Verdict::Held;
            }
            let old = q.len;
            match q.pkt.put(last - old) {
                Ok(room) => room.fill(0),
                Err(_) => {
                    self.mem_used -= q.mem();
                    self.pending -= 1;
                    self.too_large += 1;
                    return Verdict::Held;
                }
            }
            q.len = last;
            self.mem_used += (last - old) as u32;
        }
        let payload = p.transport_header().unwrap_or(&[]);
        let at = q.prefix + off;
        if let (Some(dst_bytes), Some(src_bytes)) = (
            q.pkt.data_mut().get_mut(at..at + (last - off)),
            payload.get(..last - off),
        ) {
            dst_bytes.copy_from_slice(src_bytes);
        }
        q.mark(off, last);
        if off == 0 && !self.take_first(&mut q, &p) {
            self.mem_used -= q.mem();
            self.pending -= 1;
            self.too_large += 1;
            return Verdict::Held;
        }
        if !more {
            q.flags &= !MF;
        }
        if q.flags & MF == 0 && q.complete() {
            self.good += 1;
            self.mem_used -= q.mem();
            self.pending -= 1;
            let mut pkt = q.pkt;
            let total = (ihl_of(&pkt, q.prefix) + q.len) as u16;
            let mut anno = q.anno;
            anno.timestamp = p.anno().timestamp;
            *pkt.anno_mut() = anno;
            if let Some(nh) = pkt.network_header_mut() {
                let mut ip = Ipv4Packet::new_unchecked(nh);
                ip.set_total_len(total);
                ip.set_frag_offset(0);
                ip.set_more_frags(false);
                ip.fill_checksum();
            }
            return Verdict::Out(pkt.into());
        }
        self.buckets[b].insert(i, q);
        Verdict::Held
    }

    /// Copies the first fragment's link and IP headers and annotations into the queue.
    fn take_first(&mut self, q: &mut Queue, p: &Packet) -> bool {
        let Some(th_off) = p.transport_header_offset() else {
            return false;
        };
        let Some(nh_off) = p.network_header_offset() else {
            return false;
        };
        let new_prefix = th_off as usize;
        if new_prefix > q.prefix {
            if q.pkt.push_front(new_prefix - q.prefix).is_err() {
                return false;
            }
        } else if q.pkt.pull(q.prefix - new_prefix).is_err() {
            return false;
        }
        q.prefix = new_prefix;
        let (Some(head), Some(from)) = (
            q.pkt.data_mut().get_mut(..new_prefix),
            p.data().get(..new_prefix),
        ) else {
            return false;
        };
        head.copy_from_slice(from);
        let ihl = (th_off - nh_off) as usize;
        if q.pkt.set_network_header(nh_off as usize, ihl).is_err() {
            return false;
        }
        if let Some(nh) = q.pkt.network_header_mut() {
            let mut ip = Ipv4Packet::new_unchecked(nh);
            set_flags(&mut ip, q.flags);
        }
        q.anno = *p.anno();
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn make_queue(
        &mut self,
        p: &Packet,
        b: usize,
        off: usize,
        last: usize,
        flags: u16,
        src: Ipv4Address,
        dst: Ipv4Address,
        id: u16,
        proto: u8,
        ihl: usize,
        cx: &mut Context<'_>,
    ) {
        let Some(mut pkt) = cx.pool().make(0) else {
            self.too_large += 1;
            return;
        };
        if pkt.put(last).map(|room| room.fill(0)).is_err() {
            self.too_large += 1;
            return;
        }
        let mut q = Queue {
            src,
            dst,
            id,
            proto,
            pkt,
            prefix: 0,
            len: last,
            flags,
            anno: Annotations {
                timestamp: p.anno().timestamp,
                ..Annotations::default()
            },
            covered: [0; UNITS / 64],
        };
        let payload = p.transport_header().unwrap_or(&[]);
        if let (Some(d), Some(s)) = (
            q.pkt.data_mut().get_mut(off..last),
            payload.get(..last - off),
        ) {
            d.copy_from_slice(s);
        }
        q.mark(off, last);
        if off == 0 {
            if !self.take_first(&mut q, p) {
                self.too_large += 1;
                return;
            }
        } else {
            // Only the fixed 20 bytes of this fragment's IP header, as Click copies.
            let Ok(head) = q.pkt.push_front(IP_LEN) else {
                self.too_large += 1;
                return;
            };
            if let Some(nh) = p.network_header() {
                head.copy_from_slice(&nh[..IP_LEN]);
            }
            q.prefix = IP_LEN;
            let mut ip = Ipv4Packet::new_unchecked(&mut head[..]);
            set_flags(&mut ip, flags);
            if q.pkt.set_network_header(0, IP_LEN).is_err() {
                self.too_large += 1;
                return;
            }
        }
        let _ = ihl;
        self.mem_used += q.mem();
        self.pending += 1;
        self.buckets[b].insert(0, q);
    }
}

/// Sets the IP header's flags word (fragment offset zero).
fn set_flags<T: AsRef<[u8]> + AsMut<[u8]>>(ip: &mut Ipv4Packet<T>, flags: u16) {
    ip.set_frag_offset(0);
    ip.set_dont_frag(flags & 0x4000 != 0);
    ip.set_more_frags(flags & MF != 0);
    // The reserved flag stays as the header copy has it (the wire view has no setter).
}

/// The IP header length of a queue packet whose payload starts `prefix` bytes in.
fn ihl_of(p: &WritablePacket, prefix: usize) -> usize {
    p.network_header_length().unwrap_or(prefix).min(prefix)
}

impl Element for IPReassembler {
    const CLASS: &'static str = "IPReassembler";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let himem = args.keyword::<u32>("HIMEM").unwrap_or(256 * 1024);
        if args.keyword::<Raw>("MAX_MTU_ANNO").is_some() {
            let span = args.last_span();
            args.error(
                span,
                "MAX_MTU_ANNO: not supported (Sluice annotations are typed)",
            );
        }
        args.finish()?;
        let mut buckets = Vec::with_capacity(NMAP);
        buckets.resize_with(NMAP, Vec::new);
        Ok(IPReassembler {
            buckets,
            himem,
            lowmem: (himem >> 2) * 3,
            mem_used: 0,
            reap_time: 0,
            pending: 0,
            two_outputs: cx.ports.outputs >= 2,
            frags_seen: 0,
            good: 0,
            failed: 0,
            bad: 0,
            too_large: 0,
        })
    }

    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Verdict::Out(p) = self.action(p, out, cx) {
            out.push(0, p, cx);
        }
    }

    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = ports.pull(0, cx)?;
        match self.action(p, ports, cx) {
            Verdict::Out(p) => Some(p),
            Verdict::Held => None,
        }
    }

    fn next_timer(&self) -> Option<Timestamp> {
        (self.pending > 0).then(|| Timestamp::from_secs(self.reap_time))
    }

    fn run_timer<O: Output + ?Sized>(&mut self, out: &mut O, cx: &mut Context<'_>) {
        let now = cx.now().secs();
        self.reap(now, out, cx);
    }
}

impl Handlers for IPReassembler {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read(
            "dump",
            "statistics and held byte ranges, as Click's debug dump",
        ),
        HandlerSpec::read("too_large", "datagrams dropped for not fitting a pool slot"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "dump" => {
                let mut s = format!(
                    "frags seen total:    {}\ngood reassemblies:   {}\nfailed reassemblies: {}\nbad fragments seen:  {}\ncached chunk data:\n",
                    self.frags_seen, self.good, self.failed, self.bad
                );
                for q in self.buckets.iter().flatten() {
                    let _ = write!(s, " ({}, {}) {}", q.src, q.dst, q.id);
                    q.chunks(&mut s);
                    s.push('\n');
                }
                Ok(s)
            }
            "too_large" => Ok(format!("{}", self.too_large)),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};
    use crate::wire::checksum;
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };
    const HC: HandlerContext = HandlerContext {
        now: Timestamp::SIMULATED_EPOCH,
    };

    /// An Ethernet frame holding a UDP datagram of `n` payload bytes, id 0x1234.
    fn datagram(n: usize) -> Vec<u8> {
        let mut v = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0];
        let total = (20 + 8 + n) as u16;
        let mut ip = vec![
            0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        let c = checksum::checksum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        v.extend_from_slice(&ip);
        v.extend_from_slice(&[0, 7, 0, 9]);
        v.extend_from_slice(&((8 + n) as u16).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend((0..n).map(|i| (i * 7) as u8));
        v
    }

    /// Fragment `frame`'s IP payload bytes `off..end` (MF if `more`).
    fn fragment(frame: &[u8], off: usize, end: usize, more: bool) -> Vec<u8> {
        let mut v = frame[..34].to_vec();
        v.extend_from_slice(&frame[34 + off..34 + end]);
        let total = (20 + end - off) as u16;
        v[16..18].copy_from_slice(&total.to_be_bytes());
        let word = (off / 8) as u16 | if more { MF } else { 0 };
        v[20..22].copy_from_slice(&word.to_be_bytes());
        v[24..26].fill(0);
        let c = checksum::checksum(&v[14..34]);
        v[24..26].copy_from_slice(&c.to_be_bytes());
        v
    }

    struct Bench {
        pool: Pool,
        e: IPReassembler,
        out: Collect,
    }

    impl Bench {
        fn new(config: &str, pool: PoolConfig) -> Bench {
            Bench {
                pool: Pool::new(pool).unwrap(),
                e: configure(config, P).unwrap(),
                out: Collect::new(),
            }
        }

        fn send(&mut self, frame: &[u8], secs: u64) {
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::from_secs(secs), self.pool, &mut log);
            let mut p: Packet = self.pool.packet(frame).unwrap().into();
            p.anno_mut().timestamp = Timestamp::from_secs(secs);
            p.set_network_header(14, 20).unwrap();
            self.e.push(0, p, &mut self.out, &mut cx);
        }

        fn tick(&mut self, secs: u64) {
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::from_secs(secs), self.pool, &mut log);
            self.e.run_timer(&mut self.out, &mut cx);
        }

        fn finish(self) {
            let Bench { pool, e, out } = self;
            drop((e, out));
            assert_eq!(pool.in_flight(), 0);
        }
    }

    #[test]
    fn in_order_and_out_of_order_golden() {
        let whole = datagram(92); // IP payload 100 bytes
        let frags = [
            fragment(&whole, 0, 40, true),
            fragment(&whole, 40, 80, true),
            fragment(&whole, 80, 100, false),
        ];
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]] {
            let mut b = Bench::new("", PoolConfig::with_slots(16));
            for (k, &i) in order.iter().enumerate() {
                b.send(&frags[i], 100 + k as u64);
            }
            assert_eq!(b.out.count(0), 1, "order {order:?}");
            let p = &b.out.port(0)[0];
            assert_eq!(p.data(), &whole[..], "order {order:?}");
            assert_eq!(p.network_header_offset(), Some(14));
            assert_eq!(p.anno().timestamp, Timestamp::from_secs(102));
            assert!(b
                .e
                .read_handler("dump", &HC)
                .unwrap()
                .contains("good reassemblies:   1\n"));
            b.finish();
        }
    }

    #[test]
    fn overlaps_duplicates_and_non_fragments() {
        let whole = datagram(92);
        let mut b = Bench::new("", PoolConfig::with_slots(16));
        b.send(&whole, 5);
        assert_eq!(b.out.port(0)[0].data(), &whole[..]);
        // Overlapping: 0..48, 40..100 (later bytes win, identical here), duplicate 0..48.
        let mut bogus = fragment(&whole, 0, 48, true);
        bogus[40] ^= 0xff; // byte 6 of payload: overwritten by nothing later, so kept
        b.send(&bogus, 6);
        b.send(&fragment(&whole, 40, 100, false), 6);
        assert_eq!(b.out.count(0), 2);
        let p = b.out.port(0)[1].data();
        assert_eq!(p[40], whole[40] ^ 0xff);
        assert_eq!(&p[48..], &whole[48..]);
        assert!(checksum::verify(&p[14..34]));
        b.finish();
    }

    #[test]
    fn bad_fragments_are_counted() {
        let whole = datagram(92);
        let mut b = Bench::new("", PoolConfig::with_slots(16));
        // MF with a length that is not a multiple of 8.
        b.send(&fragment(&whole, 0, 42, true), 1);
        // IP length beyond the packet.
        let mut short = fragment(&whole, 8, 40, true);
        short.truncate(50);
        b.send(&short, 1);
        // Extending a datagram whose last fragment arrived.
        b.send(&fragment(&whole, 80, 96, false), 1);
        b.send(&fragment(&whole, 96, 100, false), 1);
        assert_eq!(b.out.total(), 0);
        let dump = b.e.read_handler("dump", &HC).unwrap();
        assert!(dump.contains("bad fragments seen:  2\n"), "{dump}");
        assert!(
            dump.contains(" (10.0.0.1, 10.0.0.2) 4660 (80,96)\n"),
            "{dump}"
        );
        b.finish();
    }

    #[test]
    fn timeouts_go_to_output_1() {
        let whole = datagram(92);
        let mut b = Bench::new("", PoolConfig::with_slots(16));
        b.send(&fragment(&whole, 40, 80, true), 1000);
        assert_eq!(b.e.next_timer(), Some(Timestamp::from_secs(1010)));
        b.tick(1010);
        b.tick(1030);
        assert_eq!(b.out.count(1), 0);
        b.tick(1031);
        assert_eq!(b.out.count(1), 1);
        assert_eq!(b.e.next_timer(), None);
        // The partial datagram: its 20-byte IP header, then the bytes held at their offsets.
        let p = b.out.port(1)[0].data();
        assert_eq!(p.len(), 20 + 80);
        assert_eq!(&p[20..60], &[0; 40]);
        assert_eq!(&p[60..], &whole[74..114]);
        b.finish();
    }

    #[test]
    fn memory_bound_and_slot_bound() {
        let whole = datagram(92);
        // HIMEM 100: each held datagram costs 40 + 80 bytes, so the second arrival reaps.
        let mut b = Bench::new("HIMEM 100", PoolConfig::with_slots(16));
        b.send(&fragment(&whole, 40, 80, true), 1);
        let mut other = fragment(&whole, 40, 80, true);
        other[19] = 0x99;
        b.send(&other, 1);
        assert_eq!(b.out.count(1), 1);
        // A duplicate of the held fragment: memory is still over the bound, so Click (and
        // Sluice) give that datagram up too before holding the new copy.
        b.send(&other, 1);
        assert_eq!(b.out.count(1), 2);
        assert!(b
            .e
            .read_handler("dump", &HC)
            .unwrap()
            .contains("failed reassemblies: 2\n"));
        b.finish();

        // A datagram too large for a 256-byte slot is dropped and counted.
        let big = datagram(300);
        let pool = PoolConfig {
            slots: 16,
            slot_size: 512,
            headroom: 64,
        };
        let mut b = Bench::new("", pool);
        b.pool = Pool::new(pool).unwrap();
        let small = PoolConfig {
            slots: 8,
            slot_size: 256,
            headroom: 64,
        };
        let tight = Pool::new(small).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1), tight, &mut log);
        for f in [
            fragment(&big, 0, 160, true),
            fragment(&big, 160, 308, false),
        ] {
            let mut p: Packet = b.pool.packet(&f).unwrap().into();
            p.set_network_header(14, 20).unwrap();
            b.e.push(0, p, &mut b.out, &mut cx);
        }
        assert_eq!(b.out.total(), 0);
        assert_eq!(b.e.read_handler("too_large", &HC).unwrap(), "1");
        drop(cx);
        assert_eq!(tight.in_flight(), 0);
        b.finish();
    }

    #[test]
    fn configuration_and_pull() {
        assert!(configure::<IPReassembler>("HIMEM x", P).is_err());
        assert!(configure::<IPReassembler>("MAX_MTU_ANNO 4", P).is_err());
        assert!(configure::<IPReassembler>("5", P).is_err());
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1), pool, &mut log);
        let mut e: IPReassembler = configure("", P).unwrap();
        let whole = datagram(92);
        let mut feed = Feed::new();
        for f in [
            fragment(&whole, 40, 100, false),
            fragment(&whole, 0, 40, true),
        ] {
            let mut p: Packet = pool.packet(&f).unwrap().into();
            p.set_network_header(14, 20).unwrap();
            feed.add(0, p);
        }
        assert!(e.pull(0, &mut feed, &mut cx).is_none());
        let p = e.pull(0, &mut feed, &mut cx).unwrap();
        assert_eq!(p.data(), &whole[..]);
        // Timestamps of zero take the current time.
        assert_eq!(p.anno().timestamp, Timestamp::from_secs(1));
        drop((p, e, feed));
        assert_eq!(pool.in_flight(), 0);
    }

    /// Fuzz finding: a fragment claiming IHL 2 and IP length 16 was trimmed to 16 bytes
    /// from its network header, and the copy of its 20-byte header panicked.
    #[test]
    fn ihl_below_five_is_a_bad_fragment() {
        let whole = datagram(92);
        let mut f = fragment(&whole, 40, 80, true);
        f[14] = 0x42;
        f[16..18].copy_from_slice(&16u16.to_be_bytes());
        let mut b = Bench::new("", PoolConfig::with_slots(16));
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1), b.pool, &mut log);
        let mut p: Packet = b.pool.packet(&f).unwrap().into();
        p.set_network_header(14, 8).unwrap();
        b.e.push(0, p, &mut b.out, &mut cx);
        drop(cx);
        assert_eq!(b.out.total(), 0);
        assert!(b
            .e
            .read_handler("dump", &HC)
            .unwrap()
            .contains("bad fragments seen:  1\n"));
        b.finish();
    }

    proptest! {
        #[test]
        fn random_fragments_never_panic_or_leak(
            frags in proptest::collection::vec(
                (0u16..40, 1usize..200, any::<bool>(), 0u16..3, proptest::collection::vec(any::<u8>(), 0..8)),
                1..12),
            tick in 0u64..100,
        ) {
            let mut b = Bench::new("HIMEM 600", PoolConfig::with_slots(32));
            let whole = datagram(400);
            for (off8, len, more, id, junk) in frags {
                let off = usize::from(off8) * 8;
                let end = (off + len).min(408);
                if end <= off { continue; }
                let mut f = fragment(&whole, off, end, more);
                f[18..20].copy_from_slice(&id.to_be_bytes());
                for (i, j) in junk.iter().enumerate() {
                    let at = 14 + (usize::from(*j) % 20);
                    if i % 2 == 0 { f[at] = *j; }
                }
                b.send(&f, 1);
            }
            b.tick(tick);
            // The accounting matches what is held (Click's check()), and every held datagram
            // fits in its slot.
            let held: Vec<&Queue> = b.e.buckets.iter().flatten().collect();
            prop_assert_eq!(held.len(), b.e.pending);
            prop_assert_eq!(held.iter().map(|q| q.mem()).sum::<u32>(), b.e.mem_used);
            b.out = Collect::new();
            b.finish();
        }
    }
}
