//! ToDevice's discipline when its device is full, shared by the host's ToDevice and the
//! guest's: hold one frame and retry it first; a pushed frame that finds one held is
//! dropped (and counted); a pull input is pulled only when nothing is held.

use crate::element::{Context, Input, Output};
use crate::packet::Packet;

/// A device element that sends frames and may hold one while its device is full.
pub trait HoldingSender {
    /// The frame held for the device, if any.
    fn held(&mut self) -> &mut Option<Packet>;

    /// Counts a pushed frame dropped because one was held already.
    fn count_drop(&mut self);

    /// Counts a pull on the input.
    fn count_pull(&mut self);

    /// Sends `p` (or disposes of it, if the device refused it); gives it back when the
    /// device is full.
    fn transmit<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) -> Result<(), Packet>;

    /// A pushed frame: the held one goes first; if it still cannot, the new one is dropped.
    fn push_holding<O: Output + ?Sized>(&mut self, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(held) = self.held().take() {
            if let Err(held) = self.transmit(held, out, cx) {
                *self.held() = Some(held);
                self.count_drop();
                return;
            }
        }
        if let Err(p) = self.transmit(p, out, cx) {
            *self.held() = Some(p);
        }
    }

    /// One run of the task: up to `burst` frames, the held one first, then (with a pull
    /// input) pulled ones, until the device is full. True if anything was sent.
    fn run_holding<P: Output + Input + ?Sized>(
        &mut self,
        burst: usize,
        pull_input: bool,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        let mut worked = false;
        for _ in 0..burst {
            let p = match self.held().take() {
                Some(p) => p,
                None if pull_input => {
                    self.count_pull();
                    match ports.pull(0, cx) {
                        Some(p) => p,
                        None => break,
                    }
                }
                None => break,
            };
            match self.transmit(p, ports, cx) {
                Ok(()) => worked = true,
                Err(p) => {
                    *self.held() = Some(p);
                    break;
                }
            }
        }
        worked
    }
}
