//! The guest's `ToDevice`: sends frames on a virtio NIC.

use alloc::format;
use alloc::string::{String, ToString};

use sluice_elements::element::args::{Args, ConfigError};
use sluice_elements::element::handler::missing;
use sluice_elements::element::values::Word;
use sluice_elements::element::{
    Access, ConfigContext, Context, Element, Flow, HandlerContext, HandlerError, HandlerSpec,
    Handlers, Input, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use sluice_elements::io::holding::HoldingSender;
use sluice_elements::packet::Packet;

use super::net::TxRing;
use super::{device_index, registry};

/// Sends frames on the guest's N-th virtio NIC.
///
/// # Synopsis
///
/// ```text
/// ToDevice(DEVNAME [, keywords BURST, METHOD, DEBUG])
/// ```
///
/// # Ports
///
/// One input. Up to two outputs: frames sent leave on output 0 (sharing the buffer the
/// device reads) and frames refused on output 1, if they are connected.
///
/// # Processing
///
/// Input agnostic, outputs push. With a pull input, a task that pulls and sends up to
/// `BURST` frames (at least 32) each time it runs; with a push input it sends each frame
/// as it arrives.
///
/// # Description
///
/// The guest image's ToDevice, with the host's arguments. DEVNAME is `N` or `ethN`: the
/// N-th virtio-net device in the VMM's command-line order. Frames are handed to the device
/// as they are, without a copy, and their buffers return to the pool when the device has
/// sent them. The device is notified once per run (and every 32 frames), not per frame.
/// When the transmit ring is full, ToDevice keeps the frame and retries it first on its next
/// run; a pushed frame that finds one already waiting is dropped and counted in `drops`.
/// `METHOD` is accepted for compatibility.
///
/// # Handlers
///
/// - `count` (read): frames sent.
/// - `drops` (read): pushed frames dropped because the ring was full.
/// - `errors` (read): frames refused (empty).
/// - `pulls` (read): pulls on the input.
/// - `q` (read): whether a frame waits for the ring.
/// - `ring_full` (read): times a frame found the ring full.
/// - `notifies` (read): device notifications on this NIC (each a VM exit).
/// - `reset_counts` (write): set the counters to zero.
///
/// # See also
///
/// FromDevice
pub struct ToDevice {
    devname: String,
    index: usize,
    burst: usize,
    pull_input: bool,
    outputs: usize,
    ring: Option<TxRing>,
    q: Option<Packet>,
    /// Frames sent since the task last ran: while frames keep coming, the device is
    /// notified every 32 (by the ring); when a run finds none new, at once.
    sent_since_run: u64,
    count: u64,
    drops: u64,
    pulls: u64,
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
        let Some(ring) = self.ring.as_mut() else {
            return Err(p);
        };
        self.sent_since_run += 1;
        if self.outputs > 0 {
            let (sent, copy) = p.share();
            // A refused frame comes back as the copy's twin: drop the twin, return one.
            if let Err(sent) = ring.send(sent) {
                drop(sent);
                return Err(copy);
            }
            self.count += 1;
            out.push(0, copy, cx);
            return Ok(());
        }
        ring.send(p)?;
        self.count += 1;
        Ok(())
    }
}

impl Element for ToDevice {
    const CLASS: &'static str = "ToDevice";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(0, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Push],
    };
    const FLOW: Flow = Flow::None;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let devname: String = args.mandatory("DEVNAME");
        let devname_span = args.last_span();
        let _debug = args.keyword::<bool>("DEBUG");
        let _method = args.keyword::<Word>("METHOD");
        let burst = args.keyword::<i64>("BURST").unwrap_or(1);
        let burst_span = args.last_span();
        if burst <= 0 {
            args.error(burst_span, "bad BURST");
        }
        let index = device_index(&devname).unwrap_or_else(|| {
            args.error(
                devname_span,
                format!("'{devname}' is not a guest device: use N or ethN (the N-th virtio NIC)"),
            );
            0
        });
        args.finish()?;
        Ok(ToDevice {
            devname,
            index,
            burst: usize::try_from(burst).unwrap_or(usize::MAX).max(32),
            pull_input: cx.input_is_pull(0),
            outputs: cx.ports.outputs,
            ring: None,
            q: None,
            sent_since_run: 0,
            count: 0,
            drops: 0,
            pulls: 0,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        self.ring =
            Some(registry::take_tx(self.index).map_err(|e| format!("{}: {e}", self.devname))?);
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
        let worked = self.run_holding(self.burst, self.pull_input, ports, cx);
        // Notify the device when the input went quiet (latency: one round) or when a
        // pull burst ended; while pushes keep coming, the ring notifies every 32 frames.
        let quiet = self.sent_since_run == 0;
        self.sent_since_run = 0;
        if let Some(ring) = self.ring.as_mut() {
            if quiet || self.pull_input {
                ring.flush();
            }
        }
        worked
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.q = None;
        if let Some(mut ring) = self.ring.take() {
            ring.flush();
            registry::return_tx(self.index, ring);
        }
    }
}

impl Handlers for ToDevice {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "frames sent"),
        HandlerSpec::read("drops", "pushed frames dropped because the ring was full"),
        HandlerSpec::read("errors", "frames refused"),
        HandlerSpec::read("pulls", "pulls on the input"),
        HandlerSpec::read("q", "whether a frame waits for the ring"),
        HandlerSpec::read("ring_full", "times a frame found the ring full"),
        HandlerSpec::read("notifies", "device notifications on this NIC"),
        HandlerSpec::write("reset_counts", "set the counters to zero"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        let stats = registry::stats(self.index);
        match name {
            "count" => Ok(self.count.to_string()),
            "drops" => Ok(self.drops.to_string()),
            "errors" => Ok(stats.as_ref().map_or(0, |s| s.tx_errors.get()).to_string()),
            "pulls" => Ok(self.pulls.to_string()),
            "q" => Ok(self.q.is_some().to_string()),
            "ring_full" => Ok(stats
                .as_ref()
                .map_or(0, |s| s.tx_ring_full.get())
                .to_string()),
            "notifies" => Ok(stats.as_ref().map_or(0, |s| s.notifies.get()).to_string()),
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
        _: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                self.drops = 0;
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
