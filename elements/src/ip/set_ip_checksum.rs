//! `SetIPChecksum`: recomputes the IPv4 header checksum.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError};
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Level, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ipv4::{Ipv4Packet, HEADER_LEN};

/// Sets the IP header checksum.
///
/// # Synopsis
///
/// ```text
/// SetIPChecksum
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic.
///
/// # Description
///
/// Computes the header checksum of the IP header at the network header mark (or at the
/// start of the data if none is marked), over the IHL the header states, and stores it.
/// A packet too short for a 20-byte header, with an IHL below 5, or shorter than its IHL
/// is dropped; the first such drop is reported as `SetIPChecksum: bad input packet`.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> MarkIPHeader -> SetIPChecksum -> Discard;
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets dropped as malformed.
///
/// # See also
///
/// CheckIPHeader, MarkIPHeader, SetTCPChecksum, SetUDPChecksum.
#[derive(Debug)]
pub struct SetIPChecksum {
    name: String,
    drops: u64,
}

impl SetIPChecksum {
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let fixed = {
            let data = match q.network_header_offset() {
                Some(_) => q.network_header_mut(),
                None => Some(q.data_mut()),
            };
            match data {
                Some(d) if d.len() >= HEADER_LEN => {
                    let hlen = usize::from(d[0] & 0x0f) * 4;
                    if hlen >= HEADER_LEN && hlen <= d.len() {
                        Ipv4Packet::new_unchecked(&mut d[..hlen]).fill_checksum();
                        true
                    } else {
                        false
                    }
                }
                _ => false,
            }
        };
        if fixed {
            return Some(q.into());
        }
        self.drops += 1;
        if self.drops == 1 {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("SetIPChecksum: bad input packet"),
            );
        }
        None
    }
}

impl Element for SetIPChecksum {
    const CLASS: &'static str = "SetIPChecksum";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(SetIPChecksum {
            name: cx.name.to_string(),
            drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = self.action(p, cx) {
            out.push(0, p, cx);
        }
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.action(p, cx)
    }
}

impl Handlers for SetIPChecksum {
    const HANDLERS: &'static [HandlerSpec] =
        &[HandlerSpec::read("drops", "packets dropped as malformed")];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_ip_header::tests::hex;
    use super::*;
    use crate::element::testing::{configure, Collect, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn fixes_bad_checksums_at_the_mark_or_the_start() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut e: SetIPChecksum = configure("", P).unwrap();
        // Corpus case 12's frame with checksum 0x0bad; Click's out-fixed has 0x8e75.
        let bad = hex("450000200006000040110badc000020ac633641400060035000c052d00070e15");
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            e.push(0, pool.packet(&bad).unwrap().into(), &mut out, &mut cx);
            let mut framed = alloc::vec![0u8; 4];
            framed.extend(&bad);
            let mut p: Packet = pool.packet(&framed).unwrap().into();
            p.set_network_header(4, 20).unwrap();
            e.push(0, p, &mut out, &mut cx);
            assert_eq!(&out.port(0)[0].data()[10..12], &[0x8e, 0x75]);
            assert_eq!(&out.port(0)[1].data()[14..16], &[0x8e, 0x75]);
            assert_eq!(&out.port(0)[1].data()[..4], &[0; 4]);
            // Malformed: short, IHL 4, IHL beyond the data.
            for b in [&bad[..19], &[0x44; 20][..], &[0x4f; 40][..]] {
                e.push(0, pool.packet(b).unwrap().into(), &mut out, &mut cx);
            }
            assert_eq!(out.total(), 2);
        }
        assert_eq!(log.messages.len(), 1);
        assert_eq!(log.messages[0].1, "e: SetIPChecksum: bad input packet");
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "3");
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<SetIPChecksum>("1", P).is_err());
    }
}
