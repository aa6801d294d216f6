//! `RangeIPLookup`: IP routing by binary search over address ranges.

use super::route_table::{linear_lookup, route_element, Lpm, Route, RouteTable};
use alloc::vec::Vec;

/// The address space cut into ranges where the best route does not change: a sorted list
/// of `(first address, route slot)`, searched by bisection. Rebuilt when routes change.
#[derive(Debug, Default)]
pub struct Ranges {
    starts: Vec<(u32, Option<u32>)>,
}

impl Lpm for Ranges {
    const PREFIXES_ONLY: bool = true;

    fn rebuild(&mut self, routes: &[Option<Route>]) {
        let mut bounds: Vec<u32> = Vec::with_capacity(routes.len() * 2 + 1);
        bounds.push(0);
        for r in routes.iter().flatten() {
            bounds.push(r.addr);
            if let Some(end) = (r.addr | !r.mask).checked_add(1) {
                bounds.push(end);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        self.starts.clear();
        for b in bounds {
            let best = linear_lookup(routes, b).map(|s| s as u32);
            if self.starts.last().is_none_or(|&(_, s)| s != best) {
                self.starts.push((b, best));
            }
        }
    }

    #[inline]
    fn lookup(&self, _: &[Option<Route>], a: u32) -> Option<usize> {
        let i = self.starts.partition_point(|&(s, _)| s <= a);
        self.starts.get(i.checked_sub(1)?)?.1.map(|s| s as usize)
    }
}

/// IP routing lookup through binary search over address ranges.
///
/// # Synopsis
///
/// ```text
/// RangeIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)
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
/// matching prefix. The routes are flattened into a compact sorted table of address ranges,
/// each with its best route, searched by bisection (Click's RangeIPLookup keeps a similar
/// compressed range table). A route with a gateway replaces the annotation with it. Packets
/// with no route are dropped (the first five with a message). Masks must be contiguous.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 10.1.2.3
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 ac be c0 00 02 0a
///                       0a 01 02 03 04 d2 00 09 00 0c 4e 1c 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)
///     -> rt :: RangeIPLookup(10.0.0.0/8 0, 10.1.2.0/24 1, 0.0.0.0/0 10.0.0.1 1);
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
/// DirectIPLookup, RadixIPLookup, LinearIPLookup, StaticIPLookup.
#[derive(Debug)]
pub struct RangeIPLookup {
    table: RouteTable<Ranges>,
}

route_element!(RangeIPLookup, "RangeIPLookup", Ranges, true, true);
