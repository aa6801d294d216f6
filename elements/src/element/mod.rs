//! The element model: the traits every element implements, their static port facts, the
//! runtime services they get, handlers, and Click's argument reader.
//!
//! # Anatomy of an element
//!
//! - Static facts are associated constants of [`Element`]: `CLASS` (Click's name),
//!   `PORTS` ([`PortCount`], Click's `"1/1-2"` as a type), `PROCESSING` ([`ProcessingSpec`],
//!   Click's `"a/ah"`), `FLOW` and `TASK`. The graph checker and the code generator read them
//!   without instantiating anything.
//! - Configuration goes through [`Element::configure`], which reads its arguments with one
//!   Click-style reader ([`args::Args`]): positional and mandatory arguments, `KEYWORD value`
//!   arguments, typed values ([`args::FromArg`]), every error located in the source and all of
//!   them reported together.
//! - The datapath is `push`, `push_batch`, `pull` and `run_task`, generic over [`Output`]
//!   and [`Input`]. One implementation serves the interpreter, which uses `dyn Output`
//!   through [`DynElement`], and generated code, which passes a concrete output whose `push`
//!   calls the next element directly.
//! - Control is the separate [`Handlers`] trait: Click's read and write handlers.
//! - [`Context`] lends the runtime's services to the datapath: the time, the packet pool,
//!   stopping the router, and messages.

pub mod args;
mod class;
mod context;
mod dynamic;
pub mod handler;
mod model;
mod ports;
pub mod testing;
pub mod values;

pub use class::{class_info, ClassInfo, Constructor};
pub use context::{Context, ControlRequest, Level, Log, NoLog};
pub use dynamic::DynElement;
pub use handler::{Access, HandlerContext, HandlerError, HandlerSpec, Handlers};
pub use model::{ConfigContext, Element, Input, Io, Output};
pub use ports::{Flow, PortCount, PortRange, Ports, Processing, ProcessingSpec};
