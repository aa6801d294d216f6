//! Tests shared by the route lookup elements: every structure agrees with LinearIPLookup,
//! and the elements route, rewrite the annotation, and serve their handlers like Click.

use super::*;
use crate::element::testing::{configure, Collect};
use crate::element::{Element, HandlerContext, Handlers, NoLog, Ports};
use crate::packet::{Pool, PoolConfig, Timestamp};
use crate::wire::Ipv4Address;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use proptest::prelude::*;

fn hcx() -> HandlerContext {
    HandlerContext {
        now: Timestamp::default(),
    }
}

fn ports(outputs: usize) -> Ports {
    Ports { inputs: 1, outputs }
}

fn route(addr: u32, len: u8, port: i32) -> Route {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Route {
        addr: addr & mask,
        mask,
        gw: addr.rotate_left(7),
        port,
    }
}

fn table<L: Lpm>(routes: &[Route]) -> RouteTable<L> {
    let mut t = RouteTable::<L>::default();
    for r in routes {
        let _ = t.add(*r, false);
    }
    t
}

proptest! {
    #[test]
    fn structures_agree_with_linear(
        specs in proptest::collection::vec((any::<u32>(), 0u8..=32, 0i32..4), 0..40),
        probes in proptest::collection::vec(any::<u32>(), 0..64),
        removals in proptest::collection::vec(any::<usize>(), 0..5),
    ) {
        let routes: Vec<Route> = specs.iter().map(|&(a, l, p)| route(a, l, p)).collect();
        let mut lin = table::<Linear>(&routes);
        let mut radix = table::<RadixTrie>(&routes);
        let mut direct = table::<DirTables>(&routes);
        let mut range = table::<Ranges>(&routes);
        for k in removals {
            if routes.is_empty() { break; }
            let r = Route { port: -1, ..routes[k % routes.len()] };
            let a = lin.remove(r).is_ok();
            prop_assert_eq!(radix.remove(r).is_ok(), a);
            prop_assert_eq!(direct.remove(r).is_ok(), a);
            prop_assert_eq!(range.remove(r).is_ok(), a);
        }
        // Probe random addresses and the edges of every route.
        let mut all = probes.clone();
        for r in &routes {
            all.extend([r.addr, r.addr | !r.mask, r.addr.wrapping_sub(1), (r.addr | !r.mask).wrapping_add(1)]);
        }
        for a in all {
            let want = lin.lookup(a);
            prop_assert_eq!(radix.lookup(a), want, "radix {:#x}", a);
            prop_assert_eq!(direct.lookup(a), want, "direct {:#x}", a);
            prop_assert_eq!(range.lookup(a), want, "range {:#x}", a);
        }
        prop_assert_eq!(lin.dump(), radix.dump());
    }
}

fn push_to<E: Element>(e: &mut E, dst: [u8; 4], pool: &Pool) -> (Option<usize>, Ipv4Address) {
    let mut log = NoLog;
    let mut cx = crate::element::Context::new(Timestamp::default(), *pool, &mut log);
    let mut p: crate::packet::Packet = pool.packet(&[0u8; 20]).unwrap().into();
    p.anno_mut().dst_ip = Ipv4Address(dst);
    let mut out = Collect::new();
    e.push(0, p, &mut out, &mut cx);
    let port = (0..out.ports.len()).find(|&i| out.count(i) > 0);
    let anno = port.map_or(Ipv4Address::UNSPECIFIED, |i| out.port(i)[0].anno().dst_ip);
    (port, anno)
}

fn check_element<E: Element + core::fmt::Debug>() {
    let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
    let config = "18.26.4.24/32 0, 18.26.4.0/24 1, 0.0.0.0/0 18.26.4.1 2, 18.26.4.0/24 2";
    let mut e: E = configure(config, ports(3)).unwrap();
    assert_eq!(
        push_to(&mut e, [18, 26, 4, 24], &pool),
        (Some(0), Ipv4Address::new(18, 26, 4, 24))
    );
    // The first route for a prefix wins, as in Click.
    assert_eq!(
        push_to(&mut e, [18, 26, 4, 9], &pool),
        (Some(1), Ipv4Address::new(18, 26, 4, 9))
    );
    assert_eq!(
        push_to(&mut e, [1, 2, 3, 4], &pool),
        (Some(2), Ipv4Address::new(18, 26, 4, 1))
    );
    assert_eq!(
        e.read_handler("table", &hcx()).unwrap(),
        "18.26.4.24/32\t\t-\t\t0\n18.26.4.0/24\t\t-\t\t1\n0.0.0.0/0\t\t18.26.4.1\t2\n"
    );
    assert_eq!(pool.in_flight(), 0);
    // Errors, located per argument.
    let err = configure::<E>("10.0.0.0/8 0, 10.0.0.0/8 5, bogus", ports(1)).unwrap_err();
    let msgs: Vec<(String, usize)> = err
        .errors
        .iter()
        .map(|e| (e.message.clone(), e.span.start))
        .collect();
    assert_eq!(
        msgs,
        [
            (String::from("argument 2 bad OUTPUT"), 14),
            (
                String::from("argument 3 should be 'ADDR/MASK [GATEWAY] OUTPUT'"),
                28
            ),
        ]
    );
}

#[test]
fn elements_route_like_click() {
    check_element::<StaticIPLookup>();
    check_element::<LinearIPLookup>();
    check_element::<RadixIPLookup>();
    check_element::<DirectIPLookup>();
    check_element::<RangeIPLookup>();
}

fn check_dynamic<E: Element>() {
    let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
    let mut e: E = configure("10.0.0.0/8 0", ports(2)).unwrap();
    assert_eq!(push_to(&mut e, [11, 0, 0, 1], &pool).0, None);
    e.write_handler("add", "11.0.0.0/8 1.1.1.1 1", &hcx())
        .unwrap();
    assert_eq!(
        push_to(&mut e, [11, 0, 0, 1], &pool),
        (Some(1), Ipv4Address::new(1, 1, 1, 1))
    );
    assert!(e.write_handler("add", "11.0.0.0/8 0", &hcx()).is_err());
    e.write_handler("set", "11.0.0.0/8 0", &hcx()).unwrap();
    assert_eq!(push_to(&mut e, [11, 0, 0, 1], &pool).0, Some(0));
    e.write_handler("remove", "11.0.0.0/8", &hcx()).unwrap();
    assert!(e.write_handler("remove", "11.0.0.0/8", &hcx()).is_err());
    assert!(e.write_handler("add", "12.0.0.0/8 7", &hcx()).is_err());
    // ctrl is all or nothing.
    assert!(e
        .write_handler("ctrl", "add 12.0.0.0/8 1\nremove 99.0.0.0/8", &hcx())
        .is_err());
    assert_eq!(push_to(&mut e, [12, 0, 0, 1], &pool).0, None);
    e.write_handler("ctrl", "add 12.0.0.0/8 1\n\nremove 10.0.0.0/8", &hcx())
        .unwrap();
    assert_eq!(
        e.read_handler("table", &hcx()).unwrap(),
        "12.0.0.0/8\t\t-\t\t1\n"
    );
    assert_eq!(pool.in_flight(), 0);
}

#[test]
fn dynamic_handlers() {
    check_dynamic::<LinearIPLookup>();
    check_dynamic::<RadixIPLookup>();
    check_dynamic::<DirectIPLookup>();
    check_dynamic::<RangeIPLookup>();
    let mut s: StaticIPLookup = configure("10.0.0.0/8 0", ports(1)).unwrap();
    assert_eq!(
        s.write_handler("add", "11.0.0.0/8 0", &hcx()),
        Err(crate::element::HandlerError::NoSuchHandler)
    );
    let _ = format!("{:?}", s.lookup(Ipv4Address::new(10, 1, 1, 1)));
    assert_eq!(
        s.lookup(Ipv4Address::new(10, 1, 1, 1)),
        Some((0, Ipv4Address::UNSPECIFIED))
    );
}

/// Click's `flush` (DirectIPLookup, RangeIPLookup, RadixIPLookup): every route goes, the
/// written value is ignored, and the element keeps routing what is added afterwards.
fn check_flush<E: Element>() {
    let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
    let mut e: E = configure("10.0.0.0/8 0, 11.0.0.0/8 1.1.1.1 1", ports(2)).unwrap();
    assert_eq!(push_to(&mut e, [10, 0, 0, 1], &pool).0, Some(0));
    assert_eq!(
        e.read_handler("flush", &hcx()),
        Err(crate::element::HandlerError::NotReadable)
    );
    e.write_handler("flush", "anything", &hcx()).unwrap();
    assert_eq!(e.read_handler("table", &hcx()).unwrap(), "");
    assert_eq!(push_to(&mut e, [10, 0, 0, 1], &pool).0, None);
    assert_eq!(push_to(&mut e, [11, 0, 0, 1], &pool).0, None);
    e.write_handler("flush", "", &hcx()).unwrap();
    e.write_handler("add", "10.0.0.0/8 1", &hcx()).unwrap();
    assert_eq!(push_to(&mut e, [10, 0, 0, 1], &pool).0, Some(1));
    assert_eq!(pool.in_flight(), 0);
}

#[test]
fn flush_handler() {
    check_flush::<RadixIPLookup>();
    check_flush::<DirectIPLookup>();
    check_flush::<RangeIPLookup>();
    // Click gives LinearIPLookup and StaticIPLookup no flush.
    let mut l: LinearIPLookup = configure("10.0.0.0/8 0", ports(1)).unwrap();
    assert_eq!(
        l.write_handler("flush", "", &hcx()),
        Err(crate::element::HandlerError::NoSuchHandler)
    );
    assert_eq!(
        l.read_handler("table", &hcx()).unwrap(),
        "10.0.0.0/8\t\t-\t\t0\n"
    );
}

#[test]
fn prefix_structures_reject_noncontiguous_masks() {
    assert!(configure::<RadixIPLookup>("10.0.0.0/255.0.255.0 0", ports(1)).is_err());
    assert!(configure::<LinearIPLookup>("10.0.0.0/255.0.255.0 0", ports(1)).is_ok());
}
