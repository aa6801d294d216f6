//! The benchmark harness checks its own figures under QEMU: at a fixed load below the
//! ceiling the rate it measures matches the load within 1 %, and the loss an image injects
//! (1 frame in 100, counted by the image) is what it measures. Then a short RFC 2544 run
//! through two shipped functions whose traffic takes different paths (mirrored back out of
//! the NIC it came in on; translated by the NAT) gives figures for each and for the ceiling.

use std::path::PathBuf;

use sluice_router::cli::guest_bench::GuestBenchOptions;
use sluice_router::cli::launch::Accel;
use sluice_router::cli::rfc2544::{self, Plan};
use sluice_tests::guest::accel_name;

fn configs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

#[test]
fn the_harness_checks_itself_then_measures_each_function_with_its_traffic() {
    eprintln!("guests run under {}", accel_name());
    let options = GuestBenchOptions {
        configs: vec![
            configs_dir().join("ethermirror.click"),
            configs_dir().join("nat.click"),
        ],
        frame_size: 64,
        seconds: 1.0,
        rate: None,
        accel: Accel::Auto,
        memory: "64M".into(),
        boots: 1,
        runs: 1,
    };
    let plan = Plan {
        sizes: vec![64],
        trial_secs: 1.0,
        tolerance: 0.001,
        steps: 2,
        pcap: None,
        flows: None,
        self_check: true,
    };

    let check = rfc2544::run_self_check(&options, &plan).expect("self-check ran");
    let text = rfc2544::self_check_text(&check);
    eprint!("{text}");
    assert!(check.passed(), "{text}");
    let (sent, received, dropped) = check.counts;
    assert!(
        dropped > 0 && sent > 100 * (dropped - 1),
        "1 in 100 dropped"
    );
    assert!(sent - received >= dropped);

    let report = rfc2544::run(
        &options,
        &Plan {
            self_check: false,
            trial_secs: 0.5,
            ..plan
        },
    )
    .expect("measured");
    eprint!("{}", rfc2544::table(&report));
    let labels: Vec<&str> = report.results.iter().map(|r| r.config.as_str()).collect();
    assert_eq!(labels.len(), 3, "{labels:?}");
    assert_eq!(labels[0], "wire (ceiling)", "the ceiling comes first");
    assert!(labels[1].ends_with("ethermirror.click"));
    assert!(labels[2].ends_with("nat.click"));
    for r in &report.results {
        // Frames came out at saturation (the zero-loss rate itself depends on the host's
        // load and is not asserted).
        assert!(r.trials[0].1 < 1.0, "{}: nothing came out", r.config);
        assert!(r.latency_us.0 > 0.0, "{}: no latency samples", r.config);
        assert!(r.ceiling_pps > 0.0);
        assert!(
            r.cycles_per_packet > 0,
            "{}: no cycles from the guest",
            r.config
        );
        assert_eq!(r.trials.len(), 3, "saturation and two steps");
    }
    assert!(rfc2544::json(&report).contains("\"traffic\":\"UDP, 64 inside flows\""));
}
