//! `ToDevice`: sends frames on a host network device (a TAP or a packet socket).

use super::holding::HoldingSender;
use alloc::format;
use alloc::string::{String, ToString};

use super::device::{attach, DeviceHandle, DeviceKind, DeviceSpec, WriterClaim};
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Word;
use crate::element::{
    Access, ConfigContext, Context, Element, Flow, HandlerContext, HandlerError, HandlerSpec,
    Handlers, Input, Level, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;

/// Send errors reported before ToDevice falls silent.
const COMPLAINTS: u32 = 5;

/// What became of one send.
enum Sent {
    /// The device took the frame.
    Yes,
    /// The device's queue is full (or the device is busy): try again later.
    WouldBlock,
    /// The device refused the frame.
    Failed(std::io::Error),
}

/// Sends frames on a host network device: a TAP or an existing interface.
///
/// # Synopsis
///
/// ```text
/// ToDevice(DEVNAME [, keywords BURST, METHOD, DEBUG])
/// ```
///
/// # Ports
///
/// One input. Up to two outputs: frames sent leave on output 0 and frames the device
/// refused on output 1, if they are connected.
///
/// # Processing
///
/// Input agnostic, outputs push. With a pull input (Click's only kind), ToDevice is a task
/// that pulls and sends up to `BURST` frames each time it runs. With a push input it sends
/// each frame as it arrives.
///
/// # Description
///
/// This is Click's user-level ToDevice. DEVNAME names the device as for FromDevice:
/// `NAME` (or `METHOD LINUX`, or `METHOD PCAP`) is the existing interface NAME, written
/// through a raw `AF_PACKET` socket; `tap:NAME` (or `METHOD TAP`, Sluice's own) is a TAP,
/// created if needed, whose frames reach the host kernel as if from a wire; a bare number
/// is the N-th device given to the program (the N-th `--nic` of `sluice run`). A FromDevice
/// naming the same device shares it. Frames must carry their link-level header already.
///
/// When the device's queue is full, ToDevice keeps the frame and tries it again on its
/// next run before pulling anything else, as Click 2.1 does. A pushed frame that finds
/// ToDevice already holding one is dropped and counted in `drops`. Only one ToDevice may
/// write to a device. Keywords:
///
/// - `BURST` (integer, default 1): most frames pulled and sent per run.
/// - `METHOD` (`LINUX`, `PCAP` or `TAP`): how to open DEVNAME.
/// - `DEBUG` (boolean, default false): report every time the device is full.
///
/// # Example
///
/// ```text
/// FromDevice(tap:sl0) -> Queue -> ToDevice(tap:sl0, BURST 32);
/// ```
///
/// # Handlers
///
/// - `count` (read): frames sent.
/// - `drops` (read): pushed frames dropped because the device was full.
/// - `errors` (read): frames the device refused.
/// - `pulls` (read): pulls on the input.
/// - `q` (read): `true` while ToDevice holds a frame the device could not take.
/// - `debug` (read/write): the DEBUG setting.
/// - `reset_counts` (write): set `count`, `drops`, `errors` and `pulls` to zero.
///
/// # See also
///
/// FromDevice, Queue, ToDump.
pub struct ToDevice {
    name: String,
    spec: DeviceSpec,
    burst: usize,
    debug: bool,
    pull_input: bool,
    outputs: usize,
    device: Option<DeviceHandle>,
    claim: Option<WriterClaim>,
    q: Option<Packet>,
    count: u64,
    drops: u64,
    errors: u64,
    pulls: u64,
    complaints: u32,
}

impl ToDevice {
    fn send(&self, p: &Packet) -> Sent {
        let Some(device) = self.device.as_ref() else {
            return Sent::Failed(std::io::Error::other("device not open"));
        };
        match device.try_with(|d| d.send(p.data())) {
            Some(Ok(true)) => Sent::Yes,
            Some(Ok(false)) | None => Sent::WouldBlock,
            Some(Err(e)) => Sent::Failed(e),
        }
    }

    /// Sends `p`; returns it if the device is full.
    fn transmit_now<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) -> Result<(), Packet> {
        match self.send(&p) {
            Sent::Yes => {
                self.count += 1;
                self.emit(0, p, out, cx);
                Ok(())
            }
            Sent::WouldBlock => {
                if self.debug {
                    cx.log(
                        Level::Info,
                        &self.name,
                        format_args!("{}: device full, holding a frame", self.spec.describe()),
                    );
                }
                Err(p)
            }
            Sent::Failed(e) => {
                self.errors += 1;
                if self.complaints < COMPLAINTS {
                    self.complaints += 1;
                    cx.log(
                        Level::Error,
                        &self.name,
                        format_args!("{}: {e}", self.spec.describe()),
                    );
                }
                self.emit(1, p, out, cx);
                Ok(())
            }
        }
    }

    fn emit<O: Output + ?Sized>(&self, port: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if port < self.outputs {
            out.push(port, p, cx);
        }
    }
}

impl Element for ToDevice {
    const CLASS: &'static str = "ToDevice";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(0, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Push],
    };
    // The input's processing comes from upstream alone: frames never travel on to the
    // outputs the way they would through an agnostic filter.
    const FLOW: Flow = Flow::None;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let devname: String = args.mandatory("DEVNAME");
        let devname_span = args.last_span();
        let debug = args.keyword::<bool>("DEBUG").unwrap_or(false);
        let method = args.keyword::<Word>("METHOD");
        let method_span = args.last_span();
        let burst = args.keyword::<i64>("BURST").unwrap_or(1);
        let burst_span = args.last_span();
        if burst <= 0 {
            args.error(burst_span, "bad BURST");
        }
        let spec = match DeviceSpec::parse(&devname, method.as_ref().map(|w| w.0.as_str())) {
            Ok(spec) => spec,
            Err(message) => {
                let span = if message.starts_with("bad METHOD") {
                    method_span
                } else {
                    devname_span
                };
                args.error(span, message);
                DeviceSpec::new("", DeviceKind::Packet)
            }
        };
        args.finish()?;
        Ok(ToDevice {
            name: cx.name.to_string(),
            spec,
            burst: usize::try_from(burst).unwrap_or(usize::MAX),
            debug,
            pull_input: cx.input_is_pull(0),
            outputs: cx.ports.outputs,
            device: None,
            claim: None,
            q: None,
            count: 0,
            drops: 0,
            errors: 0,
            pulls: 0,
            complaints: 0,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        let device = attach(&self.spec).map_err(|e| format!("{}: {e}", self.spec.describe()))?;
        let claim = device
            .claim_writer()
            .ok_or_else(|| format!("duplicate writer for device '{}'", self.spec.describe()))?;
        self.device = Some(device);
        self.claim = Some(claim);
        Ok(())
    }

    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.push_holding(p, out, cx);
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        self.run_holding(self.burst, self.pull_input, ports, cx)
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.q = None;
        self.claim = None;
        self.device = None;
    }
}

impl HoldingSender for ToDevice {
    fn held(&mut self) -> &mut Option<Packet> {
        &mut self.q
    }

    fn count_drop(&mut self) {
        self.drops += 1;
    }

    fn count_pull(&mut self) {
        self.pulls += 1;
    }

    fn transmit<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) -> Result<(), Packet> {
        self.transmit_now(p, out, cx)
    }
}

impl Handlers for ToDevice {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "frames sent"),
        HandlerSpec::read("drops", "pushed frames dropped because the device was full"),
        HandlerSpec::read("errors", "frames the device refused"),
        HandlerSpec::read("pulls", "pulls on the input"),
        HandlerSpec::read("q", "whether a frame waits for the device"),
        HandlerSpec::read_write("debug", "report every time the device is full"),
        HandlerSpec::write("reset_counts", "set the counters to zero"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "drops" => Ok(self.drops.to_string()),
            "errors" => Ok(self.errors.to_string()),
            "pulls" => Ok(self.pulls.to_string()),
            "q" => Ok(self.q.is_some().to_string()),
            "debug" => Ok(self.debug.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "debug" => {
                self.debug = bool::from_arg(value.trim(), &NoNames)
                    .map_err(|_| HandlerError::BadValue("type mismatch".to_string()))?;
                Ok(())
            }
            "reset_counts" => {
                self.count = 0;
                self.drops = 0;
                self.errors = 0;
                self.pulls = 0;
                Ok(())
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::args::split_args;
    use crate::element::args::Span;
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::{NoLog, Ports};
    use crate::io::device::fake;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 0,
    };

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    /// Configures a ToDevice whose input pulls.
    fn pulled(config: &str, outputs: usize) -> ToDevice {
        let args = split_args(config, 0);
        let reader = Args::new(&args, Span::new(0, config.len()), &NoNames);
        let outputs_pull = alloc::vec![false; outputs];
        let cx = ConfigContext {
            name: "td",
            ports: Ports { inputs: 1, outputs },
            input_pull: &[true],
            output_pull: &outputs_pull,
        };
        ToDevice::configure(reader, &cx).unwrap()
    }

    fn sent(name: &str) -> Vec<Vec<u8>> {
        fake::state(name).lock().unwrap().sent.clone()
    }

    #[test]
    fn configuration() {
        let ok = |c: &str| configure::<ToDevice>(c, PORTS).is_ok();
        assert!(ok("eth0"));
        assert!(ok("tap:sl0, BURST 8, DEBUG true"));
        assert!(ok("sl0, METHOD TAP"));
        assert!(ok("eth0, METHOD LINUX"));
        assert!(ok("1"));
        let err = |c: &str| {
            configure::<ToDevice>(c, PORTS)
                .err()
                .expect("an error")
                .to_string()
        };
        assert!(err("").contains("DEVNAME"));
        assert!(err("eth0, BURST 0").contains("bad BURST"));
        assert!(err("eth0, METHOD DEVBPF").contains("bad METHOD"));
        assert!(
            err("eth0, true").contains("too many"),
            "{}",
            err("eth0, true")
        );
    }

    #[test]
    fn pulls_bursts_and_holds_a_frame_while_the_device_is_full() {
        fake::install();
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut td = pulled("tap:td-pull, BURST 2", 1);
        td.initialize(&mut cx).unwrap();
        let mut feed = Feed::new();
        for i in 0..5u8 {
            feed.add(0, pool.packet(&[i; 20]).unwrap().into());
        }
        let mut out = Collect::new();
        assert!(td.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(sent("td-pull").len(), 2);
        // The device is full for the next two tries: the frame waits, nothing else is
        // pulled, nothing is lost.
        fake::state("td-pull").lock().unwrap().block_sends = 2;
        assert!(!td.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(td.read_handler("q", &hcx()).unwrap(), "true");
        assert!(!td.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(td.read_handler("pulls", &hcx()).unwrap(), "3");
        while td.run_task(&mut Pair(&mut out, &mut feed), &mut cx) {}
        let got = sent("td-pull");
        let want: Vec<Vec<u8>> = (0..5u8).map(|i| alloc::vec![i; 20]).collect();
        assert_eq!(got, want);
        assert_eq!(out.count(0), 5, "sent frames leave on output 0");
        assert_eq!(td.read_handler("count", &hcx()).unwrap(), "5");
        assert_eq!(td.read_handler("q", &hcx()).unwrap(), "false");
        assert_eq!(td.read_handler("drops", &hcx()).unwrap(), "0");
        td.write_handler("reset_counts", "", &hcx()).unwrap();
        assert_eq!(td.read_handler("count", &hcx()).unwrap(), "0");
        td.write_handler("debug", "true", &hcx()).unwrap();
        assert_eq!(td.read_handler("debug", &hcx()).unwrap(), "true");
        assert!(td.write_handler("debug", "maybe", &hcx()).is_err());
        drop(out);
        td.cleanup(&mut cx);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn pushed_frames_are_sent_held_or_dropped() {
        fake::install();
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let two = Ports {
            inputs: 1,
            outputs: 2,
        };
        let mut td: ToDevice = configure("td-push, METHOD TAP", two).unwrap();
        td.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        let p = |b: u8| -> Packet { pool.packet(&[b; 30]).unwrap().into() };
        td.push(0, p(1), &mut out, &mut cx);
        fake::state("td-push").lock().unwrap().block_sends = 3;
        td.push(0, p(2), &mut out, &mut cx); // held
        td.push(0, p(3), &mut out, &mut cx); // dropped: 2 still blocked
        assert_eq!(td.read_handler("drops", &hcx()).unwrap(), "1");
        assert!(!td.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx)); // third block
        assert!(td.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx)); // 2 goes
        td.push(0, p(4), &mut out, &mut cx);
        fake::state("td-push").lock().unwrap().fail_sends = 1;
        td.push(0, p(5), &mut out, &mut cx); // refused: output 1
        let firsts: Vec<u8> = sent("td-push").iter().map(|f| f[0]).collect();
        assert_eq!(firsts, [1, 2, 4]);
        assert_eq!(out.count(0), 3);
        assert_eq!(out.count(1), 1);
        assert_eq!(out.port(1)[0].data()[0], 5);
        assert_eq!(td.read_handler("errors", &hcx()).unwrap(), "1");
        drop(out);
        drop(cx);
        assert!(log.messages[0].1.contains("fake send failure"));
        drop(td);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn one_writer_per_device_and_sharing_with_from_device() {
        fake::install();
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut fd: crate::io::FromDevice = configure(
            "tap:td-share",
            Ports {
                inputs: 0,
                outputs: 1,
            },
        )
        .unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut a: ToDevice = configure("tap:td-share", PORTS).unwrap();
        a.initialize(&mut cx).unwrap();
        assert_eq!(fake::state("td-share").lock().unwrap().opens, 1);
        let mut b: ToDevice = configure("td-share, METHOD TAP", PORTS).unwrap();
        assert_eq!(
            b.initialize(&mut cx).unwrap_err(),
            "duplicate writer for device 'tap:td-share'"
        );
        a.cleanup(&mut cx);
        b.initialize(&mut cx).unwrap();
        let mut n: ToDevice = configure("2", PORTS).unwrap();
        let e = n.initialize(&mut cx).unwrap_err();
        assert!(e.starts_with("device 2: device 2 was not given"), "{e}");
    }
}
