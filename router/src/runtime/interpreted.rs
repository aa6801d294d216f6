//! The interpreter's graph: elements behind dynamic dispatch, connected by lookup tables.
//!
//! Elements sit in `RefCell`s and are reached through [`Wires`], which implements both
//! `Output` and `Input` for one element.
//!
//! An element that nothing it calls can call back (no push or pull cycle passes through it
//! or anything it reaches: [`Calls::split`]) pushes by calling the next element at once,
//! as Click's push does. Any other element's pushes are not delivered during its call: they
//! are collected, and once the element returns (and is released) each packet it pushed is
//! delivered in order, depth first. Both give Click's order (a Tee's first copy travels its
//! whole path before the second leaves), and because an element on a cycle is not held
//! while its outputs travel, a packet that comes back round the cycle (an ICMP error
//! re-entering the route table) is processed at once, as Click's recursive push would. A
//! pull is a direct call.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use sluice_elements::element::{Context, DynElement, HandlerContext, HandlerError, Input, Output};
use sluice_elements::packet::{Batch, Packet, Timestamp};

use super::driver::{Clock, Driver, Graph};
use super::handlers::RouterInfo;
use crate::graph::calls::Calls;
use crate::instantiate::Instance;

/// A packet an element pushed, on its way to `element`'s input `port`.
struct Hop {
    element: usize,
    port: usize,
    packet: Packet,
}

/// The interpreter's element store and wiring.
pub struct Interpreted {
    elements: Vec<RefCell<Box<dyn DynElement>>>,
    /// Per element, per output: the input it feeds.
    outputs: Vec<Vec<Option<(usize, usize)>>>,
    /// Per element, per input: the output it pulls from.
    inputs: Vec<Vec<Option<(usize, usize)>>>,
    tasks: Vec<usize>,
    /// Per element, true if its pushes are delivered at once (see the module docs).
    direct: Vec<bool>,
    /// Direct deliveries under way, one inside the other.
    depth: Cell<usize>,
    /// Packets pushed by elements still to be delivered, as a stack of frames: each
    /// delivery owns the entries pushed during its element's call (see `deliver`).
    pending: RefCell<Vec<Option<Hop>>>,
}

/// Direct deliveries nested deeper than this are collected instead, so a very long chain of
/// elements cannot exhaust the stack (each element's whole call decides once, so the order
/// stays the same).
const MAX_DIRECT_DEPTH: usize = 64;

/// One element's view of its neighbours: its outputs (push) and its inputs (pull).
pub struct Wires<'r> {
    graph: &'r Interpreted,
    from: usize,
    /// Deliver pushes at once rather than after the element returns.
    direct: bool,
}

impl<'r> Wires<'r> {
    fn new(graph: &'r Interpreted, from: usize) -> Self {
        let direct = graph.direct.get(from).copied().unwrap_or(false)
            && graph.depth.get() < MAX_DIRECT_DEPTH;
        Wires {
            graph,
            from,
            direct,
        }
    }
}

impl Output for Wires<'_> {
    fn push(&mut self, port: usize, p: Packet, cx: &mut Context<'_>) {
        // An unconnected output (the checker allows none, so a port beyond the element's
        // count) drops the packet.
        if let Some(&Some((to, in_port))) = self.graph.outputs[self.from].get(port) {
            if self.direct {
                self.graph.deliver_to(to, in_port, p, cx);
            } else {
                self.graph.pending.borrow_mut().push(Some(Hop {
                    element: to,
                    port: in_port,
                    packet: p,
                }));
            }
        }
    }

    fn push_batch(&mut self, port: usize, batch: &mut Batch, cx: &mut Context<'_>) {
        match self.graph.outputs[self.from].get(port) {
            Some(&Some((to, in_port))) if self.direct => {
                for p in batch.drain() {
                    self.graph.deliver_to(to, in_port, p, cx);
                }
            }
            Some(&Some((to, in_port))) => {
                let mut pending = self.graph.pending.borrow_mut();
                for p in batch.drain() {
                    pending.push(Some(Hop {
                        element: to,
                        port: in_port,
                        packet: p,
                    }));
                }
            }
            _ => batch.clear(),
        }
    }
}

impl Input for Wires<'_> {
    fn pull(&mut self, port: usize, cx: &mut Context<'_>) -> Option<Packet> {
        let &Some((from, out_port)) = self.graph.inputs[self.from].get(port)? else {
            return None;
        };
        // A pull cycle has no packet to give: the element is already pulling.
        let mut e = self.graph.elements[from].try_borrow_mut().ok()?;
        let mut wires = Wires::new(self.graph, from);
        e.pull(out_port, &mut wires, cx)
    }
}

impl Interpreted {
    /// Wires up a configured instance's elements.
    pub fn new(
        elements: Vec<Box<dyn DynElement>>,
        info: &RouterInfo,
        output_pull: &[Vec<bool>],
    ) -> Interpreted {
        let n = elements.len();
        let mut outputs: Vec<Vec<Option<(usize, usize)>>> =
            info.ports.iter().map(|&(_, o)| vec![None; o]).collect();
        let mut inputs: Vec<Vec<Option<(usize, usize)>>> =
            info.ports.iter().map(|&(i, _)| vec![None; i]).collect();
        for c in &info.flat.connections {
            let (f, fp, t, tp) = (
                c.from.element,
                c.from.port as usize,
                c.to.element,
                c.to.port as usize,
            );
            if f >= n || t >= n {
                continue;
            }
            if let Some(slot) = outputs[f].get_mut(fp) {
                *slot = Some((t, tp));
            }
            if let Some(slot) = inputs[t].get_mut(tp) {
                *slot = Some((f, fp));
            }
        }
        let tasks = info
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.task)
            .map(|(i, _)| i)
            .collect();
        let direct = Calls::of(&info.flat, output_pull).split;
        Interpreted {
            elements: elements.into_iter().map(RefCell::new).collect(),
            outputs,
            inputs,
            tasks,
            direct,
            depth: Cell::new(0),
            pending: RefCell::new(Vec::new()),
        }
    }

    /// Delivers one pushed packet: the element runs with its outputs collected, is
    /// released, and then each packet it pushed is delivered in order, depth first.
    fn deliver(&self, hop: Hop, cx: &mut Context<'_>) {
        self.deliver_to(hop.element, hop.port, hop.packet, cx);
    }

    /// [`Interpreted::deliver`] with the hop's parts.
    fn deliver_to(&self, element: usize, port: usize, p: Packet, cx: &mut Context<'_>) {
        let Ok(mut e) = self.elements[element].try_borrow_mut() else {
            // Held by a pull in progress further up: a push into an element that is pulling
            // cannot be delivered; the packet is dropped.
            drop(p);
            return;
        };
        let mut wires = Wires::new(self, element);
        if wires.direct {
            // Everything it pushes is delivered during the call: nothing is left to forward.
            self.depth.set(self.depth.get() + 1);
            e.push(port, p, &mut wires, cx);
            self.depth.set(self.depth.get() - 1);
        } else {
            let mark = self.pending.borrow().len();
            e.push(port, p, &mut wires, cx);
            // Released before its pushes travel, so one that comes back round a cycle finds
            // it free.
            drop(e);
            self.forward_from(mark, cx);
        }
    }

    /// Delivers, in order, the packets pushed since the pending stack was `mark` long, then
    /// drops the frame.
    fn forward_from(&self, mark: usize, cx: &mut Context<'_>) {
        let mut i = mark;
        loop {
            let hop = {
                let mut pending = self.pending.borrow_mut();
                match pending.get_mut(i) {
                    Some(slot) => slot.take(),
                    None => break,
                }
            };
            if let Some(hop) = hop {
                // Nested deliveries push above this frame and pop back before returning.
                self.deliver(hop, cx);
            }
            i += 1;
        }
        self.pending.borrow_mut().truncate(mark);
    }

    /// Pushes `p` into input `port` of element `element` as if an upstream element had,
    /// and delivers everything that follows. For tests and fuzzing.
    pub fn inject(&mut self, element: usize, port: usize, p: Packet, cx: &mut Context<'_>) {
        if element < self.elements.len() {
            let mark = self.pending.borrow().len();
            self.deliver(
                Hop {
                    element,
                    port,
                    packet: p,
                },
                cx,
            );
            self.forward_from(mark, cx);
        }
    }
}

impl Graph for Interpreted {
    fn initialize(&mut self, i: usize, cx: &mut Context<'_>) -> Result<(), String> {
        self.elements[i].get_mut().initialize(cx)
    }

    fn run_tasks(&mut self, cx: &mut Context<'_>) -> bool {
        let mut worked = false;
        for &t in &self.tasks {
            let mark = self.pending.borrow().len();
            if let Ok(mut e) = self.elements[t].try_borrow_mut() {
                let mut ports = Wires::new(self, t);
                worked |= e.run_task(&mut ports, cx);
            }
            self.forward_from(mark, cx);
        }
        worked
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.elements
            .iter()
            .filter_map(|e| e.try_borrow().ok()?.next_timer())
            .min()
    }

    fn run_timers(&mut self, now: Timestamp, cx: &mut Context<'_>) -> bool {
        let mut worked = false;
        for (i, cell) in self.elements.iter().enumerate() {
            let due = cell
                .try_borrow()
                .ok()
                .and_then(|e| e.next_timer())
                .is_some_and(|t| t <= now);
            if !due {
                continue;
            }
            let mark = self.pending.borrow().len();
            if let Ok(mut e) = cell.try_borrow_mut() {
                let mut out = Wires::new(self, i);
                e.run_timer(&mut out, cx);
                worked = true;
            }
            self.forward_from(mark, cx);
        }
        worked
    }

    fn cleanup(&mut self, i: usize, cx: &mut Context<'_>) {
        self.forward_from(0, cx);
        self.elements[i].get_mut().cleanup(cx);
    }

    fn read_handler(&self, i: usize, h: &str, cx: &HandlerContext) -> Result<String, HandlerError> {
        let e = self.elements[i]
            .try_borrow()
            .map_err(|_| HandlerError::NotReadable)?;
        e.read_handler(h, cx)
    }

    fn write_handler(
        &mut self,
        i: usize,
        h: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError> {
        self.elements[i].get_mut().write_handler(h, value, cx)
    }
}

impl Driver<Interpreted> {
    /// The interpreted router for a configured instance. Nothing runs until
    /// [`Driver::initialize`].
    pub fn new(instance: Instance, clock: Clock) -> Self {
        let Instance {
            flat,
            classes,
            elements,
            resolved,
        } = instance;
        let info = RouterInfo {
            flat,
            classes,
            ports: resolved.ports,
        };
        let graph = Interpreted::new(elements, &info, &resolved.output_pull);
        Driver::with_graph(graph, info, clock)
    }

    /// See [`Interpreted::inject`].
    pub fn inject(&mut self, element: usize, port: usize, p: Packet, cx: &mut Context<'_>) {
        self.graph_mut().inject(element, port, p, cx);
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::ToString;

    use sluice_elements::element::testing::KeepLog;
    use sluice_elements::packet::{Pool, PoolConfig};

    use super::*;
    use crate::cli::{load, Source};
    use crate::runtime::Router;

    /// The labels Print logged while `config` ran to its end, in order.
    fn printed(config: &str) -> Vec<String> {
        let loaded = load(&Source::Expr(config.into()), &[], true).expect("loads");
        let (_, checked) = loaded.instantiate();
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        let mut router = Router::new(checked.instance.expect("instance"), Clock::Simulated);
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(router.now(), pool, &mut log);
        router.initialize(&mut cx).unwrap();
        router.run(&mut cx, &mut || true, &mut |_| {});
        router.cleanup(&mut cx);
        drop(cx);
        drop(router);
        assert_eq!(pool.in_flight(), 0, "no packet left behind");
        log.messages
            .iter()
            .filter_map(|(_, m)| Some(m.split_once(": ")?.1.split(':').next()?.to_string()))
            .collect()
    }

    #[test]
    fn a_tees_first_copy_travels_its_whole_path_before_the_second_leaves() {
        // No cycle: every push is a direct call.
        let got = printed(
            "InfiniteSource(LIMIT 2, STOP true) -> t :: Tee(2);
             t[0] -> Print(a) -> Print(b) -> Discard;
             t[1] -> Print(c) -> Discard;",
        );
        assert_eq!(got, ["a", "b", "c", "a", "b", "c"]);
    }

    #[test]
    fn a_packet_that_comes_back_round_a_cycle_is_processed_at_once() {
        // PaintSwitch sends the unpainted packet round the loop once, repainted; the Tee's
        // second copy leaves only after the first has gone round and out.
        let got = printed(
            "InfiniteSource(LIMIT 1, STOP true) -> t :: Tee(2);
             t[0] -> ps :: PaintSwitch;
             ps[0] -> Print(round) -> Paint(1) -> ps;
             ps[1] -> Print(out) -> Discard;
             t[1] -> Print(second) -> Discard;",
        );
        assert_eq!(got, ["round", "out", "second"]);
    }

    #[test]
    fn a_chain_longer_than_the_direct_depth_keeps_the_order() {
        let nulls = "-> Null ".repeat(3 * MAX_DIRECT_DEPTH);
        let config = format!(
            "InfiniteSource(LIMIT 2, STOP true) -> t :: Tee(2);
             t[0] {nulls} -> Print(far) {nulls} -> Print(end) -> Discard;
             t[1] -> Print(near) -> Discard;"
        );
        let got = printed(&config);
        assert_eq!(got, ["far", "end", "near", "far", "end", "near"]);
    }
}
