//! What Click's IPRouteTable gives every route lookup element: the route syntax
//! `ADDR/MASK [GW] OUT`, the route store, the `table` format, the `add`/`set`/`remove`/`ctrl`
//! handlers, and push (route on the destination address annotation, set it to the gateway).
//! The elements differ only in their lookup structure, an [`Lpm`].

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::element::args::{split_words, Args, Resolver};
use crate::element::{ConfigContext, Context, HandlerError, Level, Output};
use crate::packet::Packet;
use crate::wire::{Ipv4Address, Ipv4Prefix};

/// One route: packets for `addr/mask` go to output `port`, via `gw` if it is not 0.0.0.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The network (already masked).
    pub addr: u32,
    /// The mask.
    pub mask: u32,
    /// The gateway, 0 for none.
    pub gw: u32,
    /// The output; negative in a `remove` request that gave none.
    pub port: i32,
}

impl Route {
    /// True if `a` lies in the route's network.
    #[inline]
    pub fn contains(&self, a: u32) -> bool {
        a & self.mask == self.addr
    }

    /// The prefix length, if the mask is contiguous.
    pub fn prefix_len(&self) -> Option<u8> {
        Ipv4Prefix {
            address: Ipv4Address::from_u32(self.addr),
            mask: Ipv4Address::from_u32(self.mask),
        }
        .len()
    }

    /// Click's `IPRoute::unparse`: `ADDR/MASK GW PORT`, with tab padding for `table`.
    pub fn unparse(&self, tabs: bool) -> String {
        let sep = if tabs { '\t' } else { ' ' };
        let prefix = Ipv4Prefix {
            address: Ipv4Address::from_u32(self.addr),
            mask: Ipv4Address::from_u32(self.mask),
        };
        let mut s = format!("{prefix}{sep}");
        if s.len() < 17 && tabs {
            s.push('\t');
        }
        let l = s.len();
        if self.gw != 0 {
            let _ = write!(s, "{}{sep}", Ipv4Address::from_u32(self.gw));
        } else {
            let _ = write!(s, "-{sep}");
        }
        if s.len() < l + 9 && tabs {
            s.push('\t');
        }
        let _ = write!(s, "{}", self.port);
        s
    }
}

/// Click's `cp_ip_route`: `ADDR/MASK [GW|-] OUT`; for a removal the output may be left out.
pub fn parse_route(text: &str, remove: bool, names: &dyn Resolver) -> Option<Route> {
    use crate::element::args::FromArg;
    let words = split_words(text, 0);
    let mut w = words.iter().map(|w| w.text.as_str());
    let prefix = Ipv4Prefix::from_arg(w.next()?, names).ok()?;
    let mask = prefix.mask.to_u32();
    let mut r = Route {
        addr: prefix.address.to_u32() & mask,
        mask,
        gw: 0,
        port: -1,
    };
    let mut word = w.next();
    match word {
        Some("-") => word = w.next(),
        Some(x) => {
            if let Ok(gw) = Ipv4Address::from_arg(x, names) {
                r.gw = gw.to_u32();
                word = w.next();
            }
        }
        None => {}
    }
    match word {
        Some(x) => r.port = i32::from_arg(x, names).ok()?,
        None if remove => {}
        None => return None,
    }
    w.next().is_none().then_some(r)
}

/// A longest-prefix-match structure over the routes of a [`RouteTable`].
pub trait Lpm: Default + core::fmt::Debug + Send + 'static {
    /// True if only contiguous masks can be stored.
    const PREFIXES_ONLY: bool;
    /// Brings the structure up to date after `routes` changed (slots are stable indices;
    /// `None` is a free slot).
    fn rebuild(&mut self, routes: &[Option<Route>]);
    /// The slot of the best route for `a`.
    fn lookup(&self, routes: &[Option<Route>], a: u32) -> Option<usize>;
}

/// Click's LinearIPLookup rule: the first route containing `a`, then any later one with a
/// mask at least as specific.
pub fn linear_lookup(routes: &[Option<Route>], a: u32) -> Option<usize> {
    let mut found: Option<usize> = None;
    for (i, r) in routes.iter().enumerate() {
        let Some(r) = r else { continue };
        if !r.contains(a) {
            continue;
        }
        match found {
            None => found = Some(i),
            Some(f) => {
                let fm = routes[f].map_or(0, |x| x.mask);
                if r.mask & fm == fm {
                    found = Some(i);
                }
            }
        }
    }
    found
}

/// Why a route change failed (Click's `-EEXIST`, `-ENOENT`, bad masks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// A route for that prefix exists (and `set` was not asked).
    Exists,
    /// No such route.
    NotFound,
    /// The structure holds prefixes only and the mask is not contiguous.
    NotPrefix,
}

/// The routes and the lookup structure over them.
#[derive(Debug, Default)]
pub struct RouteTable<L: Lpm> {
    routes: Vec<Option<Route>>,
    index: L,
    outputs: usize,
    no_route: u64,
}

impl<L: Lpm> RouteTable<L> {
    /// Adds `r`; replaces an existing route for the prefix only if `set`.
    pub fn add(&mut self, r: Route, set: bool) -> Result<(), (RouteError, Option<Route>)> {
        if L::PREFIXES_ONLY && r.prefix_len().is_none() {
            return Err((RouteError::NotPrefix, None));
        }
        if let Some(slot) = self
            .routes
            .iter_mut()
            .flatten()
            .find(|x| x.addr == r.addr && x.mask == r.mask)
        {
            if !set {
                return Err((RouteError::Exists, Some(*slot)));
            }
            slot.gw = r.gw;
            slot.port = r.port;
        } else if let Some(free) = self.routes.iter_mut().find(|x| x.is_none()) {
            *free = Some(r);
        } else {
            self.routes.push(Some(r));
        }
        self.index.rebuild(&self.routes);
        Ok(())
    }

    /// Removes the route matching `r` (all fields, or just the prefix if `r.port < 0`).
    pub fn remove(&mut self, r: Route) -> Result<Route, RouteError> {
        let slot = self.routes.iter_mut().find(|x| {
            x.is_some_and(|x| {
                x.addr == r.addr
                    && x.mask == r.mask
                    && (r.port < 0 || (x.gw == r.gw && x.port == r.port))
            })
        });
        let Some(slot) = slot else {
            return Err(RouteError::NotFound);
        };
        let old = slot.take().ok_or(RouteError::NotFound)?;
        self.index.rebuild(&self.routes);
        Ok(old)
    }

    /// The best route for `a`.
    #[inline]
    pub fn lookup(&self, a: u32) -> Option<Route> {
        self.index
            .lookup(&self.routes, a)
            .and_then(|i| self.routes.get(i).copied().flatten())
    }

    /// Click's `table` handler: one `unparse(tabs)` line per route, in storage order.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for r in self.routes.iter().flatten() {
            s.push_str(&r.unparse(true));
            s.push('\n');
        }
        s
    }

    /// Packets dropped for want of a route.
    pub fn no_route_drops(&self) -> u64 {
        self.no_route
    }

    /// Click's `flush` handler: removes every route (the drop count stays).
    pub fn flush(&mut self) {
        self.routes.clear();
        self.index.rebuild(&self.routes);
    }

    /// Click's IPRouteTable::configure: every argument a route; the first route for a
    /// prefix wins (Click warns that later ones were "replaced", but keeps the first).
    pub fn configure(args: &mut Args<'_>, cx: &ConfigContext<'_>) -> Self {
        let mut t = RouteTable {
            routes: Vec::new(),
            index: L::default(),
            outputs: cx.ports.outputs,
            no_route: 0,
        };
        let mut seen = BTreeSet::new();
        for (i, arg) in args.rest().iter().enumerate() {
            match parse_route(&arg.text, false, args.names()) {
                None => args.error(
                    arg.span,
                    format!("argument {} should be 'ADDR/MASK [GATEWAY] OUTPUT'", i + 1),
                ),
                Some(r) if r.port < 0 || r.port as usize >= t.outputs => {
                    args.error(arg.span, format!("argument {} bad OUTPUT", i + 1));
                }
                Some(r) if L::PREFIXES_ONLY && r.prefix_len().is_none() => args.error(
                    arg.span,
                    format!("argument {}: mask is not a prefix", i + 1),
                ),
                // What `add(r, false)` does, without rebuilding the index for every route:
                // a later route for a prefix already given is ignored.
                Some(r) => {
                    if seen.insert((r.addr, r.mask)) {
                        t.routes.push(Some(r));
                    }
                }
            }
        }
        t.index.rebuild(&t.routes);
        t
    }

    /// Runs one `add`, `set` or `remove` command.
    fn command(
        &mut self,
        cmd: &str,
        text: &str,
    ) -> Result<Option<(Route, &'static str)>, HandlerError> {
        let remove = cmd == "remove";
        let bad = |m: String| HandlerError::BadValue(m);
        let Some(r) = parse_route(text, remove, &crate::element::args::NoNames) else {
            return Err(bad(String::from(if remove {
                "expected 'ADDR/MASK [GATEWAY OUTPUT]'"
            } else {
                "expected 'ADDR/MASK [GATEWAY] OUTPUT'"
            })));
        };
        if r.port < if remove { -1 } else { 0 } || (r.port >= 0 && r.port as usize >= self.outputs)
        {
            return Err(bad(String::from("bad OUTPUT")));
        }
        if remove {
            return match self.remove(r) {
                Ok(old) => Ok(Some((old, "remove"))),
                Err(_) => Err(bad(format!("route '{}' not found", r.unparse(false)))),
            };
        }
        let old = self.lookup_exact(r);
        match self.add(r, cmd == "set") {
            Ok(()) => Ok(Some(match old {
                Some(o) => (o, "set"),
                None => (r, "add"),
            })),
            Err((RouteError::Exists, Some(o))) => Err(bad(format!(
                "conflict with existing route '{}'",
                o.unparse(false)
            ))),
            Err(_) => Err(bad(String::from("mask is not a prefix"))),
        }
    }

    fn lookup_exact(&self, r: Route) -> Option<Route> {
        self.routes
            .iter()
            .flatten()
            .find(|x| x.addr == r.addr && x.mask == r.mask)
            .copied()
    }

    /// The `add`, `set`, `remove` and `ctrl` write handlers. `ctrl` takes lines of
    /// `add|set|remove ROUTE` and undoes them all if one fails.
    pub fn write(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "add" | "set" | "remove" => self.command(name, value).map(|_| ()),
            "ctrl" => {
                let mut undo: Vec<(Route, &'static str)> = Vec::new();
                let mut result = Ok(());
                for line in value.lines() {
                    let line = line.trim();
                    let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                    let r = match cmd {
                        "" => continue,
                        "add" | "set" | "remove" => self.command(cmd, rest),
                        _ => Err(HandlerError::BadValue(format!("bad command '{cmd}'"))),
                    };
                    match r {
                        Ok(Some(u)) => undo.push(u),
                        Ok(None) => {}
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                if result.is_err() {
                    while let Some((r, what)) = undo.pop() {
                        let _ = match what {
                            "remove" => self.add(r, false).map_err(|_| ()),
                            "add" => self
                                .remove(Route { port: -1, ..r })
                                .map(|_| ())
                                .map_err(|_| ()),
                            _ => self.add(r, true).map_err(|_| ()),
                        };
                    }
                }
                result
            }
            _ => Err(HandlerError::NoSuchHandler),
        }
    }

    /// Click's IPRouteTable::push: route on the destination address annotation, replace it
    /// with the gateway if the route has one; no route drops the packet (and says so, the
    /// first five times, as Click does).
    #[inline]
    pub fn push<O: Output + ?Sized>(
        &mut self,
        class: &str,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let dst = p.anno().dst_ip;
        match self.lookup(dst.to_u32()) {
            Some(r) if r.port >= 0 && (r.port as usize) < self.outputs => {
                if r.gw != 0 {
                    p.anno_mut().dst_ip = Ipv4Address::from_u32(r.gw);
                }
                out.push(r.port as usize, p, cx);
            }
            _ => {
                self.no_route += 1;
                if self.no_route <= 5 {
                    cx.log(Level::Warning, class, format_args!("no route for {dst}"));
                }
                drop(p);
            }
        }
    }
}

/// LinearIPLookup's structure: none; lookups scan the routes.
#[derive(Debug, Default)]
pub struct Linear;

impl Lpm for Linear {
    const PREFIXES_ONLY: bool = false;
    fn rebuild(&mut self, _: &[Option<Route>]) {}
    fn lookup(&self, routes: &[Option<Route>], a: u32) -> Option<usize> {
        linear_lookup(routes, a)
    }
}

/// Implements Element and Handlers for a route lookup element `$ty` (a struct with one field
/// `table: RouteTable<$lpm>`). `$dynamic` adds the `add`/`set`/`remove`/`ctrl` handlers,
/// `$flush` the `flush` handler (Click gives it to DirectIPLookup, RangeIPLookup and
/// RadixIPLookup, not to LinearIPLookup). Click's `lookup` handler takes a read parameter
/// (the address), which the `Handlers` trait cannot carry: the element's `lookup` method
/// answers it instead.
macro_rules! route_element {
    ($ty:ident, $class:literal, $lpm:ty, $dynamic:expr, $flush:expr) => {
        impl $crate::element::Element for $ty {
            const CLASS: &'static str = $class;
            const PORTS: $crate::element::PortCount = $crate::element::PortCount::new(
                $crate::element::PortRange::Exactly(1),
                $crate::element::PortRange::AtLeast(0),
            );
            const PROCESSING: $crate::element::ProcessingSpec =
                $crate::element::ProcessingSpec::PUSH;

            fn configure(
                mut args: $crate::element::args::Args<'_>,
                cx: &$crate::element::ConfigContext<'_>,
            ) -> Result<Self, $crate::element::args::ConfigError> {
                let table = super::route_table::RouteTable::<$lpm>::configure(&mut args, cx);
                args.finish()?;
                Ok($ty { table })
            }

            #[inline]
            fn push<O: $crate::element::Output + ?Sized>(
                &mut self,
                _: usize,
                p: $crate::packet::Packet,
                out: &mut O,
                cx: &mut $crate::element::Context<'_>,
            ) {
                self.table.push($class, p, out, cx);
            }
        }

        impl $ty {
            /// The route for `addr`, as `(output, gateway)` (Click's `lookup` handler).
            pub fn lookup(
                &self,
                addr: $crate::wire::Ipv4Address,
            ) -> Option<(usize, $crate::wire::Ipv4Address)> {
                self.table
                    .lookup(addr.to_u32())
                    .map(|r| (r.port as usize, $crate::wire::Ipv4Address::from_u32(r.gw)))
            }

            /// Packets dropped for want of a route.
            pub fn no_route_drops(&self) -> u64 {
                self.table.no_route_drops()
            }
        }

        impl $crate::element::Handlers for $ty {
            const HANDLERS: &'static [$crate::element::HandlerSpec] = if $flush {
                &[
                    $crate::element::HandlerSpec::read("table", "the routing table"),
                    $crate::element::HandlerSpec::write("add", "adds a route ADDR/MASK [GW] OUT"),
                    $crate::element::HandlerSpec::write("set", "adds or replaces a route"),
                    $crate::element::HandlerSpec::write(
                        "remove",
                        "removes a route ADDR/MASK [GW OUT]",
                    ),
                    $crate::element::HandlerSpec::write(
                        "ctrl",
                        "lines of add/set/remove, all or nothing",
                    ),
                    $crate::element::HandlerSpec::write("flush", "removes every route"),
                ]
            } else if $dynamic {
                &[
                    $crate::element::HandlerSpec::read("table", "the routing table"),
                    $crate::element::HandlerSpec::write("add", "adds a route ADDR/MASK [GW] OUT"),
                    $crate::element::HandlerSpec::write("set", "adds or replaces a route"),
                    $crate::element::HandlerSpec::write(
                        "remove",
                        "removes a route ADDR/MASK [GW OUT]",
                    ),
                    $crate::element::HandlerSpec::write(
                        "ctrl",
                        "lines of add/set/remove, all or nothing",
                    ),
                ]
            } else {
                &[$crate::element::HandlerSpec::read(
                    "table",
                    "the routing table",
                )]
            };

            fn read_handler(
                &self,
                name: &str,
                _: &$crate::element::HandlerContext,
            ) -> Result<alloc::string::String, $crate::element::HandlerError> {
                match name {
                    "table" => Ok(self.table.dump()),
                    _ => Err($crate::element::handler::missing(
                        Self::HANDLERS,
                        name,
                        $crate::element::Access::readable,
                        $crate::element::HandlerError::NotReadable,
                    )),
                }
            }

            fn write_handler(
                &mut self,
                name: &str,
                value: &str,
                _: &$crate::element::HandlerContext,
            ) -> Result<(), $crate::element::HandlerError> {
                if $dynamic && matches!(name, "add" | "set" | "remove" | "ctrl") {
                    return self.table.write(name, value);
                }
                if $flush && name == "flush" {
                    self.table.flush();
                    return Ok(());
                }
                Err($crate::element::handler::missing(
                    Self::HANDLERS,
                    name,
                    $crate::element::Access::writable,
                    $crate::element::HandlerError::NotWritable,
                ))
            }
        }
    };
}
pub(crate) use route_element;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::element::args::NoNames;

    #[test]
    fn route_syntax_like_cp_ip_route() {
        let r = parse_route("10.0.0.1/8 1.2.3.4 2", false, &NoNames).unwrap();
        assert_eq!(
            (r.addr, r.mask, r.gw, r.port),
            (0x0a00_0000, 0xff00_0000, 0x0102_0304, 2)
        );
        let r = parse_route("10.0.0.0/8 - 1", false, &NoNames).unwrap();
        assert_eq!((r.gw, r.port), (0, 1));
        let r = parse_route("1.2.3.4 0", false, &NoNames).unwrap();
        assert_eq!(r.mask, u32::MAX);
        assert!(parse_route("10.0.0.0/8", false, &NoNames).is_none());
        assert!(parse_route("10.0.0.0/8", true, &NoNames).is_some());
        assert!(parse_route("10.0.0.0/8 1 2", false, &NoNames).is_none());
        assert!(parse_route("bogus 1", false, &NoNames).is_none());
    }

    #[test]
    fn unparse_pads_like_click() {
        let r = parse_route("10.0.0.0/8 0", false, &NoNames).unwrap();
        assert_eq!(r.unparse(true), "10.0.0.0/8\t\t-\t\t0");
        let r = parse_route("192.168.100.100/32 192.168.100.1 1", false, &NoNames).unwrap();
        assert_eq!(r.unparse(true), "192.168.100.100/32\t192.168.100.1\t1");
        assert_eq!(r.unparse(false), "192.168.100.100/32 192.168.100.1 1");
    }
}
