//! The flow table every rewriter keeps (Click's `IPRewriterBase` maps, `IPRewriterFlow` and
//! `IPRewriterHeap`): a fixed slab of flows, an open-addressing index from flow identifier to
//! flow and direction, and two expiry heaps (guaranteed and best-effort flows).
//!
//! Everything is allocated when the rewriter is configured, for `capacity + 1` flows (one
//! more than the capacity, so a new flow can be added before the table decides which flow
//! to evict, as Click's `store_flow` does). Nothing grows afterwards.

use alloc::vec;
use alloc::vec::Vec;

use super::iprw_pattern::FlowId;
use crate::wire::checksum;

/// Which timeouts a flow follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowClass {
    /// TCPRewriter's `TCPFlow`: done, data and no-data timeouts.
    Tcp,
    /// UDPRewriter's `UDPFlow`: plain and streaming timeouts.
    Udp,
    /// The base timeout only (IPAddrRewriter, IPAddrPairRewriter, ICMPPingRewriter).
    Plain,
}

/// One mapping pair (Click's `IPRewriterFlow`): entry 0 is the forward flow, entry 1 the
/// reply flow (the rewritten flow reversed).
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub e: [FlowId; 2],
    pub out: [u16; 2],
    pub map: u8,
    pub input: u16,
    pub class: FlowClass,
    pub ip_delta: u16,
    pub udp_delta: u16,
    pub expiry: u64,
    pub guaranteed: bool,
    place: u32,
    pub tflags: u8,
}

impl Flow {
    /// A flow from `flowid` to `rewritten`, with Click's checksum deltas: the address words
    /// for the IP header, addresses and ports for TCP and UDP.
    pub fn new(
        flowid: FlowId,
        rewritten: FlowId,
        out: [u16; 2],
        map: u8,
        input: u16,
        class: FlowClass,
    ) -> Flow {
        let (s, d) = (flowid.words(), rewritten.words());
        let mut ip_delta = 0;
        for i in 0..4 {
            ip_delta = checksum::update_u16(ip_delta, s[i], d[i]);
        }
        let mut udp_delta = ip_delta;
        for i in 4..6 {
            udp_delta = checksum::update_u16(udp_delta, s[i], d[i]);
        }
        Flow {
            e: [flowid, rewritten.reverse()],
            out,
            map,
            input,
            class,
            ip_delta,
            udp_delta,
            expiry: 0,
            guaranteed: false,
            place: 0,
            tflags: 0,
        }
    }

    /// The rewritten flow for entry `dir` (Click's `rewritten_flowid`).
    pub fn rewritten(&self, dir: usize) -> FlowId {
        self.e[1 - dir].reverse()
    }
}

/// Click's `update_csum`: adds the flow's delta (or its complement, going forward) to a
/// checksum, by RFC 1624; a zero delta leaves the checksum alone.
pub(crate) fn update_csum(csum: u16, reply: bool, delta: u16) -> u16 {
    if delta == 0 {
        csum
    } else {
        checksum::update_u16(csum, 0, if reply { delta } else { !delta })
    }
}

/// An entry handle in the index: flow slot and direction, plus one (zero is empty).
type Slot = u32;

fn handle(flow: usize, dir: usize) -> Slot {
    ((flow as u32) << 1 | dir as u32) + 1
}

fn unhandle(h: Slot) -> (usize, usize) {
    let v = h - 1;
    ((v >> 1) as usize, (v & 1) as usize)
}

/// The table: flows, index, heaps and per-input counters live together so that destroying a
/// flow (which touches all of them) is one call.
#[derive(Debug)]
pub(crate) struct Table {
    flows: Vec<Option<Flow>>,
    free: Vec<u32>,
    index: Vec<Slot>,
    mask: usize,
    heaps: [Vec<u32>; 2],
    capacity: usize,
    /// Flows alive per input (Click's `IPRewriterInput::count`).
    pub counts: Vec<u32>,
}

fn hash(map: u8, k: &FlowId) -> u64 {
    let a = (u64::from(k.saddr) << 32 | u64::from(k.daddr)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let b = (u64::from(k.sport) << 16 | u64::from(k.dport) | u64::from(map) << 32)
        .wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    let h = a ^ b.rotate_left(31);
    h ^ (h >> 29)
}

impl Table {
    /// The most flows a table may be configured for.
    pub const MAX_CAPACITY: usize = 1 << 20;

    /// A table for at most `capacity` flows, counting flows for `inputs` inputs.
    pub fn new(capacity: usize, inputs: usize) -> Table {
        let capacity = capacity.min(Self::MAX_CAPACITY);
        let slots = capacity + 1;
        let index_len = (slots * 4).next_power_of_two().max(16);
        Table {
            flows: vec![None; slots],
            free: (0..slots as u32).rev().collect(),
            index: vec![0; index_len],
            mask: index_len - 1,
            heaps: [Vec::with_capacity(slots), Vec::with_capacity(slots)],
            capacity,
            counts: vec![0; inputs],
        }
    }

    /// The number of live flows.
    pub fn size(&self) -> usize {
        self.heaps[0].len() + self.heaps[1].len()
    }

    /// The capacity in force.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most the capacity may be raised to (what was allocated).
    pub fn allocated(&self) -> usize {
        self.flows.len() - 1
    }

    /// Sets the capacity (at most what was allocated).
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.min(self.allocated());
    }

    /// Flow `i`.
    pub fn flow(&self, i: usize) -> Option<&Flow> {
        self.flows.get(i).and_then(Option::as_ref)
    }

    /// Flow `i`, to change.
    pub fn flow_mut(&mut self, i: usize) -> Option<&mut Flow> {
        self.flows.get_mut(i).and_then(Option::as_mut)
    }

    fn key_of(&self, h: Slot) -> Option<(u8, FlowId)> {
        let (f, d) = unhandle(h);
        self.flow(f).map(|fl| (fl.map, fl.e[d]))
    }

    fn find_pos(&self, map: u8, k: &FlowId) -> Option<usize> {
        let mut i = hash(map, k) as usize & self.mask;
        loop {
            let h = self.index[i];
            if h == 0 {
                return None;
            }
            if self.key_of(h) == Some((map, *k)) {
                return Some(i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The flow and direction mapped from `k` in map `map`.
    pub fn lookup(&self, map: u8, k: &FlowId) -> Option<(usize, usize)> {
        self.find_pos(map, k).map(|i| unhandle(self.index[i]))
    }

    /// Sets `k` to entry (flow, dir); returns the entry it replaced.
    fn set(&mut self, flow: usize, dir: usize) -> Option<(usize, usize)> {
        let (map, k) = self.key_of(handle(flow, dir))?;
        if let Some(i) = self.find_pos(map, &k) {
            let old = unhandle(self.index[i]);
            self.index[i] = handle(flow, dir);
            return Some(old);
        }
        let mut i = hash(map, &k) as usize & self.mask;
        // The index is at most half full (two entries per slot, four index slots per flow).
        while self.index[i] != 0 {
            i = (i + 1) & self.mask;
        }
        self.index[i] = handle(flow, dir);
        None
    }

    /// Removes the index entry at `i`, shifting later entries of the probe run back.
    fn erase_at(&mut self, mut i: usize) {
        loop {
            self.index[i] = 0;
            let mut j = i;
            loop {
                j = (j + 1) & self.mask;
                let h = self.index[j];
                if h == 0 {
                    return;
                }
                let Some((map, k)) = self.key_of(h) else {
                    return;
                };
                let home = hash(map, &k) as usize & self.mask;
                let stays = if i <= j {
                    i < home && home <= j
                } else {
                    i < home || home <= j
                };
                if !stays {
                    self.index[i] = h;
                    i = j;
                    break;
                }
            }
        }
    }

    /// Click's `unmap_flow`: removes each entry of flow `f` that still maps to it.
    fn unmap(&mut self, f: usize) {
        for dir in 0..2 {
            let Some((map, k)) = self.key_of(handle(f, dir)) else {
                return;
            };
            if let Some(i) = self.find_pos(map, &k) {
                if self.index[i] == handle(f, dir) {
                    self.erase_at(i);
                }
            }
        }
    }

    // Heaps ordered by expiry, each flow remembering its place.

    fn expiry_at(&self, heap: usize, i: usize) -> u64 {
        self.flow(self.heaps[heap][i] as usize)
            .map_or(0, |f| f.expiry)
    }

    fn set_place(&mut self, heap: usize, i: usize) {
        let f = self.heaps[heap][i] as usize;
        if let Some(fl) = self.flow_mut(f) {
            fl.place = i as u32;
        }
    }

    fn sift_up(&mut self, heap: usize, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.expiry_at(heap, i) >= self.expiry_at(heap, parent) {
                break;
            }
            self.heaps[heap].swap(i, parent);
            self.set_place(heap, i);
            self.set_place(heap, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, heap: usize, mut i: usize) {
        let n = self.heaps[heap].len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && self.expiry_at(heap, l) < self.expiry_at(heap, m) {
                m = l;
            }
            if r < n && self.expiry_at(heap, r) < self.expiry_at(heap, m) {
                m = r;
            }
            if m == i {
                return;
            }
            self.heaps[heap].swap(i, m);
            self.set_place(heap, i);
            self.set_place(heap, m);
            i = m;
        }
    }

    fn heap_push(&mut self, heap: usize, f: usize) {
        self.heaps[heap].push(f as u32);
        let i = self.heaps[heap].len() - 1;
        self.set_place(heap, i);
        self.sift_up(heap, i);
    }

    fn heap_remove(&mut self, f: usize) {
        let Some(fl) = self.flow(f) else { return };
        let (heap, i) = (usize::from(fl.guaranteed), fl.place as usize);
        if self.heaps[heap].get(i) != Some(&(f as u32)) {
            return;
        }
        let last = self.heaps[heap].len() - 1;
        self.heaps[heap].swap(i, last);
        self.heaps[heap].pop();
        if i < last {
            self.set_place(heap, i);
            self.sift_down(heap, i);
            self.sift_up(heap, i);
        }
    }

    /// Click's `change_expiry`: moves flow `f` to the heap `guaranteed` names, expiring at
    /// `expiry`.
    pub fn change_expiry(&mut self, f: usize, guaranteed: bool, expiry: u64) {
        if self.flow(f).is_none() {
            return;
        }
        self.heap_remove(f);
        if let Some(fl) = self.flow_mut(f) {
            fl.expiry = expiry;
            fl.guaranteed = guaranteed;
        }
        self.heap_push(usize::from(guaranteed), f);
    }

    /// Click's `IPRewriterFlow::destroy`.
    pub fn destroy(&mut self, f: usize) {
        let Some(input) = self.flow(f).map(|fl| usize::from(fl.input)) else {
            return;
        };
        self.heap_remove(f);
        if let Some(c) = self.counts.get_mut(input) {
            *c = c.saturating_sub(1);
        }
        self.unmap(f);
        self.flows[f] = None;
        self.free.push(f as u32);
    }

    /// The first flow of heap `heap` (0 best-effort, 1 guaranteed), soonest to expire.
    pub fn heap_top(&self, heap: usize) -> Option<usize> {
        self.heaps[heap].first().map(|&f| f as usize)
    }

    /// Click's `store_flow` up to the capacity check: installs `flow` (expiring at
    /// `expiry`) in both directions, destroying a flow whose reply entry it takes over.
    /// Returns the new flow's slot.
    pub fn insert(&mut self, mut flow: Flow, guaranteed: bool, expiry: u64) -> Option<usize> {
        let f = self.free.pop()? as usize;
        flow.expiry = expiry;
        flow.guaranteed = guaranteed;
        let input = usize::from(flow.input);
        self.flows[f] = Some(flow);
        if let Some((old, _)) = self.set(f, 0) {
            if old != f {
                self.destroy(old);
            }
        }
        if let Some((old, _)) = self.set(f, 1) {
            if old != f {
                self.destroy(old);
            }
        }
        self.heap_push(usize::from(guaranteed), f);
        if let Some(c) = self.counts.get_mut(input) {
            *c += 1;
        }
        Some(f)
    }

    /// Every flow slot in index order, with the direction of the entry (Click's table
    /// handlers walk the hash table).
    pub fn entries(&self, map: u8) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.index
            .iter()
            .filter(|&&h| h != 0)
            .map(|&h| unhandle(h))
            .filter(move |&(f, _)| self.flow(f).is_some_and(|fl| fl.map == map))
    }

    /// All live flow slots.
    pub fn live(&self) -> impl Iterator<Item = usize> + '_ {
        self.heaps[0]
            .iter()
            .chain(self.heaps[1].iter())
            .map(|&f| f as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fid(n: u32) -> FlowId {
        FlowId {
            saddr: 0x0a00_0000 + n,
            sport: 1000,
            daddr: 0x0101_0101,
            dport: 80,
        }
    }

    #[test]
    fn insert_lookup_destroy_and_heap_order() {
        let mut t = Table::new(8, 1);
        let mut slots = Vec::new();
        for n in 0..8 {
            let f = Flow::new(fid(n), fid(n + 100), [0, 1], 0, 0, FlowClass::Plain);
            slots.push(t.insert(f, false, 100 - u64::from(n)).unwrap());
        }
        assert_eq!(t.size(), 8);
        assert_eq!(t.counts[0], 8);
        assert_eq!(t.heap_top(0), Some(slots[7]));
        assert_eq!(t.lookup(0, &fid(3)), Some((slots[3], 0)));
        assert_eq!(t.lookup(0, &fid(103).reverse()), Some((slots[3], 1)));
        t.destroy(slots[3]);
        assert_eq!(t.lookup(0, &fid(3)), None);
        for n in [0, 1, 2, 4, 5, 6, 7] {
            assert_eq!(t.lookup(0, &fid(n)), Some((slots[n as usize], 0)));
        }
        t.change_expiry(slots[0], true, 5);
        assert_eq!(t.heap_top(1), Some(slots[0]));
        assert_eq!(t.size(), 7);
    }

    #[test]
    fn a_taken_reply_entry_destroys_the_old_flow() {
        let mut t = Table::new(4, 1);
        let a = t
            .insert(
                Flow::new(fid(1), fid(50), [0, 1], 0, 0, FlowClass::Plain),
                false,
                9,
            )
            .unwrap();
        let _b = t
            .insert(
                Flow::new(fid(2), fid(50), [0, 1], 0, 0, FlowClass::Plain),
                false,
                9,
            )
            .unwrap();
        assert!(t.flow(a).is_none());
        assert_eq!(t.size(), 1);
    }

    #[test]
    fn checksum_delta_matches_a_full_recomputation() {
        let f = Flow::new(fid(1), fid(2), [0, 0], 0, 0, FlowClass::Plain);
        // Going forward, source 10.0.0.1 becomes 10.0.0.2: the sum rises by one.
        assert_eq!(update_csum(0x1234, false, f.ip_delta), 0x1233);
        assert_eq!(update_csum(0x1233, true, f.ip_delta), 0x1234);
    }
}
