//! The scheduler loop and handler access, over any [`Graph`].

use alloc::string::String;

use sluice_elements::element::{Context, ControlRequest, HandlerContext, HandlerError, Level};
use sluice_elements::packet::Timestamp;

use super::handlers::{RouterInfo, Target};

/// Where the time comes from.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// Click's `--simtime`: the clock starts at 1000000000.000000 and only moves when the
    /// router has nothing to do but wait for a timer.
    Simulated,
    /// Wall-clock time, read by the given function.
    Wall(fn() -> Timestamp),
}

/// Why a run could not start.
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

/// The configured elements of a router and the wiring between them.
pub trait Graph {
    /// Initializes element `i` (in order, by the driver); the error message says why not.
    fn initialize(&mut self, i: usize, cx: &mut Context<'_>) -> Result<(), String>;
    /// Runs every task once; true if any did work.
    fn run_tasks(&mut self, cx: &mut Context<'_>) -> bool;
    /// The earliest time an element wants its timer run.
    fn next_timer(&self) -> Option<Timestamp>;
    /// Runs the timers due at `now`; true if any ran.
    fn run_timers(&mut self, now: Timestamp, cx: &mut Context<'_>) -> bool;
    /// Element `i`'s `cleanup`.
    fn cleanup(&mut self, i: usize, cx: &mut Context<'_>);
    /// Reads element `i`'s own handler `h`.
    fn read_handler(&self, i: usize, h: &str, cx: &HandlerContext) -> Result<String, HandlerError>;
    /// Writes element `i`'s own handler `h`.
    fn write_handler(
        &mut self,
        i: usize,
        h: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError>;
}

/// Runs a [`Graph`] as Click's userlevel driver does.
pub struct Driver<G> {
    graph: G,
    info: RouterInfo,
    clock: Clock,
    now: Timestamp,
}

impl<G: Graph> Driver<G> {
    /// Task rounds between two looks at the timers while tasks have work (Click's driver
    /// runs its tasks in batches between timer checks, too).
    const ROUNDS_PER_CHECK: u32 = 32;

    /// A driver for `graph`, described by `info`, on `clock`.
    pub fn with_graph(graph: G, info: RouterInfo, clock: Clock) -> Self {
        let now = match clock {
            Clock::Simulated => Timestamp::SIMULATED_EPOCH,
            Clock::Wall(read) => read(),
        };
        Driver {
            graph,
            info,
            clock,
            now,
        }
    }

    /// The router's description.
    pub fn info(&self) -> &RouterInfo {
        &self.info
    }

    /// The flat configuration this router runs.
    pub fn flat(&self) -> &crate::lang::FlatConfig {
        &self.info.flat
    }

    /// The index of the element named `name`.
    pub fn element_index(&self, name: &str) -> Option<usize> {
        self.info.flat.element_index(name)
    }

    /// The graph.
    pub fn graph_mut(&mut self) -> &mut G {
        &mut self.graph
    }

    /// The current time of the router's clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Initializes every element in order; the first failure is returned.
    pub fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), RunError> {
        cx.set_now(self.now);
        for i in 0..self.info.flat.elements.len() {
            self.graph
                .initialize(i, cx)
                .map_err(|message| RunError::Initialize {
                    element: self.info.flat.elements[i].name.clone(),
                    message,
                })?;
        }
        Ok(())
    }

    /// Runs one scheduling round: every task once, due timers, handler requests. Returns
    /// true if anything did work.
    pub fn run_once(&mut self, cx: &mut Context<'_>) -> bool {
        self.run_round(cx, true)
    }

    /// One round; timers are looked at only when `timers` is true (Click's driver, too,
    /// runs a batch of task rounds between timer checks).
    fn run_round(&mut self, cx: &mut Context<'_>, timers: bool) -> bool {
        // The wall clock is read with the timers: once per few rounds while busy (a clock
        // read costs as much as moving a packet through several elements).
        if let (Clock::Wall(read), true) = (self.clock, timers) {
            self.now = read();
        }
        cx.set_now(self.now);
        let mut worked = self.graph.run_tasks(cx);
        if timers && self.graph.next_timer().is_some_and(|t| t <= self.now) {
            worked |= self.graph.run_timers(self.now, cx);
        }
        if cx.has_requests() {
            for request in cx.take_requests() {
                self.carry_out(request, cx);
            }
            worked = true;
        }
        worked
    }

    /// The earliest time any element wants its timer run.
    pub fn next_timer(&self) -> Option<Timestamp> {
        self.graph.next_timer()
    }

    /// Runs until the configuration stops (STOP, DriverManager) or `keep_going` says no
    /// (checked between rounds: a Ctrl-C flag, for example). When nothing is left to do, a
    /// simulated clock jumps to the next timer; with no timer either, the run ends (Click
    /// would wait forever; a simulated run cannot change any more). A wall clock calls
    /// `idle` between idle rounds.
    pub fn run(
        &mut self,
        cx: &mut Context<'_>,
        keep_going: &mut dyn FnMut() -> bool,
        idle: &mut dyn FnMut(Option<Timestamp>),
    ) {
        let mut round: u32 = 0;
        while !cx.should_end() {
            // Timers and the outside world (Ctrl-C) are checked every few rounds while
            // tasks are busy, and always when they are idle.
            round = round.wrapping_add(1);
            let check = round % Self::ROUNDS_PER_CHECK == 0;
            if check && !keep_going() {
                break;
            }
            if self.run_round(cx, check) || cx.should_end() {
                continue;
            }
            if !check && self.run_round(cx, true) {
                continue;
            }
            if !keep_going() {
                break;
            }
            match (self.clock, self.graph.next_timer()) {
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
        for i in 0..self.info.flat.elements.len() {
            self.graph.cleanup(i, cx);
        }
    }

    fn carry_out(&mut self, request: ControlRequest, cx: &mut Context<'_>) {
        match request {
            ControlRequest::Write { handler, value } => {
                if let Err(e) = self.write_handler(&handler, &value) {
                    cx.log(
                        Level::Error,
                        "DriverManager",
                        format_args!("write {handler}: {e}"),
                    );
                }
            }
            ControlRequest::Read { handler } => match self.read_handler(&handler) {
                Ok(v) => cx.log(Level::Info, &handler, format_args!("{v}")),
                Err(e) => cx.log(
                    Level::Error,
                    "DriverManager",
                    format_args!("read {handler}: {e}"),
                ),
            },
        }
    }

    /// Reads a handler: `element.handler`, or a global handler (`version`, `list`,
    /// `classes`, `config`, `flatconfig`, `requirements`).
    pub fn read_handler(&self, full: &str) -> Result<String, HandlerError> {
        let cx = HandlerContext { now: self.now };
        match self.info.target(full)? {
            Target::Global(h) => self.info.global(h),
            Target::Element(i, h) => match self.info.standard(i, h) {
                Some(v) => Ok(v),
                None => self.graph.read_handler(i, h, &cx),
            },
        }
    }

    /// Writes a handler.
    pub fn write_handler(&mut self, full: &str, value: &str) -> Result<(), HandlerError> {
        let cx = HandlerContext { now: self.now };
        match self.info.target(full)? {
            Target::Global(h) => match self.info.global(h) {
                Ok(_) => Err(HandlerError::NotWritable),
                Err(e) => Err(e),
            },
            Target::Element(i, h) => {
                if self.info.standard(i, h).is_some() {
                    return Err(HandlerError::NotWritable);
                }
                self.graph.write_handler(i, h, value, &cx)
            }
        }
    }
}

impl<G> core::fmt::Debug for Driver<G> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("elements", &self.info.flat.elements.len())
            .finish()
    }
}
