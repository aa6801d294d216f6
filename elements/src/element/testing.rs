//! A bench for driving elements by hand: outputs that record what they receive, inputs fed
//! from queues, a message log that keeps what it is told, and a one-call way to configure an
//! element from Click text. Used by this crate's unit tests and by other crates' tests.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::args::{split_args, Args, ConfigError, NoNames, Span};
use super::context::{Level, Log};
use super::model::{ConfigContext, Element, Input, Output};
use super::ports::Ports;
use crate::element::Context;
use crate::packet::Packet;

/// An [`Output`] that keeps every packet pushed to it, per port.
#[derive(Debug, Default)]
pub struct Collect {
    /// `ports[i]` holds what output `i` received, in order.
    pub ports: Vec<Vec<Packet>>,
}

impl Collect {
    /// An empty collector.
    pub fn new() -> Self {
        Collect::default()
    }

    /// What output `port` received.
    pub fn port(&self, port: usize) -> &[Packet] {
        self.ports.get(port).map(Vec::as_slice).unwrap_or(&[])
    }

    /// How many packets output `port` received.
    pub fn count(&self, port: usize) -> usize {
        self.port(port).len()
    }

    /// How many packets were received on all ports.
    pub fn total(&self) -> usize {
        self.ports.iter().map(Vec::len).sum()
    }
}

impl Output for Collect {
    fn push(&mut self, port: usize, p: Packet, _: &mut Context<'_>) {
        if self.ports.len() <= port {
            self.ports.resize_with(port + 1, Vec::new);
        }
        self.ports[port].push(p);
    }
}

/// An [`Input`] that hands out queued packets, per port. It is also an [`Output`] that
/// keeps what an element pushes while being pulled (a PullTee's copies, error outputs).
#[derive(Debug, Default)]
pub struct Feed {
    /// `ports[i]` is what pulls on input `i` return, front first.
    pub ports: Vec<VecDeque<Packet>>,
    /// What was pushed to outputs meanwhile.
    pub pushed: Collect,
}

impl Feed {
    /// An empty feed.
    pub fn new() -> Self {
        Feed::default()
    }

    /// Queues `p` for input `port`.
    pub fn add(&mut self, port: usize, p: Packet) {
        if self.ports.len() <= port {
            self.ports.resize_with(port + 1, VecDeque::new);
        }
        self.ports[port].push_back(p);
    }
}

impl Output for Feed {
    fn push(&mut self, port: usize, p: Packet, cx: &mut Context<'_>) {
        self.pushed.push(port, p, cx);
    }
}

impl Input for Feed {
    fn pull(&mut self, port: usize, _: &mut Context<'_>) -> Option<Packet> {
        self.ports.get_mut(port)?.pop_front()
    }
}

/// An output and an input as one `ports` argument, for driving `run_task` and `pull` in
/// tests: pushes go to the first, pulls come from the second.
pub struct Pair<'a, O: Output + ?Sized, I: Input + ?Sized>(pub &'a mut O, pub &'a mut I);

impl<O: Output + ?Sized, I: Input + ?Sized> Output for Pair<'_, O, I> {
    fn push(&mut self, port: usize, p: Packet, cx: &mut Context<'_>) {
        self.0.push(port, p, cx);
    }

    fn push_batch(&mut self, port: usize, batch: &mut crate::packet::Batch, cx: &mut Context<'_>) {
        self.0.push_batch(port, batch, cx);
    }
}

impl<O: Output + ?Sized, I: Input + ?Sized> Input for Pair<'_, O, I> {
    fn pull(&mut self, port: usize, cx: &mut Context<'_>) -> Option<Packet> {
        self.1.pull(port, cx)
    }
}

/// A [`Log`] that keeps every message as `"element: message"`.
#[derive(Debug, Default)]
pub struct KeepLog {
    /// The messages, in order, with their level.
    pub messages: Vec<(Level, String)>,
}

impl Log for KeepLog {
    fn log(&mut self, level: Level, element: &str, message: fmt::Arguments<'_>) {
        self.messages.push((level, format!("{element}: {message}")));
    }
}

/// Configures an element of class `E` from a Click configuration string, as the element
/// named `name` with `ports` push ports, the way the runtime does.
pub fn configure<E: Element>(config: &str, ports: Ports) -> Result<E, ConfigError> {
    let args = split_args(config, 0);
    let names = NoNames;
    let reader = Args::new(
        &args,
        Span {
            start: 0,
            end: config.len(),
        },
        &names,
    );
    let input_pull = alloc::vec![false; ports.inputs];
    let output_pull = alloc::vec![false; ports.outputs];
    let cx = ConfigContext {
        name: "e",
        ports,
        input_pull: &input_pull,
        output_pull: &output_pull,
    };
    E::configure(reader, &cx)
}

/// A file of the shared Click differential corpus, read in place from
/// `shared/corpus/click-diff/CASE/NAME` beside the checkout (or under `$SLUICE_SHARED`), for
/// golden tests against the bytes Click wrote. The corpus is never copied into the
/// repository.
#[cfg(feature = "std")]
pub fn corpus_file(case: &str, name: &str) -> Vec<u8> {
    let shared = std::env::var("SLUICE_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let path = shared.join("corpus/click-diff").join(case).join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared corpus must sit beside the checkout)",
            path.display()
        )
    })
}
