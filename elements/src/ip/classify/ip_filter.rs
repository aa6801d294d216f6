//! `IPFilter`: filters IP packets with tcpdump-like patterns, each with an action.

use alloc::string::String;
use alloc::vec::Vec;

use super::pattern::{compile_patterns, Flavor, Program, Verdict};
use crate::element::args::{split_args, Args, ConfigArg, ConfigError, NoNames};
use crate::element::handler::{missing, Access, HandlerSpec};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, Handlers, Output, PortCount,
    PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Filters IP packets by contents: the first matching `ACTION PATTERN` decides.
///
/// # Synopsis
///
/// ```text
/// IPFilter(ACTION_1 PATTERN_1, ..., ACTION_N PATTERN_N)
/// ```
///
/// # Ports
///
/// One input, any number of outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Each argument is an action followed by a pattern in IPClassifier's language (`ip proto`,
/// `src`/`dst` `host`/`net`/`port`, `tcp opt`, `icmp type`, `ip frag`, `ip tos`, `ip[POS:LEN]`,
/// `and`/`or`/`not`, `?:`, relations and masks; see IPClassifier). Packets are tested against
/// the filters in order; the first that matches decides. The action is an output number,
/// `allow` (output 0), or `drop` (`deny` also means drop). A packet no filter matches is
/// dropped, as is a packet whose action names a missing output.
///
/// All patterns are compiled once, at configuration time, into one decision program of
/// mask-and-compare steps over the IP header at the packet's network header mark and the
/// transport header after it. Input packets must have their IP header marked (CheckIPHeader
/// or MarkIPHeader do this); Click crashes on packets without one, this element drops them
/// and counts them. Transport fields (ports, ICMP type, TCP flags) only match first
/// fragments, and fields beyond the end of a short packet do not match.
///
/// Errors name the pattern (`pattern 2: ...`) and point at the words they are about.
/// Differences from Click: `ether host` is not supported (packets carry no MAC header mark),
/// and port names come from Click's built-in list only (no `/etc/services`).
///
/// # Example
///
/// ```text
/// // TCP SYNs from 10.0.0.2 to 198.51.100.20 port 80
/// InfiniteSource(DATA \<45 00 00 28 00 01 00 00 40 06 46 86 0a 00 00 02 c6 33 64 14
///                       04 d2 00 50 00 00 00 01 00 00 00 00 50 02 20 00 56 76 00 00>,
///                LIMIT 3, STOP true)
///     -> CheckIPHeader
///     -> f :: IPFilter(allow src net 10.0.0.0/8 && tcp dst port www,
///                      1 icmp type echo,
///                      deny all);
/// f[0] -> web :: Counter -> Discard;     // web.count is 3
/// f[1] -> pings :: Counter -> Discard;
/// ```
///
/// # Handlers
///
/// - `program` (read): the compiled decision program, one step per line.
/// - `config` (read/write): the rules. Writing new rules recompiles the program while the
///   router runs (Click's live reconfiguration); if they do not parse, the write fails
///   with the errors and the old rules stay. AddressInfo names do not resolve in a write.
///
/// # See also
///
/// IPClassifier, Classifier, CheckIPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct IPFilter {
    program: Program,
    outputs: usize,
    no_header_drops: u64,
}

/// Compiles `patterns`, recording errors in `args`.
pub(super) fn compile_into(
    args: &mut Args<'_>,
    patterns: &[ConfigArg],
    flavor: Flavor,
    outputs: usize,
) -> Program {
    match compile_patterns(patterns, flavor, outputs, args.names()) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                args.error(e.span, e.message);
            }
            Program::default()
        }
    }
}

/// Runs `program` on `p` and pushes it to its output or drops it.
#[inline]
pub(super) fn classify_push<O: Output + ?Sized>(
    program: &Program,
    outputs: usize,
    no_header_drops: &mut u64,
    p: Packet,
    out: &mut O,
    cx: &mut Context<'_>,
) {
    let verdict = program.classify(&p);
    deliver(verdict, outputs, no_header_drops, p, out, cx);
}

/// Pushes `p` to the output `verdict` names, or drops it.
#[inline]
pub(super) fn deliver<O: Output + ?Sized>(
    verdict: Verdict,
    outputs: usize,
    no_header_drops: &mut u64,
    p: Packet,
    out: &mut O,
    cx: &mut Context<'_>,
) {
    match verdict {
        Verdict::Output(port) if port < outputs => out.push(port, p, cx),
        Verdict::NoNetworkHeader => {
            *no_header_drops += 1;
            drop(p);
        }
        _ => drop(p),
    }
}

impl IPFilter {
    /// Packets dropped because they had no network header mark.
    pub fn no_header_drops(&self) -> u64 {
        self.no_header_drops
    }

    /// The decision program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// [`Element::push`] with the verdict given by `classify(program, p)`: generated code
    /// passes its own compiled form of this element's program (see `sluice build`), which
    /// must give [`Program::classify`]'s verdict.
    #[inline]
    pub fn push_with<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
        classify: impl FnOnce(&Program, &Packet) -> Verdict,
    ) {
        let verdict = classify(&self.program, &p);
        deliver(verdict, self.outputs, &mut self.no_header_drops, p, out, cx);
    }
}

impl Element for IPFilter {
    const CLASS: &'static str = "IPFilter";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let patterns = args.rest();
        let program = compile_into(&mut args, &patterns, Flavor::Filter, cx.ports.outputs);
        args.finish()?;
        Ok(IPFilter {
            program,
            outputs: cx.ports.outputs,
            no_header_drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        classify_push(
            &self.program,
            self.outputs,
            &mut self.no_header_drops,
            p,
            out,
            cx,
        );
    }
}

impl Handlers for IPFilter {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("program", "the compiled decision program"),
        HandlerSpec::read_write("config", "the rules (write: replace them)"),
    ];

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "config" => {
                let rules = config_texts(value);
                self.program = recompile(&rules, Flavor::Filter, self.outputs)?;
                Ok(())
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "program" => Ok(self.program.unparse()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

/// Re-compiles a full pattern list for a handler write (no AddressInfo names there).
/// The arguments of a configuration string written to `config`, unquoted as the
/// configuration's own arguments are.
pub(super) fn config_texts(config: &str) -> Vec<String> {
    split_args(config, 0).into_iter().map(|a| a.text).collect()
}

pub(super) fn recompile(
    texts: &[String],
    flavor: Flavor,
    outputs: usize,
) -> Result<Program, HandlerError> {
    let args: Vec<ConfigArg> = texts
        .iter()
        .map(|t| ConfigArg {
            text: t.clone(),
            span: crate::element::args::Span::new(0, t.len()),
        })
        .collect();
    compile_patterns(&args, flavor, outputs, &NoNames).map_err(|e| {
        HandlerError::BadValue(
            e.into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    /// A TCP/IPv4 packet from `src` port `sport` to port `dport`, flags `flags`, with its
    /// network header marked.
    pub(crate) fn tcp(pool: &Pool, src: [u8; 4], sport: u16, dport: u16, flags: u8) -> Packet {
        let mut b = [0u8; 40];
        b[0] = 0x45;
        b[3] = 40;
        b[8] = 64;
        b[9] = 6;
        b[12..16].copy_from_slice(&src);
        b[16..20].copy_from_slice(&[192, 168, 1, 1]);
        b[20..22].copy_from_slice(&sport.to_be_bytes());
        b[22..24].copy_from_slice(&dport.to_be_bytes());
        b[32] = 0x50;
        b[33] = flags;
        let mut p = pool.packet(&b).unwrap();
        p.set_network_header(0, 20).unwrap();
        p.into()
    }

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    #[test]
    fn actions_and_first_match() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut f: IPFilter = configure(
            "allow src net 10.0.0.0/8 && tcp dst port www, 1 tcp opt syn, deny tcp, 1 all",
            ports(2),
        )
        .unwrap();
        let mut out = Collect::new();
        f.push(
            0,
            tcp(&pool, [10, 1, 2, 3], 1000, 80, 0x10),
            &mut out,
            &mut cx,
        );
        f.push(
            0,
            tcp(&pool, [11, 1, 2, 3], 1000, 80, 0x02),
            &mut out,
            &mut cx,
        );
        f.push(
            0,
            tcp(&pool, [11, 1, 2, 3], 1000, 80, 0x10),
            &mut out,
            &mut cx,
        );
        assert_eq!((out.count(0), out.count(1)), (1, 1));
        // No network header: dropped and counted.
        f.push(
            0,
            pool.packet(&[0x45; 40]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        assert_eq!(f.no_header_drops(), 1);
        assert!(f
            .read_handler(
                "program",
                &HandlerContext {
                    now: Timestamp::default()
                }
            )
            .unwrap()
            .contains("yes->"));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_write_replaces_the_rules_or_fails_and_keeps_them() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let mut f: IPFilter = configure("allow tcp, deny all", ports(1)).unwrap();
        let mut out = Collect::new();
        f.push(0, tcp(&pool, [10, 0, 0, 1], 1, 80, 0), &mut out, &mut cx);
        assert_eq!(out.count(0), 1);
        f.write_handler("config", "deny tcp, allow all", &hcx)
            .unwrap();
        f.push(0, tcp(&pool, [10, 0, 0, 1], 1, 80, 0), &mut out, &mut cx);
        assert_eq!(out.count(0), 1, "now denied");
        let e = f.write_handler("config", "allow bogus", &hcx).unwrap_err();
        assert!(matches!(e, HandlerError::BadValue(_)), "{e:?}");
        f.push(0, tcp(&pool, [10, 0, 0, 1], 1, 80, 0), &mut out, &mut cx);
        assert_eq!(out.count(0), 1, "the old rules stayed");
        assert_eq!(
            f.write_handler("program", "x", &hcx),
            Err(HandlerError::NotWritable)
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors() {
        let e = configure::<IPFilter>("allow tcp, 2 udp", ports(2)).unwrap_err();
        assert_eq!(e.errors[0].message, "pattern 1: slot '2' out of range");
        assert_eq!(e.errors[0].span.start, 11);
        let e = configure::<IPFilter>("allow tcp,, drop", ports(1)).unwrap_err();
        assert_eq!(e.errors[0].message, "empty pattern 1");
        assert!(configure::<IPFilter>("allow", ports(0)).is_err());
        assert!(configure::<IPFilter>("drop all", ports(0)).is_ok());
    }
}
