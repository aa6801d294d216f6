//! The traits every element implements, and the two sides it talks to: [`Output`] (where
//! pushed packets go) and [`Input`] (where pulled packets come from).
//!
//! An element's `push`, `push_batch`, `pull` and `run_task` are generic over their
//! `Output`/`Input`. The interpreter instantiates them with `dyn Output` (one virtual call
//! per hop, see [`crate::element::DynElement`]); generated code instantiates them with a
//! concrete struct whose `push` is a direct call into the next element, so rustc can inline
//! a whole path. The element is written once either way.

use super::args::{Args, ConfigError};
use super::context::Context;
use super::handler::Handlers;
use super::ports::{Flow, PortCount, Ports, ProcessingSpec};
use crate::packet::{Batch, Packet, Timestamp};
use alloc::string::String;

/// Where an element's outputs lead.
pub trait Output {
    /// Sends `p` out of output `port`. A port with nothing connected drops the packet (the
    /// graph checker makes sure that only happens when the configuration says so).
    fn push(&mut self, port: usize, p: Packet, cx: &mut Context<'_>);

    /// Sends every packet of `batch` out of output `port`, in order, leaving it empty.
    #[inline]
    fn push_batch(&mut self, port: usize, batch: &mut Batch, cx: &mut Context<'_>) {
        for p in batch.drain() {
            self.push(port, p, cx);
        }
    }
}

/// Both sides of an element at once, as a trait object: what the interpreter passes to
/// `pull`.
pub trait Io: Input + Output {}

impl<T: Input + Output + ?Sized> Io for T {}

/// Where an element's pull inputs lead.
pub trait Input {
    /// Pulls a packet from input `port`, or `None` if upstream has none now.
    fn pull(&mut self, port: usize, cx: &mut Context<'_>) -> Option<Packet>;
}

/// Facts about the element being configured that its class may check.
#[derive(Debug, Clone, Copy)]
pub struct ConfigContext<'a> {
    /// The element's name in the flattened graph (`a/b`, `Counter@3`).
    pub name: &'a str,
    /// How many input and output ports the graph gave it.
    pub ports: Ports,
    /// For each input, true if it was resolved to pull (Click resolves push and pull before
    /// configuring; an agnostic Discard, for example, becomes a task when its input pulls).
    pub input_pull: &'a [bool],
    /// For each output, true if it was resolved to pull.
    pub output_pull: &'a [bool],
}

impl ConfigContext<'_> {
    /// True if input `port` pulls.
    pub fn input_is_pull(&self, port: usize) -> bool {
        self.input_pull.get(port).copied().unwrap_or(false)
    }

    /// True if output `port` is pulled from.
    pub fn output_is_pull(&self, port: usize) -> bool {
        self.output_pull.get(port).copied().unwrap_or(false)
    }
}

/// An element class. Static facts are associated constants, read by the graph checker and
/// the code generator; the data path is four methods with safe defaults.
///
/// A one-in, one-out element usually implements only [`Element::push`] (and [`Element::pull`]
/// when it is agnostic); `push_batch` then loops over it, and the compiler inlines the loop.
/// Elements that gain from seeing a whole batch (classifiers, devices) override
/// `push_batch`.
pub trait Element: Handlers + Sized + Send + 'static {
    /// Click's class name, exactly (`CheckIPHeader`).
    const CLASS: &'static str;
    /// The port counts the class allows.
    const PORTS: PortCount;
    /// Push, pull or agnostic, per port.
    const PROCESSING: ProcessingSpec;
    /// Which inputs reach which outputs, for agnostic resolution.
    const FLOW: Flow = Flow::Complete;
    /// True if the element is a scheduled task (a source, ToDevice, Unqueue, a pull sink):
    /// the runtime calls [`Element::run_task`] in its polling loop.
    const TASK: bool = false;

    /// Builds the element from its configuration arguments. Every argument error is
    /// recorded in `args` and returned together by `args.finish()`.
    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError>;

    /// Prepares the element to run once the whole router is configured (Click's
    /// `initialize`): opening files and devices, arming timers. An error stops the router
    /// from starting; the message says why.
    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        let _ = cx;
        Ok(())
    }

    /// Handles packet `p` arriving on push input `port`. The default drops it; classes with
    /// push or agnostic inputs override it.
    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        port: usize,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let _ = (port, out, cx);
        drop(p);
    }

    /// Handles a batch arriving on push input `port`, leaving it empty. The default pushes
    /// each packet in order.
    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        port: usize,
        batch: &mut Batch,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        for p in batch.drain() {
            self.push(port, p, out, cx);
        }
    }

    /// Produces a packet for pull output `port`, pulling from its inputs as needed. `ports`
    /// reaches both sides, so an element being pulled can still push on a push output (a
    /// PullTee's copy, a CheckIPHeader's error output). The default has no packet.
    ///
    /// An implementation may ask less of `ports` (`I: Input + ?Sized`) when it only pulls.
    #[inline]
    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        port: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let _ = (port, ports, cx);
        None
    }

    /// When the element next wants [`Element::run_timer`] called, if ever. The runtime asks
    /// after initialization and after every call to the element.
    #[inline]
    fn next_timer(&self) -> Option<Timestamp> {
        None
    }

    /// Runs the element's timer (ARP and NAT expiry, rated sources, shapers). It may push
    /// packets out.
    fn run_timer<O: Output + ?Sized>(&mut self, out: &mut O, cx: &mut Context<'_>) {
        let _ = (out, cx);
    }

    /// Finishes when the router stops: flush files, report. Packets still held are dropped
    /// afterwards with the element.
    fn cleanup(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// Runs the element's task once (when [`Element::TASK`] is true): a source pushes, a
    /// sink or an unqueue pulls and pushes, through `ports`, which reaches both sides.
    /// Returns true if it did any work, so an idle loop can back off.
    #[inline]
    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        let _ = (ports, cx);
        false
    }
}
