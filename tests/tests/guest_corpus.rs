//! The corpus through real guests: every case (each reads one FromDump and writes ToDumps) is
//! rewritten to FromDevice/ToDevice, compiled into a guest image, booted under QEMU (KVM when
//! `/dev/kvm` opens, TCG otherwise) with one virtio NIC per input and output, fed the case's
//! `in.pcap` over the NICs, and must send exactly the frames Click wrote to each output
//! (timestamps aside: a NIC carries none). Case 14, the two-port router, runs as a real
//! two-port router: frames enter on NIC 0 or NIC 1 by their source MAC, and its eth0 and
//! eth1 outputs leave on those same NICs.
//!
//! Afterwards every guest must stop cleanly (`idlestop=`), with every packet buffer back in
//! the pool.

use std::time::Duration;

use sluice_tests::guest::{accel_name, build_images, pcap_frames, Guest};
use sluice_tests::{corpus_cases, Case};

/// How a case is wired to NICs once rewritten.
struct Wiring {
    /// The rewritten configuration.
    config: String,
    /// NICs the guest needs.
    nics: usize,
    /// For each expected output file, the NIC it leaves on.
    outputs: Vec<(String, usize)>,
    /// Two input NICs, chosen by source MAC (case 14).
    two_ports: bool,
}

/// Rewrites `FromDump(...)` to `FromDevice(0)` and the k-th distinct `ToDump(FILE ...)` to
/// `ToDevice(k)`; case 14 gets its two-port wiring.
fn rewire(case: &Case) -> Wiring {
    let two_ports = case.name.starts_with("14-");
    let mut out = String::new();
    let mut outputs: Vec<(String, usize)> = Vec::new();
    let mut rest = case.config.as_str();
    let first_output = if two_ports { 0 } else { 1 };
    loop {
        let from = rest.find("FromDump(");
        let to = rest.find("ToDump(");
        let (at, is_from) = match (from, to) {
            (Some(f), Some(t)) if f < t => (f, true),
            (Some(f), None) => (f, true),
            (_, Some(t)) => (t, false),
            (None, None) => break,
        };
        let open = at + if is_from { 9 } else { 7 };
        let close = rest[open..]
            .find(')')
            .map(|j| open + j)
            .expect("closing parenthesis");
        out.push_str(&rest[..at]);
        if is_from {
            out.push_str("FromDevice(0)");
        } else {
            let file = rest[open..close]
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            let nic = match (two_ports, file.as_str()) {
                (true, "out-eth0.pcap") => 0,
                (true, "out-eth1.pcap") => 1,
                (true, _) => 2,
                (false, _) => first_output + outputs.len(),
            };
            out.push_str(&format!("ToDevice({nic})"));
            outputs.push((file, nic));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    if two_ports {
        out = out.replacen(
            "FromDevice(0) -> ifsplit;",
            "FromDevice(0) -> ifsplit;\nFromDevice(1) -> ifsplit;",
            1,
        );
    }
    let nics = outputs.iter().map(|(_, n)| n + 1).max().unwrap_or(1);
    Wiring {
        config: out,
        nics,
        outputs,
        two_ports,
    }
}

/// Frames whose bytes come from memory past the end of a runt, which no NIC can reproduce:
/// (case, NIC, frame index, why).
const BEYOND_THE_END: &[(&str, usize, usize, &str)] = &[(
    "11-vlan",
    2,
    10,
    "a 10-byte runt: Click's VLANDecap reads its tag, and VLANEncap(ANNO) its addresses, \
     from the 4 bytes past its end, which in Click's FromDump are the next bytes of the \
     capture file (Sluice's host FromDump reproduces them; a NIC delivers only the frame)",
)];

#[test]
fn corpus_cases_forward_through_guests_as_click_wrote_them() {
    let cases = corpus_cases().expect("the corpus (../shared beside the checkout)");
    assert!(!cases.is_empty());
    let wirings: Vec<Wiring> = cases.iter().map(rewire).collect();
    let configs: Vec<(String, String)> = cases
        .iter()
        .zip(&wirings)
        .map(|(c, w)| (format!("case{}", &c.name[..2]), w.config.clone()))
        .collect();
    let images = build_images("sluice-guest-corpus", &configs);
    println!("accelerator: {}", accel_name());
    let mut failures = Vec::new();
    for ((case, wiring), image) in cases.iter().zip(&wirings).zip(&images) {
        let guest = Guest::boot(image, wiring.nics, "64M", "idlestop=700 buffers=2048");
        let frames = pcap_frames(&case.dir.join("in.pcap"));
        for f in &frames {
            let nic = if wiring.two_ports && f.get(10) == Some(&0x0b) {
                1
            } else {
                0
            };
            guest.send(nic, f);
            if wiring.two_ports {
                // Two input NICs: pace the frames so they are handled in file order.
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let mut got: Vec<Vec<Vec<u8>>> = vec![Vec::new(); wiring.nics];
        // Collect everything each NIC sends until the guest has been quiet a while.
        let mut received = 0;
        loop {
            let mut new = 0;
            for (nic, frames) in got.iter_mut().enumerate() {
                let more = guest.receive(nic, Duration::from_millis(100));
                new += more.len();
                frames.extend(more);
            }
            received += new;
            if new == 0 {
                break;
            }
        }
        let report = guest.finish(Duration::from_secs(30));
        let mut problems = Vec::new();
        if report.status != Some(0) {
            problems.push(format!("guest status {:?}", report.status));
        }
        let mut by_nic: Vec<Vec<Vec<u8>>> = vec![Vec::new(); wiring.nics];
        for (file, nic) in &wiring.outputs {
            by_nic[*nic].extend(pcap_frames(&case.dir.join(file)));
        }
        for (nic, want) in by_nic.iter().enumerate() {
            let mut have = got[nic].clone();
            for &(name, n, i, why) in BEYOND_THE_END {
                if name == case.name && n == nic && i < have.len() && i < want.len() {
                    println!("{name}: NIC {nic} frame {i} not compared: {why}");
                    have[i] = want[i].clone();
                }
            }
            let have = &have;
            if have != want {
                let first = want.iter().zip(have).position(|(a, b)| a != b);
                let detail = first.map_or(String::new(), |i| {
                    format!("\n  Click: {:02x?}\n  guest: {:02x?}", want[i], have[i])
                });
                problems.push(format!(
                    "NIC {nic}: sent {} frames, Click wrote {} (first difference at frame {:?}){detail}",
                    have.len(),
                    want.len(),
                    first
                ));
            }
        }
        if !report.values.is_empty() && report.num("pool.free") != report.num("pool.free_at_ready")
        {
            problems.push(format!(
                "pool: {} free at the end, {} when ready",
                report.num("pool.free"),
                report.num("pool.free_at_ready")
            ));
        }
        println!(
            "{}: {} frames in, {received} out over {} NIC(s): {}",
            case.name,
            frames.len(),
            wiring.nics,
            if problems.is_empty() {
                "same as Click"
            } else {
                "DIFFERENT"
            }
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\nconfiguration:\n{}\nconsole:\n{}",
                case.name,
                problems.join("; "),
                wiring.config,
                report.console
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
