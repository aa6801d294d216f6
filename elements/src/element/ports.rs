//! Static facts about an element class's ports: how many there may be, and whether each is
//! push, pull or agnostic. Click writes these as strings (`"1/1-2"`, `"a/ah"`); Sluice keeps
//! them as typed constants that the graph checker and the code generator read directly.

use core::fmt;

/// How many ports one side of an element may have (Click's port count, one side of the
/// slash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRange {
    /// Exactly this many (`"1"`).
    Exactly(u16),
    /// From `min` to `max` inclusive (`"1-2"`).
    Between(u16, u16),
    /// At least this many (`"1-"`; `"-"` is `AtLeast(0)`).
    AtLeast(u16),
    /// As many outputs as the element has inputs (`"="`, outputs only).
    SameAsInputs,
}

impl PortRange {
    /// True if `n` ports are allowed on this side, given `inputs` ports on the input side.
    pub const fn allows(self, n: usize, inputs: usize) -> bool {
        match self {
            PortRange::Exactly(k) => n == k as usize,
            PortRange::Between(lo, hi) => n >= lo as usize && n <= hi as usize,
            PortRange::AtLeast(lo) => n >= lo as usize,
            PortRange::SameAsInputs => n == inputs,
        }
    }

    /// The largest port count allowed, if bounded (`SameAsInputs` is bounded by `inputs`).
    pub const fn max(self, inputs: usize) -> Option<usize> {
        match self {
            PortRange::Exactly(k) | PortRange::Between(_, k) => Some(k as usize),
            PortRange::AtLeast(_) => None,
            PortRange::SameAsInputs => Some(inputs),
        }
    }
}

impl fmt::Display for PortRange {
    /// Click's notation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PortRange::Exactly(k) => write!(f, "{k}"),
            PortRange::Between(lo, hi) => write!(f, "{lo}-{hi}"),
            PortRange::AtLeast(0) => f.write_str("-"),
            PortRange::AtLeast(lo) => write!(f, "{lo}-"),
            PortRange::SameAsInputs => f.write_str("="),
        }
    }
}

/// The port counts a class allows (Click's `port_count()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortCount {
    /// Allowed input counts.
    pub inputs: PortRange,
    /// Allowed output counts.
    pub outputs: PortRange,
}

impl PortCount {
    /// `"1/1"`: the shape of most filters.
    pub const ONE_TO_ONE: PortCount = PortCount {
        inputs: PortRange::Exactly(1),
        outputs: PortRange::Exactly(1),
    };
    /// `"0/1"`: a source.
    pub const SOURCE: PortCount = PortCount {
        inputs: PortRange::Exactly(0),
        outputs: PortRange::Exactly(1),
    };
    /// `"1/0"`: a sink.
    pub const SINK: PortCount = PortCount {
        inputs: PortRange::Exactly(1),
        outputs: PortRange::Exactly(0),
    };

    /// A port count from its two sides.
    pub const fn new(inputs: PortRange, outputs: PortRange) -> Self {
        PortCount { inputs, outputs }
    }
}

impl fmt::Display for PortCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.inputs, self.outputs)
    }
}

/// How one port moves packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Processing {
    /// The upstream element calls `push` (Click's `h`).
    Push,
    /// The downstream element calls `pull` (Click's `l`).
    Pull,
    /// Either, decided by the neighbours when the graph is checked (Click's `a`).
    Agnostic,
}

impl Processing {
    /// Click's letter for the processing kind.
    pub const fn letter(self) -> char {
        match self {
            Processing::Push => 'h',
            Processing::Pull => 'l',
            Processing::Agnostic => 'a',
        }
    }
}

/// The processing of every port of a class (Click's processing code). Each side lists the
/// first ports; the last entry repeats for the remaining ones, as in Click, where `"a/ah"`
/// means input 0 agnostic, output 0 agnostic, and outputs 1 and up push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessingSpec {
    /// Input ports, the last entry repeating.
    pub inputs: &'static [Processing],
    /// Output ports, the last entry repeating.
    pub outputs: &'static [Processing],
}

impl ProcessingSpec {
    /// `"h/h"`.
    pub const PUSH: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Push],
        outputs: &[Processing::Push],
    };
    /// `"l/l"`.
    pub const PULL: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Pull],
        outputs: &[Processing::Pull],
    };
    /// `"a/a"`.
    pub const AGNOSTIC: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic],
    };
    /// `"h/l"`: a queue.
    pub const PUSH_TO_PULL: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Push],
        outputs: &[Processing::Pull],
    };
    /// `"l/h"`: an unqueue.
    pub const PULL_TO_PUSH: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Pull],
        outputs: &[Processing::Push],
    };

    /// The processing of input `port`.
    pub const fn input(&self, port: usize) -> Processing {
        Self::nth(self.inputs, port)
    }

    /// The processing of output `port`.
    pub const fn output(&self, port: usize) -> Processing {
        Self::nth(self.outputs, port)
    }

    const fn nth(side: &[Processing], port: usize) -> Processing {
        if side.is_empty() {
            Processing::Agnostic
        } else if port < side.len() {
            side[port]
        } else {
            side[side.len() - 1]
        }
    }
}

impl fmt::Display for ProcessingSpec {
    /// Click's notation (`"a/ah"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.inputs {
            write!(f, "{}", p.letter())?;
        }
        f.write_str("/")?;
        for p in self.outputs {
            write!(f, "{}", p.letter())?;
        }
        Ok(())
    }
}

/// Which inputs a packet can travel to which outputs through (Click's flow code), used when
/// agnostic ports are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Every input reaches every output (Click's `"x/x"`, the default).
    Complete,
    /// Input `i` reaches output `i` only (`"#/#"`).
    PortToPort,
    /// No input reaches any output: the element is a source and a sink at once, as far as
    /// push/pull resolution goes (a queue-like boundary).
    None,
}

impl Flow {
    /// True if a packet on input `input` can leave on output `output`.
    pub const fn connects(self, input: usize, output: usize) -> bool {
        match self {
            Flow::Complete => true,
            Flow::PortToPort => input == output,
            Flow::None => false,
        }
    }
}

/// The actual port counts of one element in a graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ports {
    /// Number of connected-or-declared input ports.
    pub inputs: usize,
    /// Number of output ports.
    pub outputs: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn ranges_allow_and_print() {
        assert!(PortRange::Exactly(1).allows(1, 0) && !PortRange::Exactly(1).allows(2, 0));
        assert!(PortRange::Between(1, 2).allows(2, 0) && !PortRange::Between(1, 2).allows(3, 0));
        assert!(PortRange::AtLeast(1).allows(99, 0) && !PortRange::AtLeast(1).allows(0, 0));
        assert!(PortRange::SameAsInputs.allows(3, 3) && !PortRange::SameAsInputs.allows(2, 3));
        let pc = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
        assert_eq!(pc.to_string(), "1/1-2");
        assert_eq!(
            PortCount::new(PortRange::AtLeast(0), PortRange::AtLeast(1)).to_string(),
            "-/1-"
        );
    }

    #[test]
    fn processing_repeats_last_entry() {
        let spec = ProcessingSpec {
            inputs: &[Processing::Agnostic],
            outputs: &[Processing::Agnostic, Processing::Push],
        };
        assert_eq!(spec.output(0), Processing::Agnostic);
        assert_eq!(spec.output(5), Processing::Push);
        assert_eq!(spec.input(3), Processing::Agnostic);
        assert_eq!(spec.to_string(), "a/ah");
        assert_eq!(ProcessingSpec::PUSH_TO_PULL.to_string(), "h/l");
    }

    #[test]
    fn flow_codes() {
        assert!(Flow::Complete.connects(0, 3));
        assert!(Flow::PortToPort.connects(2, 2) && !Flow::PortToPort.connects(2, 1));
        assert!(!Flow::None.connects(0, 0));
    }
}
