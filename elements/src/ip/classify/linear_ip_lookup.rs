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
/// rt :: LinearIPLookup(18.26.4.24/32 0, 18.26.4.0/24 1, 0.0.0.0/0 18.26.4.1 1);
/// GetIPAddress(16) -> rt; rt[0] -> Discard; rt[1] -> Discard;
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

route_element!(LinearIPLookup, "LinearIPLookup", Linear, true);
