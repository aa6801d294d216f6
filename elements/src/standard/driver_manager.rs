//! `DriverManager`: a script that decides when the router stops.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use crate::element::args::{split_words, Args, ConfigError, FromArg, NoNames};
use crate::element::{
    ConfigContext, Context, ControlRequest, Element, Handlers, Input, Output, PortCount,
    ProcessingSpec,
};
use crate::packet::Timestamp;

/// One step of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Wait for this many stop requests (`STOP true`, a `stop` handler...).
    WaitStop(u32),
    /// Wait this long.
    Wait(Duration),
    /// Write a handler.
    Write(String, String),
    /// Read a handler and print it.
    Read(String),
    /// Stop the router now.
    Stop,
}

/// Manages the router's run: a list of instructions run in order, deciding when it stops.
///
/// # Synopsis
///
/// ```text
/// DriverManager(INSTRUCTIONS...)
/// ```
///
/// # Ports
///
/// None.
///
/// # Processing
///
/// None; DriverManager is a task.
///
/// # Description
///
/// Without a DriverManager, the first stop request (an element's `STOP true`, for example)
/// ends the run. With one, stop requests are events its script waits for, and the run ends
/// when the script ends or says `stop`. Instructions, one per argument:
///
/// - `wait_stop [N]` (also `wait_pause`, `pause`): wait for N stop requests (default 1).
/// - `wait TIME` (also `wait_time`, `wait_for`): wait TIME (`1s`, `200ms`...).
/// - `write HANDLER [VALUE]`: write a handler (`element.handler`).
/// - `read HANDLER`: read a handler and print its value.
/// - `stop`: stop the router.
///
/// With no instructions, DriverManager waits for one stop request.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 10, STOP true) -> c :: Counter -> Discard;
/// DriverManager(wait_stop, read c.count, write c.reset, stop);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Script (in Click), InfiniteSource.
#[derive(Debug)]
pub struct DriverManager {
    steps: Vec<Step>,
    next: usize,
    waiting_stops: u32,
    deadline: Option<Timestamp>,
}

fn parse_step(text: &str) -> Result<Step, String> {
    let words = split_words(text, 0);
    let Some((first, rest)) = words.split_first() else {
        return Err("empty instruction".into());
    };
    let arg = |i: usize| rest.get(i).map(|w| w.text.as_str());
    let after_first = text.trim_start()[first.text.len()..].trim();
    match first.text.as_str() {
        "wait_stop" | "wait_pause" | "pause" => {
            let n = match arg(0) {
                Some(n) => u32::from_arg(n, &NoNames)?,
                None => 1,
            };
            Ok(Step::WaitStop(n))
        }
        "wait" | "wait_time" | "wait_for" => {
            let t = arg(0).ok_or("missing time")?;
            Ok(Step::Wait(Duration::from_arg(t, &NoNames)?))
        }
        "write" | "write_skip" | "call" => {
            let handler = arg(0).ok_or("missing handler")?.to_string();
            let value = after_first[handler.len()..].trim().to_string();
            Ok(Step::Write(handler, value))
        }
        "read" | "print" => Ok(Step::Read(arg(0).ok_or("missing handler")?.to_string())),
        "stop" => Ok(Step::Stop),
        other => Err(format!("unknown instruction '{other}'")),
    }
}

impl Element for DriverManager {
    const CLASS: &'static str = "DriverManager";
    const PORTS: PortCount = PortCount::new(
        crate::element::PortRange::Exactly(0),
        crate::element::PortRange::Exactly(0),
    );
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let mut steps = Vec::new();
        for arg in args.rest() {
            match parse_step(&arg.text) {
                Ok(step) => steps.push(step),
                Err(e) => args.error(arg.span, e),
            }
        }
        args.finish()?;
        if steps.is_empty() {
            steps.push(Step::WaitStop(1));
        }
        Ok(DriverManager {
            steps,
            next: 0,
            waiting_stops: 0,
            deadline: None,
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        cx.manage_stops();
        Ok(())
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.deadline
    }

    fn run_timer<O: Output + ?Sized>(&mut self, _: &mut O, cx: &mut Context<'_>) {
        self.step(cx);
    }

    fn run_task<P: Output + Input + ?Sized>(&mut self, _: &mut P, cx: &mut Context<'_>) -> bool {
        let before = self.next;
        self.step(cx);
        self.next != before
    }
}

impl DriverManager {
    /// Runs instructions until one has to wait.
    fn step(&mut self, cx: &mut Context<'_>) {
        while let Some(step) = self.steps.get(self.next) {
            match step {
                Step::WaitStop(n) => {
                    if cx.stop_requested() {
                        cx.clear_stop();
                        self.waiting_stops += 1;
                    }
                    if self.waiting_stops < *n {
                        return;
                    }
                    self.waiting_stops = 0;
                }
                Step::Wait(d) => match self.deadline {
                    None => {
                        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                        self.deadline = Some(Timestamp(cx.now().as_nanos().saturating_add(nanos)));
                        return;
                    }
                    Some(t) if cx.now() < t => return,
                    Some(_) => self.deadline = None,
                },
                Step::Write(h, v) => cx.request(ControlRequest::Write {
                    handler: h.clone(),
                    value: v.clone(),
                }),
                Step::Read(h) => cx.request(ControlRequest::Read { handler: h.clone() }),
                Step::Stop => {
                    cx.finish();
                    self.next = self.steps.len();
                    return;
                }
            }
            self.next += 1;
        }
        cx.finish();
    }
}

impl Handlers for DriverManager {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};

    fn cx_parts() -> (Pool, NoLog) {
        (Pool::new(PoolConfig::with_slots(2)).unwrap(), NoLog)
    }

    #[test]
    fn waits_for_stops_then_reads_and_stops() {
        let (pool, mut log) = cx_parts();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut dm: DriverManager = configure(
            "wait_stop 2, read c.count, write c.reset, stop",
            Ports::default(),
        )
        .unwrap();
        dm.initialize(&mut cx).unwrap();
        let (mut o, mut i) = (Collect::new(), Feed::new());
        assert!(!dm.run_task(&mut Pair(&mut o, &mut i), &mut cx));
        cx.request_stop();
        assert!(
            !cx.should_end(),
            "a managed stop request does not end the run"
        );
        dm.run_task(&mut Pair(&mut o, &mut i), &mut cx);
        assert!(!cx.should_end());
        cx.request_stop();
        dm.run_task(&mut Pair(&mut o, &mut i), &mut cx);
        assert!(cx.should_end());
        assert_eq!(
            cx.take_requests(),
            [
                ControlRequest::Read {
                    handler: "c.count".into()
                },
                ControlRequest::Write {
                    handler: "c.reset".into(),
                    value: String::new()
                },
            ]
        );
    }

    #[test]
    fn waits_for_time() {
        let (pool, mut log) = cx_parts();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut dm: DriverManager = configure("wait 200ms", Ports::default()).unwrap();
        let (mut o, mut i) = (Collect::new(), Feed::new());
        dm.run_task(&mut Pair(&mut o, &mut i), &mut cx);
        let due = dm.next_timer().unwrap();
        assert_eq!(due.nanos_since(cx.now()), 200_000_000);
        assert!(!cx.should_end());
        cx.set_now(due);
        dm.run_timer(&mut o, &mut cx);
        assert!(cx.should_end());
    }

    #[test]
    fn bad_instructions_are_located_errors() {
        let err =
            configure::<DriverManager>("wait_stop x, jump 3, wait", Ports::default()).unwrap_err();
        assert_eq!(err.errors.len(), 3, "{err:?}");
        assert_eq!(err.errors[1].span.start, 13);
    }
}
