//! `DirectIPLookup`: IP routing with direct-indexed multibit tables (DIR-16-8-8).

use super::route_table::{route_element, Lpm, Route, RouteTable};
use alloc::vec;
use alloc::vec::Vec;

const POINTER: u32 = 0x8000_0000;

/// DIR-16-8-8 tables, the DIR-24-8 idea with a smaller first level: a 65536-entry table
/// indexed by the top 16 address bits, whose entries are either a route (slot + 1, 0 for
/// none) or a pointer to a 256-entry table for the next 8 bits, and once more for the last
/// 8. A lookup is at most three memory reads. Rebuilt from the routes, shortest prefixes
/// first, when they change.
#[derive(Debug)]
pub struct DirTables {
    l1: Vec<u32>,
    l2: Vec<u32>,
    l3: Vec<u32>,
}

impl Default for DirTables {
    fn default() -> Self {
        DirTables {
            l1: vec![0; 1 << 16],
            l2: Vec::new(),
            l3: Vec::new(),
        }
    }
}

/// Makes `table[i]` a pointer into `next`, filling a new chunk with its old route.
fn descend(table: &mut [u32], i: usize, next: &mut Vec<u32>) -> usize {
    let e = table[i];
    if e & POINTER != 0 {
        return (e & !POINTER) as usize;
    }
    let chunk = next.len() / 256;
    next.extend(core::iter::repeat_n(e, 256));
    table[i] = POINTER | chunk as u32;
    chunk
}

impl Lpm for DirTables {
    const PREFIXES_ONLY: bool = true;

    fn rebuild(&mut self, routes: &[Option<Route>]) {
        self.l1.iter_mut().for_each(|e| *e = 0);
        self.l2.clear();
        self.l3.clear();
        let mut sorted: Vec<(u8, usize, Route)> = routes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (r.prefix_len().unwrap_or(32), i, r)))
            .collect();
        sorted.sort_by_key(|&(len, i, _)| (len, i));
        for (len, slot, r) in sorted {
            let leaf = slot as u32 + 1;
            let a = r.addr;
            let hi = (a >> 16) as usize;
            if len <= 16 {
                let n = 1usize << (16 - len);
                self.l1[hi..hi + n].iter_mut().for_each(|e| *e = leaf);
                continue;
            }
            let c2 = descend(&mut self.l1, hi, &mut self.l2);
            let mid = c2 * 256 + ((a >> 8) & 0xFF) as usize;
            if len <= 24 {
                let n = 1usize << (24 - len);
                self.l2[mid..mid + n].iter_mut().for_each(|e| *e = leaf);
                continue;
            }
            let c3 = descend(&mut self.l2, mid, &mut self.l3);
            let lo = c3 * 256 + (a & 0xFF) as usize;
            let n = 1usize << (32 - len);
            self.l3[lo..lo + n].iter_mut().for_each(|e| *e = leaf);
        }
    }

    #[inline]
    fn lookup(&self, _: &[Option<Route>], a: u32) -> Option<usize> {
        let mut e = *self.l1.get((a >> 16) as usize)?;
        if e & POINTER != 0 {
            e = *self
                .l2
                .get((e & !POINTER) as usize * 256 + ((a >> 8) & 0xFF) as usize)?;
            if e & POINTER != 0 {
                e = *self
                    .l3
                    .get((e & !POINTER) as usize * 256 + (a & 0xFF) as usize)?;
            }
        }
        e.checked_sub(1).map(|s| s as usize)
    }
}

/// IP routing lookup through direct-indexed tables.
///
/// # Synopsis
///
/// ```text
/// DirectIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)
/// ```
///
/// # Ports
///
/// One input, any number of outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Routes each packet on its destination IP address annotation to the output of the longest
/// matching prefix, in at most three table reads (a DIR-16-8-8 layout of Click's DIR-24-8
/// scheme, smaller to build and rebuild). A route with a gateway replaces the annotation with
/// it. Packets with no route are dropped (the first five with a message). Masks must be
/// contiguous. The first route given for a prefix wins.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 10.1.2.3
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 ac be c0 00 02 0a
///                       0a 01 02 03 04 d2 00 09 00 0c 4e 1c 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)
///     -> rt :: DirectIPLookup(10.0.0.0/8 0, 10.1.2.0/24 1, 0.0.0.0/0 10.0.0.1 1);
/// rt[0] -> a :: Counter -> Discard;
/// rt[1] -> b :: Counter -> Discard;   // 10.1.2.0/24 is the longest match: b.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read): the routes, one per line: `ADDR/MASK  GW  OUT` (`-` for no gateway).
/// - `add`, `set`, `remove` (write): change one route (`set` replaces an existing one).
/// - `ctrl` (write): lines of `add|set|remove ROUTE`, undone together if one fails.
/// - `flush` (write): removes every route.
/// - Click's `lookup` takes the address as a read parameter, which Sluice's handlers cannot
///   carry yet; the `lookup` method answers it.
///
/// # See also
///
/// RadixIPLookup, RangeIPLookup, LinearIPLookup, StaticIPLookup.
#[derive(Debug)]
pub struct DirectIPLookup {
    table: RouteTable<DirTables>,
}

route_element!(DirectIPLookup, "DirectIPLookup", DirTables, true, true);
