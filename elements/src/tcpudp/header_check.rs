//! What CheckTCPHeader, CheckUDPHeader and CheckICMPHeader share: Click's `VERBOSE` and
//! `DETAILS` keywords, counting failures by reason (warning on the first, or on every one
//! with `VERBOSE`), sending failures to output 1 when it exists, and the `drops` and
//! `drop_details` handlers.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::element::args::Args;
use crate::element::handler::missing;
use crate::element::{Access, ConfigContext, Context, HandlerError, HandlerSpec, Level, Output};
use crate::packet::Packet;

/// The handlers every header check has.
pub(crate) const HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("drops", "packets that failed the check"),
    HandlerSpec::read("drop_details", "failures by reason (with DETAILS true)"),
];

/// A header check's configuration and failure counts.
#[derive(Debug)]
pub(crate) struct HeaderCheck {
    name: String,
    outputs: usize,
    verbose: bool,
    /// Packets that failed.
    pub(crate) drops: u64,
    details: Option<[u64; 3]>,
    /// The protocol, for messages (`TCP`).
    what: &'static str,
    /// The failure reasons, in the order of their numbers.
    reasons: &'static [&'static str; 3],
}

impl HeaderCheck {
    /// Reads `VERBOSE` and `DETAILS` (the caller finishes `args`).
    pub(crate) fn configure(
        args: &mut Args<'_>,
        cx: &ConfigContext<'_>,
        what: &'static str,
        reasons: &'static [&'static str; 3],
    ) -> Self {
        let verbose = args.keyword::<bool>("VERBOSE").unwrap_or(false);
        let details = args.keyword::<bool>("DETAILS").unwrap_or(false);
        HeaderCheck {
            name: String::from(cx.name),
            outputs: cx.ports.outputs,
            verbose,
            drops: 0,
            details: details.then_some([0; 3]),
            what,
            reasons,
        }
    }

    /// Sends a pushed packet on: output 0 if it passed, otherwise counted and sent to
    /// output 1 (or dropped when there is none).
    #[inline]
    pub(crate) fn route<O: Output + ?Sized>(
        &mut self,
        verdict: Result<(), usize>,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        match verdict {
            Ok(()) => out.push(0, p, cx),
            Err(reason) => self.fail(reason, p, out, cx),
        }
    }

    /// The same for a pulled packet: returned if it passed.
    #[inline]
    pub(crate) fn route_pulled<O: Output + ?Sized>(
        &mut self,
        verdict: Result<(), usize>,
        p: Packet,
        ports: &mut O,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        match verdict {
            Ok(()) => Some(p),
            Err(reason) => {
                self.fail(reason, p, ports, cx);
                None
            }
        }
    }

    #[cold]
    fn fail<O: Output + ?Sized>(
        &mut self,
        reason: usize,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let text = self.reasons.get(reason).copied().unwrap_or("");
        if self.drops == 0 || self.verbose {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("{} header check failed: {text}", self.what),
            );
        }
        self.drops += 1;
        if let Some(count) = self.details.as_mut().and_then(|d| d.get_mut(reason)) {
            *count += 1;
        }
        if self.outputs == 2 {
            out.push(1, p, cx);
        }
    }

    /// The `drops` and `drop_details` handlers.
    pub(crate) fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match (name, &self.details) {
            ("drops", _) => Ok(self.drops.to_string()),
            ("drop_details", Some(details)) => Ok(details
                .iter()
                .zip(self.reasons)
                .map(|(n, text)| format!("{n}\t{text}"))
                .collect::<Vec<_>>()
                .join("\n")),
            ("drop_details", None) => Err(HandlerError::NoSuchHandler),
            _ => Err(missing(
                HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}
