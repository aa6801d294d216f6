//! `sluice demo`: a host-mode job on real packets, until the guest image exists.
//!
//! It writes (or takes) a pcap of mixed traffic, reads every frame straight into a pool
//! slot, and pushes the frames in batches through this datapath, built from the element
//! library and the wire views:
//!
//! ```text
//! source -> cin :: Counter -> by ethertype
//!   IPv4  -> IPv4 header check (length, version, IHL, checksum)
//!              good -> t :: Tee(2) -> [0] cgood :: Counter -> Discard
//!                                     [1] 802.1Q tag (VID 100, copy on write) -> cvlan :: Counter -> ToDump
//!              bad  -> cbad :: Counter -> Discard
//!   ARP   -> carp :: Counter -> Discard
//!   other -> cother :: Counter -> Discard
//! ```
//!
//! and prints what went where, the rate, and that every buffer came back to the pool.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sluice_elements::element::testing::Collect;
use sluice_elements::element::{Context, Element, HandlerContext, Handlers, NoLog, Ports};
use sluice_elements::io::pcap::{PcapReader, PcapWriter, TODUMP_SNAPLEN};
use sluice_elements::packet::{Batch, Packet, Pool, PoolConfig, Timestamp, WritablePacket};
use sluice_elements::standard::{Counter, Discard, Tee};
use sluice_elements::wire::checksum;
use sluice_elements::wire::ethernet::{EtherType, EthernetFrame};
use sluice_elements::wire::ipv4::Ipv4Packet;
use sluice_elements::wire::vlan::{Tci, VlanHeader};

/// What to run the demo on.
pub struct DemoOptions {
    /// A capture to read; if absent, one is synthesised.
    pub pcap: Option<PathBuf>,
    /// Frames to synthesise.
    pub frames: usize,
    /// Where the tagged copies go.
    pub out: PathBuf,
}

/// Runs the demo, printing its report.
pub fn run(opts: &DemoOptions) -> Result<(), String> {
    let input = match &opts.pcap {
        Some(p) => p.clone(),
        None => {
            let path =
                std::env::temp_dir().join(format!("sluice-demo-{}.pcap", std::process::id()));
            let kinds =
                synthesise(&path, opts.frames).map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "wrote {} frames of synthetic traffic to {}",
                opts.frames,
                path.display()
            );
            println!("  {kinds}");
            path
        }
    };
    let file = File::open(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let mut reader =
        PcapReader::new(BufReader::new(file)).map_err(|e| format!("{}: {e}", input.display()))?;
    let out = File::create(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
    let mut dump = PcapWriter::new(BufWriter::new(out), TODUMP_SNAPLEN)
        .map_err(|e| format!("{}: {e}", opts.out.display()))?;

    let pool = Pool::new(PoolConfig::with_slots(1024)).map_err(|e| format!("pool: {e:?}"))?;
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    let counter = || -> Counter { Counter::default() };
    let (mut cin, mut cgood, mut cbad, mut carp, mut cother, mut cvlan) = (
        counter(),
        counter(),
        counter(),
        counter(),
        counter(),
        counter(),
    );
    let mut tee: Tee = sluice_elements::element::testing::configure(
        "2",
        Ports {
            inputs: 1,
            outputs: 2,
        },
    )
    .map_err(|e| e.to_string())?;
    let mut sink: Discard = sluice_elements::element::testing::configure(
        "",
        Ports {
            inputs: 1,
            outputs: 0,
        },
    )
    .map_err(|e| e.to_string())?;
    let mut no_buffer = 0u64;
    let mut read_errors = 0u64;

    let started = Instant::now();
    let mut done = false;
    while !done {
        // Source: fill a batch straight from the file into pool slots.
        let mut batch = Batch::new();
        while !batch.is_full() {
            let Some(mut slot) = pool.take_slot() else {
                no_buffer += 1;
                break;
            };
            let headroom = pool.headroom();
            match reader.next_into(&mut slot.bytes_mut()[headroom..]) {
                Ok(Some(rec)) => {
                    if let Ok(mut p) =
                        WritablePacket::from_slot(slot, headroom, rec.caplen as usize)
                    {
                        p.anno_mut().timestamp = rec.timestamp;
                        let _ = batch.push(p.into());
                    }
                }
                Ok(None) => {
                    done = true;
                    break;
                }
                Err(_) => {
                    read_errors += 1;
                    done = true;
                    break;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }

        let mut counted = Collect::new();
        cin.push_batch(0, &mut batch, &mut counted, &mut cx);
        let (mut good, mut bad, mut arp, mut other) =
            (Batch::new(), Batch::new(), Batch::new(), Batch::new());
        for p in counted.ports.into_iter().flatten() {
            let target = match classify(&p) {
                Class::GoodIpv4 => &mut good,
                Class::BadIpv4 => &mut bad,
                Class::Arp => &mut arp,
                Class::Other => &mut other,
            };
            let _ = target.push(p);
        }
        let mut teed = Collect::new();
        for p in good.drain() {
            tee.push(0, p, &mut teed, &mut cx);
        }
        let mut ports = teed.ports.into_iter();
        let to_count: Batch = ports.next().unwrap_or_default().into_iter().collect_batch();
        let to_tag = ports.next().unwrap_or_default();
        let mut counted = Collect::new();
        let mut to_count = to_count;
        cgood.push_batch(0, &mut to_count, &mut counted, &mut cx);
        let mut tagged = Batch::new();
        for p in to_tag {
            match vlan_tag(p, &pool) {
                Some(p) => {
                    let _ = tagged.push(p);
                }
                None => no_buffer += 1,
            }
        }
        let mut out = Collect::new();
        cvlan.push_batch(0, &mut tagged, &mut out, &mut cx);
        for p in out.ports.into_iter().flatten() {
            dump.write(
                p.anno().timestamp,
                p.data(),
                p.len() + p.anno().extra_length as usize,
            )
            .map_err(|e| format!("{}: {e}", opts.out.display()))?;
        }
        for (c, b) in [
            (&mut cbad, &mut bad),
            (&mut carp, &mut arp),
            (&mut cother, &mut other),
        ] {
            let mut passed = Collect::new();
            c.push_batch(0, b, &mut passed, &mut cx);
            counted.ports.extend(passed.ports);
        }
        let mut rest: Batch = Batch::new();
        for p in counted.ports.into_iter().flatten() {
            if let Err(p) = rest.push(p) {
                sink.push_batch(0, &mut rest, &mut Collect::new(), &mut cx);
                let _ = rest.push(p);
            }
        }
        sink.push_batch(0, &mut rest, &mut Collect::new(), &mut cx);
    }
    dump.flush()
        .map_err(|e| format!("{}: {e}", opts.out.display()))?;
    let elapsed = started.elapsed();

    let now = HandlerContext { now: cx.now() };
    let count = |c: &Counter| c.read_handler("count", &now).unwrap_or_default();
    let n = cin.count();
    println!();
    println!(
        "datapath: source -> cin -> ethertype/IPv4 check -> Tee -> counters, 802.1Q tag -> ToDump"
    );
    println!("counter     packets  what");
    for (name, c, what) in [
        ("cin", &cin, "every frame read"),
        ("cgood", &cgood, "IPv4 with a valid header"),
        ("cbad", &cbad, "IPv4 with a bad header (dropped)"),
        ("carp", &carp, "ARP"),
        ("cother", &cother, "other ethertypes (IPv6, ...)"),
        (
            "cvlan",
            &cvlan,
            "good IPv4 copies tagged VID 100, written out",
        ),
    ] {
        println!("{name:<8} {:>10}  {what}", count(c));
    }
    println!(
        "discarded {} packets; {} bytes in",
        sink.count(),
        cin.byte_count()
    );
    println!(
        "{n} frames in {:.1} ms: {:.2} Mpps through the whole job (file I/O included)",
        elapsed.as_secs_f64() * 1e3,
        n as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
    );
    let (frames, tagged) =
        verify_tagged(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
    println!(
        "tagged copies: {} ({frames} frames read back, {tagged} carry 802.1Q VID 100)",
        opts.out.display()
    );
    let stats = pool.stats();
    println!(
        "pool: {} slots, {} free, {} in flight after the run; {} times empty; {} read errors",
        stats.capacity,
        stats.free,
        stats.in_flight,
        stats.exhausted + no_buffer,
        read_errors
    );
    if opts.pcap.is_none() {
        let _ = std::fs::remove_file(&input);
    }
    if stats.in_flight != 0 {
        return Err(format!("{} buffers leaked", stats.in_flight));
    }
    if cgood.count() + cbad.count() + carp.count() + cother.count() != n {
        return Err("the counters do not add up".into());
    }
    Ok(())
}

/// Reads the output back: how many frames, and how many carry an 802.1Q tag with VID 100.
fn verify_tagged(path: &Path) -> std::io::Result<(usize, usize)> {
    let mut r = PcapReader::new(BufReader::new(File::open(path)?))?;
    let mut buf = vec![0u8; 4096];
    let (mut frames, mut tagged) = (0, 0);
    while let Some(rec) = r.next_into(&mut buf)? {
        frames += 1;
        if let Ok(h) = VlanHeader::new_checked(&buf[..rec.caplen as usize]) {
            if h.tpid() == EtherType::VLAN && h.tci_fields().vid() == 100 {
                tagged += 1;
            }
        }
    }
    Ok((frames, tagged))
}

trait CollectBatch {
    fn collect_batch(self) -> Batch;
}

impl<I: Iterator<Item = Packet>> CollectBatch for I {
    fn collect_batch(self) -> Batch {
        let mut b = Batch::new();
        b.extend(self);
        b
    }
}

enum Class {
    GoodIpv4,
    BadIpv4,
    Arp,
    Other,
}

fn classify(p: &Packet) -> Class {
    let Ok(frame) = EthernetFrame::new_checked(p.data()) else {
        return Class::Other;
    };
    match frame.ethertype() {
        EtherType::IPV4 => match Ipv4Packet::new_checked(frame.payload()) {
            Ok(ip) if ip.version() == 4 && ip.verify_checksum() => Class::GoodIpv4,
            _ => Class::BadIpv4,
        },
        EtherType::ARP => Class::Arp,
        _ => Class::Other,
    }
}

/// Inserts an 802.1Q tag (VID 100) after the MAC addresses: four bytes of headroom, the
/// addresses moved forward, no copy of the payload (unless the packet is shared, when
/// `make_unique` copies it first).
fn vlan_tag(p: Packet, pool: &Pool) -> Option<Packet> {
    let mut w = p.make_unique(pool).ok()?;
    let inner_type = EthernetFrame::new_checked(w.data()).ok()?.ethertype();
    w.push_front(4).ok()?;
    let data = w.data_mut();
    data.copy_within(4..16, 0);
    let mut hdr = VlanHeader::new_checked(&mut data[..]).ok()?;
    hdr.set_tpid(EtherType::VLAN);
    hdr.set_tci_fields(Tci::new(0, false, 100)?);
    hdr.set_ethertype(inner_type);
    Some(w.into())
}

/// Writes `frames` frames of mixed traffic: mostly valid UDP and TCP, some ICMP, ARP and
/// IPv6, and malformed IPv4 (bad checksum, bad version, IHL below 5, truncated).
fn synthesise(path: &Path, frames: usize) -> std::io::Result<String> {
    let mut w = PcapWriter::new(BufWriter::new(File::create(path)?), TODUMP_SNAPLEN)?;
    let mut state = 0x2545_f491_u32;
    let mut kinds = [0usize; 6];
    for i in 0..frames {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let roll = state % 100;
        let mut f = vec![0u8; 14];
        f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
        f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0x0a, (i % 250) as u8]);
        let kind = match roll {
            0..=86 | 90..=94 => {
                let proto = match roll {
                    0..=69 => 17,
                    70..=81 => 6,
                    82..=86 => 1,
                    _ => [17, 6, 1][roll as usize % 3],
                };
                f[12..14].copy_from_slice(&EtherType::IPV4.to_be_bytes());
                let payload = 8 + (state as usize >> 8) % 64;
                let total = 20 + payload;
                let mut ip = vec![0u8; total];
                ip[0] = 0x45;
                ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
                ip[4..6].copy_from_slice(&(i as u16).to_be_bytes());
                ip[8] = 64;
                ip[9] = proto;
                ip[12..16].copy_from_slice(&[10, 0, (i >> 8) as u8, i as u8]);
                ip[16..20].copy_from_slice(&[192, 0, 2, 1]);
                let sum = checksum::checksum(&ip[..20]);
                ip[10..12].copy_from_slice(&sum.to_be_bytes());
                if (90..=94).contains(&roll) {
                    match roll {
                        90 | 91 => ip[10] ^= 0x5a,
                        92 => ip[0] = 0x65,
                        93 => ip[0] = 0x44,
                        _ => ip.truncate(12),
                    }
                }
                f.extend_from_slice(&ip);
                if roll >= 90 {
                    4
                } else if proto == 17 {
                    0
                } else if proto == 6 {
                    1
                } else {
                    2
                }
            }
            87..=89 => {
                f[12..14].copy_from_slice(&EtherType::ARP.to_be_bytes());
                f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
                f.extend_from_slice(&[0x02, 0, 0, 0, 0x0a, 1, 10, 0, 0, 1]);
                f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
                3
            }
            _ => {
                f[12..14].copy_from_slice(&EtherType::IPV6.to_be_bytes());
                f.extend_from_slice(&[0x60, 0, 0, 0, 0, 8, 17, 64]);
                f.extend_from_slice(&[0u8; 40]);
                5
            }
        };
        kinds[kind] += 1;
        let ts = Timestamp::from_parts(
            1_700_000_000 + (i / 1000) as u64,
            (i % 1000) as u32 * 1_000_000,
        );
        w.write(ts, &f, f.len())?;
    }
    w.flush()?;
    Ok(format!(
        "{} UDP, {} TCP, {} ICMP, {} malformed IPv4, {} ARP, {} IPv6",
        kinds[0], kinds[1], kinds[2], kinds[4], kinds[3], kinds[5]
    ))
}
