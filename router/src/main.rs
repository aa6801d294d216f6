//! `sluice`: the command-line program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sluice: Click configurations as fast, memory-safe network functions.
#[derive(Parser)]
#[command(name = "sluice", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Push real traffic through a host-mode datapath and report what happened.
    Demo {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { pcap, frames, out } => {
            sluice_router::demo::run(&sluice_router::demo::DemoOptions { pcap, frames, out })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluice: {e}");
            ExitCode::FAILURE
        }
    }
}
