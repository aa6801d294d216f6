//! `FromDevice`: receives frames from a host network device (a TAP or a packet socket).

use alloc::format;
use alloc::string::{String, ToString};

use super::device::{attach, DeviceHandle, DeviceKind, DeviceSpec, HostDevice};
use super::received::{mark_ip, packet_type_of};
use crate::element::args::{Args, ConfigError};
use crate::element::handler::missing;
use crate::element::values::Word;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Level, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::{Batch, WritablePacket, BATCH_CAPACITY};
use crate::wire::ethernet::{EthernetFrame, HEADER_LEN};

/// Click's default SNAPLEN.
const DEFAULT_SNAPLEN: u32 = 2046;
/// Receive errors reported before FromDevice falls silent (Click's `_pcap_complaints`).
const COMPLAINTS: u32 = 5;

/// Receives frames from a host network device: a TAP or an existing interface.
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
/// Push. FromDevice is a task that receives up to `BURST` frames each time it runs.
///
/// # Description
///
/// This is Click's user-level FromDevice. DEVNAME names the device:
///
/// - `NAME` (with no METHOD, `METHOD LINUX` or `METHOD PCAP`): the existing interface NAME,
///   through a raw `AF_PACKET` socket, as Click's `METHOD LINUX` does. Like Click's, it is a
///   sniffer: the host kernel still receives every frame. Sluice has no libpcap, so
///   `METHOD PCAP` captures the same way and `BPF_FILTER` is not supported.
/// - `tap:NAME`, or `NAME` with `METHOD TAP` (Sluice's own method): the TAP device NAME,
///   created through `/dev/net/tun` (and brought up) if it does not exist. FromDevice
///   receives what the host kernel sends on the TAP; ToDevice on the same TAP delivers
///   frames to the host kernel. A TAP Sluice created disappears when the router stops.
/// - a bare number `N`: the N-th device given to the program: the guest's N-th virtio NIC,
///   or on the host the N-th `--nic` of `sluice run` (so `configs/` run on TAPs too).
///
/// Each frame is received straight into a packet buffer, after the headroom. A frame longer
/// than `SNAPLEN` (or than the buffer) is cut, and the bytes cut off become its
/// extra-length annotation. FromDevice sets the timestamp annotation to the time it
/// received the frame, the packet-type annotation (from the kernel for packet sockets;
/// from the destination address otherwise: `BROADCAST`, `MULTICAST` or `HOST`), and the
/// device annotation to the interface's index. FromDevice and ToDevice naming the same
/// device share it, so FromDevice does not receive ToDevice's frames. Keywords:
///
/// - `PROMISC` (boolean, default false): put the interface in promiscuous mode; a failure
///   is a warning, as in Click.
/// - `SNAPLEN` (unsigned, 14 to 65535, default 2046): frames are cut to this length.
/// - `SNIFFER` (boolean, default true): false asks Click to hide the frames from the
///   kernel with firewall rules; Sluice cannot, and warns (a TAP is never sniffed).
/// - `FORCE_IP` (boolean, default false): emit only IPv4 frames, with their network header
///   marked; others go to output 1 (or are dropped).
/// - `METHOD` (`LINUX`, `PCAP` or `TAP`): how to open DEVNAME, above. `CAPTURE` is
///   Click's old name for it.
/// - `OUTBOUND` (boolean, default false): also emit frames the host sends on the interface
///   (packet sockets only).
/// - `PROTOCOL` (integer, default 0): emit only frames of this EtherType (0: all).
/// - `HEADROOM` (unsigned, at most 8190): bytes of headroom before the frame; the default
///   is the packet pool's headroom.
/// - `BURST` (integer, default 1): most frames received per run.
/// - `TIMESTAMP` (boolean, default true): false leaves the timestamp annotation unset.
/// - `ENCAP` (word): only `ETHER` is supported.
/// - `BPF_FILTER` (string): only the empty filter is supported.
///
/// # Example
///
/// ```text
/// FromDevice(tap:sl0, BURST 32) -> c :: Counter -> Discard;
/// ```
///
/// # Handlers
///
/// - `count` (read): frames received.
/// - `reset_counts` (write): set `count` to zero.
/// - `kernel_drops` (read): frames the kernel dropped before FromDevice received them, or
///   `??` if unknown.
/// - `encap` (read): the link type, `ETHER`.
///
/// # See also
///
/// ToDevice, FromDump, ToDump.
pub struct FromDevice {
    name: String,
    spec: DeviceSpec,
    promisc: bool,
    snaplen: usize,
    headroom: Option<usize>,
    sniffer: bool,
    force_ip: bool,
    protocol: u16,
    burst: usize,
    timestamp: bool,
    outputs: usize,
    device: Option<DeviceHandle>,
    count: u64,
    complaints: u32,
}

impl FromDevice {
    /// Receives up to `want` frames into `batch`; bit `i` of the result's second half says
    /// that frame `i` goes to output 1 (FORCE_IP rejected it).
    fn receive(
        &mut self,
        d: &mut dyn HostDevice,
        want: usize,
        batch: &mut Batch,
        cx: &mut Context<'_>,
    ) -> (usize, u32) {
        let pool = *cx.pool();
        let headroom = self.headroom.unwrap_or(pool.headroom());
        let mut reads = 0;
        let mut rejects = 0u32;
        let ifindex = d.ifindex().and_then(|i| u16::try_from(i).ok());
        while reads < want && !batch.is_full() {
            reads += 1;
            let Some(mut slot) = pool.take_slot() else {
                // The pool is empty: leave the frames in the kernel until buffers return.
                break;
            };
            let end = headroom.saturating_add(self.snaplen).min(slot.len());
            let Some(buf) = slot.bytes_mut().get_mut(headroom..end) else {
                break;
            };
            let len = match d.recv(buf) {
                Ok(Some(len)) if len > 0 => len,
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => {
                    self.complain(cx, e);
                    break;
                }
            };
            let stored = len.min(end - headroom);
            let Ok(mut p) = WritablePacket::from_slot(slot, headroom, stored) else {
                continue;
            };
            let ethertype = EthernetFrame::new_checked(p.data())
                .ok()
                .map(|f| f.ethertype());
            if self.protocol != 0 && ethertype != Some(self.protocol) {
                continue;
            }
            let packet_type = d
                .last_packet_type()
                .unwrap_or_else(|| packet_type_of(p.data()));
            let anno = p.anno_mut();
            anno.packet_type = packet_type;
            anno.extra_length = u32::try_from(len - stored).unwrap_or(u32::MAX);
            anno.device = ifindex;
            if self.timestamp {
                anno.timestamp = cx.now();
            }
            self.count += 1;
            if self.force_ip && !mark_ip(&mut p) {
                rejects |= 1 << batch.len();
            }
            if batch.push(p.into()).is_err() {
                break;
            }
        }
        (reads, rejects)
    }

    fn complain(&mut self, cx: &mut Context<'_>, e: std::io::Error) {
        if self.complaints < COMPLAINTS {
            self.complaints += 1;
            cx.log(
                Level::Error,
                &self.name,
                format_args!("{}: receive: {e}", self.spec.describe()),
            );
        }
    }
}

/// Marks the IPv4 header of an Ethernet frame for FORCE_IP; false if the frame is not IPv4.
impl Element for FromDevice {
    const CLASS: &'static str = "FromDevice";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(0), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let devname: String = args.mandatory("DEVNAME");
        let devname_span = args.last_span();
        let promisc = args.positional::<bool>("PROMISC").unwrap_or(false);
        let snaplen = args.positional::<u32>("SNAPLEN");
        let snaplen_span = args.last_span();
        let sniffer = args.keyword::<bool>("SNIFFER").unwrap_or(true);
        let force_ip = args.keyword::<bool>("FORCE_IP").unwrap_or(false);
        let method = args.keyword::<Word>("METHOD");
        let method_span = args.last_span();
        let capture = args.keyword::<Word>("CAPTURE");
        let bpf_filter = args.keyword::<String>("BPF_FILTER").unwrap_or_default();
        let bpf_span = args.last_span();
        let protocol = args.keyword::<u16>("PROTOCOL").unwrap_or(0);
        let outbound = args.keyword::<bool>("OUTBOUND").unwrap_or(false);
        let headroom = args.keyword::<u32>("HEADROOM");
        let headroom_span = args.last_span();
        let encap = args.keyword::<Word>("ENCAP");
        let encap_span = args.last_span();
        let burst = args.keyword::<i64>("BURST").unwrap_or(1);
        let burst_span = args.last_span();
        let timestamp = args.keyword::<bool>("TIMESTAMP").unwrap_or(true);

        let snaplen = snaplen.unwrap_or(DEFAULT_SNAPLEN);
        if !(14..=65535).contains(&snaplen) {
            args.error(snaplen_span, "SNAPLEN out of range");
        }
        if headroom.is_some_and(|h| h > 8190) {
            args.error(headroom_span, "HEADROOM out of range");
        }
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
        let method = method.or(capture);
        let spec = match DeviceSpec::parse(&devname, method.as_ref().map(|w| w.0.as_str())) {
            Ok(mut spec) => {
                spec.outbound = outbound;
                spec
            }
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
        Ok(FromDevice {
            name: cx.name.to_string(),
            spec,
            promisc,
            snaplen: snaplen as usize,
            headroom: headroom.map(|h| h as usize),
            sniffer,
            force_ip,
            protocol,
            burst: usize::try_from(burst).unwrap_or(usize::MAX),
            timestamp,
            outputs: cx.ports.outputs,
            device: None,
            count: 0,
            complaints: 0,
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        let slot = cx.pool().slot_size();
        let headroom = self.headroom.unwrap_or(cx.pool().headroom());
        if headroom + HEADER_LEN > slot {
            return Err(format!(
                "HEADROOM {headroom} leaves no room for a frame in {slot}-byte buffers"
            ));
        }
        let device = attach(&self.spec).map_err(|e| format!("{}: {e}", self.spec.describe()))?;
        if self.promisc {
            if let Err(e) = device.with(|d| d.set_promiscuous(true)) {
                cx.log(
                    Level::Warning,
                    &self.name,
                    format_args!("cannot set promiscuous mode: {e}"),
                );
            }
        }
        if !self.sniffer && self.spec.kind == DeviceKind::Packet {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!(
                    "SNIFFER false is not supported: the kernel still receives the frames"
                ),
            );
        }
        self.device = Some(device);
        Ok(())
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        let Some(device) = self.device.take() else {
            return false;
        };
        let mut remaining = self.burst;
        let mut worked = false;
        let mut batch = Batch::new();
        while remaining > 0 {
            let want = remaining.min(BATCH_CAPACITY);
            // The device is released before anything is pushed, so a ToDevice downstream
            // sharing it can send.
            let Some((reads, rejects)) = device.try_with(|d| self.receive(d, want, &mut batch, cx))
            else {
                break;
            };
            worked |= !batch.is_empty();
            let got = batch.len();
            for (i, p) in batch.drain().enumerate() {
                let port = if rejects & (1 << i) != 0 { 1 } else { 0 };
                if port < self.outputs {
                    ports.push(port, p, cx);
                }
            }
            remaining -= want;
            if reads < want || got < want {
                break;
            }
        }
        self.device = Some(device);
        worked
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.device = None;
    }
}

impl Handlers for FromDevice {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "frames received"),
        HandlerSpec::write("reset_counts", "set count to zero"),
        HandlerSpec::read("kernel_drops", "frames the kernel dropped, or ??"),
        HandlerSpec::read("encap", "the link type"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "kernel_drops" => Ok(self
                .device
                .as_ref()
                .and_then(|d| d.try_with(|d| d.kernel_drops()).flatten())
                .map_or_else(|| "??".to_string(), |n| n.to_string())),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::{NoLog, Ports};
    use crate::io::device::fake;
    use crate::packet::PacketType;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    const PORTS: Ports = Ports {
        inputs: 0,
        outputs: 1,
    };

    fn ipv4_frame(dst: [u8; 6]) -> Vec<u8> {
        let mut f = alloc::vec![0u8; 34];
        f[..6].copy_from_slice(&dst);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        f[12] = 0x08;
        f[14] = 0x45;
        f[16..18].copy_from_slice(&20u16.to_be_bytes());
        f[22] = 64;
        let sum = crate::wire::checksum::checksum(&f[14..34]);
        f[24..26].copy_from_slice(&sum.to_be_bytes());
        f
    }

    fn arp_frame() -> Vec<u8> {
        let mut f = alloc::vec![0xffu8; 42];
        f[12..14].copy_from_slice(&[0x08, 0x06]);
        f
    }

    fn fill(name: &str, frames: &[Vec<u8>]) {
        let state = fake::state(name);
        let mut s = state.lock().unwrap();
        s.rx.extend(frames.iter().cloned());
    }

    #[test]
    fn configuration() {
        let ok = |c: &str| configure::<FromDevice>(c, PORTS).is_ok();
        assert!(ok("eth0"));
        assert!(ok("eth0, true, 100"));
        assert!(ok("tap:sl0, BURST 32, HEADROOM 64, TIMESTAMP false"));
        assert!(ok(
            "sl0, METHOD TAP, SNIFFER false, OUTBOUND true, PROTOCOL 0x0800"
        ));
        assert!(ok("eth0, CAPTURE LINUX, ENCAP ETHER, BPF_FILTER ''"));
        // A device number is a valid configuration; only the host refuses to open it.
        assert!(ok("0"));
        let err = |c: &str| {
            configure::<FromDevice>(c, PORTS)
                .err()
                .expect("an error")
                .to_string()
        };
        assert!(err("").contains("DEVNAME"));
        assert!(err("eth0, SNAPLEN 13").contains("SNAPLEN out of range"));
        assert!(err("eth0, SNAPLEN 65536").contains("SNAPLEN out of range"));
        assert!(err("eth0, HEADROOM 8191").contains("HEADROOM out of range"));
        assert!(err("eth0, BURST 0").contains("BURST out of range"));
        assert!(err("eth0, METHOD NETMAP").contains("bad METHOD"));
        assert!(err("tap:x, METHOD LINUX").contains("names a TAP"));
        assert!(err("eth0, ENCAP IP").contains("encapsulation"));
        assert!(err("eth0, BPF_FILTER 'tcp'").contains("BPF_FILTER"));
        assert!(err("eth0, QUEUE 1").contains("unknown argument"));
        // Every error is reported, each at its argument.
        let e = configure::<FromDevice>("eth0, SNAPLEN 3, BURST -1", PORTS)
            .err()
            .unwrap();
        assert_eq!(e.errors.len(), 2, "{e}");
        assert_eq!(e.errors[0].span.start, 6);
    }

    #[test]
    fn receives_frames_into_buffers_with_annotations() {
        fake::install();
        let unicast = ipv4_frame([2, 0, 0, 0, 0, 1]);
        let multicast = ipv4_frame([1, 0, 0x5e, 0, 0, 1]);
        fill(
            "fd-recv",
            &[
                unicast.clone(),
                arp_frame(),
                multicast.clone(),
                alloc::vec![7u8; 3000],
            ],
        );
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let now = Timestamp::from_parts(1_700_000_000, 5);
        let mut cx = Context::new(now, pool, &mut log);
        let mut fd: FromDevice = configure("tap:fd-recv, BURST 3", PORTS).unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        assert!(fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(out.count(0), 3, "BURST 3 takes three frames");
        assert!(fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert!(!fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        let got = out.port(0);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].data(), &unicast[..]);
        assert_eq!(got[0].anno().packet_type, PacketType::Host);
        assert_eq!(got[0].anno().timestamp, now);
        assert_eq!(got[0].anno().device, Some(7));
        assert_eq!(
            got[0].headroom(),
            pool.headroom(),
            "received after the headroom"
        );
        assert_eq!(got[1].anno().packet_type, PacketType::Broadcast);
        assert_eq!(got[2].anno().packet_type, PacketType::Multicast);
        // Cut to the buffer (smaller than SNAPLEN 2046); the rest is extra length.
        let room = pool.slot_size() - pool.headroom();
        assert_eq!(got[3].len(), room);
        assert_eq!(got[3].anno().extra_length as usize, 3000 - room);
        assert_eq!(fd.read_handler("count", &hcx()).unwrap(), "4");
        assert_eq!(fd.read_handler("kernel_drops", &hcx()).unwrap(), "3");
        assert_eq!(fd.read_handler("encap", &hcx()).unwrap(), "ETHER");
        fd.write_handler("reset_counts", "", &hcx()).unwrap();
        assert_eq!(fd.read_handler("count", &hcx()).unwrap(), "0");
        assert!(fd.write_handler("count", "", &hcx()).is_err());
        drop(out);
        fd.cleanup(&mut cx);
        assert_eq!(pool.in_flight(), 0);
    }

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    #[test]
    fn force_ip_protocol_snaplen_and_kernel_packet_types() {
        fake::install();
        let mut ip = ipv4_frame([2, 0, 0, 0, 0, 1]);
        ip.resize(60, 0);
        fill("fd-force", &[ip.clone(), arp_frame(), ip.clone()]);
        fake::state("fd-force").lock().unwrap().packet_type = Some(PacketType::OtherHost);
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let two = Ports {
            inputs: 0,
            outputs: 2,
        };
        let mut fd: FromDevice = configure(
            "fd-force, true, 40, METHOD TAP, FORCE_IP true, BURST 8",
            two,
        )
        .unwrap();
        fd.initialize(&mut cx).unwrap();
        assert!(fake::state("fd-force").lock().unwrap().promisc);
        let mut out = Collect::new();
        assert!(fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!((out.count(0), out.count(1)), (2, 1));
        let p = &out.port(0)[0];
        assert_eq!(p.data(), &ip[..40]);
        assert_eq!(p.anno().extra_length, 20);
        assert_eq!(p.anno().packet_type, PacketType::OtherHost);
        assert_eq!(p.network_header_offset(), Some(14));
        assert_eq!(out.port(1)[0].data(), &arp_frame()[..40]);
        drop(out);

        // PROTOCOL keeps one EtherType; the others are not counted.
        fill("fd-proto", &[ip.clone(), arp_frame(), ip.clone()]);
        let mut fd: FromDevice = configure(
            "tap:fd-proto, PROTOCOL 0x0806, BURST 8, TIMESTAMP false",
            PORTS,
        )
        .unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!(out.count(0), 1);
        assert_eq!(out.port(0)[0].anno().timestamp, Timestamp::default());
        assert_eq!(fd.read_handler("count", &hcx()).unwrap(), "1");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn bursts_larger_than_a_batch_and_an_empty_pool() {
        fake::install();
        let frames: Vec<Vec<u8>> = (0..100u8).map(|i| alloc::vec![i; 60]).collect();
        fill("fd-big", &frames);
        let pool = Pool::new(PoolConfig::with_slots(40)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut fd: FromDevice = configure("tap:fd-big, BURST 1000", PORTS).unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        assert!(fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        // Collect keeps the packets: the pool (40 slots) runs dry and the rest wait.
        assert_eq!(out.count(0), 40);
        assert_eq!(out.port(0)[39].data(), &[39u8; 60][..]);
        drop(out);
        let mut out = Collect::new();
        fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!(out.count(0), 40);
        assert_eq!(out.port(0)[0].data(), &[40u8; 60][..]);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn device_errors_fail_initialization_with_the_device_named() {
        fake::install();
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        // Numbered devices stand for the ones the program was given (`sluice run --nic`);
        // device 0 is given here, 3 is not.
        super::super::device::set_numbered_devices(alloc::vec![
            super::super::device::DeviceSpec::new("fd-num", DeviceKind::Tap)
        ]);
        let mut fd: FromDevice = configure("0", PORTS).unwrap();
        fd.initialize(&mut cx).unwrap();
        assert_eq!(fake::state("fd-num").lock().unwrap().opens, 1);
        let mut fd: FromDevice = configure("3", PORTS).unwrap();
        let e = fd.initialize(&mut cx).unwrap_err();
        assert!(e.starts_with("device 3: device 3 was not given"), "{e}");
        let mut fd: FromDevice = configure("eth0, HEADROOM 2040", PORTS).unwrap();
        assert!(fd.initialize(&mut cx).unwrap_err().contains("HEADROOM"));
        let mut fd: FromDevice = configure("fd-sniff, SNIFFER false", PORTS).unwrap();
        fd.initialize(&mut cx).unwrap();
        drop(cx);
        assert!(log.messages[0].1.contains("SNIFFER false"));
    }
}
