//! `Classifier`: sends packets to outputs by byte patterns, compiled once into a program of
//! mask-and-compare steps.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::element::args::{is_space, split_args, Args, ConfigError};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::{Batch, Packet};

/// Where a step leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jump {
    /// Go on with step `i` (always a later step, so a program ends).
    Step(u32),
    /// The packet matched pattern `k`: output `k`.
    Output(u32),
    /// No pattern matched: drop.
    Drop,
}

impl core::fmt::Display for Jump {
    /// Click's `unparse` form: `step N`, `[K]`, `[X]`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Jump::Step(i) => write!(f, "step {i}"),
            Jump::Output(k) => write!(f, "[{k}]"),
            Jump::Drop => f.write_str("[X]"),
        }
    }
}

/// One step: compare the four bytes at a word-aligned offset, under a mask, with a value
/// (Click's `Classification::Wordwise::Insn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Insn {
    /// Word-aligned offset from the start of the packet data.
    offset: u32,
    mask: [u8; 4],
    /// Already masked.
    value: [u8; 4],
    /// Bytes of the word the packet must have for the step to be checked at all: one past
    /// the last byte with a non-zero mask (Click's length-checked match).
    needed: u8,
    yes: Jump,
    no: Jump,
}

impl Insn {
    /// True if `data` matches. A packet that ends before the last relevant byte does not
    /// match, as in Click.
    #[inline]
    fn matches(&self, data: &[u8]) -> bool {
        let needed = usize::from(self.needed);
        if needed == 0 {
            return true;
        }
        let off = self.offset as usize;
        if let Some(w) = data.get(off..off + 4) {
            let w = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
            return w & u32::from_ne_bytes(self.mask) == u32::from_ne_bytes(self.value);
        }
        let Some(w) = data.get(off..off + needed) else {
            return false;
        };
        w.iter()
            .zip(self.mask.iter().zip(&self.value))
            .all(|(&b, (&m, &v))| b & m == v)
    }
}

/// A compiled pattern set: a forward-only program of [`Insn`] steps.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Program {
    insns: Vec<Insn>,
    start: Jump,
    /// Packets at least this long never need a length check (reported by `program`).
    safe_length: usize,
}

impl Program {
    /// The output for `data`, or `None` to drop.
    #[inline]
    fn run(&self, data: &[u8]) -> Option<usize> {
        let mut at = self.start;
        loop {
            match at {
                Jump::Step(i) => {
                    // Steps only jump forward and every target exists (checked by tests and
                    // by construction in `compile`); a bad index drops instead of panicking.
                    let insn = self.insns.get(i as usize)?;
                    at = if insn.matches(data) {
                        insn.yes
                    } else {
                        insn.no
                    };
                }
                Jump::Output(k) => return Some(k as usize),
                Jump::Drop => return None,
            }
        }
    }

    /// Click's `program` handler text.
    fn unparse(&self) -> String {
        let mut s = String::new();
        for (i, insn) in self.insns.iter().enumerate() {
            let _ = write!(s, "{i:>2} {:>4}/", insn.offset);
            for k in 0..4 {
                let _ = write!(s, "{:02x}", insn.value[k]);
            }
            s.push('%');
            for k in 0..4 {
                let _ = write!(s, "{:02x}", insn.mask[k]);
            }
            let _ = writeln!(s, "  yes->{}  no->{}", insn.yes, insn.no);
        }
        if self.insns.is_empty() {
            let _ = writeln!(s, "all->{}", self.start);
        }
        let _ = writeln!(s, "safe length {}", self.safe_length);
        let _ = write!(s, "alignment offset 0");
        s
    }
}

/// One `offset/value%mask` term, split into word steps; `negated` for a leading `!`.
#[derive(Debug, Default)]
struct Clause {
    negated: bool,
    words: Vec<(u32, [u8; 4], [u8; 4])>,
}

/// The value and mask of one hex digit or `?` (Click's `update_value_mask`).
fn nibble(c: u8) -> (u8, u8) {
    match c {
        b'?' => (0, 0),
        b'0'..=b'9' => (c - b'0', 0xF),
        b'a'..=b'f' => (c - b'a' + 10, 0xF),
        b'A'..=b'F' => (c - b'A' + 10, 0xF),
        _ => (0, 0xF),
    }
}

fn is_hex_or_wild(c: u8) -> bool {
    c.is_ascii_hexdigit() || c == b'?'
}

/// Parses pattern `slot` as Click's `Classifier::parse_program` does. Returns its clauses
/// (empty for `-`, which matches everything) and the error messages found.
fn parse_pattern(slot: usize, text: &str) -> (Vec<Clause>, Vec<String>) {
    let s = text.as_bytes();
    let len = s.len();
    let mut clauses = Vec::new();
    let mut errors = Vec::new();
    let mut i = if s == b"-" { 1 } else { 0 };
    while i < len {
        while i < len && is_space(s[i]) {
            i += 1;
        }
        if i >= len {
            break;
        }
        let mut negated = false;
        if s[i] == b'!' {
            negated = true;
            i += 1;
            while i < len && is_space(s[i]) {
                i += 1;
            }
        }
        if i >= len || !s[i].is_ascii_digit() {
            errors.push(format!("pattern {slot}: expected a digit"));
            break;
        }
        let mut offset: u32 = 0;
        while i < len && s[i].is_ascii_digit() {
            offset = offset
                .saturating_mul(10)
                .saturating_add(u32::from(s[i] - b'0'));
            i += 1;
        }
        if i >= len || s[i] != b'/' {
            errors.push(format!("pattern {slot}: expected '/'"));
            break;
        }
        i += 1;
        let value_pos = i;
        while i < len && is_hex_or_wild(s[i]) {
            i += 1;
        }
        let mut value_end = i;
        let mut mask: Option<(usize, usize)> = None;
        if i < len && s[i] == b'%' {
            i += 1;
            let mask_pos = i;
            while i < len && is_hex_or_wild(s[i]) {
                i += 1;
            }
            mask = Some((mask_pos, i));
        }
        if value_end - value_pos < 2 {
            errors.push(format!("pattern {slot}: value has less than 2 hex digits"));
            value_end = value_pos;
            mask = mask.map(|(p, _)| (p, p));
        }
        if (value_end - value_pos) % 2 != 0 {
            errors.push(format!(
                "pattern {slot}: value has odd number of hex digits"
            ));
            value_end -= 1;
            mask = mask.map(|(p, e)| (p, e.saturating_sub(1).max(p)));
        }
        if let Some((mask_pos, mask_end)) = mask {
            let (vl, ml) = (value_end - value_pos, mask_end - mask_pos);
            if ml != vl {
                let too_many = ml > vl;
                errors.push(format!(
                    "pattern {slot}: mask has too {} hex digits",
                    if too_many { "many" } else { "few" }
                ));
                if too_many {
                    mask = Some((mask_pos, mask_pos + vl));
                } else {
                    value_end = value_pos + ml;
                }
            }
        }
        let mut clause = Clause {
            negated,
            words: Vec::new(),
        };
        let mut at = offset;
        let mut v = value_pos;
        let mut m = mask.map(|(p, _)| p);
        let mut first = true;
        let byte = |at: usize| s.get(at).copied().unwrap_or(b'?');
        while v + 1 < value_end {
            let (hv, hm) = nibble(byte(v));
            let (lv, lm) = nibble(byte(v + 1));
            let mut bm = (hm << 4) | lm;
            let bv = (hv << 4) | lv;
            v += 2;
            if let Some(mp) = m {
                let (mhv, mhm) = nibble(byte(mp));
                let (mlv, mlm) = nibble(byte(mp + 1));
                bm &= ((mhv << 4) | mlv) & ((mhm << 4) | mlm);
                m = Some(mp + 2);
            }
            if first || at % 4 == 0 {
                clause.words.push((at / 4 * 4, [0; 4], [0; 4]));
                first = false;
            }
            if let Some(word) = clause.words.last_mut() {
                let k = (at % 4) as usize;
                word.1[k] = bm;
                word.2[k] = bv & bm;
            }
            at = at.saturating_add(1);
        }
        if !clause.words.is_empty() {
            clauses.push(clause);
        }
    }
    (clauses, errors)
}

/// Lays out the patterns as one forward-only program: pattern after pattern, clause after
/// clause; a failing clause jumps to the next pattern, the last clause's success to the
/// pattern's output. A `!` clause swaps its success and failure.
fn compile(patterns: &[Vec<Clause>]) -> Program {
    // A pattern that matches everything hides the ones after it.
    let reachable = patterns
        .iter()
        .position(Vec::is_empty)
        .map_or(patterns.len(), |k| k + 1);
    let patterns = &patterns[..reachable];
    let sizes: Vec<usize> = patterns
        .iter()
        .map(|p| p.iter().map(|c| c.words.len()).sum())
        .collect();
    let mut starts = Vec::with_capacity(patterns.len());
    let mut total = 0usize;
    for &n in &sizes {
        starts.push(total);
        total += n;
    }
    // entry[k]: where a packet starts checking pattern k; entry[n] is "no pattern matched".
    let mut entry = Vec::with_capacity(patterns.len() + 1);
    for (k, &n) in sizes.iter().enumerate() {
        entry.push(if n == 0 {
            Jump::Output(k as u32)
        } else {
            Jump::Step(starts[k] as u32)
        });
    }
    entry.push(Jump::Drop);
    let mut insns = Vec::with_capacity(total);
    let mut safe_length = 0usize;
    for (k, clauses) in patterns.iter().enumerate() {
        let fail = entry[k + 1];
        let mut next = starts[k];
        for (ci, clause) in clauses.iter().enumerate() {
            let clause_end = next + clause.words.len();
            let success = if ci + 1 == clauses.len() {
                Jump::Output(k as u32)
            } else {
                Jump::Step(clause_end as u32)
            };
            let (pass, stop) = if clause.negated {
                (fail, success)
            } else {
                (success, fail)
            };
            for (wi, &(offset, mask, value)) in clause.words.iter().enumerate() {
                let needed = mask.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                if needed > 0 {
                    safe_length = safe_length.max(offset as usize + needed);
                }
                let yes = if wi + 1 == clause.words.len() {
                    pass
                } else {
                    Jump::Step((next + wi + 1) as u32)
                };
                insns.push(Insn {
                    offset,
                    mask,
                    value,
                    needed: needed as u8,
                    yes,
                    no: stop,
                });
            }
            next = clause_end;
        }
    }
    Program {
        insns,
        start: entry[0],
        safe_length,
    }
}

/// Sends each packet to the output of the first pattern its bytes match.
///
/// # Synopsis
///
/// ```text
/// Classifier(PATTERN_1, ..., PATTERN_N)
/// ```
///
/// # Ports
///
/// One input, `N` outputs (one per pattern).
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Each pattern is a list of clauses separated by spaces, all of which must match. A
/// clause is `OFFSET/VALUE` or `OFFSET/VALUE%MASK`: `OFFSET` is a decimal byte offset from
/// the start of the packet data, `VALUE` and `MASK` an even number of hex digits, where `?`
/// stands for a nibble that may be anything. The clause matches if the packet's bytes at
/// `OFFSET`, masked, equal the masked value. A clause preceded by `!` matches when the
/// clause without it does not. The pattern `-` matches every packet. A packet goes to the
/// output of the first pattern it matches, and is dropped if it matches none.
///
/// A packet too short to hold the bytes a clause looks at does not match that clause (so
/// it does match the clause negated), as in Click.
///
/// The patterns are compiled once, at configuration, into a program of steps that each
/// compare one aligned 4-byte word under a mask and jump forward on success or failure, as
/// Click's classifier does (without Click's optimizer, which merges and skips steps but
/// does not change results). The `program` handler shows it.
///
/// # Example
///
/// ```text
/// cl :: Classifier(12/0800, 12/0806 20/0001, 12/0806 20/0002, -);
/// FromDump(in.pcap, STOP true) -> cl;
/// cl[0] -> ToDump(ip.pcap);
/// cl[1] -> ToDump(arp-requests.pcap);
/// cl[2] -> ToDump(arp-replies.pcap);
/// cl[3] -> ToDump(other.pcap);
/// ```
///
/// # Handlers
///
/// - `program` (read): the compiled program, one step per line in Click's form
///   (`offset/value%mask  yes->…  no->…`), then the safe length.
/// - `config` (read/write): the patterns. Writing new patterns (one per output, as in the
///   configuration) recompiles the program while the router runs (Click's live
///   reconfiguration); if they do not parse, the write fails and the old ones stay.
///
/// # See also
///
/// IPClassifier, IPFilter.
#[derive(Debug)]
pub struct Classifier {
    program: Program,
    outputs: usize,
}

impl Classifier {
    /// The output for a packet with these bytes, or `None` if it is dropped.
    #[inline]
    pub fn classify(&self, data: &[u8]) -> Option<usize> {
        self.program.run(data)
    }
}

impl Element for Classifier {
    const CLASS: &'static str = "Classifier";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let rest = args.rest();
        if rest.len() != cx.ports.outputs {
            let span = args.span();
            args.error(
                span,
                format!("need {} arguments, one per output port", cx.ports.outputs),
            );
        }
        let mut patterns = Vec::with_capacity(rest.len());
        for (slot, arg) in rest.iter().enumerate() {
            let (clauses, errors) = parse_pattern(slot, &arg.text);
            for e in errors {
                args.error(arg.span, e);
            }
            patterns.push(clauses);
        }
        args.finish()?;
        Ok(Classifier {
            program: compile(&patterns),
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(port) = self.program.run(p.data()) {
            out.push(port, p, cx);
        }
    }

    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        for p in batch.drain() {
            if let Some(port) = self.program.run(p.data()) {
                out.push(port, p, cx);
            }
        }
    }
}

impl Classifier {
    /// Click's live reconfiguration: new patterns, one per output, or an error and no
    /// change.
    fn reconfigure(&mut self, config: &str) -> Result<(), HandlerError> {
        let args = split_args(config, 0);
        let mut errors = Vec::new();
        if args.len() != self.outputs {
            errors.push(format!(
                "need {} arguments, one per output port",
                self.outputs
            ));
        }
        let mut patterns = Vec::with_capacity(args.len());
        for (slot, arg) in args.iter().enumerate() {
            let (clauses, e) = parse_pattern(slot, &arg.text);
            errors.extend(e);
            patterns.push(clauses);
        }
        if !errors.is_empty() {
            return Err(HandlerError::BadValue(errors.join("\n")));
        }
        self.program = compile(&patterns);
        Ok(())
    }
}

impl Handlers for Classifier {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("program", "the compiled pattern program"),
        HandlerSpec::read_write("config", "the patterns (write: replace them)"),
    ];

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

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "config" => self.reconfigure(value),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    fn ports(n: usize) -> Ports {
        Ports {
            inputs: 1,
            outputs: n,
        }
    }

    fn classifier(config: &str, n: usize) -> Classifier {
        configure(config, ports(n)).unwrap()
    }

    fn ether(ethertype: u16, len: usize) -> alloc::vec::Vec<u8> {
        let mut f = alloc::vec![0u8; len];
        f[12..14].copy_from_slice(&ethertype.to_be_bytes());
        f
    }

    #[test]
    fn config_write_reconfigures_or_keeps_the_old_patterns() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let mut c = classifier("12/0800, -", 2);
        assert_eq!(c.classify(&ether(0x0800, 60)), Some(0));
        c.write_handler("config", "12/0806, -", &hcx).unwrap();
        assert_eq!(c.classify(&ether(0x0800, 60)), Some(1));
        assert_eq!(c.classify(&ether(0x0806, 60)), Some(0));
        // Not one pattern per output, or a bad pattern: an error, and the old program stays.
        let e = c.write_handler("config", "-", &hcx).unwrap_err();
        assert_eq!(
            e,
            HandlerError::BadValue("need 2 arguments, one per output port".into())
        );
        assert!(c.write_handler("config", "12/zz, -", &hcx).is_err());
        assert_eq!(c.classify(&ether(0x0806, 60)), Some(0));
        assert_eq!(
            c.write_handler("program", "", &hcx),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn ethertype_and_arp_opcode() {
        let c = classifier("12/0800, 12/0806 20/0001, 12/0806 20/0002, -", 4);
        assert_eq!(c.classify(&ether(0x0800, 60)), Some(0));
        let mut req = ether(0x0806, 42);
        req[21] = 1;
        assert_eq!(c.classify(&req), Some(1));
        req[21] = 2;
        assert_eq!(c.classify(&req), Some(2));
        req[21] = 3;
        assert_eq!(c.classify(&req), Some(3));
        // A runt too short for the ARP opcode is not an ARP request.
        assert_eq!(c.classify(&ether(0x0806, 21)), Some(3));
        assert_eq!(c.classify(&[0u8; 10]), Some(3));
        assert_eq!(c.classify(&[]), Some(3));
    }

    #[test]
    fn no_match_drops_and_first_match_wins() {
        let c = classifier("12/08, 12/0800", 2);
        assert_eq!(c.classify(&ether(0x0800, 20)), Some(0));
        assert_eq!(c.classify(&ether(0x86dd, 20)), None);
        let c = classifier("-, 12/0800", 2);
        assert_eq!(c.classify(&ether(0x0800, 20)), Some(0));
        assert_eq!(c.program.insns.len(), 0);
        assert!(c
            .read_handler("program", &hcx())
            .unwrap()
            .starts_with("all->[0]"));
    }

    #[test]
    fn masks_wildcards_and_unaligned_values() {
        let c = classifier("0/4?%f0, 1/00%01 !3/ff, 13/0?0?", 3);
        assert_eq!(c.classify(&[0x45, 0, 0, 0]), Some(0));
        assert_eq!(c.classify(&[0x35, 0x02, 0, 0]), Some(1));
        assert_eq!(c.classify(&[0x35, 0x02, 0, 0xff]), None);
        // A packet too short for `3/ff` matches `!3/ff`.
        assert_eq!(c.classify(&[0x35, 0x02]), Some(1));
        // 13/0?0? spans the words at 12 and 16.
        let mut f = [0u8; 16];
        f[1] = 1;
        f[13] = 0x07;
        f[14] = 0x0a;
        assert_eq!(c.classify(&f), Some(2));
        f[14] = 0x1a;
        assert_eq!(c.classify(&f), None);
        assert_eq!(c.classify(&f[..14]), None);
        let c = classifier("14/00000000 18/ff", 1);
        let words: alloc::vec::Vec<u32> = c.program.insns.iter().map(|i| i.offset).collect();
        assert_eq!(words, [12, 16, 16]);
    }

    #[test]
    fn negation_and_several_clauses() {
        let c = classifier("!12/0800 !12/86dd, -", 2);
        assert_eq!(c.classify(&ether(0x0806, 20)), Some(0));
        assert_eq!(c.classify(&ether(0x0800, 20)), Some(1));
        assert_eq!(c.classify(&ether(0x86dd, 20)), Some(1));
        assert_eq!(c.classify(&[1, 2, 3]), Some(0));
        let c = classifier("! 0/01 1/02 2/03", 1);
        assert_eq!(c.classify(&[1, 2, 3]), None);
        assert_eq!(c.classify(&[2, 2, 3]), Some(0));
        assert_eq!(c.classify(&[2, 2, 4]), None);
    }

    #[test]
    fn program_jumps_forward_only() {
        let c = classifier("12/0800 !23/06 !23/11, 12/0806 20/0001, !0/ff, -", 4);
        for (i, insn) in c.program.insns.iter().enumerate() {
            for j in [insn.yes, insn.no] {
                if let Jump::Step(t) = j {
                    assert!(t as usize > i && (t as usize) < c.program.insns.len());
                }
            }
        }
        let text = c.read_handler("program", &hcx()).unwrap();
        assert!(
            text.starts_with(" 0   12/08000000%ffff0000  yes->step 1  no->step 3"),
            "{text}"
        );
        assert!(text.contains("safe length 24"));
    }

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::default(),
        }
    }

    #[test]
    fn configuration_errors_are_located_per_pattern() {
        let text = "12/0800, 12/08x, 1/0, 5/abc, 3/00%f, 3/00%fff, x/00, 12";
        let err = configure::<Classifier>(text, ports(8)).unwrap_err();
        let got: alloc::vec::Vec<(&str, usize)> = err
            .errors
            .iter()
            .map(|e| (e.message.as_str(), e.span.start))
            .collect();
        assert_eq!(
            got,
            [
                ("pattern 1: expected a digit", 9),
                ("pattern 2: value has less than 2 hex digits", 17),
                ("pattern 3: value has odd number of hex digits", 22),
                ("pattern 4: mask has too few hex digits", 29),
                ("pattern 5: mask has too many hex digits", 37),
                ("pattern 6: expected a digit", 47),
                ("pattern 7: expected '/'", 53),
            ]
        );
        let err = configure::<Classifier>("12/0800, -", ports(3)).unwrap_err();
        assert_eq!(
            err.errors[0].message,
            "need 3 arguments, one per output port"
        );
    }

    #[test]
    fn push_routes_and_drops_without_leaks() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut c = classifier("12/0800, 12/0806", 2);
        let mut out = Collect::new();
        for t in [0x0800u16, 0x0806, 0x86dd] {
            c.push(
                0,
                pool.packet(&ether(t, 60)).unwrap().into(),
                &mut out,
                &mut cx,
            );
        }
        let mut batch = Batch::new();
        batch
            .push(pool.packet(&ether(0x0806, 42)).unwrap().into())
            .unwrap();
        c.push_batch(0, &mut batch, &mut out, &mut cx);
        assert_eq!((out.count(0), out.count(1)), (1, 2));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn random_patterns_and_packets_never_panic() {
        // A deterministic xorshift stands in for proptest: random pattern text (from an
        // alphabet that exercises the parser) and random packets.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"0123456789abcdefABCDEF?%/! -x";
        for _ in 0..2000 {
            let n = (next() % 3 + 1) as usize;
            let mut config = String::new();
            for k in 0..n {
                if k > 0 {
                    config.push_str(", ");
                }
                for _ in 0..(next() % 16) {
                    config.push(alphabet[(next() % alphabet.len() as u64) as usize] as char);
                }
            }
            if let Ok(c) = configure::<Classifier>(&config, ports(n)) {
                for _ in 0..8 {
                    let len = (next() % 64) as usize;
                    let data: alloc::vec::Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    if let Some(port) = c.classify(&data) {
                        assert!(port < n);
                    }
                }
            }
        }
    }
}
