//! What the runtime lends an element while it runs: the clock, the packet pool, a way to
//! stop the router, and a place for messages.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::packet::{Pool, Timestamp};

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Output an element exists to produce (Print, IPPrint).
    Info,
    /// Something odd that does not stop the router (Click's `click_chatter` warnings).
    Warning,
    /// A failure.
    Error,
}

/// Where elements' messages go: stderr on the host, the serial console in the guest. Never
/// on the per-packet path unless an element exists to print (Print).
pub trait Log {
    /// Records one message from element `element`.
    fn log(&mut self, level: Level, element: &str, message: fmt::Arguments<'_>);
}

/// Discards every message.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLog;

impl Log for NoLog {
    fn log(&mut self, _: Level, _: &str, _: fmt::Arguments<'_>) {}
}

/// A handler call an element asks the runtime to make once the current call returns
/// (DriverManager's `write` and `read`, Script-like elements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlRequest {
    /// Write `value` to the handler `element.handler` (or a global handler).
    Write {
        /// `element.handler`, as Click writes it.
        handler: String,
        /// The value to write.
        value: String,
    },
    /// Read the handler and print its value, as Click's DriverManager `read` does.
    Read {
        /// `element.handler`.
        handler: String,
    },
}

/// The runtime's services, passed to every push, pull and task call.
pub struct Context<'a> {
    now: Timestamp,
    pool: Pool,
    stop: bool,
    stop_managed: bool,
    finished: bool,
    requests: Vec<ControlRequest>,
    log: &'a mut dyn Log,
}

impl<'a> Context<'a> {
    /// A context at time `now`, making packets from `pool`, sending messages to `log`.
    pub fn new(now: Timestamp, pool: Pool, log: &'a mut dyn Log) -> Self {
        Context {
            now,
            pool,
            stop: false,
            stop_managed: false,
            finished: false,
            requests: Vec::new(),
            log,
        }
    }

    /// The current time. The runtime reads the clock once per scheduling round (or keeps it
    /// fixed under a simulated clock), so elements in one round agree on it.
    #[inline]
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Sets the current time (the runtime's business).
    #[inline]
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
    }

    /// The pool that sources and copying elements take slots from.
    #[inline]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Asks the runtime to stop the router after the current round (Click's
    /// `router()->please_stop_driver()`, used by `STOP true` and DriverManager).
    pub fn request_stop(&mut self) {
        self.stop = true;
    }

    /// True once an element asked the router to stop.
    pub fn stop_requested(&self) -> bool {
        self.stop
    }

    /// Forgets a stop request (after the runtime acted on it, if it goes on).
    pub fn clear_stop(&mut self) {
        self.stop = false;
    }

    /// Declares that an element (DriverManager) decides what a stop request means: the
    /// runtime then stops only on [`Context::finish`].
    pub fn manage_stops(&mut self) {
        self.stop_managed = true;
    }

    /// True if an element manages stop requests.
    pub fn stops_managed(&self) -> bool {
        self.stop_managed
    }

    /// Ends the run for good (DriverManager's `stop`, or the end of its script).
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// True once the run must end: an unmanaged stop request, or [`Context::finish`].
    pub fn should_end(&self) -> bool {
        self.finished || (self.stop && !self.stop_managed)
    }

    /// Asks the runtime to make a handler call after the current call returns.
    pub fn request(&mut self, request: ControlRequest) {
        self.requests.push(request);
    }

    /// True if handler calls are waiting.
    #[inline]
    pub fn has_requests(&self) -> bool {
        !self.requests.is_empty()
    }

    /// Takes the handler calls asked for so far (the runtime's business).
    pub fn take_requests(&mut self) -> Vec<ControlRequest> {
        core::mem::take(&mut self.requests)
    }

    /// Records a message from element `element`.
    pub fn log(&mut self, level: Level, element: &str, message: fmt::Arguments<'_>) {
        self.log.log(level, element, message);
    }
}
