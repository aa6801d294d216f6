//! Handlers: the control side of an element (Click's read and write handlers), kept apart
//! from the datapath traits so control code never sits on the per-packet path.

use alloc::string::{String, ToString};
use alloc::vec;
use core::fmt;

use super::args::{split_args, Args, NoNames, Span};
use super::model::{ConfigContext, Element};
use super::ports::Ports;
use crate::packet::Timestamp;

/// What a handler allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Write only (an action such as `reset`).
    Write,
    /// Read and write.
    ReadWrite,
}

impl Access {
    /// True if the handler can be read.
    pub const fn readable(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// True if the handler can be written.
    pub const fn writable(self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }
}

/// One handler of an element class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerSpec {
    /// Click's handler name (`count`, `reset`).
    pub name: &'static str,
    /// Read, write or both.
    pub access: Access,
    /// One line saying what it means, for `sluice elements`.
    pub doc: &'static str,
}

impl HandlerSpec {
    /// A read-only handler.
    pub const fn read(name: &'static str, doc: &'static str) -> Self {
        HandlerSpec {
            name,
            access: Access::Read,
            doc,
        }
    }

    /// A write-only handler.
    pub const fn write(name: &'static str, doc: &'static str) -> Self {
        HandlerSpec {
            name,
            access: Access::Write,
            doc,
        }
    }

    /// A read/write handler.
    pub const fn read_write(name: &'static str, doc: &'static str) -> Self {
        HandlerSpec {
            name,
            access: Access::ReadWrite,
            doc,
        }
    }
}

/// Why a handler call failed. Messages follow Click's ControlSocket wording where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError {
    /// No element of that name (the name is given).
    NoSuchElement(String),
    /// No handler of that name.
    NoSuchHandler,
    /// The handler exists but cannot be read.
    NotReadable,
    /// The handler exists but cannot be written.
    NotWritable,
    /// The value written was not accepted; the message says why.
    BadValue(String),
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::NoSuchElement(name) => write!(f, "no element named '{name}'"),
            HandlerError::NoSuchHandler => f.write_str("no such handler"),
            HandlerError::NotReadable => f.write_str("handler not readable"),
            HandlerError::NotWritable => f.write_str("handler not writable"),
            HandlerError::BadValue(why) => f.write_str(why),
        }
    }
}

/// What a handler call may need from the runtime.
#[derive(Debug, Clone, Copy)]
pub struct HandlerContext {
    /// The current time (rates are computed up to it).
    pub now: Timestamp,
}

/// The handlers of an element class. Every element implements it, if only with the
/// defaults (no handlers of its own; the runtime adds Click's `class`, `name`, `config`,
/// `ports` and `handlers` to every element).
pub trait Handlers {
    /// The class's handlers, in the order `handlers` lists them.
    const HANDLERS: &'static [HandlerSpec] = &[];

    /// Reads handler `name`: the value in Click's format (no trailing newline), or an error.
    fn read_handler(&self, name: &str, cx: &HandlerContext) -> Result<String, HandlerError> {
        let _ = cx;
        Err(missing(
            Self::HANDLERS,
            name,
            Access::readable,
            HandlerError::NotReadable,
        ))
    }

    /// Writes `value` to handler `name`.
    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let _ = (value, cx);
        Err(missing(
            Self::HANDLERS,
            name,
            Access::writable,
            HandlerError::NotWritable,
        ))
    }
}

/// The error for a handler call an element did not serve: `wrong_way` if a handler of that
/// name exists but does not allow the call, otherwise `NoSuchHandler`.
pub fn missing(
    handlers: &[HandlerSpec],
    name: &str,
    allows: fn(Access) -> bool,
    wrong_way: HandlerError,
) -> HandlerError {
    match handlers.iter().find(|h| h.name == name) {
        Some(h) if !allows(h.access) => wrong_way,
        _ => HandlerError::NoSuchHandler,
    }
}

/// Click's live reconfiguration, for an element's `config` write handler: configures a new
/// `E` from `value` as if it were the element's configuration string, with the element's
/// `ports` (every port taken as push). The caller copies what it keeps from the result, so a
/// bad value changes nothing. `AddressInfo` names are not resolved here.
pub fn reconfigure<E: Element>(value: &str, ports: Ports) -> Result<E, HandlerError> {
    let args = split_args(value, 0);
    let reader = Args::new(
        &args,
        Span {
            start: 0,
            end: value.len(),
        },
        &NoNames,
    );
    let input_pull = vec![false; ports.inputs];
    let output_pull = vec![false; ports.outputs];
    let cx = ConfigContext {
        name: "",
        ports,
        input_pull: &input_pull,
        output_pull: &output_pull,
    };
    E::configure(reader, &cx).map_err(|e| HandlerError::BadValue(e.to_string()))
}
