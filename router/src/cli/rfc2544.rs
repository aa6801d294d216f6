//! `sluice bench-guest --rfc2544`: the RFC 2544 test bench for guest images.
//!
//! For each image and frame size: the throughput (the highest offered rate whose trial loses
//! no more than the tolerance, found by binary search below the saturation rate), the
//! latency percentiles at a fraction of that rate (from send times carried in the frames),
//! the loss curve (every trial), and the guest's own cycles per packet. The bounce ceiling,
//! `configs/wire.click` with the same traffic, is measured in the same run (first and again
//! last; the better of the two counts, a noisy moment only ever lowers a binary search), and
//! every throughput is also given as a fraction of it: what this host's virtual I/O path can
//! carry.
//!
//! The harness also checks itself (`--self-check`): at a fixed offered load of a quarter of
//! the ceiling the rate it measures must match the load within 1 %, and through an image
//! built to drop exactly 1 frame in 100 (counting them) the loss it measures must be at least
//! what the image dropped and at most 0.2 percentage points more (what the host's sockets
//! may lose besides; the guest's own NIC counters say how much that was).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::build::{compile_guests, generate_for};
use super::guest_bench::{report_value, start, watch, watch_out, GuestBenchOptions, Load, Rig};
use super::traffic::{self, Profile};
use super::Source;
use crate::codegen::Target;

/// The bounce ceiling: what comes in on device 0 leaves on device 1 unchanged.
const WIRE: &str = "FromDevice(0, BURST 32) -> ToDevice(1, BURST 32);";

/// The self-check's lossy wire: drops the frames whose first UDP payload byte is 0xEE (the
/// generator marks exactly one frame in [`LOSSY_EVERY`]), counting them.
const LOSSY_WIRE: &str = "FromDevice(0, BURST 32) -> c :: Classifier(42/ee, -);\n\
                          c[0] -> injected :: Counter -> Discard;\n\
                          c[1] -> ToDevice(1, BURST 32);";

/// One frame in this many is dropped by the lossy wire.
const LOSSY_EVERY: usize = 100;

/// The fraction of the measured throughput at which latency is taken.
const LATENCY_AT: f64 = 0.9;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Frame sizes (FCS included); ignored with `pcap`.
    pub sizes: Vec<usize>,
    /// Seconds per trial.
    pub trial_secs: f64,
    /// Fraction of frames a trial may lose and still pass (0: none).
    pub tolerance: f64,
    /// Binary-search steps.
    pub steps: usize,
    /// Send these frames (round-robin) instead of each configuration's profile.
    pub pcap: Option<PathBuf>,
    /// Spread each profile's traffic over this many flows (`None`: the profile's own).
    pub flows: Option<usize>,
    /// Run the harness's self-check first.
    pub self_check: bool,
}

/// RFC 2544 figures for one image and frame size.
#[derive(Debug, Clone)]
pub struct Rfc2544Result {
    /// The configuration.
    pub config: String,
    /// The traffic it was given.
    pub profile: String,
    /// Frame size, FCS included (0: the frames of a pcap file).
    pub frame_size: usize,
    /// The highest offered rate (frames/s) whose trial lost at most the tolerance.
    pub throughput_pps: f64,
    /// The ceiling's throughput at the same frame size.
    pub ceiling_pps: f64,
    /// Latency percentiles (µs) at 90 % of the throughput: p50, p99, max.
    pub latency_us: (f64, f64, f64),
    /// Every trial: offered frames/s and the fraction lost (the loss curve).
    pub trials: Vec<(f64, f64)>,
    /// The guest's cycles per received frame over the whole run.
    pub cycles_per_packet: u64,
}

impl Rfc2544Result {
    /// Throughput as a fraction of the ceiling.
    pub fn of_ceiling(&self) -> f64 {
        if self.ceiling_pps > 0.0 {
            self.throughput_pps / self.ceiling_pps
        } else {
            0.0
        }
    }
}

/// The harness's check of its own figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfCheck {
    /// The fixed offered load, frames/s.
    pub offered_pps: f64,
    /// The rate measured at the sink.
    pub measured_pps: f64,
    /// Loss the lossy wire injected (its own counter / frames sent).
    pub injected_loss: f64,
    /// Loss the harness measured through it.
    pub measured_loss: f64,
    /// Loss outside the guest in that trial, from the guest's NIC counters: frames sent
    /// that its NIC 0 never received, plus frames its NIC 1 sent that the sink never got.
    pub outside_loss: f64,
    /// Loss inside the guest besides the injected: frames its NIC 0 received that neither
    /// left by NIC 1 nor were dropped by the injector (a full transmit ring, say).
    pub inside_loss: f64,
    /// Frames sent in the lossy trial, frames the sink got, frames the guest dropped.
    pub counts: (u64, u64, u64),
}

impl SelfCheck {
    /// The measured rate's deviation from the offered load, as a fraction.
    pub fn rate_error(&self) -> f64 {
        (self.measured_pps - self.offered_pps).abs() / self.offered_pps.max(1.0)
    }

    /// The rate within 1 %, and the injected loss seen: none of it missed, at most 0.2
    /// percentage points more.
    pub fn passed(&self) -> bool {
        self.rate_error() <= 0.01
            && self.injected_loss > 0.0
            && self.counts.0.saturating_sub(self.counts.1) >= self.counts.2
            && self.measured_loss - self.injected_loss <= 0.002
    }
}

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Per image and frame size, the ceiling's rows included.
    pub results: Vec<Rfc2544Result>,
    /// The self-check, if it ran.
    pub self_check: Option<SelfCheck>,
    /// Seconds per trial.
    pub trial_secs: f64,
    /// The loss tolerance.
    pub tolerance: f64,
}

/// A progress line on stderr, rewritten in place on a terminal.
struct Progress {
    total: usize,
    done: usize,
    started: Instant,
    tty: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn step(&mut self, what: &str) {
        self.done += 1;
        let secs = self.started.elapsed().as_secs();
        let line = format!(
            "[{:>3}/{}] {:>2}m{:02}s  {what}",
            self.done.min(self.total),
            self.total,
            secs / 60,
            secs % 60
        );
        if self.tty {
            eprint!("\r\x1b[K{line}");
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

/// Which NICs a trial uses, and whether ARP requests coming out count as forwarded frames
/// (they do when the traffic sent has its own, from a pcap file).
#[derive(Debug, Clone, Copy)]
struct Route {
    in_nic: usize,
    out_nic: usize,
    arp_too: bool,
}

const THROUGH: Route = Route {
    in_nic: 0,
    out_nic: 1,
    arp_too: false,
};

/// One trial: `rate` frames/s (or as fast as possible) into `path.in_nic` for `secs`,
/// then a quarter second for stragglers. Returns (sent, received out of `path.out_nic`,
/// latencies in ns).
fn trial(
    rig: &Rig,
    frames: &[Vec<u8>],
    path: Route,
    rate: Option<f64>,
    secs: f64,
) -> Result<(u64, u64, Vec<u64>), String> {
    let Route {
        in_nic,
        out_nic,
        arp_too,
    } = path;
    let epoch = Instant::now();
    let load = Load::start_stamped(rig, in_nic, frames.to_vec(), rate, Some(epoch))?;
    let mut received = 0u64;
    let mut latencies = Vec::new();
    let mut on_frame = |nic: usize, f: &[u8]| {
        if nic == out_nic {
            received += 1;
            if let Some(sent_at) = traffic::stamp_of(f) {
                let now = epoch.elapsed().as_nanos() as u64;
                if sent_at <= now {
                    latencies.push(now - sent_at);
                }
            }
        }
    };
    watch(
        rig,
        epoch + Duration::from_secs_f64(secs),
        arp_too,
        &mut on_frame,
    );
    let sent = load.stop();
    watch(
        rig,
        Instant::now() + Duration::from_millis(250),
        arp_too,
        &mut on_frame,
    );
    Ok((sent, received, latencies))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// An image to measure.
struct Subject {
    label: String,
    image: PathBuf,
    profile: Profile,
}

/// Builds the images: the configurations, the ceiling if none of them is the wire, and
/// the lossy wire for the self-check. Returns the subjects (ceiling first) and the lossy
/// wire's image.
fn build(configs: &[PathBuf]) -> Result<(Vec<Subject>, PathBuf), String> {
    let is_wire = |p: &PathBuf| p.file_stem().and_then(|s| s.to_str()) == Some("wire");
    let mut sources: Vec<(String, Source, Profile)> = Vec::new();
    match configs.iter().find(|p| is_wire(p)) {
        Some(wire) => sources.push((
            wire.display().to_string(),
            Source::File(wire.clone()),
            Profile::for_config(wire),
        )),
        None => sources.push((
            "wire (ceiling)".into(),
            Source::Expr(WIRE.into()),
            Profile::routed(),
        )),
    }
    for path in configs.iter().filter(|p| !is_wire(p)) {
        sources.push((
            path.display().to_string(),
            Source::File(path.clone()),
            Profile::for_config(path),
        ));
    }
    let mut programs = Vec::new();
    for (i, (_, source, _)) in sources.iter().enumerate() {
        programs.push((format!("rfc{i}"), generate_for(Target::Guest, source, &[])?));
    }
    programs.push((
        "lossy".into(),
        generate_for(Target::Guest, &Source::Expr(LOSSY_WIRE.into()), &[])?,
    ));
    eprintln!("building {} images...", programs.len());
    let dir = compile_guests(&programs, "sluice-bench-guest", "release")?;
    let subjects = sources
        .into_iter()
        .enumerate()
        .map(|(i, (label, _, profile))| Subject {
            label,
            image: dir.join(format!("rfc{i}")),
            profile,
        })
        .collect();
    Ok((subjects, dir.join("lossy")))
}

/// Measures one image at one frame size.
fn measure(
    o: &GuestBenchOptions,
    plan: &Plan,
    subject: &Subject,
    frames: &[Vec<u8>],
    size: usize,
    progress: &mut Progress,
) -> Result<Rfc2544Result, String> {
    let nics = Route {
        in_nic: subject.profile.in_nic,
        out_nic: subject.profile.out_nic,
        arp_too: plan.pcap.is_some(),
    };
    let mut rig = start(&subject.image, o.accel, &o.memory, "idlestop=1500", 2)?;
    rig.wait_ready(Duration::from_secs(30))?;
    let what = |s: &str| format!("{} {}: {s}", subject.label, size_label(size));
    // Warm up (ARP, rings, NAT mappings) at a low rate.
    trial(&rig, frames, nics, Some(1000.0), 0.3)?;
    progress.step(&what("warm-up"));
    let (sent, received, _) = trial(&rig, frames, nics, None, plan.trial_secs)?;
    let saturated = received as f64 / plan.trial_secs;
    let mut trials = vec![(
        sent as f64 / plan.trial_secs,
        1.0 - received as f64 / sent.max(1) as f64,
    )];
    progress.step(&what(&format!(
        "saturation {:.1} kpps out",
        saturated / 1000.0
    )));
    let (mut lo, mut hi) = (0.0f64, (saturated * 1.25).max(1000.0));
    for step in 0..plan.steps.max(1) {
        let rate = (lo + hi) / 2.0;
        let (sent, received, _) = trial(&rig, frames, nics, Some(rate), plan.trial_secs)?;
        let loss = 1.0 - received as f64 / sent.max(1) as f64;
        trials.push((rate, loss));
        progress.step(&what(&format!(
            "step {}/{}: {:.1} kpps offered, {:.3} % lost",
            step + 1,
            plan.steps.max(1),
            rate / 1000.0,
            loss * 100.0
        )));
        if loss <= plan.tolerance {
            lo = rate;
        } else {
            hi = rate;
        }
    }
    let (_, _, mut lat) = trial(
        &rig,
        frames,
        nics,
        Some((lo * LATENCY_AT).max(100.0)),
        plan.trial_secs,
    )?;
    lat.sort_unstable();
    progress.step(&what(&format!(
        "latency at {:.1} kpps",
        lo * LATENCY_AT / 1000.0
    )));
    rig.wait_exit(Duration::from_secs(30));
    let console = rig.console();
    Ok(Rfc2544Result {
        config: subject.label.clone(),
        profile: if plan.pcap.is_some() {
            "pcap".into()
        } else {
            subject.profile.name.into()
        },
        frame_size: size,
        throughput_pps: lo,
        ceiling_pps: 0.0,
        latency_us: (
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            percentile(&lat, 1.0),
        ),
        trials,
        cycles_per_packet: report_value(&console, "cycles_per_packet").unwrap_or(0),
    })
}

/// The self-check: a fixed load at a quarter of the ceiling through the wire (the rate
/// measured must match it), then the same load through the lossy wire (the loss measured
/// must match what its counter says it dropped).
fn self_check(
    o: &GuestBenchOptions,
    plan: &Plan,
    wire: &Path,
    lossy: &Path,
    ceiling_pps: f64,
    progress: &mut Progress,
) -> Result<SelfCheck, String> {
    let rate = (ceiling_pps * 0.25).max(1000.0);
    let secs = plan.trial_secs.max(2.0);
    let profile = Profile::routed();
    let frames = profile.frames(64);
    let rig = start(wire, o.accel, &o.memory, "idlestop=1500", 2)?;
    rig.wait_ready(Duration::from_secs(30))?;
    trial(&rig, &frames, THROUGH, Some(1000.0), 0.3)?;
    // Frames out of the sink during exactly the trial's window, over the window.
    let epoch = Instant::now();
    let load = Load::start(&rig, 0, frames.clone(), Some(rate))?;
    let skip = epoch + Duration::from_millis(500);
    watch_out(&rig, skip, |_, _| {});
    let t0 = Instant::now();
    let mut got = 0u64;
    watch_out(&rig, t0 + Duration::from_secs_f64(secs), |nic, _| {
        got += u64::from(nic == 1)
    });
    let measured = got as f64 / t0.elapsed().as_secs_f64();
    load.stop();
    drop(rig);
    progress.step(&format!(
        "self-check: {:.1} kpps offered, {:.1} kpps measured",
        rate / 1000.0,
        measured / 1000.0
    ));

    let mut rig = start(
        lossy,
        o.accel,
        &o.memory,
        "idlestop=1500 h=injected.count",
        2,
    )?;
    rig.wait_ready(Duration::from_secs(30))?;
    let mut marked = profile.frames(64);
    let first = marked[0].clone();
    marked.resize(LOSSY_EVERY, first);
    for (i, f) in marked.iter_mut().enumerate() {
        f[42] = if i == 0 { 0xee } else { 0 };
    }
    let (sent, received, _) = trial(&rig, &marked, THROUGH, Some(rate), secs)?;
    rig.wait_exit(Duration::from_secs(30));
    let console = rig.console();
    let counter = |key: &str| {
        report_value(&console, key).ok_or(format!("the lossy wire did not report {key}"))
    };
    let dropped = super::guest_bench::handler_value(&console, "injected.count")
        .ok_or("the lossy wire did not report its counter")?;
    let (rx, tx) = (counter("nic0.rx_packets")?, counter("nic1.tx_packets")?);
    let outside = sent.saturating_sub(rx) + tx.saturating_sub(received);
    let of_sent = |n: u64| n as f64 / sent.max(1) as f64;
    let check = SelfCheck {
        offered_pps: rate,
        measured_pps: measured,
        injected_loss: of_sent(dropped),
        measured_loss: 1.0 - of_sent(received),
        outside_loss: of_sent(outside),
        inside_loss: of_sent(rx.saturating_sub(tx).saturating_sub(dropped)),
        counts: (sent, received, dropped),
    };
    progress.step(&format!(
        "self-check: {:.3} % loss injected, {:.3} % measured",
        check.injected_loss * 100.0,
        check.measured_loss * 100.0
    ));
    Ok(check)
}

fn size_label(size: usize) -> String {
    if size == 0 {
        "pcap".into()
    } else {
        format!("{size} B")
    }
}

/// The frames a subject gets at `size`: the pcap's, or its profile's (over `flows` flows).
fn frames_for(
    subject: &Subject,
    size: usize,
    pcap: Option<&[Vec<u8>]>,
    flows: Option<usize>,
) -> Vec<Vec<u8>> {
    match (pcap, flows) {
        (Some(frames), _) => frames.to_vec(),
        (None, Some(n)) => subject.profile.clone().with_flows(n).frames(size),
        (None, None) => subject.profile.frames(size),
    }
}

/// Builds every configuration into an image and measures it as [`Plan`] says.
pub fn run(o: &GuestBenchOptions, plan: &Plan) -> Result<Report, String> {
    super::launch::check_qemu()?;
    let pcap = match &plan.pcap {
        Some(path) => Some(traffic::pcap_frames(path)?),
        None => None,
    };
    let sizes: Vec<usize> = if pcap.is_some() {
        vec![0]
    } else {
        plan.sizes.clone()
    };
    let (subjects, lossy) = build(&o.configs)?;
    let per_size = plan.steps.max(1) + 3;
    // The ceiling is measured first and again last: a trial that a noisy moment spoils
    // only lowers a binary search, so the higher of the two is the wire's capability.
    let total = (subjects.len() + 1) * sizes.len() * per_size + if plan.self_check { 2 } else { 0 };
    let mut progress = Progress::new(total);
    let mut results = Vec::new();
    for subject in &subjects {
        for &size in &sizes {
            let frames = frames_for(subject, size, pcap.as_deref(), plan.flows);
            results.push(measure(o, plan, subject, &frames, size, &mut progress)?);
        }
    }
    let mut again = Vec::new();
    for &size in &sizes {
        let frames = frames_for(&subjects[0], size, pcap.as_deref(), plan.flows);
        again.push(measure(
            o,
            plan,
            &subjects[0],
            &frames,
            size,
            &mut progress,
        )?);
    }
    for (r, second) in results.iter_mut().zip(again) {
        // The ceiling's rows come first, one per size, in the same order.
        if second.throughput_pps > r.throughput_pps {
            *r = second;
        }
    }
    let ceiling: Vec<(usize, f64)> = results
        .iter()
        .filter(|r| r.config == subjects[0].label)
        .map(|r| (r.frame_size, r.throughput_pps))
        .collect();
    for r in &mut results {
        r.ceiling_pps = ceiling
            .iter()
            .find(|(s, _)| *s == r.frame_size)
            .map_or(0.0, |c| c.1);
    }
    let check = if plan.self_check {
        let at64 = results
            .iter()
            .find(|r| r.config == subjects[0].label)
            .map_or(0.0, |r| r.throughput_pps);
        Some(self_check(
            o,
            plan,
            &subjects[0].image,
            &lossy,
            at64,
            &mut progress,
        )?)
    } else {
        None
    };
    progress.finish();
    Ok(Report {
        results,
        self_check: check,
        trial_secs: plan.trial_secs,
        tolerance: plan.tolerance,
    })
}

/// Runs only the self-check (the ceiling's saturation rate is measured first to pick the
/// load).
pub fn run_self_check(o: &GuestBenchOptions, plan: &Plan) -> Result<SelfCheck, String> {
    super::launch::check_qemu()?;
    let (subjects, lossy) = build(&[])?;
    let mut progress = Progress::new(3);
    let frames = Profile::routed().frames(64);
    let rig = start(&subjects[0].image, o.accel, &o.memory, "idlestop=1500", 2)?;
    rig.wait_ready(Duration::from_secs(30))?;
    trial(&rig, &frames, THROUGH, Some(1000.0), 0.3)?;
    let (_, received, _) = trial(&rig, &frames, THROUGH, None, plan.trial_secs)?;
    drop(rig);
    let ceiling = received as f64 / plan.trial_secs;
    progress.step(&format!("ceiling {:.1} kpps", ceiling / 1000.0));
    let check = self_check(o, plan, &subjects[0].image, &lossy, ceiling, &mut progress)?;
    progress.finish();
    Ok(check)
}

/// The self-check in words, one line per figure.
pub fn self_check_text(c: &SelfCheck) -> String {
    format!(
        "self-check: offered {:.1} kpps (a quarter of the ceiling), measured {:.1} kpps: {:.2} % off (must be within 1 %)\n\
         self-check: 1 frame in {LOSSY_EVERY} dropped in the guest: {:.3} % lost by its count, {:.3} % measured \
         (must be at least that, at most 0.2 points more; other loss by the guest's NIC counters: {:.3} % outside the guest, {:.3} % inside)\n\
         self-check: {}\n",
        c.offered_pps / 1000.0,
        c.measured_pps / 1000.0,
        c.rate_error() * 100.0,
        c.injected_loss * 100.0,
        c.measured_loss * 100.0,
        c.outside_loss * 100.0,
        c.inside_loss * 100.0,
        if c.passed() { "passed" } else { "FAILED" }
    )
}

/// The results as a table.
pub fn table(report: &Report) -> String {
    let mut t = format!(
        "RFC 2544 throughput: binary search, {} s trials, loss tolerance {:.3} %; latency at {:.0} % of it; ceiling: the wire, best of its first and last runs\n",
        report.trial_secs,
        report.tolerance * 100.0,
        LATENCY_AT * 100.0
    );
    t.push_str("config                       traffic                        frame  zero-loss kpps  of ceiling  lat p50 us  lat p99 us  lat max us  cycles/pkt\n");
    for r in &report.results {
        t.push_str(&format!(
            "{:<28} {:<30} {:>5} {:>15.1} {:>10.1}% {:>11.1} {:>11.1} {:>11.1} {:>11}\n",
            r.config,
            r.profile,
            if r.frame_size == 0 {
                "pcap".to_string()
            } else {
                r.frame_size.to_string()
            },
            r.throughput_pps / 1000.0,
            r.of_ceiling() * 100.0,
            r.latency_us.0,
            r.latency_us.1,
            r.latency_us.2,
            r.cycles_per_packet
        ));
    }
    if let Some(c) = &report.self_check {
        t.push_str(&self_check_text(c));
    }
    t
}

/// The results as JSON (for CI), every trial (the loss curve) included.
pub fn json(report: &Report) -> String {
    let rows: Vec<String> = report
        .results
        .iter()
        .map(|r| {
            let trials: Vec<String> = r
                .trials
                .iter()
                .map(|(rate, loss)| format!("{{\"offered_pps\":{rate:.0},\"loss\":{loss:.6}}}"))
                .collect();
            format!(
                "{{\"config\":{:?},\"traffic\":{:?},\"frame_size\":{},\"throughput_pps\":{:.0},\"ceiling_pps\":{:.0},\"of_ceiling\":{:.4},\"latency_us\":{{\"p50\":{:.1},\"p99\":{:.1},\"max\":{:.1}}},\"cycles_per_packet\":{},\"trials\":[{}]}}",
                r.config,
                r.profile,
                r.frame_size,
                r.throughput_pps,
                r.ceiling_pps,
                r.of_ceiling(),
                r.latency_us.0,
                r.latency_us.1,
                r.latency_us.2,
                r.cycles_per_packet,
                trials.join(",")
            )
        })
        .collect();
    let check = match &report.self_check {
        Some(c) => format!(
            "{{\"offered_pps\":{:.0},\"measured_pps\":{:.0},\"injected_loss\":{:.6},\"measured_loss\":{:.6},\"outside_loss\":{:.6},\"inside_loss\":{:.6},\"passed\":{}}}",
            c.offered_pps,
            c.measured_pps,
            c.injected_loss,
            c.measured_loss,
            c.outside_loss,
            c.inside_loss,
            c.passed()
        ),
        None => "null".into(),
    };
    format!(
        "{{\"trial_seconds\":{},\"loss_tolerance\":{},\"self_check\":{check},\"results\":[\n{}\n]}}\n",
        report.trial_secs,
        report.tolerance,
        rows.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(config: &str, size: usize, pps: f64, ceiling: f64) -> Rfc2544Result {
        Rfc2544Result {
            config: config.into(),
            profile: "UDP".into(),
            frame_size: size,
            throughput_pps: pps,
            ceiling_pps: ceiling,
            latency_us: (1.0, 2.0, 3.0),
            trials: vec![(2000.0, 0.5)],
            cycles_per_packet: 7,
        }
    }

    #[test]
    fn percentiles() {
        let v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn json_carries_every_figure() {
        let report = Report {
            results: vec![row("configs/wire.click", 64, 1234.4, 2468.8)],
            self_check: Some(SelfCheck {
                offered_pps: 1000.0,
                measured_pps: 995.0,
                injected_loss: 0.01,
                measured_loss: 0.01,
                outside_loss: 0.0,
                inside_loss: 0.0,
                counts: (100000, 99000, 1000),
            }),
            trial_secs: 1.0,
            tolerance: 0.0,
        };
        assert_eq!(
            json(&report),
            "{\"trial_seconds\":1,\"loss_tolerance\":0,\"self_check\":{\"offered_pps\":1000,\
             \"measured_pps\":995,\"injected_loss\":0.010000,\"measured_loss\":0.010000,\"outside_loss\":0.000000,\"inside_loss\":0.000000,\
             \"passed\":true},\"results\":[\n{\"config\":\"configs/wire.click\",\"traffic\":\"UDP\",\
             \"frame_size\":64,\"throughput_pps\":1234,\"ceiling_pps\":2469,\"of_ceiling\":0.5000,\
             \"latency_us\":{\"p50\":1.0,\"p99\":2.0,\"max\":3.0},\"cycles_per_packet\":7,\
             \"trials\":[{\"offered_pps\":2000,\"loss\":0.500000}]}\n]}\n"
        );
        assert!(table(&report).contains("50.0%"));
    }

    #[test]
    fn the_self_check_fails_on_a_wrong_rate_or_unseen_loss() {
        let good = SelfCheck {
            offered_pps: 10000.0,
            measured_pps: 9950.0,
            injected_loss: 0.01,
            measured_loss: 0.0102,
            outside_loss: 0.0002,
            inside_loss: 0.0,
            counts: (100000, 98980, 1000),
        };
        assert!(good.passed());
        let slow = SelfCheck {
            measured_pps: 9800.0,
            ..good.clone()
        };
        assert!(!slow.passed(), "2 % off");
        let blind = SelfCheck {
            measured_loss: 0.0,
            counts: (100000, 100000, 1000),
            ..good.clone()
        };
        assert!(!blind.passed(), "loss not seen");
        let partly = SelfCheck {
            measured_loss: 0.0099,
            counts: (100000, 99010, 1000),
            ..good.clone()
        };
        assert!(!partly.passed(), "loss under-counted");
        let invented = SelfCheck {
            measured_loss: 0.0125,
            counts: (100000, 98750, 1000),
            ..good.clone()
        };
        assert!(!invented.passed(), "loss over-counted");
        let nothing = SelfCheck {
            injected_loss: 0.0,
            measured_loss: 0.0,
            counts: (100000, 100000, 0),
            ..good
        };
        assert!(!nothing.passed(), "nothing injected proves nothing");
    }
}
