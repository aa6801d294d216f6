//! `RadixIPLookup`: IP routing with a binary radix trie.

use super::route_table::{route_element, Lpm, Route, RouteTable};
use alloc::vec;
use alloc::vec::Vec;

/// An entry that points to the child node with this index (low 31 bits).
const POINTER: u32 = 0x8000_0000;

/// One trie node: 256 entries, indexed by one byte of the address. An entry is 0 (no
/// route), a route slot + 1, or `POINTER | child`.
type Node = [u32; 256];

/// A multibit trie with a stride of 8 bits (8-8-8-8) and leaf pushing: every entry holds the
/// best route for its whole subtree unless it points to a deeper node, so a lookup is at most
/// four table reads, with no backtracking and no bounds checks on the byte index. Rebuilt
/// from the routes, shortest prefixes first, when they change; memory grows with the number
/// of distinct /8, /16 and /24 prefixes that longer routes fall in (1 KiB a node).
#[derive(Debug)]
pub struct RadixTrie {
    /// Node 0 is the root.
    nodes: Vec<Node>,
}

impl Default for RadixTrie {
    fn default() -> Self {
        RadixTrie {
            nodes: vec![[0; 256]],
        }
    }
}

/// The byte of `a` that indexes a node at `depth` (0 = the top byte).
#[inline(always)]
fn byte(a: u32, depth: u32) -> usize {
    usize::from((a >> (24 - 8 * depth)) as u8)
}

impl Lpm for RadixTrie {
    const PREFIXES_ONLY: bool = true;

    fn rebuild(&mut self, routes: &[Option<Route>]) {
        self.nodes.truncate(1);
        self.nodes[0] = [0; 256];
        let mut sorted: Vec<(u8, usize, u32)> = routes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (r.prefix_len().unwrap_or(32), i, r.addr)))
            .collect();
        // Shortest first: a longer route then overwrites (or pushes down into a new node)
        // only what it is more specific than. Equal lengths are distinct prefixes.
        sorted.sort_unstable_by_key(|&(len, i, _)| (len, i));
        for (len, slot, a) in sorted {
            let leaf = slot as u32 + 1;
            let len = u32::from(len);
            let mut node = 0usize;
            let mut depth = 0u32;
            // Descend through the nodes whose byte the prefix covers completely.
            while len > 8 * (depth + 1) {
                let i = byte(a, depth);
                let e = self.nodes[node][i];
                node = if e & POINTER != 0 {
                    (e & !POINTER) as usize
                } else {
                    // Push the covering route down into a new node.
                    self.nodes.push([e; 256]);
                    let child = self.nodes.len() - 1;
                    self.nodes[node][i] = POINTER | child as u32;
                    child
                };
                depth += 1;
            }
            // The prefix ends in this node's byte: fill the entries it covers. No entry in
            // the range is a pointer yet (those come from longer routes, inserted later).
            let first = byte(a, depth);
            let n = 1usize << (8 * (depth + 1) - len);
            self.nodes[node][first..first + n].fill(leaf);
        }
    }

    #[inline]
    fn lookup(&self, _: &[Option<Route>], a: u32) -> Option<usize> {
        // Pointers occur at depths 0 to 2 only: a /32 ends in a depth-3 node.
        let child = |e: u32| self.nodes.get((e & !POINTER) as usize);
        let mut e = self.nodes.first()?[byte(a, 0)];
        if e & POINTER != 0 {
            e = child(e)?[byte(a, 1)];
            if e & POINTER != 0 {
                e = child(e)?[byte(a, 2)];
                if e & POINTER != 0 {
                    e = child(e)?[byte(a, 3)];
                }
            }
        }
        e.checked_sub(1).map(|s| s as usize)
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
/// The structure is a multibit trie (one node per address byte, with leaf pushing): a lookup
/// is at most four table reads. It is rebuilt when routes change.
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
/// - `flush` (write): removes every route.
/// - Click's `lookup` takes the address as a read parameter, which Sluice's handlers cannot
///   carry yet; the `lookup` method answers it.
///
/// # See also
///
/// StaticIPLookup, LinearIPLookup, DirectIPLookup, RangeIPLookup.
#[derive(Debug)]
pub struct RadixIPLookup {
    table: RouteTable<RadixTrie>,
}

route_element!(RadixIPLookup, "RadixIPLookup", RadixTrie, true, true);
