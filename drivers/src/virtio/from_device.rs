//! The guest's `FromDevice`: receives frames from a virtio NIC.

use alloc::format;
use alloc::string::{String, ToString};

use sluice_elements::element::args::{Args, ConfigError};
use sluice_elements::element::handler::missing;
use sluice_elements::element::values::Word;
use sluice_elements::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, PortRange, ProcessingSpec,
};
use sluice_elements::io::received::{mark_ip, packet_type_of};
use sluice_elements::packet::{Batch, Packet, BATCH_CAPACITY};
use sluice_elements::wire::ethernet::EthernetFrame;

use super::net::RxRing;
use super::{device_index, registry};

/// Receives frames from the guest's N-th virtio NIC.
///
/// # Synopsis
///
/// ```text
/// FromDevice(DEVNAME [, PROMISC, SNAPLEN, keywords SNIFFER, FORCE_IP, METHOD, OUTBOUND,
///            PROTOCOL, HEADROOM, BURST, TIMESTAMP, ENCAP, BPF_FILTER])
/// ```
///
/// # Ports
///
/// No inputs. One output; a second output, if connected, receives the frames `FORCE_IP`
/// rejects.
///
/// # Processing
///
/// Push. A task that moves up to `BURST` frames (at least a batch of 32) out of the
/// receive ring each time it runs.
///
/// # Description
///
/// The guest image's FromDevice, with the host's arguments. DEVNAME is `N` or `ethN`: the
/// N-th virtio-net device in the VMM's command-line order. Frames arrive in packet buffers
/// the device wrote directly (no copy); the ring is refilled from the packet pool as frames
/// leave it. The timestamp, packet-type (from the destination address) and device (N)
/// annotations are set as on the host. `FORCE_IP` and `PROTOCOL` work as on the host;
/// `PROMISC`, `SNIFFER`, `METHOD`, `OUTBOUND` and `SNAPLEN` mean nothing to a virtio NIC
/// (it delivers every frame QEMU gives it) and are accepted for compatibility.
///
/// # Handlers
///
/// - `count` (read): frames received.
/// - `reset_counts` (write): set `count` to zero.
/// - `kernel_drops` (read): receive buffers the ring lacked because the pool was empty.
/// - `encap` (read): `ETHER`.
/// - `rx_errors` (read): frames the device returned unusable (shorter than a header).
///
/// # See also
///
/// ToDevice
pub struct FromDevice {
    devname: String,
    index: usize,
    force_ip: bool,
    protocol: u16,
    burst: usize,
    timestamp: bool,
    outputs: usize,
    ring: Option<RxRing>,
    count: u64,
    rejected: u64,
}

impl Element for FromDevice {
    const CLASS: &'static str = "FromDevice";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(0), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let devname: String = args.mandatory("DEVNAME");
        let devname_span = args.last_span();
        let _promisc = args.positional::<bool>("PROMISC");
        let _snaplen = args.positional::<u32>("SNAPLEN");
        let _sniffer = args.keyword::<bool>("SNIFFER");
        let force_ip = args.keyword::<bool>("FORCE_IP").unwrap_or(false);
        let _method = args.keyword::<Word>("METHOD");
        let _capture = args.keyword::<Word>("CAPTURE");
        let bpf_filter = args.keyword::<String>("BPF_FILTER").unwrap_or_default();
        let bpf_span = args.last_span();
        let protocol = args.keyword::<u16>("PROTOCOL").unwrap_or(0);
        let _outbound = args.keyword::<bool>("OUTBOUND");
        let _headroom = args.keyword::<u32>("HEADROOM");
        let encap = args.keyword::<Word>("ENCAP");
        let encap_span = args.last_span();
        let burst = args.keyword::<i64>("BURST").unwrap_or(1);
        let burst_span = args.last_span();
        let timestamp = args.keyword::<bool>("TIMESTAMP").unwrap_or(true);
        if burst <= 0 {
            args.error(burst_span, "BURST out of range");
        }
        if encap.as_ref().is_some_and(|w| w.0 != "ETHER") {
            args.error(
                encap_span,
                "bad encapsulation type (only ETHER is supported)",
            );
        }
        if !bpf_filter.is_empty() {
            args.error(bpf_span, "BPF_FILTER is not supported");
        }
        let index = device_index(&devname).unwrap_or_else(|| {
            args.error(
                devname_span,
                format!("'{devname}' is not a guest device: use N or ethN (the N-th virtio NIC)"),
            );
            0
        });
        args.finish()?;
        Ok(FromDevice {
            devname,
            index,
            force_ip,
            protocol,
            burst: usize::try_from(burst)
                .unwrap_or(usize::MAX)
                .max(BATCH_CAPACITY),
            timestamp,
            outputs: cx.ports.outputs,
            ring: None,
            count: 0,
            rejected: 0,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        self.ring =
            Some(registry::take_rx(self.index).map_err(|e| format!("{}: {e}", self.devname))?);
        Ok(())
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        let Some(ring) = self.ring.as_mut() else {
            return false;
        };
        let mut batch = Batch::new();
        let mut remaining = self.burst;
        let mut worked = false;
        let device = u16::try_from(self.index).ok();
        while remaining > 0 {
            let got = ring.receive(&mut batch, remaining.min(BATCH_CAPACITY));
            if got == 0 {
                break;
            }
            worked = true;
            remaining = remaining.saturating_sub(got);
            let mut out = Batch::new();
            let mut rejects = Batch::new();
            for p in batch.drain() {
                let Ok(mut p) = p.make_unique(cx.pool()) else {
                    continue;
                };
                if self.protocol != 0
                    && EthernetFrame::new_checked(p.data())
                        .map(|f| f.ethertype())
                        .ok()
                        != Some(self.protocol)
                {
                    continue;
                }
                let anno = p.anno_mut();
                anno.device = device;
                if self.timestamp {
                    anno.timestamp = cx.now();
                }
                let packet_type = packet_type_of(p.data());
                p.anno_mut().packet_type = packet_type;
                self.count += 1;
                if self.force_ip && !mark_ip(&mut p) {
                    self.rejected += 1;
                    let _ = rejects.push(Packet::from(p));
                } else {
                    let _ = out.push(Packet::from(p));
                }
            }
            if !out.is_empty() {
                ports.push_batch(0, &mut out, cx);
            }
            if !rejects.is_empty() {
                if self.outputs > 1 {
                    ports.push_batch(1, &mut rejects, cx);
                } else {
                    rejects.clear();
                }
            }
        }
        worked
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        if let Some(ring) = self.ring.take() {
            registry::return_rx(self.index, ring);
        }
    }
}

impl Handlers for FromDevice {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "frames received"),
        HandlerSpec::write("reset_counts", "set count to zero"),
        HandlerSpec::read(
            "kernel_drops",
            "receive buffers missing because the pool was empty",
        ),
        HandlerSpec::read("encap", "the link type"),
        HandlerSpec::read("rx_errors", "unusable frames from the device"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        let stats = registry::stats(self.index);
        match name {
            "count" => Ok(self.count.to_string()),
            "kernel_drops" => Ok(stats.map_or(0, |s| s.rx_no_buffers.get()).to_string()),
            "rx_errors" => Ok(stats.map_or(0, |s| s.rx_errors.get()).to_string()),
            "encap" => Ok("ETHER".to_string()),
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
