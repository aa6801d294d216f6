//! Class descriptors: an element class's static facts and a constructor, as a value, so the
//! router can list, look up and instantiate classes by Click name.

use alloc::boxed::Box;

use super::args::{Args, ConfigError};
use super::dynamic::DynElement;
use super::handler::{HandlerSpec, Handlers};
use super::model::{ConfigContext, Element};
use super::ports::{Flow, PortCount, ProcessingSpec};

/// Builds a configured element behind a pointer.
pub type Constructor = fn(Args<'_>, &ConfigContext<'_>) -> Result<Box<dyn DynElement>, ConfigError>;

/// One element class: its [`Element`] constants, and a constructor for the interpreter.
#[derive(Clone, Copy)]
pub struct ClassInfo {
    /// Click's class name.
    pub name: &'static str,
    /// Allowed port counts.
    pub ports: PortCount,
    /// Push/pull/agnostic per port.
    pub processing: ProcessingSpec,
    /// Which inputs reach which outputs.
    pub flow: Flow,
    /// True if the element is scheduled as a task.
    pub task: bool,
    /// The class's own handlers.
    pub handlers: &'static [HandlerSpec],
    /// The path of the Rust type implementing the class (for generated code).
    pub type_name: fn() -> &'static str,
    /// Configures an instance.
    pub construct: Constructor,
}

impl core::fmt::Debug for ClassInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClassInfo")
            .field("name", &self.name)
            .field("ports", &self.ports)
            .field("processing", &self.processing)
            .finish()
    }
}

fn construct<E: Element>(
    args: Args<'_>,
    cx: &ConfigContext<'_>,
) -> Result<Box<dyn DynElement>, ConfigError> {
    E::configure(args, cx).map(|e| Box::new(e) as Box<dyn DynElement>)
}

/// The descriptor of class `E`.
pub const fn class_info<E: Element>() -> ClassInfo {
    ClassInfo {
        name: E::CLASS,
        ports: E::PORTS,
        processing: E::PROCESSING,
        flow: E::FLOW,
        task: E::TASK,
        handlers: <E as Handlers>::HANDLERS,
        type_name: core::any::type_name::<E>,
        construct: construct::<E>,
    }
}
