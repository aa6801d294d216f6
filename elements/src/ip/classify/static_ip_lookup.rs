//! `StaticIPLookup`: a LinearIPLookup whose routes are fixed by the configuration.

use super::route_table::{route_element, Linear, RouteTable};

/// Simple static IP routing table.
///
/// # Synopsis
///
/// ```text
/// StaticIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)
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
/// Acts like LinearIPLookup, but routes cannot be added or removed after configuration.
/// Each packet is routed on its destination IP address annotation to the output of the most
/// specific matching route; a route with a gateway replaces the annotation with it. Packets
/// with no route are dropped (the first five with a message).
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 18.26.4.24
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 a2 90 c0 00 02 0a
///                       12 1a 04 18 04 d2 00 09 00 0c 43 ee 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)
///     -> rt :: StaticIPLookup(18.26.4.24/32 0, 18.26.4.255/32 0, 18.26.4.0/24 1,
///                             0.0.0.0/0 18.26.4.1 1);
/// rt[0] -> local :: Counter -> Discard;   // 18.26.4.24/32 is the longest match: local.count is 3
/// rt[1] -> fwd :: Counter -> Discard;
/// ```
///
/// # Handlers
///
/// - `table` (read): the routes, one per line: `ADDR/MASK  GW  OUT` (`-` for no gateway).
///
/// # See also
///
/// LinearIPLookup, RadixIPLookup, DirectIPLookup, RangeIPLookup.
#[derive(Debug)]
pub struct StaticIPLookup {
    table: RouteTable<Linear>,
}

route_element!(StaticIPLookup, "StaticIPLookup", Linear, false, false);
