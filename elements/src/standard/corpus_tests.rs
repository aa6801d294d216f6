//! Golden tests against the Click differential corpus (`../shared/corpus/click-diff/`): the
//! cases that use only this group's elements, run element by element, must put the same
//! frames in the same outputs, in the same order, as Click did.

use alloc::vec::Vec;
use std::path::PathBuf;

use crate::element::testing::{configure, Collect};
use crate::element::{Context, Element, NoLog, Ports};
use crate::packet::{Packet, Pool, PoolConfig, Timestamp};
use crate::standard::{Classifier, Paint, PaintSwitch, PaintTee, Strip, Tee, Unstrip};

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/click-diff")
        .join(name)
}

/// The frames of a pcap file (microsecond or nanosecond, either byte order).
fn frames(path: PathBuf) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() >= 24, "{}: short pcap", path.display());
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let little = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("{}: not a pcap", path.display()),
    };
    let u32_at = |at: usize| {
        let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32_at(at + 8) as usize;
        let start = at + 16;
        out.push(bytes[start..start + caplen].to_vec());
        at = start + caplen;
    }
    out
}

fn ports(inputs: usize, outputs: usize) -> Ports {
    Ports { inputs, outputs }
}

fn data(ps: &[Packet]) -> Vec<Vec<u8>> {
    ps.iter().map(|p| p.data().to_vec()).collect()
}

#[test]
fn case_01_ethertype_classifier() {
    let dir = case("01-ethertype-classifier");
    let input = frames(dir.join("in.pcap"));
    let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    let mut cl: Classifier = configure(
        "12/0800, 12/0806 20/0001, 12/0806 20/0002, 12/86dd, 12/8100, -",
        ports(1, 6),
    )
    .unwrap();
    let mut out = Collect::new();
    for f in &input {
        cl.push(0, pool.packet(f).unwrap().into(), &mut out, &mut cx);
    }
    let names = [
        "out0-ipv4.pcap",
        "out1-arp-request.pcap",
        "out2-arp-reply.pcap",
        "out3-ipv6.pcap",
        "out4-vlan.pcap",
        "out5-other.pcap",
    ];
    for (port, name) in names.iter().enumerate() {
        assert_eq!(data(out.port(port)), frames(dir.join(name)), "{name}");
    }
    // cip.count 31, carpq 1, carpr 1, cip6 1, cvlan 1, cother 2 (out-handlers.txt).
    let counts: Vec<usize> = (0..6).map(|p| out.count(p)).collect();
    assert_eq!(counts, [31, 1, 1, 1, 1, 2]);
    drop(out);
    assert_eq!(pool.in_flight(), 0);
}

#[test]
fn case_10_paint_counter() {
    let dir = case("10-paint-counter");
    let input = frames(dir.join("in.pcap"));
    let pool = Pool::new(PoolConfig::with_slots(128)).unwrap();
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    let mut cl: Classifier = configure("12/0800, 12/0806, -", ports(1, 3)).unwrap();
    let mut paints: Vec<Paint> = ["1", "2", "3"]
        .iter()
        .map(|c| configure(c, ports(1, 1)).unwrap())
        .collect();
    let mut pt: PaintTee = configure("2", ports(1, 2)).unwrap();
    let mut ps: PaintSwitch = configure("", ports(1, 4)).unwrap();
    let mut tee: Tee = configure("2", ports(1, 2)).unwrap();

    let (mut copies, mut paint1, mut paint2, mut paint2_tee) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut dz, mut d3, mut c1_bytes) = (0, 0, 0);
    for f in &input {
        let mut classified = Collect::new();
        cl.push(0, pool.packet(f).unwrap().into(), &mut classified, &mut cx);
        for (port, ps_in) in classified.ports.into_iter().enumerate() {
            for p in ps_in {
                let mut painted = Collect::new();
                paints[port].push(0, p, &mut painted, &mut cx);
                for p in painted.ports.into_iter().flatten() {
                    let mut teed = Collect::new();
                    pt.push(0, p, &mut teed, &mut cx);
                    copies.extend(teed.port(1).iter().map(|p| p.data().to_vec()));
                    for p in teed.ports.swap_remove(0) {
                        let mut switched = Collect::new();
                        ps.push(0, p, &mut switched, &mut cx);
                        dz += switched.count(0);
                        for p in switched.port(1) {
                            c1_bytes += p.len();
                            paint1.push(p.data().to_vec());
                        }
                        for p in switched
                            .ports
                            .get_mut(2)
                            .map(core::mem::take)
                            .unwrap_or_default()
                        {
                            let mut both = Collect::new();
                            tee.push(0, p, &mut both, &mut cx);
                            paint2.extend(data(both.port(0)));
                            paint2_tee.extend(data(both.port(1)));
                        }
                        d3 += switched.count(3);
                    }
                }
            }
        }
    }
    assert_eq!(copies, frames(dir.join("out-painttee-copies.pcap")));
    assert_eq!(paint1, frames(dir.join("out-paint1.pcap")));
    assert_eq!(paint2, frames(dir.join("out-paint2.pcap")));
    assert_eq!(paint2_tee, frames(dir.join("out-paint2-tee.pcap")));
    // out-handlers.txt: ccopy 2, c1 31 / 3072 bytes, c2 2, c3 = d3 4, dz 0.
    assert_eq!((copies.len(), paint1.len(), c1_bytes), (2, 31, 3072));
    assert_eq!((paint2.len(), d3, dz), (2, 4, 0));
    assert_eq!(pool.in_flight(), 0);
}

#[test]
fn case_02_strip_unstrip_round_trip() {
    // Case 02 strips the Ethernet header of every IPv4 frame (both Tee copies) and puts it
    // back after CheckIPHeader; Strip/Unstrip alone must give every frame back unchanged.
    let dir = case("02-checkipheader");
    let input = frames(dir.join("in.pcap"));
    let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    let mut cl: Classifier = configure("12/0800, -", ports(1, 2)).unwrap();
    let mut tee: Tee = configure("2", ports(1, 2)).unwrap();
    let mut strip: Strip = configure("14", ports(1, 1)).unwrap();
    let mut unstrip: Unstrip = configure("14", ports(1, 1)).unwrap();
    let mut ip = Vec::new();
    for f in &input {
        let mut classified = Collect::new();
        cl.push(0, pool.packet(f).unwrap().into(), &mut classified, &mut cx);
        for p in classified.ports.into_iter().next().unwrap_or_default() {
            let mut copies = Collect::new();
            tee.push(0, p, &mut copies, &mut cx);
            for p in copies.ports.into_iter().flatten() {
                let mut stripped = Collect::new();
                strip.push(0, p, &mut stripped, &mut cx);
                let p = stripped.ports.swap_remove(0).pop().unwrap();
                assert_eq!(p.data(), &f[14..]);
                let mut back = Collect::new();
                unstrip.push(0, p, &mut back, &mut cx);
                ip.push(back.ports.swap_remove(0).pop().unwrap().data().to_vec());
            }
        }
    }
    let expected: Vec<Vec<u8>> = input
        .iter()
        .filter(|f| f.len() >= 14 && f[12..14] == [0x08, 0x00])
        .flat_map(|f| [f.clone(), f.clone()])
        .collect();
    assert_eq!(ip, expected);
    assert_eq!(pool.in_flight(), 0);
}
