//! The runtime's [`Driver`] as the handlers a control session reads and writes.

use alloc::string::String;

use sluice_elements::element::{Access, HandlerError};

use super::protocol::HandlerTarget;
use crate::runtime::{Driver, Graph};

impl<G: Graph> HandlerTarget for Driver<G> {
    fn access(&self, handler: &str) -> Result<Access, HandlerError> {
        self.handler_access(handler)
    }

    fn read(&mut self, handler: &str) -> Result<String, HandlerError> {
        self.read_handler(handler)
    }

    fn write(&mut self, handler: &str, value: &str) -> Result<(), HandlerError> {
        self.write_handler(handler, value)
    }
}
