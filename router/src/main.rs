//! `sluice`: the command-line program.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use sluice_router::cli::{self, run::RunOptions, Source};
use sluice_router::diagnostics::{self, Style};
use sluice_router::{instantiate, lang, registry};

/// Sluice: Click configurations as fast, memory-safe network functions.
#[derive(Parser)]
#[command(name = "sluice", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A configuration given as a file or as `-e EXPR`, with `-D` definitions.
#[derive(Args, Debug)]
struct ConfigArgs {
    /// The configuration file.
    #[arg(required_unless_present = "expr")]
    file: Option<PathBuf>,
    /// A configuration given on the command line instead of a file.
    #[arg(short = 'e', long = "expr", conflicts_with = "file")]
    expr: Option<String>,
    /// Define a configuration variable, overriding the file's `define`.
    #[arg(short = 'D', long = "define", value_name = "NAME=VALUE", value_parser = parse_define)]
    defines: Vec<(String, String)>,
}

impl ConfigArgs {
    fn source(&self) -> Source {
        match (&self.expr, &self.file) {
            (Some(e), _) => Source::Expr(e.clone()),
            (None, Some(f)) => Source::File(f.clone()),
            (None, None) => Source::Expr(String::new()),
        }
    }
}

fn parse_define(s: &str) -> Result<(String, String), String> {
    let (name, value) = s.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((name.trim_start_matches('$').to_string(), value.to_string()))
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Svg,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check a configuration; print every error, or say it is fine.
    Check {
        #[command(flatten)]
        config: ConfigArgs,
        /// One line per error (`file:line:col: error: message`).
        #[arg(long)]
        short: bool,
    },
    /// Print the flattened configuration in Click syntax, like click-flatten.
    Flatten {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the element graph (Graphviz DOT, or SVG through `dot`).
    Graph {
        #[command(flatten)]
        config: ConfigArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
    /// The element reference: every class, or one class in full.
    Elements {
        /// A class to describe.
        class: Option<String>,
    },
    /// Run a configuration as a Linux process (host mode).
    #[command(disable_help_flag = true)]
    Run {
        /// Print help.
        #[arg(long, action = clap::ArgAction::Help)]
        help: Option<bool>,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print a read handler's value after the run (repeatable).
        #[arg(short = 'h', long = "handler", value_name = "ELEMENT.HANDLER")]
        handlers: Vec<String>,
        /// Run on Click's simulated clock (fixed at 1000000000.000000).
        #[arg(long)]
        simtime: bool,
        /// Packet buffers in the pool.
        #[arg(long, default_value_t = 4096)]
        buffers: usize,
        /// The device FromDevice(N)/ToDevice(N) stand for, in order: tap:NAME (a TAP) or
        /// NAME (an existing interface); repeat once per device. Lets configurations written
        /// for guest images (configs/) run on the host.
        #[arg(long = "nic", value_name = "DEVICE")]
        nics: Vec<String>,
    },
    /// Read and write a running router's handlers through its ControlSocket.
    #[command(after_long_help = cli::ctl::HELP)]
    Ctl {
        /// The control socket: PORT (on 127.0.0.1), HOST:PORT, or a UNIX socket's path.
        address: String,
        #[command(subcommand)]
        action: cli::ctl::CtlAction,
    },
    /// Compile a configuration into a standalone program.
    Build {
        #[command(flatten)]
        config: ConfigArgs,
        /// Build a Linux program (host mode) instead of a guest image.
        #[arg(long)]
        host: bool,
        /// Where to write the program.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Print the generated Rust source instead of compiling it.
        #[arg(long)]
        emit_source: bool,
    },
    /// Packets per second through a configuration whose source is InfiniteSource or FromDump.
    Bench {
        #[command(flatten)]
        config: ConfigArgs,
        /// Compile the configuration first (`sluice build --host`) and time the program.
        #[arg(long)]
        compiled: bool,
        /// Runs to take the median of.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// The flagship job: build configs/iprouter.click into a guest image, boot it under
    /// QEMU, push real traffic through it, report (`--host`: the host-mode datapath demo).
    Demo {
        /// Run the host-mode demo instead (no QEMU needed).
        #[arg(long)]
        host: bool,
        /// Seconds of traffic through the router.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Read this pcap instead of synthesising traffic.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// Frames to synthesise.
        #[arg(long, default_value_t = 200_000)]
        frames: usize,
        /// Where to write the tagged copies (a pcap in Click's ToDump format).
        #[arg(long, default_value = "sluice-demo-out.pcap")]
        out: PathBuf,
    },
    /// Build guest images and measure them under QEMU: boot time to the first forwarded
    /// frame, saturation rate, the guest's cycles per packet. The first configuration is
    /// the baseline the others' rates are compared with (use configs/wire.click).
    BenchGuest {
        /// Configurations, baseline first (with --rfc2544, the wire is the baseline and is
        /// added when missing).
        #[arg(required_unless_present = "self_check")]
        configs: Vec<PathBuf>,
        /// Frame size in bytes, FCS included (64 to 1518).
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// Seconds at saturation per image.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Offer this many frames per second instead of saturating.
        #[arg(long, value_name = "PPS")]
        rate: Option<f64>,
        /// Boots per image for the median boot time.
        #[arg(long, default_value_t = 5)]
        boots: usize,
        /// Saturation runs per image (interleaved; the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Measure RFC 2544 throughput (zero-loss binary search) and latency instead.
        #[arg(long)]
        rfc2544: bool,
        /// RFC 2544: frame sizes, comma-separated.
        #[arg(long, default_value = "64,1518", value_delimiter = ',')]
        sizes: Vec<usize>,
        /// RFC 2544: seconds per trial.
        #[arg(long, default_value_t = 2.0)]
        trial: f64,
        /// RFC 2544: the loss tolerated in a trial, as a fraction (0: none).
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
        /// RFC 2544: binary-search steps.
        #[arg(long, default_value_t = 7)]
        steps: usize,
        /// RFC 2544: also write the results (trials included) as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// RFC 2544: also draw throughput and latency against frame size as SVG.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// RFC 2544: send the frames of this pcap file (round-robin) instead of each
        /// configuration's synthesised traffic.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// RFC 2544: spread each configuration's synthesised traffic over N flows.
        #[arg(long, value_name = "N")]
        flows: Option<usize>,
        /// Check the harness itself first (rate at a fixed load within 1 %, injected loss
        /// detected); alone (no configurations, no --rfc2544), only that.
        #[arg(long)]
        self_check: bool,
        /// Accelerator.
        #[arg(long, value_enum, default_value_t = AccelArg::Auto)]
        accel: AccelArg,
        /// Guest memory (QEMU syntax).
        #[arg(long, default_value = "64M")]
        memory: String,
    },
    /// Boot a guest image under QEMU, stream its console, return its exit status.
    Launch {
        /// The image (from `sluice build`).
        image: PathBuf,
        /// A NIC, in the guest's device order: tap:NAME or udp:LOCAL_PORT:REMOTE_PORT.
        #[arg(long = "nic")]
        nics: Vec<String>,
        /// Accelerator.
        #[arg(long, value_enum, default_value_t = AccelArg::Auto)]
        accel: AccelArg,
        /// Machine type.
        #[arg(long, value_enum, default_value_t = MachineArg::Microvm)]
        machine: MachineArg,
        /// Guest memory (QEMU syntax).
        #[arg(long, default_value = "64M")]
        memory: String,
        /// The guest's command line (e.g. `idlestop=2000 h=c.count`).
        #[arg(long, default_value = "")]
        append: String,
        /// Attach a management NIC (QEMU user networking, no privileges) and forward
        /// 127.0.0.1:PORT to the guest's ControlSocket(TCP, PORT); HOST_PORT:GUEST_PORT when
        /// they differ.
        #[arg(long, value_name = "PORT")]
        mgmt: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum AccelArg {
    Auto,
    Kvm,
    Tcg,
}

#[derive(Clone, Copy, ValueEnum)]
enum MachineArg {
    Microvm,
    Q35,
}

fn main() -> ExitCode {
    sluice_drivers::host::register();
    // `-h` is Click's handler flag for `run`; clap's help stays on `--help`.
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprint!("{e}");
            if !e.ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Check { config, short } => {
            let loaded = cli::load(&config.source(), &config.defines, true)?;
            let (sources, checked) = loaded.instantiate();
            let style = if short { Style::Short } else { Style::Rich };
            if checked.errors.is_empty() {
                let summary = checked
                    .instance
                    .as_ref()
                    .map(instantiate::summary)
                    .unwrap_or_default();
                println!("ok: {summary}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprint!("{}", diagnostics::render(&sources, &checked.errors, style));
                eprintln!(
                    "{} error{}",
                    checked.errors.len(),
                    if checked.errors.len() == 1 { "" } else { "s" }
                );
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Flatten { config } => {
            let loaded = cli::load(&config.source(), &config.defines, false)?;
            if !loaded.errors.is_empty() {
                return Err(loaded.render_errors(Style::Rich));
            }
            print!("{}", lang::unparse(&loaded.flat));
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { config, format } => {
            let loaded = cli::load(&config.source(), &config.defines, true)?;
            if !loaded.errors.is_empty() {
                return Err(loaded.render_errors(Style::Rich));
            }
            let dot = cli::graph::to_dot(&loaded.flat);
            match format {
                GraphFormat::Dot => print!("{dot}"),
                GraphFormat::Svg => print!("{}", dot_to_svg(&dot)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Elements { class } => {
            match class {
                Some(name) => {
                    let Some(info) = registry::lookup(&name) else {
                        let hint = registry::suggest(&name)
                            .map(|s| format!(" (did you mean '{s}'?)"))
                            .unwrap_or_default();
                        return Err(format!("no element class '{name}'{hint}"));
                    };
                    println!(
                        "{} ({}; ports {}; processing {})\n",
                        info.name,
                        (info.type_name)(),
                        info.ports,
                        info.processing
                    );
                    println!("{}", registry::doc(&name).unwrap_or("(no documentation)"));
                }
                None => {
                    let mut classes: Vec<_> = registry::classes().collect();
                    classes.sort_by_key(|c| c.name);
                    for c in classes {
                        let summary = registry::doc(c.name)
                            .and_then(|d| d.lines().next())
                            .unwrap_or("");
                        println!(
                            "{:<22} {:<8} {:<6} {summary}",
                            c.name,
                            c.ports.to_string(),
                            c.processing.to_string()
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            config,
            handlers,
            simtime,
            buffers,
            nics,
            ..
        } => {
            let devices = nics
                .iter()
                .map(|n| sluice_elements::io::device::DeviceSpec::parse(n, None))
                .collect::<Result<Vec<_>, _>>()?;
            sluice_elements::io::device::set_numbered_devices(devices);
            let interrupt = Arc::new(AtomicBool::new(false));
            for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                signal_hook::flag::register(signal, Arc::clone(&interrupt))
                    .map_err(|e| e.to_string())?;
            }
            let options = RunOptions {
                defines: config.defines.clone(),
                simtime,
                handlers,
                buffers,
                interrupt: Some(interrupt),
            };
            let report = cli::run::run(&config.source(), &options)?;
            print!("{}", report.handlers);
            Ok(ExitCode::SUCCESS)
        }
        Command::Ctl { address, action } => {
            cli::ctl::ctl(&address, &action, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            config,
            host,
            output,
            emit_source,
        } => {
            let source = config.source();
            let target = if host {
                sluice_router::codegen::Target::Host
            } else {
                sluice_router::codegen::Target::Guest
            };
            let main_rs = cli::build::generate_for(target, &source, &config.defines)?;
            if emit_source {
                print!("{main_rs}");
                return Ok(ExitCode::SUCCESS);
            }
            let package = cli::build::package_name(&source);
            let secs = if host {
                cli::build::compile(&main_rs, &package, &output)?
            } else {
                cli::build::compile_guest(&main_rs, &package, &output)?
            };
            let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
            println!(
                "built {} ({} KiB) in {secs:.1} s",
                output.display(),
                size / 1024
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            config,
            compiled,
            runs,
        } => {
            let source = config.source();
            let result = if compiled {
                cli::bench::bench_compiled(&source, runs, &std::env::temp_dir())?
            } else {
                cli::bench::bench_interpreted(&source, runs)?
            };
            let mode = if compiled { "compiled" } else { "interpreted" };
            println!(
                "{mode}: {} packets, median {:.3} s of {} runs: {:.2} Mpps, {:.1} ns/packet",
                result.packets,
                result.median(),
                result.seconds.len(),
                result.mpps(),
                result.ns_per_packet()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchGuest {
            configs,
            size,
            seconds,
            rate,
            boots,
            runs,
            rfc2544,
            sizes,
            trial,
            loss,
            steps,
            json,
            svg,
            pcap,
            flows,
            self_check,
            accel,
            memory,
        } => {
            use sluice_router::cli::guest_bench::{bench, table, GuestBenchOptions};
            use sluice_router::cli::launch::Accel;
            if !(64..=1518).contains(&size) {
                return Err("--size must be 64 to 1518".into());
            }
            let options = GuestBenchOptions {
                configs,
                frame_size: size,
                seconds,
                rate,
                accel: match accel {
                    AccelArg::Auto => Accel::Auto,
                    AccelArg::Kvm => Accel::Kvm,
                    AccelArg::Tcg => Accel::Tcg,
                },
                memory,
                boots,
                runs,
            };
            if rfc2544 || self_check {
                use sluice_router::cli::{chart, rfc2544 as rfc};
                if sizes.iter().any(|s| !(64..=1518).contains(s)) {
                    return Err("--sizes must be 64 to 1518".into());
                }
                let plan = rfc::Plan {
                    sizes,
                    trial_secs: trial,
                    tolerance: loss,
                    steps,
                    pcap,
                    flows,
                    self_check,
                };
                if !rfc2544 {
                    let check = rfc::run_self_check(&options, &plan)?;
                    print!("{}", rfc::self_check_text(&check));
                    return Ok(if check.passed() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    });
                }
                let report = rfc::run(&options, &plan)?;
                print!("{}", rfc::table(&report));
                if let Some(path) = json {
                    std::fs::write(&path, rfc::json(&report))
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                if let Some(path) = svg {
                    let subtitle = format!(
                        "sluice bench-guest --rfc2544: {trial} s trials, loss tolerance {} %, microvm under {}",
                        loss * 100.0,
                        options.accel.resolve().name()
                    );
                    std::fs::write(&path, chart::svg(&report.results, &subtitle))
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                let failed = report.self_check.as_ref().is_some_and(|c| !c.passed());
                return Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                });
            }
            let results = bench(&options)?;
            print!("{}", table(&results, &options));
            Ok(ExitCode::SUCCESS)
        }
        Command::Launch {
            image,
            nics,
            accel,
            machine,
            memory,
            append,
            mgmt,
        } => {
            use sluice_router::cli::launch::{self, Accel, LaunchOptions, Machine, Mgmt, Nic};
            let nics = nics
                .iter()
                .map(|n| Nic::parse(n))
                .collect::<Result<Vec<_>, _>>()?;
            let options = LaunchOptions {
                image,
                nics,
                accel: match accel {
                    AccelArg::Auto => Accel::Auto,
                    AccelArg::Kvm => Accel::Kvm,
                    AccelArg::Tcg => Accel::Tcg,
                },
                machine: match machine {
                    MachineArg::Microvm => Machine::Microvm,
                    MachineArg::Q35 => Machine::Q35,
                },
                memory,
                append,
                mgmt: mgmt.as_deref().map(Mgmt::parse).transpose()?,
            };
            if let Some(m) = options.mgmt {
                println!(
                    "sluice: control socket at 127.0.0.1:{} (the guest's port {} on its management NIC): sluice ctl 127.0.0.1:{} list",
                    m.host_port, m.guest_port, m.host_port
                );
            }
            let status = launch::launch(&options)?;
            Ok(ExitCode::from(u8::try_from(status).unwrap_or(1)))
        }
        Command::Demo {
            host,
            seconds,
            pcap,
            frames,
            out,
        } => {
            if host || pcap.is_some() {
                sluice_router::demo::run(&sluice_router::demo::DemoOptions { pcap, frames, out })?;
            } else {
                sluice_router::cli::guest_demo::run(
                    &sluice_router::cli::guest_demo::GuestDemoOptions {
                        seconds,
                        accel: sluice_router::cli::launch::Accel::Auto,
                    },
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn dot_to_svg(dot: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|_| "SVG needs Graphviz's `dot`, which is not installed (apt-get install graphviz); `--format dot` works without it".to_string())?;
    child
        .stdin
        .take()
        .ok_or("dot: no stdin")?
        .write_all(dot.as_bytes())
        .map_err(|e| format!("dot: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("dot: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "dot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("dot: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
