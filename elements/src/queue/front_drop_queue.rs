//! `FrontDropQueue`: a packet queue that drops its oldest packet when full.

use alloc::string::String;

use super::storage::{DropEnd, PacketRing, QUEUE_HANDLERS, QUEUE_PORTS, QUEUE_PROCESSING};
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Stores packets in a first-in, first-out queue that drops from the front when full.
///
/// # Synopsis
///
/// ```text
/// FrontDropQueue([CAPACITY])
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Output 1, if present, receives the dropped packets.
///
/// # Processing
///
/// Push input, pull output 0, push output 1 (Click's `h/lh`).
///
/// # Description
///
/// Like Queue, but when a packet arrives at a full queue (`CAPACITY` packets, default
/// 1000) the *oldest* queued packet is dropped to make room, so the queue always holds the
/// newest packets. The dropped packet leaves on output 1 if it exists and is freed
/// otherwise. The first drop logs `overflow` (again after `reset_counts`). With capacity 0
/// every arriving packet is dropped.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> q :: FrontDropQueue(2) -> Discard;
/// // the Discard pulls nothing until the run ends: q holds the last two packets, q.drops is 3
/// ```
///
/// # Handlers
///
/// - `length` (read): packets in the queue now.
/// - `highwater_length` (read): the most packets the queue has held at once.
/// - `capacity` (read/write): the capacity; writing it resizes the queue (keeping the newest packets when it shrinks).
/// - `drops` (read): packets dropped because the queue was full.
/// - `reset_counts` (write): sets `drops` to 0 and `highwater_length` to `length`.
/// - `reset` (write): drops every packet in the queue (Click pushes them out of output 1;
///   a handler here cannot reach an output, so they are freed).
/// - `config` (write): Click's live reconfiguration: `[CAPACITY]` (default 1000),
///   applied as a `capacity` write.
///
/// # See also
///
/// Queue, SimpleQueue.
#[derive(Debug)]
pub struct FrontDropQueue {
    ring: PacketRing,
}

impl FrontDropQueue {
    /// Packets queued now.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if no packet is queued.
    pub fn is_empty(&self) -> bool {
        self.ring.len() == 0
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Packets dropped so far.
    pub fn drops(&self) -> u64 {
        self.ring.drops()
    }

    /// The most packets held at once.
    pub fn highwater_length(&self) -> usize {
        self.ring.highwater_length()
    }
}

impl Element for FrontDropQueue {
    const CLASS: &'static str = "FrontDropQueue";
    const PORTS: PortCount = QUEUE_PORTS;
    const PROCESSING: ProcessingSpec = QUEUE_PROCESSING;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        Ok(FrontDropQueue {
            ring: PacketRing::configure(args, cx, DropEnd::Front)?,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.ring.push(p, out, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        _: &mut I,
        _: &mut Context<'_>,
    ) -> Option<Packet> {
        self.ring.pull()
    }
}

impl Handlers for FrontDropQueue {
    const HANDLERS: &'static [HandlerSpec] = QUEUE_HANDLERS;

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.ring.read_handler(name)
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        self.ring.write_handler(name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::storage::tests as shared;

    use crate::element::testing::{configure, Collect, KeepLog};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn full_queue_drops_its_oldest_packet() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: FrontDropQueue = configure("2", shared::ports(2)).unwrap();
        let mut out = Collect::new();
        shared::push_ids(&mut q, 0..5, &pool, &mut out, &mut cx);
        let dropped: alloc::vec::Vec<u8> = out.port(1).iter().map(|p| p.data()[0]).collect();
        assert_eq!(dropped, [0, 1, 2]);
        assert_eq!((q.len(), q.drops(), q.highwater_length()), (2, 3, 2));
        assert_eq!(shared::drain(&mut q, &mut cx), [3, 4]);
        assert_eq!(log.messages.len(), 1);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn shrinking_keeps_the_newest() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut q: FrontDropQueue = configure("CAPACITY 5", shared::ports(1)).unwrap();
        let mut out = Collect::new();
        shared::push_ids(&mut q, 0..4, &pool, &mut out, &mut cx);
        q.write_handler("capacity", "2", &shared::hcx()).unwrap();
        assert_eq!(q.capacity(), 2);
        assert_eq!(shared::drain(&mut q, &mut cx), [2, 3]);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration() {
        shared::queue_configuration::<FrontDropQueue>();
        shared::config_write_reconfigures::<FrontDropQueue>(1);
    }

    #[test]
    fn capacity_zero_drops_everything() {
        shared::drops_without_output_one::<FrontDropQueue>();
    }
}
