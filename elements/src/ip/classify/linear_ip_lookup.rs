//! `LinearIPLookup`: IP routing by scanning the route list.

use super::route_table::{route_element, Linear, RouteTable};

/// IP routing lookup by linear scan.
///
/// # Synopsis
///
/// ```text
/// LinearIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)
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
/// Routes each packet on its destination IP address annotation to the output of the most
/// specific matching route, scanning every route (Click's rule: the first route containing
/// the address, then any later one whose mask is at least as specific). Masks need not be
/// contiguous. If the route has a gateway, the annotation becomes the gateway. Packets with
/// no route are dropped (the first five with a message). The first route for a prefix wins.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 18.26.4.24
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 a2 90 c0 00 02 0a
///                       12 1a 04 18 04 d2 00 09 00 0c 43 ee 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)
///     -> rt :: LinearIPLookup(18.26.4.24/32 0, 18.26.4.0/24 1, 0.0.0.0/0 18.26.4.1 1);
/// rt[0] -> local :: Counter -> Discard;   // 18.26.4.24/32 is the longest match: local.count is 3
/// rt[1] -> fwd :: Counter -> Discard;
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
/// StaticIPLookup, RadixIPLookup, DirectIPLookup, RangeIPLookup.
#[derive(Debug)]
pub struct LinearIPLookup {
    table: RouteTable<Linear>,
}

route_element!(LinearIPLookup, "LinearIPLookup", Linear, true, false);
