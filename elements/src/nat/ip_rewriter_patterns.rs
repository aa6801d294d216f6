//! `IPRewriterPatterns`: names rewrite patterns for rewriters to share.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::iprw_pattern::Pattern;
use crate::element::args::{split_words, Args, ConfigError};
use crate::element::{ConfigContext, Element, Handlers, PortCount, ProcessingSpec};

/// Names rewrite patterns that rewriters' INPUTSPECs may refer to.
///
/// # Synopsis
///
/// ```text
/// IPRewriterPatterns(NAME PATTERN, ...)
/// ```
///
/// # Ports
///
/// None.
///
/// # Processing
///
/// None: the element holds configuration only.
///
/// # Description
///
/// Each argument is a name followed by a pattern, `SADDR SPORT DADDR DPORT` (or
/// `SADDR DADDR`), in IPRewriter's syntax. Names must be unique. The patterns are parsed and
/// checked here exactly as Click does. A rewriter's `pattern NAME FOUTPUT ROUTPUT` INPUTSPEC
/// uses the pattern NAME stands for. One difference from Click: Click's rewriters naming
/// the same pattern share one pattern object, so one allocation of its ports; in Sluice
/// each rewriter gets its own copy, so two rewriters naming one pattern could pick the same
/// port for different flows. Give each rewriter its own pattern (or port range) if they
/// share external addresses.
///
/// # Example
///
/// ```text
/// IPRewriterPatterns(to_world 198.51.100.1 1024-65535 - -);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// IPRewriter, TCPRewriter, UDPRewriter.
#[derive(Debug)]
pub struct IPRewriterPatterns {
    names: Vec<(String, String)>,
}

impl IPRewriterPatterns {
    /// The names defined, with each pattern in Click's unparsed form.
    pub fn patterns(&self) -> &[(String, String)] {
        &self.names
    }
}

impl Element for IPRewriterPatterns {
    const CLASS: &'static str = "IPRewriterPatterns";
    const PORTS: PortCount = PortCount::new(
        crate::element::PortRange::Exactly(0),
        crate::element::PortRange::Exactly(0),
    );
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let mut names: Vec<(String, String)> = Vec::new();
        for arg in args.rest() {
            let words = split_words(&arg.text, 0);
            let Some((name, rest)) = words.split_first() else {
                continue;
            };
            if names.iter().any(|(n, _)| *n == name.text) {
                args.error(arg.span, format!("pattern '{}' already defined", name.text));
                continue;
            }
            let rest: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
            match Pattern::parse_with(&rest, args.names()) {
                Ok(p) => names.push((name.text.clone(), p.unparse())),
                Err(m) => args.error(arg.span, m),
            }
        }
        args.finish()?;
        Ok(IPRewriterPatterns { names })
    }
}

impl Handlers for IPRewriterPatterns {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::configure;
    use crate::element::Ports;

    const NONE: Ports = Ports {
        inputs: 0,
        outputs: 0,
    };

    #[test]
    fn parses_names_and_reports_errors() {
        let p: IPRewriterPatterns =
            configure("a 1.0.0.1 1024-2000 - -, b 1.0.0.2 -", NONE).unwrap();
        assert_eq!(p.patterns()[0].1, "1.0.0.1 1024-2000 - -");
        assert_eq!(p.patterns()[1].0, "b");
        let err = configure::<IPRewriterPatterns>("a 1.0.0.1 - - -, a 1.0.0.2 -, c x - - -", NONE)
            .unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].message, "pattern 'a' already defined");
        assert_eq!(err.errors[1].message, "bad source address");
    }
}
