//! The interpreted router: elements, wiring, handlers and the scheduling loop.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use sluice_elements::element::{
    Context, ControlRequest, DynElement, HandlerContext, HandlerError, Input, Output,
};
use sluice_elements::packet::{Batch, Packet, Timestamp};

use crate::instantiate::Instance;
use crate::lang::FlatConfig;
use crate::registry::ClassInfo;

/// Where the time comes from.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// Click's `--simtime`: the clock starts at 1000000000.000000 and only moves when the
    /// router has nothing to do but wait for a timer.
    Simulated,
    /// Wall-clock time, read by the given function (nanoseconds since the epoch).
    Wall(fn() -> Timestamp),
}

/// Why a run could not start or ended badly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// An element's `initialize` failed.
    Initialize {
        /// The element's name.
        element: String,
        /// What it said.
        message: String,
    },
}

impl core::fmt::Display for RunError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RunError::Initialize { element, message } => {
                write!(f, "while initializing '{element}': {message}")
            }
        }
    }
}

/// A packet an element pushed, on its way to `element`'s input `port`.
struct Hop {
    element: usize,
    port: usize,
    packet: Packet,
}

/// An interpreted router.
pub struct Router {
    flat: FlatConfig,
    classes: Vec<&'static ClassInfo>,
    elements: Vec<RefCell<Box<dyn DynElement>>>,
    /// Per element, per output: the input it feeds.
    outputs: Vec<Vec<Option<(usize, usize)>>>,
    /// Per element, per input: the output it pulls from.
    inputs: Vec<Vec<Option<(usize, usize)>>>,
    tasks: Vec<usize>,
    /// Packets pushed by elements still to be delivered, as a stack of frames: each
    /// delivery owns the entries pushed during its element's call (see `deliver`).
    pending: RefCell<Vec<Option<Hop>>>,
    clock: Clock,
    now: Timestamp,
}

/// One element's view of its neighbours: its outputs (push) and its inputs (pull).
pub struct Wires<'r> {
    router: &'r Router,
    from: usize,
}

impl Output for Wires<'_> {
    fn push(&mut self, port: usize, p: Packet, _: &mut Context<'_>) {
        // An unconnected output (the checker allows none, so a port beyond the element's
        // count) drops the packet.
        if let Some(&Some((to, in_port))) = self.router.outputs[self.from].get(port) {
            self.router.pending.borrow_mut().push(Some(Hop {
                element: to,
                port: in_port,
                packet: p,
            }));
        }
    }

    fn push_batch(&mut self, port: usize, batch: &mut Batch, _: &mut Context<'_>) {
        match self.router.outputs[self.from].get(port) {
            Some(&Some((to, in_port))) => {
                let mut pending = self.router.pending.borrow_mut();
                for p in batch.drain() {
                    pending.push(Some(Hop {
                        element: to,
                        port: in_port,
                        packet: p,
                    }));
                }
            }
            _ => batch.clear(),
        }
    }
}

impl Input for Wires<'_> {
    fn pull(&mut self, port: usize, cx: &mut Context<'_>) -> Option<Packet> {
        let &Some((from, out_port)) = self.router.inputs[self.from].get(port)? else {
            return None;
        };
        // A pull cycle has no packet to give: the element is already pulling.
        let mut e = self.router.elements[from].try_borrow_mut().ok()?;
        let mut wires = Wires {
            router: self.router,
            from,
        };
        e.pull(out_port, &mut wires, cx)
    }
}

impl Router {
    /// Wires up a configured instance. Nothing runs until [`Router::initialize`].
    pub fn new(instance: Instance, clock: Clock) -> Router {
        let Instance {
            flat,
            classes,
            elements,
            resolved,
        } = instance;
        let n = elements.len();
        let mut outputs: Vec<Vec<Option<(usize, usize)>>> =
            resolved.ports.iter().map(|&(_, o)| vec![None; o]).collect();
        let mut inputs: Vec<Vec<Option<(usize, usize)>>> =
            resolved.ports.iter().map(|&(i, _)| vec![None; i]).collect();
        for c in &flat.connections {
            let (f, fp, t, tp) = (
                c.from.element,
                c.from.port as usize,
                c.to.element,
                c.to.port as usize,
            );
            if f >= n || t >= n {
                continue;
            }
            if !resolved.output_pull[f].get(fp).copied().unwrap_or(false) {
                if let Some(slot) = outputs[f].get_mut(fp) {
                    *slot = Some((t, tp));
                }
            }
            if resolved.input_pull[t].get(tp).copied().unwrap_or(false) {
                if let Some(slot) = inputs[t].get_mut(tp) {
                    *slot = Some((f, fp));
                }
            }
        }
        let tasks = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.task)
            .map(|(i, _)| i)
            .collect();
        let now = match clock {
            Clock::Simulated => Timestamp::SIMULATED_EPOCH,
            Clock::Wall(read) => read(),
        };
        Router {
            flat,
            classes,
            elements: elements.into_iter().map(RefCell::new).collect(),
            outputs,
            inputs,
            tasks,
            pending: RefCell::new(Vec::new()),
            clock,
            now,
        }
    }

    /// The flat configuration this router runs.
    pub fn flat(&self) -> &FlatConfig {
        &self.flat
    }

    /// The current time of the router's clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Delivers one pushed packet: the element runs with its outputs collected, is
    /// released, and then each packet it pushed is delivered in the order it was pushed,
    /// depth first. That is Click's order (a Tee's first copy travels its whole path
    /// before the second leaves), and because no element is held while its outputs travel,
    /// a packet that comes back round a cycle (an ICMP error re-entering the route table)
    /// is processed at once, as Click's recursive push would.
    fn deliver(&self, hop: Hop, cx: &mut Context<'_>) {
        let mark = self.pending.borrow().len();
        match self.elements[hop.element].try_borrow_mut() {
            Ok(mut e) => {
                let mut wires = Wires {
                    router: self,
                    from: hop.element,
                };
                e.push(hop.port, hop.packet, &mut wires, cx);
            }
            // Held by a pull in progress further up: a push into an element that is pulling
            // cannot be delivered; the packet is dropped (Click would recurse).
            Err(_) => drop(hop),
        }
        self.forward_from(mark, cx);
    }

    /// Delivers, in order, the packets pushed since the pending stack was `mark` long, then
    /// drops the frame.
    fn forward_from(&self, mark: usize, cx: &mut Context<'_>) {
        let mut i = mark;
        loop {
            let hop = {
                let mut pending = self.pending.borrow_mut();
                match pending.get_mut(i) {
                    Some(slot) => slot.take(),
                    None => break,
                }
            };
            if let Some(hop) = hop {
                // Nested deliveries push above this frame and pop back before returning.
                self.deliver(hop, cx);
            }
            i += 1;
        }
        self.pending.borrow_mut().truncate(mark);
    }

    /// Pushes `p` into input `port` of element `element` (an index into the flat
    /// configuration) as if an upstream element had, and delivers everything that follows.
    /// For tests and fuzzing: a packet source without a source element.
    pub fn inject(&mut self, element: usize, port: usize, p: Packet, cx: &mut Context<'_>) {
        if element < self.elements.len() {
            let mark = self.pending.borrow().len();
            self.deliver(Hop { element, port, packet: p }, cx);
            self.forward_from(mark, cx);
        }
    }

    /// The index of the element named `name`.
    pub fn element_index(&self, name: &str) -> Option<usize> {
        self.flat.element_index(name)
    }

    /// Initializes every element in order; the first failure is returned.
    pub fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), RunError> {
        cx.set_now(self.now);
        for (i, e) in self.elements.iter().enumerate() {
            e.borrow_mut()
                .initialize(cx)
                .map_err(|message| RunError::Initialize {
                    element: self.flat.elements[i].name.clone(),
                    message,
                })?;
        }
        Ok(())
    }

    /// Runs one scheduling round: every task once, due timers, deferred pushes, handler
    /// requests. Returns true if anything did work.
    pub fn run_once(&mut self, cx: &mut Context<'_>) -> bool {
        if let Clock::Wall(read) = self.clock {
            self.now = read();
        }
        cx.set_now(self.now);
        let mut worked = false;
        for &t in &self.tasks {
            let mark = self.pending.borrow().len();
            if let Ok(mut e) = self.elements[t].try_borrow_mut() {
                let mut ports = Wires { router: self, from: t };
                worked |= e.run_task(&mut ports, cx);
            }
            self.forward_from(mark, cx);
        }
        for (i, cell) in self.elements.iter().enumerate() {
            let due = cell
                .try_borrow()
                .ok()
                .and_then(|e| e.next_timer())
                .is_some_and(|t| t <= self.now);
            if !due {
                continue;
            }
            let mark = self.pending.borrow().len();
            if let Ok(mut e) = cell.try_borrow_mut() {
                let mut out = Wires {
                    router: self,
                    from: i,
                };
                e.run_timer(&mut out, cx);
                worked = true;
            }
            self.forward_from(mark, cx);
        }
        for request in cx.take_requests() {
            self.carry_out(request, cx);
            worked = true;
        }
        worked
    }

    /// The earliest time any element wants its timer run.
    pub fn next_timer(&self) -> Option<Timestamp> {
        self.elements
            .iter()
            .filter_map(|e| e.try_borrow().ok()?.next_timer())
            .min()
    }

    /// Runs until the configuration stops (STOP, DriverManager) or `keep_going` says no
    /// (checked between rounds: a Ctrl-C flag, for example). When nothing is left to do, a
    /// simulated clock jumps to the next timer; with no timer either, the run ends (Click
    /// would wait forever; a simulated run cannot change any more). A wall clock sleeps
    /// through `idle` between rounds.
    pub fn run(
        &mut self,
        cx: &mut Context<'_>,
        keep_going: &mut dyn FnMut() -> bool,
        idle: &mut dyn FnMut(Option<Timestamp>),
    ) {
        while !cx.should_end() && keep_going() {
            let worked = self.run_once(cx);
            if worked || cx.should_end() {
                continue;
            }
            match (self.clock, self.next_timer()) {
                (Clock::Simulated, Some(t)) if t > self.now => self.now = t,
                (Clock::Simulated, Some(_)) => {}
                (Clock::Simulated, None) => break,
                (Clock::Wall(_), next) => idle(next),
            }
        }
    }

    /// Stops the router: every element's `cleanup`, in order.
    pub fn cleanup(&mut self, cx: &mut Context<'_>) {
        cx.set_now(self.now);
        self.forward_from(0, cx);
        for e in &self.elements {
            if let Ok(mut e) = e.try_borrow_mut() {
                e.cleanup(cx);
            }
        }
    }

    fn carry_out(&self, request: ControlRequest, cx: &mut Context<'_>) {
        match request {
            ControlRequest::Write { handler, value } => {
                if let Err(e) = self.write_handler(&handler, &value) {
                    cx.log(
                        sluice_elements::element::Level::Error,
                        "DriverManager",
                        format_args!("write {handler}: {e}"),
                    );
                }
            }
            ControlRequest::Read { handler } => match self.read_handler(&handler) {
                Ok(v) => cx.log(
                    sluice_elements::element::Level::Info,
                    &handler,
                    format_args!("{v}"),
                ),
                Err(e) => cx.log(
                    sluice_elements::element::Level::Error,
                    "DriverManager",
                    format_args!("read {handler}: {e}"),
                ),
            },
        }
    }

    /// Splits `element.handler` (the last dot separates, so names with dots work), or
    /// `handler` alone for a global handler.
    fn split_handler<'a>(&self, full: &'a str) -> (Option<usize>, &'a str) {
        match full.rsplit_once('.') {
            Some((element, h)) => match self.flat.element_index(element) {
                Some(i) => (Some(i), h),
                None => (Some(usize::MAX), h),
            },
            None => (None, full),
        }
    }

    /// Reads a handler: `element.handler`, or a global handler (`version`, `list`,
    /// `classes`, `config`, `flatconfig`, `requirements`).
    pub fn read_handler(&self, full: &str) -> Result<String, HandlerError> {
        let cx = HandlerContext { now: self.now };
        match self.split_handler(full) {
            (None, h) => self.read_global(h),
            (Some(usize::MAX), _) => Err(HandlerError::NoSuchHandler),
            (Some(i), h) => {
                if let Some(v) = self.read_standard(i, h) {
                    return Ok(v);
                }
                let e = self.elements[i]
                    .try_borrow()
                    .map_err(|_| HandlerError::NotReadable)?;
                e.read_handler(h, &cx)
            }
        }
    }

    /// Writes a handler.
    pub fn write_handler(&self, full: &str, value: &str) -> Result<(), HandlerError> {
        let cx = HandlerContext { now: self.now };
        match self.split_handler(full) {
            (None, _) | (Some(usize::MAX), _) => Err(HandlerError::NoSuchHandler),
            (Some(i), h) => {
                if self.read_standard(i, h).is_some() {
                    return Err(HandlerError::NotWritable);
                }
                let mut e = self.elements[i]
                    .try_borrow_mut()
                    .map_err(|_| HandlerError::NotWritable)?;
                e.write_handler(h, value, &cx)
            }
        }
    }

    /// Click's per-element standard handlers.
    fn read_standard(&self, i: usize, h: &str) -> Option<String> {
        let e = &self.flat.elements[i];
        Some(match h {
            "name" => e.name.clone(),
            "class" => e.class.clone(),
            "config" => e.config.clone(),
            "ports" => {
                let (nin, nout) = (self.inputs[i].len(), self.outputs[i].len());
                format!("{nin} input{}\n{nout} output{}", plural(nin), plural(nout))
            }
            "handlers" => {
                let mut names: Vec<String> = ["name", "class", "config", "ports", "handlers"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                for spec in self.classes[i].handlers {
                    let mode = match (spec.access.readable(), spec.access.writable()) {
                        (true, true) => "rw",
                        (true, false) => "r",
                        _ => "w",
                    };
                    names.push(format!("{}\t{mode}", spec.name));
                }
                names.join("\n")
            }
            _ => return None,
        })
    }

    fn read_global(&self, h: &str) -> Result<String, HandlerError> {
        Ok(match h {
            "version" => env_version().to_string(),
            "list" => {
                let mut out = format!("{}", self.flat.elements.len());
                for e in &self.flat.elements {
                    out.push('\n');
                    out.push_str(&e.name);
                }
                out
            }
            "classes" => {
                let mut names: Vec<&str> = crate::registry::classes().map(|c| c.name).collect();
                names.sort_unstable();
                names.join("\n")
            }
            "config" | "flatconfig" => crate::lang::unparse(&self.flat),
            "requirements" => self
                .flat
                .requirements
                .iter()
                .map(|r| r.value.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => return Err(HandlerError::NoSuchHandler),
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn env_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
