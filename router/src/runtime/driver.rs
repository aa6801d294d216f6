//! The scheduler loop and handler access, over any [`Graph`].

use alloc::string::String;

use sluice_elements::element::{
    Access, Context, ControlRequest, HandlerContext, HandlerError, Level,
};
use sluice_elements::packet::Timestamp;

use super::handlers::{RouterInfo, Target, GLOBAL, STANDARD};

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
    served: Timestamp,
}

impl<G: Graph> Driver<G> {
    /// Task rounds between two looks at the timers while tasks have work (Click's driver
    /// runs its tasks in batches between timer checks, too).
    const ROUNDS_PER_CHECK: u32 = 32;
    /// Least time between two calls of the serving hook while tasks are busy (a control
    /// socket poll costs system calls; a thousand a second answer any client promptly).
    const SERVE_INTERVAL_NANOS: u64 = 1_000_000;

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
            served: now,
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
        self.run_serving(cx, keep_going, idle, &mut |_: &mut Self| true);
    }

    /// [`Driver::run`], also calling `serve` with the driver between rounds: while tasks are
    /// busy, at most once a millisecond on a wall clock (every few rounds on a simulated
    /// one), and before every idle wait. It
    /// serves the outside world (control sockets: reading and writing handlers) and must
    /// not block; it returns false to stop the router.
    pub fn run_serving(
        &mut self,
        cx: &mut Context<'_>,
        keep_going: &mut dyn FnMut() -> bool,
        idle: &mut dyn FnMut(Option<Timestamp>),
        serve: &mut dyn FnMut(&mut Self) -> bool,
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
            // A simulated clock stands still while tasks are busy: serve at every check.
            let due = match self.clock {
                Clock::Simulated => true,
                Clock::Wall(_) => self.now.nanos_since(self.served) >= Self::SERVE_INTERVAL_NANOS,
            };
            if check && due {
                self.served = self.now;
                if !serve(self) {
                    break;
                }
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
            self.served = self.now;
            if !serve(self) {
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

    /// Writes a handler. Writing `config` reconfigures an element that supports it
    /// (Click's live reconfiguration); the new text becomes its `config`.
    pub fn write_handler(&mut self, full: &str, value: &str) -> Result<(), HandlerError> {
        let cx = HandlerContext { now: self.now };
        match self.info.target(full)? {
            Target::Global(h) => match self.info.global(h) {
                Ok(_) => Err(HandlerError::NotWritable),
                Err(e) => Err(e),
            },
            Target::Element(i, h) => {
                if h == "config" && self.class_handler(i, h).is_some_and(|a| a.writable()) {
                    self.graph.write_handler(i, h, value, &cx)?;
                    if let Some(e) = self.info.flat.elements.get_mut(i) {
                        e.config = value.trim().into();
                    }
                    return Ok(());
                }
                if self.info.standard(i, h).is_some() {
                    return Err(HandlerError::NotWritable);
                }
                self.graph.write_handler(i, h, value, &cx)
            }
        }
    }

    /// Whether a handler exists and how it can be used, without calling it: what Click's
    /// ControlSocket checks before a read or write (and what CHECKREAD and CHECKWRITE ask).
    /// Handlers an element serves without declaring them (an IPClassifier's `pattern12`)
    /// are found by reading them, and count as read-only.
    pub fn handler_access(&self, full: &str) -> Result<Access, HandlerError> {
        match self.info.target(full)? {
            Target::Global(h) if GLOBAL.contains(&h) => Ok(Access::Read),
            Target::Global(_) => Err(HandlerError::NoSuchHandler),
            Target::Element(i, h) => {
                if let Some(access) = self.class_handler(i, h) {
                    return Ok(access);
                }
                if STANDARD.contains(&h) {
                    return Ok(Access::Read);
                }
                let cx = HandlerContext { now: self.now };
                match self.graph.read_handler(i, h, &cx) {
                    Err(HandlerError::NoSuchHandler) => Err(HandlerError::NoSuchHandler),
                    Err(HandlerError::NotReadable) => Ok(Access::Write),
                    _ => Ok(Access::Read),
                }
            }
        }
    }

    /// The access of handler `h` of element `i`, if its class declares it.
    fn class_handler(&self, i: usize, h: &str) -> Option<Access> {
        self.info
            .classes
            .get(i)?
            .handlers
            .iter()
            .find(|spec| spec.name == h)
            .map(|spec| spec.access)
    }
}

impl<G> core::fmt::Debug for Driver<G> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("elements", &self.info.flat.elements.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{load, Source};
    use crate::runtime::Router;
    use sluice_elements::element::NoLog;
    use sluice_elements::packet::{Pool, PoolConfig};

    fn router(config: &str) -> Router {
        let loaded = load(&Source::Expr(config.into()), &[], true).expect("loads");
        let (_, checked) = loaded.instantiate();
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        Router::new(checked.instance.expect("instance"), Clock::Simulated)
    }

    const CONFIG: &str = "s :: InfiniteSource(LIMIT 5) -> c :: Counter \
        -> cl :: Classifier(12/0800, -) -> q :: Queue(10) -> Discard; cl[1] -> Discard;";

    #[test]
    fn handler_access_names_elements_by_name_or_number() {
        let r = router(CONFIG);
        assert_eq!(r.handler_access("c.count"), Ok(Access::Read));
        assert_eq!(r.handler_access("c.reset"), Ok(Access::Write));
        assert_eq!(r.handler_access("q.capacity"), Ok(Access::ReadWrite));
        assert_eq!(r.handler_access("c.config"), Ok(Access::Read));
        assert_eq!(r.handler_access("cl.config"), Ok(Access::ReadWrite));
        assert_eq!(r.handler_access("c.class"), Ok(Access::Read));
        assert_eq!(r.handler_access("list"), Ok(Access::Read));
        assert_eq!(r.handler_access(".version"), Ok(Access::Read));
        assert_eq!(r.handler_access("0.list"), Ok(Access::Read));
        assert_eq!(r.handler_access("nope"), Err(HandlerError::NoSuchHandler));
        assert_eq!(r.handler_access("c.nope"), Err(HandlerError::NoSuchHandler));
        assert_eq!(
            r.handler_access("x.count"),
            Err(HandlerError::NoSuchElement("x".into()))
        );
        // Elements by number, from 1, as in Click's ControlSocket.
        assert_eq!(r.read_handler("2.name").as_deref(), Ok("c"));
        assert_eq!(
            r.handler_access("99.count"),
            Err(HandlerError::NoSuchElement("99".into()))
        );
        let listed = r.read_handler("cl.handlers").unwrap();
        assert_eq!(listed.matches("config").count(), 1, "{listed}");
        assert!(listed.contains("config\trw"), "{listed}");
    }

    #[test]
    fn writing_config_reconfigures_live_or_fails_and_keeps_it() {
        let mut r = router(CONFIG);
        r.write_handler("cl.config", "12/0806, -").unwrap();
        assert_eq!(r.read_handler("cl.config").as_deref(), Ok("12/0806, -"));
        assert!(r.read_handler("flatconfig").unwrap().contains("12/0806"));
        let e = r.write_handler("cl.config", "12/zz, -").unwrap_err();
        assert!(matches!(e, HandlerError::BadValue(_)), "{e:?}");
        assert_eq!(r.read_handler("cl.config").as_deref(), Ok("12/0806, -"));
        assert_eq!(
            r.write_handler("c.config", "x"),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(
            r.write_handler("version", "x"),
            Err(HandlerError::NotWritable)
        );
    }

    #[test]
    fn the_serving_hook_runs_while_busy_and_can_stop_the_router() {
        // An endless source: only the hook ends the run.
        let mut r = router("InfiniteSource -> c :: Counter -> Discard;");
        let pool = Pool::new(PoolConfig::with_slots(256)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(r.now(), pool, &mut log);
        r.initialize(&mut cx).unwrap();
        let mut calls = 0;
        r.run_serving(&mut cx, &mut || true, &mut |_| {}, &mut |d: &mut Router| {
            calls += 1;
            if calls < 5 {
                d.write_handler("c.reset", "").expect("reset");
            }
            calls < 5
        });
        assert_eq!(calls, 5);
        let count: u64 = r.read_handler("c.count").unwrap().parse().unwrap();
        assert!(count > 0, "packets flowed since the last reset");
        r.cleanup(&mut cx);
    }
}
