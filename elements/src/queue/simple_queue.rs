//! `SimpleQueue`: a first-in, first-out packet queue.

use alloc::string::String;

use super::storage::{DropEnd, PacketRing, QUEUE_HANDLERS, QUEUE_PORTS, QUEUE_PROCESSING};
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Stores packets in a first-in, first-out queue.
///
/// # Synopsis
///
/// ```text
/// SimpleQueue([CAPACITY])
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
/// Stores incoming packets in a first-in, first-out queue and hands them out, oldest first,
/// when output 0 is pulled. When the queue already holds `CAPACITY` packets (default
/// 1000) an arriving packet is dropped: it leaves on output 1 if that output exists and is
/// freed otherwise. The first drop logs `overflow` (again after `reset_counts`), except for
/// a queue of capacity 0.
///
/// The queue's memory is reserved when it is configured, so enqueueing never allocates.
/// SimpleQueue does no notification; in Click, Queue adds empty/full notification, and
/// Sluice's schedulers always pull, so the two behave alike here.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> q :: SimpleQueue(2) -> Unqueue -> Discard;
/// // q.drops stays 0 when Unqueue keeps up; q.capacity is 2
/// ```
///
/// # Handlers
///
/// - `length` (read): packets in the queue now.
/// - `highwater_length` (read): the most packets the queue has held at once.
/// - `capacity` (read/write): the capacity; writing it resizes the queue (keeping the oldest packets when it shrinks).
/// - `drops` (read): packets dropped because the queue was full.
/// - `reset_counts` (write): sets `drops` to 0 and `highwater_length` to `length`.
/// - `reset` (write): drops every packet in the queue (Click pushes them out of output 1;
///   a handler here cannot reach an output, so they are freed).
/// - `config` (write): Click's live reconfiguration: `[CAPACITY]` (default 1000),
///   applied as a `capacity` write.
///
/// # See also
///
/// Queue, FrontDropQueue, Unqueue.
#[derive(Debug)]
pub struct SimpleQueue {
    ring: PacketRing,
}

impl SimpleQueue {
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

impl Element for SimpleQueue {
    const CLASS: &'static str = "SimpleQueue";
    const PORTS: PortCount = QUEUE_PORTS;
    const PROCESSING: ProcessingSpec = QUEUE_PROCESSING;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        Ok(SimpleQueue {
            ring: PacketRing::configure(args, cx, DropEnd::Tail)?,
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

impl Handlers for SimpleQueue {
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

    #[test]
    fn queues_drops_at_the_tail_and_serves_handlers() {
        shared::tail_drop_queue_behaves::<SimpleQueue>();
    }

    #[test]
    fn configuration() {
        shared::queue_configuration::<SimpleQueue>();
        shared::config_write_reconfigures::<SimpleQueue>(0);
    }

    #[test]
    fn drops_are_freed_without_output_one() {
        shared::drops_without_output_one::<SimpleQueue>();
    }
}
