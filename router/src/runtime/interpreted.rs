//! The interpreter's graph: elements behind dynamic dispatch, connected by lookup tables.
//!
//! Elements sit in `RefCell`s and are reached through [`Wires`], which implements both
//! `Output` and `Input` for one element. A push is not delivered during the pushing
//! element's call: it is collected, and once the element returns (and is released) each
//! packet it pushed is delivered in order, depth first. That is Click's order (a Tee's first
//! copy travels its whole path before the second leaves), and because no element is held
//! while its outputs travel, a packet that comes back round a cycle (an ICMP error
//! re-entering the route table) is processed at once, as Click's recursive push would. A
//! pull is a direct call.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use sluice_elements::element::{Context, DynElement, HandlerContext, HandlerError, Input, Output};
use sluice_elements::packet::{Batch, Packet, Timestamp};

use super::driver::{Clock, Driver, Graph};
use super::handlers::RouterInfo;
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
    /// Packets pushed by elements still to be delivered, as a stack of frames: each
    /// delivery owns the entries pushed during its element's call (see `deliver`).
    pending: RefCell<Vec<Option<Hop>>>,
}

/// One element's view of its neighbours: its outputs (push) and its inputs (pull).
pub struct Wires<'r> {
    graph: &'r Interpreted,
    from: usize,
}

impl Output for Wires<'_> {
    fn push(&mut self, port: usize, p: Packet, _: &mut Context<'_>) {
        // An unconnected output (the checker allows none, so a port beyond the element's
        // count) drops the packet.
        if let Some(&Some((to, in_port))) = self.graph.outputs[self.from].get(port) {
            self.graph.pending.borrow_mut().push(Some(Hop {
                element: to,
                port: in_port,
                packet: p,
            }));
        }
    }

    fn push_batch(&mut self, port: usize, batch: &mut Batch, _: &mut Context<'_>) {
        match self.graph.outputs[self.from].get(port) {
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
        let mut wires = Wires {
            graph: self.graph,
            from,
        };
        e.pull(out_port, &mut wires, cx)
    }
}

impl Interpreted {
    /// Wires up a configured instance's elements.
    pub fn new(elements: Vec<Box<dyn DynElement>>, info: &RouterInfo) -> Interpreted {
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
        Interpreted {
            elements: elements.into_iter().map(RefCell::new).collect(),
            outputs,
            inputs,
            tasks,
            pending: RefCell::new(Vec::new()),
        }
    }

    /// Delivers one pushed packet: the element runs with its outputs collected, is
    /// released, and then each packet it pushed is delivered in order, depth first.
    fn deliver(&self, hop: Hop, cx: &mut Context<'_>) {
        let mark = self.pending.borrow().len();
        match self.elements[hop.element].try_borrow_mut() {
            Ok(mut e) => {
                let mut wires = Wires {
                    graph: self,
                    from: hop.element,
                };
                e.push(hop.port, hop.packet, &mut wires, cx);
            }
            // Held by a pull in progress further up: a push into an element that is pulling
            // cannot be delivered; the packet is dropped.
            Err(_) => drop(hop),
        }
        self.forward_from(mark, cx);
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
                let mut ports = Wires {
                    graph: self,
                    from: t,
                };
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
                let mut out = Wires {
                    graph: self,
                    from: i,
                };
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
        let graph = Interpreted::new(elements, &info);
        Driver::with_graph(graph, info, clock)
    }

    /// See [`Interpreted::inject`].
    pub fn inject(&mut self, element: usize, port: usize, p: Packet, cx: &mut Context<'_>) {
        self.graph_mut().inject(element, port, p, cx);
    }
}
