//! Dynamic dispatch over elements, for the interpreter: [`DynElement`] is object safe and
//! implemented for every [`Element`] by instantiating its generic methods with `dyn Output`
//! and `dyn Input`.

use alloc::string::String;

use super::context::Context;
use super::handler::{HandlerContext, HandlerError, HandlerSpec, Handlers};
use super::model::{Element, Io, Output};
use super::ports::{Flow, PortCount, ProcessingSpec};
use crate::packet::{Batch, Packet, Timestamp};

/// An element behind a pointer: what the interpreter holds for each node of the graph.
pub trait DynElement: Send {
    /// Click's class name.
    fn class_name(&self) -> &'static str;
    /// The class's port counts.
    fn port_count(&self) -> PortCount;
    /// The class's processing code.
    fn processing(&self) -> ProcessingSpec;
    /// The class's flow code.
    fn flow(&self) -> Flow;
    /// True if the element must be scheduled as a task.
    fn is_task(&self) -> bool;
    /// See [`Element::initialize`].
    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String>;
    /// See [`Element::next_timer`].
    fn next_timer(&self) -> Option<Timestamp>;
    /// See [`Element::run_timer`].
    fn run_timer(&mut self, out: &mut dyn Output, cx: &mut Context<'_>);
    /// See [`Element::cleanup`].
    fn cleanup(&mut self, cx: &mut Context<'_>);
    /// See [`Element::push`].
    fn push(&mut self, port: usize, p: Packet, out: &mut dyn Output, cx: &mut Context<'_>);
    /// See [`Element::push_batch`].
    fn push_batch(
        &mut self,
        port: usize,
        batch: &mut Batch,
        out: &mut dyn Output,
        cx: &mut Context<'_>,
    );
    /// See [`Element::pull`].
    fn pull(&mut self, port: usize, ports: &mut dyn Io, cx: &mut Context<'_>) -> Option<Packet>;
    /// See [`Element::run_task`].
    fn run_task(&mut self, ports: &mut dyn Io, cx: &mut Context<'_>) -> bool;
    /// The class's handlers.
    fn handlers(&self) -> &'static [HandlerSpec];
    /// See [`Handlers::read_handler`].
    fn read_handler(&self, name: &str, cx: &HandlerContext) -> Result<String, HandlerError>;
    /// See [`Handlers::write_handler`].
    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError>;
}

impl<E: Element> DynElement for E {
    fn class_name(&self) -> &'static str {
        E::CLASS
    }

    fn port_count(&self) -> PortCount {
        E::PORTS
    }

    fn processing(&self) -> ProcessingSpec {
        E::PROCESSING
    }

    fn flow(&self) -> Flow {
        E::FLOW
    }

    fn is_task(&self) -> bool {
        E::TASK
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        Element::initialize(self, cx)
    }

    fn next_timer(&self) -> Option<Timestamp> {
        Element::next_timer(self)
    }

    fn run_timer(&mut self, out: &mut dyn Output, cx: &mut Context<'_>) {
        Element::run_timer(self, out, cx);
    }

    fn cleanup(&mut self, cx: &mut Context<'_>) {
        Element::cleanup(self, cx);
    }

    fn push(&mut self, port: usize, p: Packet, out: &mut dyn Output, cx: &mut Context<'_>) {
        Element::push(self, port, p, out, cx);
    }

    fn push_batch(
        &mut self,
        port: usize,
        batch: &mut Batch,
        out: &mut dyn Output,
        cx: &mut Context<'_>,
    ) {
        Element::push_batch(self, port, batch, out, cx);
    }

    fn pull(&mut self, port: usize, ports: &mut dyn Io, cx: &mut Context<'_>) -> Option<Packet> {
        Element::pull(self, port, ports, cx)
    }

    fn run_task(&mut self, ports: &mut dyn Io, cx: &mut Context<'_>) -> bool {
        Element::run_task(self, ports, cx)
    }

    fn handlers(&self) -> &'static [HandlerSpec] {
        E::HANDLERS
    }

    fn read_handler(&self, name: &str, cx: &HandlerContext) -> Result<String, HandlerError> {
        Handlers::read_handler(self, name, cx)
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError> {
        Handlers::write_handler(self, name, value, cx)
    }
}
