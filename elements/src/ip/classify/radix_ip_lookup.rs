//! `RadixIPLookup`: IP routing with a binary radix trie.

use super::route_table::{route_element, Lpm, Route, RouteTable};
use alloc::vec;
use alloc::vec::Vec;

/// A binary trie over address bits: one node per prefix bit, each node possibly holding a
/// route. Lookup walks at most 32 nodes and keeps the deepest route seen.
#[derive(Debug)]
pub struct RadixTrie {
    /// `(children, route slot)`; node 0 is the root; child 0 means none.
    nodes: Vec<([u32; 2], Option<u32>)>,
}

impl Default for RadixTrie {
    fn default() -> Self {
        RadixTrie {
            nodes: vec![([0, 0], None)],
        }
    }
}

impl Lpm for RadixTrie {
    const PREFIXES_ONLY: bool = true;

    fn rebuild(&mut self, routes: &[Option<Route>]) {
        *self = RadixTrie::default();
        for (slot, r) in routes.iter().enumerate() {
            let Some(r) = r else { continue };
            let len = r.prefix_len().unwrap_or(32);
            let mut n = 0usize;
            for bit in 0..u32::from(len) {
                let b = ((r.addr >> (31 - bit)) & 1) as usize;
                if self.nodes[n].0[b] == 0 {
                    self.nodes.push(([0, 0], None));
                    self.nodes[n].0[b] = (self.nodes.len() - 1) as u32;
                }
                n = self.nodes[n].0[b] as usize;
            }
            self.nodes[n].1 = Some(slot as u32);
        }
    }

    #[inline]
    fn lookup(&self, _: &[Option<Route>], a: u32) -> Option<usize> {
        let mut n = 0usize;
        let mut best = self.nodes.first()?.1;
        for bit in 0..32 {
            let b = ((a >> (31 - bit)) & 1) as usize;
            let next = self.nodes[n].0[b] as usize;
            if next == 0 {
                break;
            }
            n = next;
            if let Some(s) = self.nodes[n].1 {
                best = Some(s);
            }
        }
        best.map(|s| s as usize)
    }
}

/// IP lookup using a radix trie.
///
/// # Synopsis
///
/// ```text
/// RadixIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)
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
/// Routes each packet on its destination IP address annotation (set by GetIPAddress or
/// CheckIPHeader-based paths) to the output of the longest matching prefix. If the route has
/// a gateway, the annotation is replaced by it. Packets with no route are dropped (the first
/// five with a message). Masks must be contiguous. The first route given for a prefix wins.
/// The structure is a binary trie over address bits, rebuilt when routes change.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 10.1.2.3
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 ac be c0 00 02 0a
///                       0a 01 02 03 04 d2 00 09 00 0c 4e 1c 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)
///     -> rt :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 10.0.0.1 1);
/// rt[0] -> a :: Counter -> Discard;
/// rt[1] -> b :: Counter -> Discard;   // 10.1.2.3 is in 10.0.0.0/8: a.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read): the routes, one per line: `ADDR/MASK  GW  OUT` (`-` for no gateway).
/// - `add`, `set`, `remove` (write): change one route (`set` replaces an existing one).
/// - `ctrl` (write): lines of `add|set|remove ROUTE`, undone together if one fails.
///
/// # See also
///
/// StaticIPLookup, LinearIPLookup, DirectIPLookup, RangeIPLookup.
#[derive(Debug)]
pub struct RadixIPLookup {
    table: RouteTable<RadixTrie>,
}

route_element!(RadixIPLookup, "RadixIPLookup", RadixTrie, true);
