//! The bounded packet ring behind Click's queues (SimpleQueue, Queue, FrontDropQueue): Click's
//! `Storage` together with SimpleQueue's counters, overflow rule and handlers, so the three
//! classes differ only in what they do when full.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{split_args, Args, ConfigError, FromArg, NoNames, Span};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, HandlerError, HandlerSpec, Level, Output, PortCount, PortRange,
    Processing, ProcessingSpec,
};
use crate::packet::Packet;

/// Click's default queue capacity.
pub(crate) const DEFAULT_CAPACITY: u32 = 1000;

/// `"1/1-2"`: packets in, packets pulled out of output 0, drops pushed out of output 1.
pub(crate) const QUEUE_PORTS: PortCount =
    PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));

/// `"h/lh"`: push input, pull output 0, push output 1 (the drops).
pub(crate) const QUEUE_PROCESSING: ProcessingSpec = ProcessingSpec {
    inputs: &[Processing::Push],
    outputs: &[Processing::Pull, Processing::Push],
};

/// The handlers every queue class has, in Click's order.
pub(crate) const QUEUE_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("length", "packets in the queue now"),
    HandlerSpec::read(
        "highwater_length",
        "most packets the queue has held at once",
    ),
    HandlerSpec::read_write("capacity", "the queue's capacity (CAPACITY)"),
    HandlerSpec::read("drops", "packets dropped because the queue was full"),
    HandlerSpec::write(
        "reset_counts",
        "zero drops; highwater_length becomes length",
    ),
    HandlerSpec::write("reset", "drop every packet in the queue"),
    HandlerSpec::read_write("config", "[CAPACITY] (write: reconfigure, as capacity)"),
];

/// Which end a full queue drops from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropEnd {
    /// Drop the arriving packet (SimpleQueue, Queue).
    Tail,
    /// Drop the oldest packet to make room (FrontDropQueue).
    Front,
}

/// A FIFO of at most `capacity` packets whose memory is reserved when it is configured (or
/// resized through the `capacity` handler), so enqueueing never allocates.
#[derive(Debug)]
pub(crate) struct PacketRing {
    q: VecDeque<Packet>,
    capacity: usize,
    highwater: usize,
    drops: u64,
    outputs: usize,
    end: DropEnd,
    name: String,
}

/// Reserves room for exactly `capacity` packets, or says why not (Click: "out of memory").
fn reserve(q: &mut VecDeque<Packet>, capacity: usize) -> Result<(), String> {
    let more = capacity.saturating_sub(q.len());
    q.try_reserve_exact(more)
        .map_err(|_| String::from("out of memory"))
}

impl PacketRing {
    /// Reads `[CAPACITY]` as Click's queues do and reserves the ring.
    pub(crate) fn configure(
        mut args: Args<'_>,
        cx: &ConfigContext<'_>,
        end: DropEnd,
    ) -> Result<Self, ConfigError> {
        let capacity = args
            .positional::<u32>("CAPACITY")
            .unwrap_or(DEFAULT_CAPACITY);
        let span = args.last_span();
        let mut q = VecDeque::new();
        if let Err(why) = reserve(&mut q, capacity as usize) {
            args.error(span, format!("CAPACITY {capacity}: {why}"));
        }
        args.finish()?;
        Ok(PacketRing {
            q,
            capacity: capacity as usize,
            highwater: 0,
            drops: 0,
            outputs: cx.ports.outputs,
            end,
            name: String::from(cx.name),
        })
    }

    /// Packets queued now.
    pub(crate) fn len(&self) -> usize {
        self.q.len()
    }

    /// The capacity.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Packets dropped so far.
    pub(crate) fn drops(&self) -> u64 {
        self.drops
    }

    /// The most packets held at once.
    pub(crate) fn highwater_length(&self) -> usize {
        self.highwater
    }

    /// Enqueues `p`; when full, drops according to the class, sending the dropped packet
    /// out of output 1 if it exists (Click's `checked_output_push(1, p)`).
    #[inline]
    pub(crate) fn push<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        if self.q.len() < self.capacity {
            self.q.push_back(p);
            self.highwater = self.highwater.max(self.q.len());
            return;
        }
        // Click chatters on the first drop only (again after `reset_counts`), and never for
        // a queue of capacity 0.
        if self.drops == 0 && self.capacity > 0 {
            cx.log(Level::Warning, &self.name, format_args!("overflow"));
        }
        self.drops += 1;
        let dropped = match self.end {
            DropEnd::Tail => p,
            DropEnd::Front => match self.q.pop_front() {
                Some(oldest) => {
                    self.q.push_back(p);
                    oldest
                }
                // Capacity 0: nothing to make room with; the arrival is the drop.
                None => p,
            },
        };
        if self.outputs > 1 {
            out.push(1, dropped, cx);
        }
    }

    /// Dequeues the oldest packet.
    #[inline]
    pub(crate) fn pull(&mut self) -> Option<Packet> {
        self.q.pop_front()
    }

    /// Changes the capacity (Click's live reconfiguration): a tail-drop queue keeps its
    /// oldest packets, a front-drop queue its newest; the rest are dropped.
    fn set_capacity(&mut self, capacity: usize) -> Result<(), String> {
        if capacity < self.q.len() {
            match self.end {
                DropEnd::Tail => self.q.truncate(capacity),
                DropEnd::Front => {
                    let extra = self.q.len() - capacity;
                    self.q.drain(..extra);
                }
            }
            self.q.shrink_to(capacity);
        } else {
            reserve(&mut self.q, capacity)?;
        }
        self.capacity = capacity;
        Ok(())
    }

    /// Reads a queue handler in Click's format.
    pub(crate) fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "length" => self.q.len().to_string(),
            "highwater_length" => self.highwater.to_string(),
            "capacity" => self.capacity.to_string(),
            "drops" => self.drops.to_string(),
            _ => {
                return Err(missing(
                    QUEUE_HANDLERS,
                    name,
                    Access::readable,
                    HandlerError::NotReadable,
                ))
            }
        })
    }

    /// Writes a queue handler. `reset` drops the queued packets: Click pushes them out of
    /// output 1, which a handler here cannot reach.
    pub(crate) fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "capacity" => {
                let capacity = <u32 as FromArg>::from_arg(value.trim(), &NoNames)
                    .map_err(|why| HandlerError::BadValue(format!("CAPACITY: {why}")))?;
                self.set_capacity(capacity as usize)
                    .map_err(HandlerError::BadValue)
            }
            // Click's SimpleQueue::live_reconfigure: the configuration is `[CAPACITY]`, so an
            // empty one means the default; the ring is resized as a `capacity` write does.
            "config" => {
                let args = split_args(value, 0);
                let mut reader = Args::new(
                    &args,
                    Span {
                        start: 0,
                        end: value.len(),
                    },
                    &NoNames,
                );
                let capacity = reader
                    .positional::<u32>("CAPACITY")
                    .unwrap_or(DEFAULT_CAPACITY);
                reader
                    .finish()
                    .map_err(|e| HandlerError::BadValue(e.to_string()))?;
                self.set_capacity(capacity as usize)
                    .map_err(HandlerError::BadValue)
            }
            "reset_counts" => {
                self.drops = 0;
                self.highwater = self.q.len();
                Ok(())
            }
            "reset" => {
                self.q.clear();
                Ok(())
            }
            _ => Err(missing(
                QUEUE_HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

/// Shared unit tests for the three queue classes, run through each class's `Element` impl.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::{Element, HandlerContext, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    pub(crate) fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    pub(crate) fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    /// Pushes packets `[i]` for each `i` in `ids`.
    pub(crate) fn push_ids<E: Element>(
        e: &mut E,
        ids: core::ops::Range<u8>,
        pool: &Pool,
        out: &mut Collect,
        cx: &mut Context<'_>,
    ) {
        for i in ids {
            e.push(0, pool.packet(&[i]).unwrap().into(), out, cx);
        }
    }

    /// Pulls everything, returning the first byte of each packet.
    pub(crate) fn drain<E: Element>(e: &mut E, cx: &mut Context<'_>) -> Vec<u8> {
        let mut feed = Feed::new();
        let mut got = Vec::new();
        while let Some(p) = e.pull(0, &mut feed, cx) {
            got.push(p.data()[0]);
        }
        got
    }

    /// The behaviour SimpleQueue and Queue share: tail drop, counters, handlers.
    pub(crate) fn tail_drop_queue_behaves<E: Element>() {
        let pool = Pool::new(PoolConfig::with_slots(32)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: E = configure("3", ports(2)).unwrap();
        let mut out = Collect::new();
        push_ids(&mut q, 0..5, &pool, &mut out, &mut cx);
        // Packets 3 and 4 found the queue full and left on output 1.
        assert_eq!(out.count(1), 2);
        assert_eq!(out.port(1)[0].data(), &[3]);
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "3");
        assert_eq!(q.read_handler("drops", &hcx()).unwrap(), "2");
        assert_eq!(q.read_handler("highwater_length", &hcx()).unwrap(), "3");
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "3");
        assert_eq!(drain(&mut q, &mut cx), [0, 1, 2]);
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "0");
        // Only the first drop is reported.
        assert_eq!(log.messages.len(), 1);
        assert!(
            log.messages[0].1.ends_with("overflow"),
            "{:?}",
            log.messages
        );

        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        push_ids(&mut q, 10..12, &pool, &mut out, &mut cx);
        q.write_handler("reset_counts", "", &hcx()).unwrap();
        assert_eq!(q.read_handler("drops", &hcx()).unwrap(), "0");
        assert_eq!(q.read_handler("highwater_length", &hcx()).unwrap(), "2");
        // Shrinking keeps the oldest packets.
        q.write_handler("capacity", "1", &hcx()).unwrap();
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "1");
        assert_eq!(drain(&mut q, &mut cx), [10]);
        assert!(q.write_handler("capacity", "-1", &hcx()).is_err());
        assert!(q.write_handler("capacity", "x", &hcx()).is_err());
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "1");
        push_ids(&mut q, 20..21, &pool, &mut out, &mut cx);
        q.write_handler("reset", "", &hcx()).unwrap();
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "0");
        assert_eq!(
            q.read_handler("reset", &hcx()),
            Err(HandlerError::NotReadable)
        );
        assert_eq!(
            q.write_handler("length", "3", &hcx()),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(
            q.read_handler("bogus", &hcx()),
            Err(HandlerError::NoSuchHandler)
        );
        drop((out, q));
        assert_eq!(pool.in_flight(), 0);
    }

    /// Configuration rules shared by all queue classes.
    pub(crate) fn queue_configuration<E: Element + core::fmt::Debug>() {
        let q: E = configure("", ports(1)).unwrap();
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "1000");
        let q: E = configure("CAPACITY 7", ports(1)).unwrap();
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "7");
        for bad in ["-1", "ten", "1, 2", "LIMIT 3", "99999999999"] {
            let err = configure::<E>(bad, ports(1)).unwrap_err();
            assert!(!err.errors.is_empty(), "{bad}");
        }
    }

    /// Click's live reconfiguration through `config`: `[CAPACITY]`, empty for the default;
    /// the queued packets stay (`kept` is the one left when it shrinks to one: the oldest,
    /// or the newest for FrontDropQueue); a bad value changes nothing.
    pub(crate) fn config_write_reconfigures<E: Element>(kept: u8) {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: E = configure("2", ports(1)).unwrap();
        let mut out = Collect::new();
        push_ids(&mut q, 0..2, &pool, &mut out, &mut cx);
        q.write_handler("config", "CAPACITY 5", &hcx()).unwrap();
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "5");
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "2");
        q.write_handler("config", "", &hcx()).unwrap();
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "1000");
        for bad in ["-1", "ten", "1, 2", "LIMIT 3", "99999999999"] {
            assert!(
                matches!(
                    q.write_handler("config", bad, &hcx()),
                    Err(HandlerError::BadValue(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(q.read_handler("capacity", &hcx()).unwrap(), "1000");
        q.write_handler("config", "1", &hcx()).unwrap();
        assert_eq!(q.read_handler("length", &hcx()).unwrap(), "1");
        assert_eq!(drain(&mut q, &mut cx), [kept]);
        drop((out, q));
        assert_eq!(pool.in_flight(), 0);
    }

    /// Without output 1 drops are freed; with capacity 0 every packet is a silent drop.
    pub(crate) fn drops_without_output_one<E: Element>() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: E = configure("0", ports(1)).unwrap();
        let mut out = Collect::new();
        push_ids(&mut q, 0..3, &pool, &mut out, &mut cx);
        assert_eq!(out.total(), 0);
        assert_eq!(q.read_handler("drops", &hcx()).unwrap(), "3");
        assert!(drain(&mut q, &mut cx).is_empty());
        assert_eq!(pool.in_flight(), 0);
        assert!(log.messages.is_empty());
    }

    proptest::proptest! {
        /// Any mix of pushes, pulls and resizes keeps the queue within its capacity, keeps
        /// FIFO order among survivors, and leaks nothing.
        #[test]
        fn random_operations_keep_the_invariants(
            ops in proptest::collection::vec((0u8..4, 0u32..6), 0..200),
            front in proptest::bool::ANY,
        ) {
            let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
            let mut log = KeepLog::default();
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let input = [false];
            let output = [false, false];
            let ccx = ConfigContext { name: "q", ports: ports(2), input_pull: &input, output_pull: &output };
            let args = crate::element::args::split_args("3", 0);
            let reader = Args::new(&args, crate::element::args::Span { start: 0, end: 1 }, &NoNames);
            let end = if front { DropEnd::Front } else { DropEnd::Tail };
            let mut ring = PacketRing::configure(reader, &ccx, end).unwrap();
            let mut out = Collect::new();
            let mut next = 0u8;
            let mut last_pulled: Option<u8> = None;
            for (op, arg) in ops {
                match op {
                    0 | 1 => {
                        if let Some(p) = pool.packet(&[next]) {
                            ring.push(p.into(), &mut out, &mut cx);
                            next = next.wrapping_add(1);
                        }
                    }
                    2 => {
                        if let Some(p) = ring.pull() {
                            let id = p.data()[0];
                            if let Some(prev) = last_pulled {
                                proptest::prop_assert!(id.wrapping_sub(prev) < 128);
                            }
                            last_pulled = Some(id);
                        }
                    }
                    _ => ring.write_handler("capacity", &alloc::format!("{arg}")).unwrap(),
                }
                proptest::prop_assert!(ring.len() <= ring.capacity());
                out.ports.clear();
            }
            drop((ring, out));
            proptest::prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
