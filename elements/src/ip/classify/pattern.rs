//! The pattern language of IPFilter and IPClassifier: words, parser, and the compiler that
//! turns a list of patterns into one decision program of mask-and-compare steps.
//!
//! This follows Click's `elements/ip/ipfilter.cc` rule for rule: the same tokenizer
//! (`separate_text`), the same grammar (`expr ::= orexpr [? expr : expr]`, `orexpr ::= term
//! (or term)*`, `term ::= factor ([and] factor)*`, `factor ::= ! factor | ( expr ) | test`),
//! the same qualifier rules (a bare value inherits the previous primitive's type, `src`/`dst`
//! and protocol), and the same instructions: each step loads the 32-bit word at a virtual
//! offset (256 + n is byte n of the network header, 512 + n byte n of the transport header),
//! masks it and compares it with a value.
//!
//! # Short packets
//!
//! As in Click, a step whose word lies beyond the packet (a transport field of a packet with
//! no transport bytes) takes its "short" branch, which is the "no" branch unless a
//! primitive-level negation (`!=`, `ip frag`, `ip ect`) flipped it. Expression-level `not`
//! does not flip it, so `not tcp opt syn` matches a TCP packet too short to hold its flags.
//! Transport fields (ports, ICMP type, TCP flags and window, `transp[...]`) also require the
//! fragment offset to be zero.
//!
//! # The program
//!
//! Click builds its program from subtrees and then optimizes it; this compiler emits the same
//! decisions in continuation-passing style (each expression is compiled knowing where its
//! "true" and "false" exits go), which gives a DAG of at most one step per primitive test
//! with no optimization pass. The first matching pattern wins. Steps only jump to steps
//! built earlier, so the walk always ends, in at most as many steps as the program has.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::element::args::FromArg;
use crate::element::args::{unquote, ConfigArg, Resolver, Span};
use crate::packet::Packet;
use crate::wire::{Ipv4Address, Ipv4Prefix};

/// Virtual offset of the network header's first byte.
const OFFSET_NET: u32 = 256;
/// Virtual offset of the transport header's first byte.
const OFFSET_TRANSP: u32 = 512;
/// Deepest nesting of parentheses and `not` a pattern may have (Click's parser is iterative
/// and has no limit; this one recurses, so it refuses to overflow the stack instead).
const MAX_DEPTH: usize = 200;

// Click's primitive types (ipfilter.hh).
const TYPE_NONE: i32 = 0;
const TYPE_TYPE: i32 = 1;
const TYPE_SYNTAX: i32 = 2;
const TYPE_INT: i32 = 3;
const TYPE_HOST: i32 = 10;
const TYPE_PROTO: i32 = 11;
const TYPE_ETHER: i32 = 12;
const TYPE_IPFRAG: i32 = 13;
const TYPE_PORT: i32 = 14;
const TYPE_TCPOPT: i32 = 15;
const TYPE_NET: i32 = 30;
const TYPE_IPUNFRAG: i32 = 31;
const TYPE_IPECT: i32 = 32;
const TYPE_IPCE: i32 = 33;
const TYPE_FIELD: i32 = 0x4000_0000;
const FIELD_PROTO_SHIFT: i32 = 21;
const FIELD_PROTO_MASK: i32 = 0x1FF << FIELD_PROTO_SHIFT;
const FIELD_OFFSET_SHIFT: i32 = 5;
const FIELD_OFFSET_MASK: i32 = 0xFFFF << FIELD_OFFSET_SHIFT;
const FIELD_LENGTH_MASK: i32 = 0x1F;

const fn field(proto: i32, bit_offset: i32, bits: i32) -> i32 {
    TYPE_FIELD | (proto << FIELD_PROTO_SHIFT) | (bit_offset << FIELD_OFFSET_SHIFT) | (bits - 1)
}

const FIELD_IPLEN: i32 = field(0, 16, 16);
const FIELD_ID: i32 = field(0, 32, 16);
const FIELD_VERSION: i32 = field(0, 0, 4);
const FIELD_HL: i32 = field(0, 4, 4);
const FIELD_TOS: i32 = field(0, 8, 8);
const FIELD_DSCP: i32 = field(0, 8, 6);
const FIELD_TTL: i32 = field(0, 64, 8);
const FIELD_TCP_WIN: i32 = field(PROTO_TCP, 112, 16);
const FIELD_ICMP_TYPE: i32 = field(PROTO_ICMP, 0, 8);

const UNKNOWN: i32 = -1000;
const PROTO_ICMP: i32 = 1;
const PROTO_TCP: i32 = 6;
const PROTO_UDP: i32 = 17;
const PROTO_DCCP: i32 = 33;
const PROTO_TCP_OR_UDP: i32 = 0x100;
const PROTO_TRANSP: i32 = 0x101;

const SD_SRC: u8 = 1;
const SD_DST: u8 = 2;
const SD_AND: u8 = 3;
const SD_OR: u8 = 4;

/// The words Click's `T_IPFILTER_TYPE` name database knows.
const TYPE_WORDS: &[(&str, i32)] = &[
    ("ce", TYPE_IPCE),
    ("dest", TYPE_SYNTAX),
    ("dscp", FIELD_DSCP),
    ("dst", TYPE_SYNTAX),
    ("ect", TYPE_IPECT),
    ("ether", TYPE_SYNTAX),
    ("frag", TYPE_IPFRAG),
    ("hl", FIELD_HL),
    ("host", TYPE_HOST),
    ("id", FIELD_ID),
    ("ip", TYPE_SYNTAX),
    ("len", FIELD_IPLEN),
    ("net", TYPE_NET),
    ("not", TYPE_SYNTAX),
    ("opt", TYPE_TCPOPT),
    ("port", TYPE_PORT),
    ("proto", TYPE_PROTO),
    ("src", TYPE_SYNTAX),
    ("tos", FIELD_TOS),
    ("ttl", FIELD_TTL),
    ("type", FIELD_ICMP_TYPE),
    ("unfrag", TYPE_IPUNFRAG),
    ("vers", FIELD_VERSION),
    ("win", FIELD_TCP_WIN),
];

const TCP_OPTS: &[(&str, i32)] = &[
    ("ack", 0x10),
    ("fin", 0x01),
    ("psh", 0x08),
    ("rst", 0x04),
    ("syn", 0x02),
    ("urg", 0x20),
];

/// Click's IP protocol names (IPNameInfo).
const IP_PROTOS: &[(&str, i32)] = &[
    ("icmp", PROTO_ICMP),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", PROTO_TCP),
    ("tcpudp", PROTO_TCP_OR_UDP),
    ("transp", PROTO_TRANSP),
    ("udp", PROTO_UDP),
];

/// Click's ICMP type names.
const ICMP_TYPES: &[(&str, i32)] = &[
    ("echo", 8),
    ("echo-reply", 0),
    ("inforeq", 15),
    ("inforeq-reply", 16),
    ("maskreq", 17),
    ("maskreq-reply", 18),
    ("parameterproblem", 12),
    ("redirect", 5),
    ("routeradvert", 9),
    ("routersolicit", 10),
    ("sourcequench", 4),
    ("timeexceeded", 11),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("unreachable", 3),
];

/// Click's built-in TCP and UDP port names (the host's services database, which Click's
/// user-level driver also consults, is not available here).
const PORTS: &[(&str, i32)] = &[
    ("auth", 113),
    ("bootpc", 68),
    ("bootps", 67),
    ("chargen", 19),
    ("daytime", 13),
    ("discard", 9),
    ("dns", 53),
    ("domain", 53),
    ("echo", 7),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("https", 443),
    ("imap3", 220),
    ("imaps", 993),
    ("irc", 194),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("netbios-ssn", 139),
    ("nntp", 119),
    ("ntp", 123),
    ("pop3", 110),
    ("pop3s", 995),
    ("rip", 520),
    ("route", 520),
    ("smtp", 25),
    ("snmp", 161),
    ("snmp-trap", 162),
    ("ssh", 22),
    ("sunrpc", 111),
    ("telnet", 23),
    ("tftp", 69),
    ("www", 80),
];

fn find(db: &[(&str, i32)], word: &str) -> Option<i32> {
    db.iter().find(|(w, _)| *w == word).map(|&(_, v)| v)
}

// ---------------------------------------------------------------------------------------
// The program.

/// Where a step leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Another step.
    Step(u32),
    /// Send the packet to this output (for IPFilter, the pattern's action).
    Output(u32),
    /// Drop the packet.
    Drop,
}

/// One mask-and-compare step: `word(offset) & mask == value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Virtual offset of the word (256 + n: network header byte n; 512 + n: transport).
    pub offset: u32,
    /// The value to compare with, as the word reads big-endian.
    pub value: u32,
    /// The bits that count.
    pub mask: u32,
    /// Which way to go when the word lies beyond the packet: true for `yes`.
    pub short_yes: bool,
    /// Where to go on a match.
    pub yes: Target,
    /// Where to go otherwise.
    pub no: Target,
}

/// A compiled set of patterns.
///
/// Two programs are equal when their steps and entry are; each also has an [`Program::id`]
/// of its own, which generated code uses to know that an element still runs the program it
/// was compiled with (a handler write replaces the program, and with it the id).
#[derive(Clone, Debug)]
pub struct Program {
    steps: Vec<Step>,
    entry: Target,
    id: u64,
}

impl PartialEq for Program {
    fn eq(&self, other: &Self) -> bool {
        self.steps == other.steps && self.entry == other.entry
    }
}

impl Eq for Program {}

/// The next program's id (ids start at 1).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn new_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl Default for Program {
    fn default() -> Self {
        Program {
            steps: Vec::new(),
            entry: Target::Drop,
            id: new_id(),
        }
    }
}

/// The bytes a packet offers to a program: Click's `network_header()`,
/// `transport_header()` and its virtual packet length. Public so that the code `sluice
/// build` generates from a program (one `match` arm per step) runs each step through
/// [`View::test`], the same code as [`Program::classify`].
pub struct View<'a> {
    net: &'a [u8],
    transp: &'a [u8],
    length: u32,
}

impl<'a> View<'a> {
    /// The packet's view, or None if its network header is not marked.
    #[inline]
    pub fn of(p: &'a Packet) -> Option<Self> {
        let net = p.network_header()?;
        let transp = p.transport_header().unwrap_or(&[]);
        let nlen = net.len();
        let hlen = p.network_header_length().unwrap_or(nlen);
        // Click: `network_length() > network_header_length()` means transport bytes exist.
        let length = if nlen > hlen {
            OFFSET_TRANSP as usize + (nlen - hlen)
        } else {
            OFFSET_NET as usize + nlen
        };
        Some(View {
            net,
            transp,
            length: u32::try_from(length).unwrap_or(u32::MAX),
        })
    }

    /// True if `step`'s test holds: its word, masked, equals its value; a word beyond the
    /// packet takes the step's short branch.
    #[inline(always)]
    pub fn test(&self, step: &Step) -> bool {
        match self.load(step.offset, step.mask) {
            Some(word) => word & step.mask == step.value,
            None => step.short_yes,
        }
    }

    /// The word at `offset`, or None when it lies beyond the packet in bits that `mask`
    /// keeps (Click's `length_checked_match`).
    #[inline(always)]
    fn load(&self, offset: u32, mask: u32) -> Option<u32> {
        if offset + 4 > self.length {
            if offset >= self.length {
                return None;
            }
            let available = self.length - offset;
            if mask & 0xFF != 0
                || (mask & 0xFF00 != 0 && available <= 2)
                || (mask & 0xFF_0000 != 0 && available == 1)
            {
                return None;
            }
        }
        let (bytes, at) = if offset >= OFFSET_TRANSP {
            (self.transp, offset - OFFSET_TRANSP)
        } else if offset >= OFFSET_NET {
            (self.net, offset - OFFSET_NET)
        } else {
            (&[][..], 0)
        };
        let at = at as usize;
        // The usual case: all four bytes are there, one unaligned load.
        if let Some(&word) = bytes.get(at..).and_then(|b| b.first_chunk::<4>()) {
            return Some(u32::from_be_bytes(word));
        }
        // A word that runs past the end in bits the mask ignores reads those bytes as 0.
        let mut word = [0u8; 4];
        for (i, w) in word.iter_mut().enumerate() {
            *w = bytes.get(at + i).copied().unwrap_or(0);
        }
        Some(u32::from_be_bytes(word))
    }
}

/// What running a program on a packet gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The packet goes to this output.
    Output(usize),
    /// No pattern sends it anywhere.
    Drop,
    /// The packet has no network header mark (Click requires one).
    NoNetworkHeader,
}

impl Program {
    /// The steps, for the `program` handler and tests.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Where the program starts: step 0, or an output or drop for every packet.
    pub fn entry(&self) -> Target {
        self.entry
    }

    /// This program's own number: every program built gets a new one.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Runs the program on `p`.
    pub fn classify(&self, p: &Packet) -> Verdict {
        if let Target::Output(n) = self.entry {
            return Verdict::Output(n as usize);
        }
        let Some(view) = View::of(p) else {
            return Verdict::NoNetworkHeader;
        };
        let mut at = self.entry;
        loop {
            match at {
                Target::Output(n) => return Verdict::Output(n as usize),
                Target::Drop => return Verdict::Drop,
                Target::Step(i) => {
                    let Some(s) = self.steps.get(i as usize) else {
                        return Verdict::Drop;
                    };
                    at = if view.test(s) { s.yes } else { s.no };
                }
            }
        }
    }

    /// A readable listing in the spirit of Click's `program` handler: one step per line,
    /// `OFFSET/VALUE%MASK  yes->...  no->...`, offsets relative to the network header
    /// (transport offsets printed as `t+N`).
    pub fn unparse(&self) -> String {
        let mut s = String::new();
        let target = |t: Target| match t {
            Target::Step(i) => format!("step {i}"),
            Target::Output(n) => format!("[{n}]"),
            Target::Drop => String::from("[X]"),
        };
        for (i, st) in self.steps.iter().enumerate() {
            let off = if st.offset >= OFFSET_TRANSP {
                format!("t+{}", st.offset - OFFSET_TRANSP)
            } else {
                format!("{}", st.offset - OFFSET_NET)
            };
            let _ = write!(
                s,
                "{i:3} {off:>4}/{:08x}%{:08x}  yes->{}  no->{}",
                st.value,
                st.mask,
                target(st.yes),
                target(st.no)
            );
            if st.short_yes {
                s.push_str("  short->yes");
            }
            s.push('\n');
        }
        if let Target::Output(n) = self.entry {
            let _ = writeln!(s, "all->[{n}]");
        } else if self.steps.is_empty() {
            s.push_str("all->[X]\n");
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// Expressions and their compilation.

/// A boolean expression over steps.
#[derive(Clone, Debug)]
enum Expr {
    /// One comparison; a zero mask always matches.
    Test {
        offset: u32,
        value: u32,
        mask: u32,
    },
    /// Negation; `flip_short` also flips where short packets go (Click's
    /// `negate_subtree(tree, true)`).
    Not(Box<Expr>, bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `c ? a : b`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
}

const TRUE: Expr = Expr::Test {
    offset: 0,
    value: 0,
    mask: 0,
};

fn test(offset: u32, value: u32, mask: u32) -> Expr {
    Expr::Test {
        offset,
        value: value & mask,
        mask,
    }
}

fn not(e: Expr, flip_short: bool) -> Expr {
    Expr::Not(Box::new(e), flip_short)
}

struct Emitter {
    steps: Vec<Step>,
}

impl Emitter {
    /// Emits `e` so that it continues at `t` when true and `f` when false; `flip` says
    /// whether short packets take the other branch. Returns the entry.
    fn emit(&mut self, e: &Expr, t: Target, f: Target, flip: bool) -> Target {
        match e {
            Expr::Test {
                offset,
                value,
                mask,
            } => {
                if *mask == 0 {
                    return t;
                }
                let i = self.steps.len() as u32;
                self.steps.push(Step {
                    offset: *offset,
                    value: *value,
                    mask: *mask,
                    short_yes: flip,
                    yes: t,
                    no: f,
                });
                Target::Step(i)
            }
            Expr::Not(x, flip_short) => self.emit(x, f, t, flip ^ flip_short),
            Expr::And(xs) => xs
                .iter()
                .rev()
                .fold(t, |cont, x| self.emit(x, cont, f, flip)),
            Expr::Or(xs) => xs
                .iter()
                .rev()
                .fold(f, |cont, x| self.emit(x, t, cont, flip)),
            Expr::Ternary(c, a, b) => {
                let ta = self.emit(a, t, f, flip);
                let tb = self.emit(b, t, f, flip);
                self.emit(c, ta, tb, flip)
            }
        }
    }
}

/// Builds the program for `patterns`: `(slot, expression)` in order, first match wins.
fn link(patterns: &[(Target, Expr)]) -> Program {
    let mut em = Emitter { steps: Vec::new() };
    let mut next = Target::Drop;
    for (slot, e) in patterns.iter().rev() {
        next = em.emit(e, *slot, next, false);
    }
    renumber(em.steps, next)
}

/// Renumbers the steps breadth-first from the entry, so step 0 is the first test and
/// unreachable steps disappear.
fn renumber(steps: Vec<Step>, entry: Target) -> Program {
    fn visit(t: Target, map: &mut [u32], order: &mut Vec<usize>) {
        if let Target::Step(i) = t {
            if map[i as usize] == u32::MAX {
                map[i as usize] = order.len() as u32;
                order.push(i as usize);
            }
        }
    }
    let mut map = vec![u32::MAX; steps.len()];
    let mut order = Vec::new();
    visit(entry, &mut map, &mut order);
    let mut k = 0;
    while k < order.len() {
        let s = steps[order[k]];
        visit(s.yes, &mut map, &mut order);
        visit(s.no, &mut map, &mut order);
        k += 1;
    }
    let fix = |t: Target| match t {
        Target::Step(i) => Target::Step(map[i as usize]),
        other => other,
    };
    Program {
        steps: order
            .iter()
            .map(|&i| {
                let s = steps[i];
                Step {
                    yes: fix(s.yes),
                    no: fix(s.no),
                    ..s
                }
            })
            .collect(),
        entry: fix(entry),
        id: new_id(),
    }
}

// ---------------------------------------------------------------------------------------
// Words.

/// One word of a pattern and where it sits in the pattern text.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

/// Click's `separate_text`: two-character operators `&& || <= >= != ==`, one-character
/// punctuation `& | < > ! = ( ) [ ] , ; ?`, and words of letters, digits and `- . / @ _ :`.
fn separate(text: &str) -> Vec<Word> {
    let s = text.as_bytes();
    let mut words = Vec::new();
    let mut pos = 0;
    let word = |a: usize, b: usize| Word {
        text: String::from_utf8_lossy(&s[a..b]).into_owned(),
        start: a,
        end: b,
    };
    while pos < s.len() {
        while pos < s.len() && s[pos].is_ascii_whitespace() || s.get(pos) == Some(&0x0b) {
            pos += 1;
        }
        if pos >= s.len() {
            break;
        }
        let c = s[pos];
        let next = s.get(pos + 1).copied();
        let two = match c {
            b'&' | b'|' => next == Some(c),
            b'<' | b'>' | b'!' | b'=' => next == Some(b'='),
            _ => false,
        };
        if two {
            words.push(word(pos, pos + 2));
            pos += 2;
        } else if matches!(
            c,
            b'&' | b'|'
                | b'<'
                | b'>'
                | b'!'
                | b'='
                | b'('
                | b')'
                | b'['
                | b']'
                | b','
                | b';'
                | b'?'
        ) {
            words.push(word(pos, pos + 1));
            pos += 1;
        } else {
            let first = pos;
            while pos < s.len()
                && (s[pos].is_ascii_alphanumeric()
                    || matches!(s[pos], b'-' | b'.' | b'/' | b'@' | b'_' | b':'))
            {
                pos += 1;
            }
            if pos == first {
                // Any other byte is a word by itself (a whole UTF-8 character).
                pos += 1;
                while pos < s.len() && (s[pos] & 0xC0) == 0x80 {
                    pos += 1;
                }
            }
            words.push(word(first, pos));
        }
    }
    words
}

// ---------------------------------------------------------------------------------------
// The parser.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Gt,
    Lt,
}

/// Click's `IPFilter::Primitive`.
#[derive(Clone, Copy, Debug)]
struct Prim {
    ty: i32,
    data: i32,
    op: Op,
    op_negated: bool,
    srcdst: u8,
    transp: i32,
    /// The value, host order (addresses as `to_u32`).
    u: u32,
    mask: u32,
}

impl Default for Prim {
    fn default() -> Self {
        Prim {
            ty: TYPE_NONE,
            data: TYPE_NONE,
            op: Op::Eq,
            op_negated: false,
            srcdst: 0,
            transp: UNKNOWN,
            u: 0,
            mask: 0,
        }
    }
}

fn unparse_transp(proto: i32) -> String {
    match proto {
        UNKNOWN => String::new(),
        PROTO_ICMP => "icmp".into(),
        2 => "igmp".into(),
        4 => "ipip".into(),
        PROTO_TCP => "tcp".into(),
        PROTO_UDP => "udp".into(),
        PROTO_TCP_OR_UDP => "tcpudp".into(),
        PROTO_TRANSP => "transp".into(),
        p => format!("ip proto {p}"),
    }
}

fn unparse_type(srcdst: u8, ty: i32) -> String {
    let mut s = String::from(match srcdst {
        SD_SRC => "src ",
        SD_DST => "dst ",
        SD_OR => "src or dst ",
        SD_AND => "src and dst ",
        _ => "",
    });
    match ty {
        TYPE_NONE => s.push_str("<none>"),
        TYPE_HOST => s.push_str("ip host"),
        TYPE_PROTO => s.push_str("proto"),
        TYPE_ETHER => s.push_str("ether host"),
        TYPE_IPFRAG => s.push_str("ip frag"),
        TYPE_PORT => s.push_str("port"),
        TYPE_TCPOPT => s.push_str("tcp opt"),
        TYPE_NET => s.push_str("ip net"),
        TYPE_IPUNFRAG => s.push_str("ip unfrag"),
        TYPE_IPECT => s.push_str("ip ect"),
        TYPE_IPCE => s.push_str("ip ce"),
        FIELD_IPLEN => s.push_str("ip len"),
        FIELD_ID => s.push_str("ip id"),
        FIELD_VERSION => s.push_str("ip vers"),
        FIELD_HL => s.push_str("ip hl"),
        FIELD_TOS => s.push_str("ip tos"),
        FIELD_DSCP => s.push_str("ip dscp"),
        FIELD_TTL => s.push_str("ip ttl"),
        FIELD_TCP_WIN => s.push_str("tcp win"),
        FIELD_ICMP_TYPE => s.push_str("icmp type"),
        t if t > 0 && t & TYPE_FIELD != 0 => {
            if t & FIELD_PROTO_MASK != 0 {
                s.push_str(&unparse_transp((t & FIELD_PROTO_MASK) >> FIELD_PROTO_SHIFT));
            } else {
                s.push_str("ip");
            }
            s.push_str("[...]");
        }
        t => {
            let _ = write!(s, "<unknown type {t}>");
        }
    }
    s
}

fn unparse_word(ty: i32, proto: i32, word: &str) -> String {
    let mut tn = unparse_type(0, ty);
    let mut tr = unparse_transp(proto);
    if !tn.is_empty() {
        tn.push(' ');
    }
    if !tr.is_empty() || (!word.is_empty() && !tn.is_empty()) {
        tr.push(' ');
    }
    format!("{tn}{tr}{word}")
}

/// What a word means to `lookup`.
enum Looked {
    /// Not a name.
    Unknown,
    /// Ambiguous or meaningless here (an error was reported if asked).
    Bad,
    /// A type word (`host`, `port`, `ttl`...), with its type.
    Type(i32),
    /// A value of this type.
    Value(i32, i32),
}

struct Parser<'a> {
    words: Vec<Word>,
    pos: usize,
    depth: usize,
    prev: Prim,
    names: &'a dyn Resolver,
    errors: Vec<(usize, usize, String)>,
}

fn int_arg(word: &str) -> Option<i32> {
    i32::from_arg(word, &crate::element::args::NoNames).ok()
}

fn u32_arg(word: &str) -> Option<u32> {
    u32::from_arg(word, &crate::element::args::NoNames).ok()
}

impl<'a> Parser<'a> {
    fn word(&self, i: usize) -> &str {
        self.words.get(i).map_or("", |w| w.text.as_str())
    }

    fn at(&self, s: &str) -> bool {
        self.pos < self.words.len() && self.words[self.pos].text == s
    }

    fn at_any(&self, ss: &[&str]) -> bool {
        ss.iter().any(|s| self.at(s))
    }

    /// Records an error about words `first..last` (at least one word).
    fn error(&mut self, first: usize, last: usize, message: String) {
        let n = self.words.len();
        let (a, b) = if n == 0 {
            (0, 0)
        } else {
            let a = first.min(n - 1);
            let b = last.max(a + 1).min(n);
            (self.words[a].start, self.words[b - 1].end)
        };
        self.errors.push((a, b, message));
    }

    fn lookup(&mut self, word: &str, ty: i32, proto: i32, report: Option<usize>) -> Looked {
        if ty == TYPE_NONE || ty == TYPE_TYPE {
            if let Some(t) = find(TYPE_WORDS, word) {
                return if t == TYPE_SYNTAX {
                    Looked::Unknown
                } else {
                    Looked::Type(t)
                };
            }
        }
        let got = [
            find(IP_PROTOS, word),
            find(PORTS, word),
            find(PORTS, word),
            find(TCP_OPTS, word),
            find(ICMP_TYPES, word),
        ];
        if got.iter().all(Option::is_none) {
            return Looked::Unknown;
        }
        const DB_TYPE: [i32; 5] = [
            TYPE_PROTO,
            TYPE_PORT,
            TYPE_PORT,
            TYPE_TCPOPT,
            FIELD_ICMP_TYPE,
        ];
        let tcpish = proto == UNKNOWN || proto == PROTO_TCP || proto == PROTO_TCP_OR_UDP;
        let udpish = proto == UNKNOWN || proto == PROTO_UDP || proto == PROTO_TCP_OR_UDP;
        let mut tgot = [
            got[0].is_some() && (ty == 0 || ty == TYPE_PROTO),
            got[1].is_some() && (ty == 0 || ty == TYPE_PORT) && tcpish,
            got[2].is_some() && (ty == 0 || ty == TYPE_PORT) && udpish,
            got[3].is_some() && (ty == 0 || ty == TYPE_TCPOPT) && tcpish,
            got[4].is_some()
                && (ty == 0 || ty == FIELD_ICMP_TYPE)
                && (proto == UNKNOWN || proto == PROTO_ICMP),
        ];
        if tgot[1] && tgot[2] && got[1] == got[2] {
            tgot[2] = false;
        }
        let n = tgot.iter().filter(|&&b| b).count();
        if n == 1 {
            if let Some(i) = tgot.iter().position(|&b| b) {
                return Looked::Value(DB_TYPE[i], got[i].unwrap_or(0));
            }
        }
        if let Some(at) = report {
            let tries: Vec<String> = (0..5)
                .filter(|&i| got[i].is_some())
                .map(|i| format!("'{}'", unparse_word(DB_TYPE[i], proto, word)))
                .collect();
            let message = format!(
                "'{}' is {}; try {}",
                unparse_word(ty, proto, word),
                if n > 1 { "ambiguous" } else { "meaningless" },
                tries.join(", ")
            );
            self.error(at, at + 1, message);
        }
        Looked::Bad
    }

    /// `expr ::= orexpr [? expr : orexpr]...`
    fn expr(&mut self) -> Expr {
        let mut parts = vec![self.orexpr()];
        while self.at("?") {
            self.pos += 1;
            let before = self.pos;
            parts.push(self.expr());
            if self.pos == before || !self.at(":") {
                let at = self.pos;
                self.error(at, at + 1, "missing ':' in ternary expression".into());
                break;
            }
            self.pos += 1;
            parts.push(self.orexpr());
        }
        // Click's c_ternary combiner: a ? b : (c ? d : ...), a dangling pair is an `and`.
        let mut rest: Option<Expr> = None;
        let n = parts.len();
        let mut parts = parts.into_iter().rev();
        if n % 2 == 0 {
            let b = parts.next();
            let a = parts.next();
            if let (Some(a), Some(b)) = (a, b) {
                rest = Some(Expr::And(vec![a, b]));
            }
        } else {
            rest = parts.next();
        }
        while let (Some(b), Some(c)) = (parts.next(), parts.next()) {
            if let Some(r) = rest.take() {
                rest = Some(Expr::Ternary(Box::new(c), Box::new(b), Box::new(r)));
            }
        }
        rest.unwrap_or(TRUE)
    }

    fn orexpr(&mut self) -> Expr {
        let mut parts = vec![self.term()];
        while self.at_any(&["or", "||"]) {
            self.pos += 1;
            parts.push(self.term());
        }
        if parts.len() == 1 {
            parts.pop().unwrap_or(TRUE)
        } else {
            Expr::Or(parts)
        }
    }

    fn term(&mut self) -> Expr {
        let mut parts = Vec::new();
        let mut explicit = true;
        loop {
            let before = self.pos;
            if let Some(e) = self.factor(false) {
                parts.push(e);
            }
            if self.pos == before {
                if explicit {
                    let at = self.pos;
                    self.error(at, at + 1, "missing expression".into());
                }
                break;
            }
            explicit = self.at_any(&["and", "&&"]);
            if explicit {
                self.pos += 1;
            }
        }
        if parts.len() == 1 {
            parts.pop().unwrap_or(TRUE)
        } else {
            Expr::And(parts)
        }
    }

    fn factor(&mut self, negated: bool) -> Option<Expr> {
        if self.depth >= MAX_DEPTH {
            let at = self.pos;
            self.error(at, at + 1, "expression nested too deeply".into());
            self.pos = self.words.len();
            return None;
        }
        self.depth += 1;
        let r = self.factor_inner(negated);
        self.depth -= 1;
        r
    }

    fn factor_inner(&mut self, negated: bool) -> Option<Expr> {
        if self.at_any(&["not", "!"]) {
            let w = self.pos;
            self.pos += 1;
            let before = self.pos;
            let e = self.factor(!negated);
            if self.pos == before {
                let msg = format!("missing expression after '{}'", self.word(w));
                self.error(w, w + 1, msg);
            }
            return e;
        }
        if self.at("(") {
            let open = self.pos;
            self.pos += 1;
            let before = self.pos;
            let e = self.expr();
            if self.pos == before {
                self.error(open, open + 1, "missing expression after '('".into());
            }
            if self.at(")") {
                self.pos += 1;
            } else if self.pos != before {
                self.error(open, self.pos, "missing ')'".into());
            }
            return Some(if negated { not(e, false) } else { e });
        }
        self.test(negated)
    }

    /// `test ::= true | false | quals [[POS:LEN]] [& MASK] [relop] data`
    fn test(&mut self, mut negated: bool) -> Option<Expr> {
        let n = self.words.len();
        if self.pos >= n || self.at_any(&[")", "||", "or", "?", ":"]) {
            return None;
        }
        if self.at("true") || self.at("false") {
            let truth = self.at("true") != negated;
            self.pos += 1;
            return Some(if truth { TRUE } else { not(TRUE, false) });
        }

        let first = self.pos;
        let mut prim = Prim::default();
        let mut header = 0u8;

        // Qualifiers.
        while self.pos < n {
            let wd = self.words[self.pos].text.clone();
            match self.lookup(&wd, 0, UNKNOWN, None) {
                Looked::Type(t) => {
                    if prim.ty != 0 {
                        let at = self.pos;
                        self.error(at, at + 1, "type specified twice".into());
                    }
                    prim.ty = t;
                    if t & TYPE_FIELD != 0 && t & FIELD_PROTO_MASK != 0 {
                        self.set_transp(&mut prim, (t & FIELD_PROTO_MASK) >> FIELD_PROTO_SHIFT);
                    }
                }
                Looked::Value(TYPE_PROTO, v) => self.set_transp(&mut prim, v),
                Looked::Value(..) | Looked::Bad => break,
                Looked::Unknown => match wd.as_str() {
                    "src" => {
                        let sd = if self.pos + 2 < n
                            && matches!(self.word(self.pos + 2), "dst" | "dest")
                        {
                            match self.word(self.pos + 1) {
                                "and" | "&&" => {
                                    self.pos += 2;
                                    SD_AND
                                }
                                "or" | "||" => {
                                    self.pos += 2;
                                    SD_OR
                                }
                                _ => SD_SRC,
                            }
                        } else {
                            SD_SRC
                        };
                        self.set_srcdst(&mut prim, sd);
                    }
                    "dst" | "dest" => self.set_srcdst(&mut prim, SD_DST),
                    "ip" | "ether" => {
                        if header != 0 {
                            break;
                        }
                        header = wd.as_bytes()[0];
                    }
                    "not" | "!" => negated = !negated,
                    _ => break,
                },
            }
            self.pos += 1;
        }

        if self.pos != first {
            self.prev = Prim::default();
        }
        if self.prev.data == TYPE_ETHER {
            header = b'e';
        }

        let peek = |p: &Parser<'_>| -> String {
            if p.pos + 1 >= n {
                String::new()
            } else {
                p.words[p.pos].text.clone()
            }
        };
        let mut wd = peek(self);
        if wd == "[" && self.pos > first && prim.ty == TYPE_NONE {
            self.brackets(&mut prim);
            wd = peek(self);
        }

        // Optional bitmask.
        let mut mask_dt = 0;
        let mut provided_mask = 0u32;
        if wd == "&" && self.pos + 1 < n {
            let mw = self.words[self.pos + 1].text.clone();
            if let Some(m) = u32_arg(&mw) {
                mask_dt = TYPE_INT;
                provided_mask = m;
                self.pos += 2;
            } else if header != b'e' {
                if let Ok(a) = Ipv4Address::from_arg(&mw, self.names) {
                    mask_dt = TYPE_HOST;
                    provided_mask = a.to_u32();
                    self.pos += 2;
                }
            }
            if mask_dt != 0 && provided_mask == 0 {
                let at = self.pos - 1;
                self.error(at, at + 1, "zero mask ignored".into());
                mask_dt = 0;
            }
            wd = peek(self);
        }

        // Optional relation.
        self.pos += 1;
        match wd.as_str() {
            "=" | "==" => {}
            "!=" => prim.op_negated = true,
            ">" => prim.op = Op::Gt,
            "<" => prim.op = Op::Lt,
            ">=" => {
                prim.op = Op::Lt;
                prim.op_negated = true;
            }
            "<=" => {
                prim.op = Op::Gt;
                prim.op_negated = true;
            }
            _ => self.pos -= 1,
        }

        // The value.
        if self.pos < n {
            wd = self.words[self.pos].text.clone();
            let at = self.pos;
            let looked = self.lookup(&wd, prim.ty, prim.transp, Some(at));
            self.pos += 1;
            match looked {
                Looked::Bad => prim.ty = -2,
                Looked::Value(t, v) => {
                    prim.data = t;
                    prim.u = v as u32;
                }
                Looked::Unknown | Looked::Type(_) => {
                    // After `net`, a name that stands for both an address and a network
                    // (AddressInfo's `intern 10.0.0.1/8`) means the network.
                    let net_first = (prim.ty == TYPE_NET && header != b'e' && !wd.contains('/'))
                        .then(|| self.names.ip_prefix(&wd))
                        .flatten();
                    if let Some(p) = net_first {
                        prim.data = TYPE_NET;
                        prim.u = p.address.to_u32();
                        prim.mask = p.mask.to_u32();
                    } else if let Some(v) = int_arg(&wd) {
                        prim.data = TYPE_INT;
                        prim.u = v as u32;
                    } else if let (true, Ok(a)) =
                        (header != b'e', Ipv4Address::from_arg(&wd, self.names))
                    {
                        prim.u = a.to_u32();
                        let mask = if self.pos + 1 < n && self.word(self.pos) == "mask" {
                            Ipv4Address::from_arg(self.word(self.pos + 1), self.names).ok()
                        } else {
                            None
                        };
                        if let Some(m) = mask {
                            self.pos += 2;
                            prim.data = TYPE_NET;
                            prim.mask = m.to_u32();
                        } else {
                            prim.data = TYPE_HOST;
                        }
                    } else if let Some(p) = (header != b'e').then(|| self.prefix(&wd)).flatten() {
                        prim.data = TYPE_NET;
                        prim.u = p.address.to_u32();
                        prim.mask = p.mask.to_u32();
                    } else if header != b'i'
                        && crate::wire::EthernetAddress::from_arg(&wd, self.names).is_ok()
                    {
                        prim.data = TYPE_ETHER;
                    } else {
                        if prim.op != Op::Eq || prim.op_negated {
                            self.error(at, at + 1, format!("dangling operator near '{wd}'"));
                        }
                        self.pos -= 1;
                    }
                }
            }
        }

        if self.pos == first {
            let at = self.pos;
            self.error(at, at + 1, format!("empty term near '{wd}'"));
            return None;
        }

        let last = self.pos;
        match self.check(&mut prim, header, mask_dt, provided_mask) {
            Ok(()) => {
                let e = compile(&prim);
                self.prev = prim;
                Some(if negated { not(e, false) } else { e })
            }
            Err(Some(message)) => {
                self.error(first, last, message);
                None
            }
            Err(None) => None,
        }
    }

    /// Click's IPPrefixArg without bare addresses: `ADDR/LEN`, `ADDR/MASK`, names.
    fn prefix(&self, wd: &str) -> Option<Ipv4Prefix> {
        if wd.contains('/') || self.names.ip_prefix(wd).is_some() {
            Ipv4Prefix::from_arg(wd, self.names).ok()
        } else {
            None
        }
    }

    fn set_transp(&mut self, prim: &mut Prim, proto: i32) {
        if prim.transp != UNKNOWN && prim.transp != proto {
            let at = self.pos;
            self.error(at, at + 1, "transport protocol specified twice".into());
        }
        prim.transp = proto;
    }

    fn set_srcdst(&mut self, prim: &mut Prim, sd: u8) {
        if prim.srcdst != 0 {
            let at = self.pos;
            self.error(at, at + 1, "'src' or 'dst' specified twice".into());
        }
        prim.srcdst = sd;
    }

    /// `[POS]`, `[POS:LEN]` or `[POS,END]` after `ip`, `tcp`, `transp`...
    fn brackets(&mut self, prim: &mut Prim) {
        let n = self.words.len();
        let open = self.pos;
        let mut combined = String::new();
        self.pos += 1;
        while self.pos < n && self.words[self.pos].text != "]" {
            combined.push_str(&self.words[self.pos].text);
            self.pos += 1;
        }
        if self.pos >= n {
            self.error(open, open + 1, "missing ']'".into());
            self.pos = open + 1;
            return;
        }
        self.pos += 1;
        let parsed = if let Some((a, b)) = combined.split_once(':').filter(|(_, b)| !b.is_empty()) {
            int_arg(a).zip(int_arg(b))
        } else if let Some((a, b)) = combined.split_once(',').filter(|(_, b)| !b.is_empty()) {
            int_arg(a)
                .zip(int_arg(b))
                .map(|(p, e)| (p, e.saturating_sub(p).saturating_add(1)))
        } else {
            int_arg(&combined).map(|p| (p, 1))
        };
        let Some((fieldpos, len)) = parsed else {
            self.error(
                open,
                self.pos,
                "syntax error after '[', expected '[POS]' or '[POS:LEN]'".into(),
            );
            return;
        };
        let (bitpos, bits) = (fieldpos.saturating_mul(8), len.saturating_mul(8));
        if !(1..=32).contains(&bits) {
            self.error(
                open,
                self.pos,
                "LEN in '[POS:LEN]' out of range, should be between 1 and 4".into(),
            );
        } else if !(0..0x10000).contains(&bitpos) || (bitpos & !31) != ((bitpos + bits - 1) & !31) {
            self.error(
                open,
                self.pos,
                format!("field [{fieldpos}:{len}] does not fit in a single word"),
            );
        } else {
            let transp = if prim.transp == UNKNOWN {
                0
            } else {
                prim.transp
            };
            if prim.ty != 0 {
                self.error(open, self.pos, "type specified twice".into());
            }
            prim.ty = TYPE_FIELD
                | ((transp & 0x1FF) << FIELD_PROTO_SHIFT)
                | (bitpos << FIELD_OFFSET_SHIFT)
                | (bits - 1);
        }
    }

    /// Click's `Primitive::check`: settles the type from the value and the previous
    /// primitive, and checks that they agree. `Err(None)` means an error was already
    /// reported.
    fn check(
        &mut self,
        prim: &mut Prim,
        header: u8,
        mask_dt: i32,
        provided_mask: u32,
    ) -> Result<(), Option<String>> {
        if prim.ty < 0 {
            return Err(None);
        }
        let prev = self.prev;
        if prim.ty == 0 {
            loop {
                match prim.data {
                    TYPE_HOST | TYPE_NET | TYPE_TCPOPT | TYPE_ETHER => {
                        prim.ty = prim.data;
                        if prim.srcdst == 0 {
                            prim.srcdst = prev.srcdst;
                        }
                    }
                    TYPE_PROTO => prim.ty = TYPE_PROTO,
                    TYPE_PORT => {
                        prim.ty = TYPE_PORT;
                        if prim.srcdst == 0 {
                            prim.srcdst = prev.srcdst;
                        }
                        if prim.transp == UNKNOWN {
                            prim.transp = prev.transp;
                        }
                    }
                    TYPE_INT => {
                        if prev.ty & TYPE_FIELD == 0
                            && prev.ty != TYPE_PROTO
                            && prev.ty != TYPE_PORT
                        {
                            return Err(Some("specify header field or 'port'".into()));
                        }
                        prim.data = prev.ty;
                        continue;
                    }
                    TYPE_NONE => {
                        if prim.transp != UNKNOWN {
                            prim.ty = TYPE_PROTO;
                        } else {
                            return Err(Some("partial directive".into()));
                        }
                    }
                    d if d > 0 && d & TYPE_FIELD != 0 => {
                        prim.ty = d;
                        if d & FIELD_PROTO_MASK != 0 && prim.transp == UNKNOWN {
                            prim.transp = (d & FIELD_PROTO_MASK) >> FIELD_PROTO_SHIFT;
                        }
                    }
                    d => return Err(Some(format!("unknown type '{}'", unparse_type(0, d)))),
                }
                break;
            }
        }

        let header = if header == 0 { b'i' } else { header };
        let type_error = |prim: &Prim, msg: &str| {
            Some(format!("'{}': {}", unparse_type(prim.srcdst, prim.ty), msg))
        };
        if header == b'e' && prim.ty == TYPE_HOST {
            prim.ty = TYPE_ETHER;
        }

        match prim.ty {
            TYPE_HOST | TYPE_NET => {
                if header != b'i' || prim.data != prim.ty {
                    return Err(type_error(prim, "address missing"));
                }
                if prim.op != Op::Eq {
                    return Err(type_error(prim, "operator not supported"));
                }
                if prim.ty == TYPE_HOST {
                    prim.mask = u32::MAX;
                }
                prim.ty = TYPE_HOST;
                match mask_dt {
                    0 => {}
                    // Click stores an integer mask in host order and byte-swaps it as if it
                    // were an address (on little-endian machines, where Click ran).
                    TYPE_INT => prim.mask = provided_mask.swap_bytes(),
                    TYPE_HOST => prim.mask = provided_mask,
                    _ => return Err(type_error(prim, "bad mask")),
                }
            }
            TYPE_ETHER => {
                return Err(type_error(
                    prim,
                    "not supported (packets carry no MAC header mark)",
                ));
            }
            TYPE_PROTO => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data == TYPE_INT || prim.data == TYPE_PROTO {
                    if prim.transp != UNKNOWN && prim.transp != prim.u as i32 {
                        return Err(type_error(prim, "specified twice"));
                    }
                    prim.data = TYPE_NONE;
                } else {
                    prim.u = prim.transp as u32;
                }
                prim.transp = UNKNOWN;
                if prim.data != TYPE_NONE || prim.u as i32 == UNKNOWN {
                    return Err(type_error(prim, "value missing"));
                }
                if prim.u as i32 >= 256 {
                    if prim.op != Op::Eq || mask_dt != 0 {
                        return Err(Some(format!(
                            "'{}': operator or mask not supported",
                            unparse_transp(prim.u as i32)
                        )));
                    }
                    prim.mask = 0xFF;
                } else if mask_dt != 0 && mask_dt != TYPE_INT {
                    return Err(type_error(prim, "bad mask"));
                } else {
                    set_mask(prim, 0xFF, provided_mask)?;
                }
                if prim.op == Op::Eq && prim.mask == 0xFF && !prim.op_negated {
                    prim.transp = prim.u as i32;
                }
            }
            TYPE_PORT => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data == TYPE_INT {
                    prim.data = TYPE_PORT;
                }
                if prim.data != TYPE_PORT {
                    return Err(type_error(prim, "value missing"));
                }
                if prim.transp == UNKNOWN {
                    prim.transp = PROTO_TCP_OR_UDP;
                } else if ![PROTO_TCP, PROTO_UDP, PROTO_TCP_OR_UDP, PROTO_DCCP]
                    .contains(&prim.transp)
                {
                    return Err(Some(format!("'port': bad protocol {}", prim.transp)));
                } else if mask_dt != 0 && mask_dt != TYPE_INT {
                    return Err(type_error(prim, "bad mask"));
                }
                set_mask(prim, 0xFFFF, provided_mask)?;
            }
            TYPE_TCPOPT => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data == TYPE_INT {
                    prim.data = TYPE_TCPOPT;
                }
                if prim.data != TYPE_TCPOPT {
                    return Err(type_error(prim, "value missing"));
                }
                if prim.transp == UNKNOWN {
                    prim.transp = PROTO_TCP;
                } else if prim.transp != PROTO_TCP {
                    return Err(Some(format!("'tcp opt': bad protocol {}", prim.transp)));
                }
                if prim.op != Op::Eq || prim.op_negated || mask_dt != 0 {
                    return Err(type_error(prim, "operator or mask not supported"));
                }
                if prim.u > 255 {
                    return Err(Some(format!(
                        "'tcp opt': value {} out of range",
                        prim.u as i32
                    )));
                }
                prim.mask = prim.u;
            }
            TYPE_IPECT => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data != TYPE_NONE && prim.data != TYPE_INT {
                    return Err(type_error(prim, "value missing"));
                }
                if prim.data == TYPE_NONE {
                    prim.u = 0;
                    prim.op_negated = true;
                } else if mask_dt != 0 && mask_dt != TYPE_INT {
                    return Err(type_error(prim, "bad mask"));
                }
                set_mask(prim, 0x3, if mask_dt != 0 { provided_mask } else { 0 })?;
                prim.ty = FIELD_TOS;
            }
            TYPE_IPCE => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data != TYPE_NONE || mask_dt != 0 {
                    return Err(type_error(prim, "value not supported"));
                }
                prim.mask = 0x3;
                prim.u = 0x3;
                prim.ty = FIELD_TOS;
            }
            TYPE_IPFRAG | TYPE_IPUNFRAG => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data != TYPE_NONE || mask_dt != 0 {
                    return Err(type_error(prim, "value not supported"));
                }
                if prim.ty == TYPE_IPUNFRAG {
                    prim.op_negated = true;
                }
                prim.mask = 1;
                prim.ty = TYPE_IPFRAG;
            }
            t if t > 0 && t & TYPE_FIELD != 0 => {
                if header != b'i' {
                    return Err(type_error(prim, "ip only"));
                }
                if prim.data != TYPE_INT && prim.data != t {
                    return Err(type_error(prim, "value missing"));
                } else if mask_dt != 0 && mask_dt != TYPE_INT && mask_dt != t {
                    return Err(type_error(prim, "bad mask"));
                }
                let nbits = (t & FIELD_LENGTH_MASK) + 1;
                let full = if nbits == 32 {
                    u32::MAX
                } else {
                    (1u32 << nbits) - 1
                };
                set_mask(prim, full, provided_mask)?;
            }
            _ => return Err(type_error(prim, "unknown type")),
        }

        if matches!(prim.ty, TYPE_HOST | TYPE_PORT | TYPE_ETHER) && prim.srcdst == 0 {
            prim.srcdst = SD_OR;
        }
        Ok(())
    }
}

/// Click's `Primitive::set_mask` with shift 0: turns the value and relation into a value and
/// mask, rewriting `<` as a negated `>` and folding relations that are always true or false.
fn set_mask(prim: &mut Prim, full: u32, provided: u32) -> Result<(), Option<String>> {
    let data = prim.u;
    let this_mask = if provided != 0 { provided } else { full };
    if this_mask & full != this_mask {
        return Err(Some(format!(
            "'{}': mask out of range, bound 0x{full:X}",
            unparse_type(prim.srcdst, prim.ty)
        )));
    }
    if prim.op != Op::Eq {
        let lt = prim.op == Op::Lt;
        if (lt && (data == 0 || data > this_mask)) || (!lt && data >= this_mask) {
            // Always true or always false (Click warns).
            let will_be = if lt && data > this_mask {
                !prim.op_negated
            } else {
                prim.op_negated
            };
            prim.u = 0;
            prim.mask = 0;
            prim.op_negated = !will_be;
            prim.op = Op::Eq;
            return Ok(());
        }
        if lt {
            prim.u -= 1;
            prim.op_negated = !prim.op_negated;
            prim.op = Op::Gt;
        }
        prim.mask = this_mask;
        if prim.u & prim.mask != prim.u {
            // `x & 5 > 2` is `x & 5 > 1`: fill the bits below the highest missing one.
            let missing = (prim.u & prim.mask) ^ (prim.u & full);
            let add = u32::MAX
                .checked_shr(missing.leading_zeros() + 1)
                .unwrap_or(0);
            prim.u = (prim.u | add) & prim.mask;
        }
        return Ok(());
    }
    if data > full {
        return Err(Some(format!(
            "'{}': out of range, bound {full}",
            unparse_type(prim.srcdst, prim.ty)
        )));
    }
    prim.u = data;
    prim.mask = this_mask;
    Ok(())
}

/// Click's `add_comparison_exprs`: `word(offset) >> shift & mask` compared with the value.
/// `op_negate` applies `!=`/`<=`/`>=` here (port and host comparisons negate their whole
/// src/dst group instead).
fn comparison(prim: &Prim, offset: u32, shift: u32, op_negate: bool) -> Expr {
    let mut mask = prim.mask;
    let mut u = prim.u & mask;
    let e = if prim.op == Op::Eq {
        test(offset, u.wrapping_shl(shift), mask.wrapping_shl(shift))
    } else {
        // `input & MASK > U`, decided from the top bits down.
        let mut parts: Vec<(Expr, bool)> = Vec::new();
        while u < mask {
            let high_bit = u > (mask >> 1);
            let x = if high_bit {
                !(u.wrapping_add(1)) & mask
            } else {
                u
            };
            let ffs_msb = if x == 0 { 0 } else { x.leading_zeros() + 1 };
            let first_different_bit = 33 - ffs_msb;
            let upper_mask = if first_different_bit == 33 {
                mask
            } else {
                mask & !(1u32.wrapping_shl(first_different_bit).wrapping_sub(1))
            };
            let upper_u = if high_bit { upper_mask } else { 0 };
            let t = test(
                offset,
                upper_u.wrapping_shl(shift),
                upper_mask.wrapping_shl(shift),
            );
            parts.push((if high_bit { t } else { not(t, true) }, high_bit));
            mask &= !upper_mask;
            u &= mask;
            if upper_mask == 0 {
                break;
            }
        }
        let mut acc: Option<Expr> = None;
        while let Some((e, high_bit)) = parts.pop() {
            acc = Some(match acc {
                None => e,
                Some(rest) if high_bit => Expr::And(vec![e, rest]),
                Some(rest) => Expr::Or(vec![e, rest]),
            });
        }
        acc.unwrap_or(TRUE)
    };
    if prim.op_negated && op_negate {
        not(e, true)
    } else {
        e
    }
}

fn proto_test(proto: i32) -> Option<Expr> {
    let t = |p: i32| test(OFFSET_NET + 8, (p as u32) << 16, 0x00FF_0000);
    if proto == PROTO_TCP_OR_UDP {
        Some(Expr::Or(vec![t(PROTO_TCP), t(PROTO_UDP)]))
    } else if proto >= 256 {
        None
    } else {
        Some(t(proto))
    }
}

/// Click's `Primitive::compile`.
fn compile(prim: &Prim) -> Expr {
    let mut parts = Vec::new();
    if prim.transp != UNKNOWN {
        parts.extend(proto_test(prim.transp));
    }
    let field_with_proto = prim.ty & TYPE_FIELD != 0 && prim.ty & FIELD_PROTO_MASK != 0;
    if prim.ty == TYPE_PORT || prim.ty == TYPE_TCPOPT || field_with_proto {
        // Transport fields exist only in first fragments.
        parts.push(test(OFFSET_NET + 4, 0, 0x1FFF));
    }
    let srcdst = |src: Expr, dst: Expr| -> Expr {
        let mut v = Vec::new();
        if matches!(prim.srcdst, SD_SRC | SD_AND | SD_OR) {
            v.push(src);
        }
        if matches!(prim.srcdst, SD_DST | SD_AND | SD_OR) {
            v.push(dst);
        }
        let e = if prim.srcdst == SD_OR {
            Expr::Or(v)
        } else {
            Expr::And(v)
        };
        if prim.op_negated {
            not(e, true)
        } else {
            e
        }
    };
    match prim.ty {
        TYPE_HOST => parts.push(srcdst(
            comparison(prim, OFFSET_NET + 12, 0, false),
            comparison(prim, OFFSET_NET + 16, 0, false),
        )),
        TYPE_PROTO => {
            if prim.transp < 256 {
                parts.push(comparison(prim, OFFSET_NET + 8, 16, true));
            }
        }
        TYPE_IPFRAG => {
            let t = test(OFFSET_NET + 4, 0, 0x3FFF);
            parts.push(if prim.op_negated { t } else { not(t, true) });
        }
        TYPE_PORT => parts.push(srcdst(
            comparison(prim, OFFSET_TRANSP, 16, false),
            comparison(prim, OFFSET_TRANSP, 0, false),
        )),
        TYPE_TCPOPT => parts.push(test(OFFSET_TRANSP + 12, prim.u << 16, prim.mask << 16)),
        t => {
            let offset = ((t & FIELD_OFFSET_MASK) >> FIELD_OFFSET_SHIFT) as u32;
            let length = ((t & FIELD_LENGTH_MASK) + 1) as u32;
            let word_offset = (offset >> 3) & !3;
            let bit_offset = offset & 0x1F;
            let base = if t & FIELD_PROTO_MASK != 0 {
                OFFSET_TRANSP
            } else {
                OFFSET_NET
            };
            parts.push(comparison(
                prim,
                base + word_offset,
                32 - (bit_offset + length),
                true,
            ));
        }
    }
    Expr::And(parts)
}

// ---------------------------------------------------------------------------------------
// Putting patterns together.

/// An error in one pattern, located in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// Where.
    pub span: Span,
    /// Click's message, prefixed `pattern N: `.
    pub message: String,
}

/// The two flavours of pattern lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// IPClassifier: pattern `i` sends to output `i`.
    Classifier,
    /// IPFilter: each pattern starts with its action (`allow`, `deny`, `drop`, a port).
    Filter,
}

/// Where a word of the unquoted argument text sits in the source: exact when the argument
/// has no quotes or comments, else the whole argument.
fn source_span(arg: &ConfigArg, unquoted: &str, a: usize, b: usize) -> Span {
    if unquoted == arg.text {
        Span::new(arg.span.start + a, (arg.span.start + b).min(arg.span.end))
    } else {
        arg.span
    }
}

/// Compiles `patterns` (the element's arguments) for an element with `noutputs` outputs.
pub fn compile_patterns(
    patterns: &[ConfigArg],
    flavor: Flavor,
    noutputs: usize,
    names: &dyn Resolver,
) -> Result<Program, Vec<PatternError>> {
    let mut errors = Vec::new();
    let mut compiled = Vec::new();
    for (argno, arg) in patterns.iter().enumerate() {
        let text = String::from_utf8_lossy(&unquote(&arg.text)).into_owned();
        let words = separate(&text);
        let prefix = format!("pattern {argno}: ");
        let mut push_error = |span: Span, msg: &str| {
            errors.push(PatternError {
                span,
                message: format!("{prefix}{msg}"),
            });
        };
        // The slot, and the words of the expression.
        let (slot, skip) = match flavor {
            Flavor::Classifier => (Target::Output(argno as u32), 0),
            Flavor::Filter => {
                let Some(first) = words.first() else {
                    errors.push(PatternError {
                        span: arg.span,
                        message: format!("empty pattern {argno}"),
                    });
                    continue;
                };
                let span = source_span(arg, &text, first.start, first.end);
                let slot = match first.text.as_str() {
                    "allow" => {
                        if noutputs == 0 {
                            push_error(span, "'allow' is meaningless, element has zero outputs");
                        }
                        Target::Output(0)
                    }
                    "deny" | "drop" => Target::Drop,
                    w => match int_arg(w) {
                        Some(n) if n >= 0 && (n as usize) < noutputs => Target::Output(n as u32),
                        Some(n) => {
                            push_error(span, &format!("slot '{n}' out of range"));
                            Target::Drop
                        }
                        None => {
                            push_error(span, &format!("unknown slot ID '{w}'"));
                            Target::Drop
                        }
                    },
                };
                (slot, 1)
            }
        };
        let rest = &words[skip..];
        let everything = rest.is_empty()
            || (rest.len() == 1 && matches!(rest[0].text.as_str(), "-" | "any" | "all"));
        let expr = if everything {
            TRUE
        } else {
            let mut parser = Parser {
                words: rest.to_vec(),
                pos: 0,
                depth: 0,
                prev: Prim::default(),
                names,
                errors: Vec::new(),
            };
            let e = parser.expr();
            if parser.pos < parser.words.len() {
                let at = parser.pos;
                let msg = format!("garbage after expression at '{}'", parser.word(at));
                parser.error(at, at + 1, msg);
            }
            for (a, b, msg) in parser.errors {
                push_error(source_span(arg, &text, a, b), &msg);
            }
            e
        };
        compiled.push((slot, expr));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // A program whose first pattern matches everything needs no steps.
    let program = link(&compiled);
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::args::{split_args, NoNames};

    fn program(config: &str, flavor: Flavor, n: usize) -> Result<Program, Vec<PatternError>> {
        compile_patterns(&split_args(config, 0), flavor, n, &NoNames)
    }

    #[test]
    fn every_program_has_its_own_id_and_equal_programs_compare_equal() {
        // Generated code runs its compiled form of a program only while the element's
        // program has the id it registered: recompiling, even to the same steps, is a new id.
        let a = program("tcp, -", Flavor::Classifier, 2).unwrap();
        let b = program("tcp, -", Flavor::Classifier, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.id(), b.id());
        assert_ne!(a.id(), 0);
        assert_eq!(a.entry(), Target::Step(0));
    }

    #[test]
    fn words_like_separate_text() {
        let w: Vec<String> = separate("src host 1.2.3.4&&!(tcp[13:1]>=2)||x ? a : b")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(
            w,
            [
                "src", "host", "1.2.3.4", "&&", "!", "(", "tcp", "[", "13:1", "]", ">=", "2", ")",
                "||", "x", "?", "a", ":", "b"
            ]
        );
    }

    #[test]
    fn relations_compile_to_exact_sets() {
        // For every relation and every TTL, the program agrees with arithmetic.
        for (rel, f) in [
            (">", (|a: u32, b: u32| a > b) as fn(u32, u32) -> bool),
            ("<", |a, b| a < b),
            (">=", |a, b| a >= b),
            ("<=", |a, b| a <= b),
            ("!=", |a, b| a != b),
            ("==", |a, b| a == b),
        ] {
            for k in [0u32, 1, 5, 63, 64, 127, 128, 200, 254, 255] {
                let p = program(&format!("ip ttl {rel} {k}"), Flavor::Classifier, 1).unwrap();
                for ttl in 0..=255u32 {
                    let mut hdr = [0u8; 20];
                    hdr[0] = 0x45;
                    hdr[8] = ttl as u8;
                    let view = View {
                        net: &hdr,
                        transp: &[],
                        length: OFFSET_NET + 20,
                    };
                    let got = run_view(&p, &view);
                    assert_eq!(got, f(ttl, k), "ttl {ttl} {rel} {k}");
                }
            }
        }
    }

    fn run_view(p: &Program, view: &View<'_>) -> bool {
        let mut at = p.entry;
        loop {
            match at {
                Target::Output(_) => return true,
                Target::Drop => return false,
                Target::Step(i) => {
                    let s = p.steps[i as usize];
                    let yes = view
                        .load(s.offset, s.mask)
                        .map_or(s.short_yes, |w| w & s.mask == s.value);
                    at = if yes { s.yes } else { s.no };
                }
            }
        }
    }

    #[test]
    fn masked_relations() {
        // 'tcp[0] & 5 > 2' is 'tcp[0] & 5 > 1' (Click's rewrite), over all byte values.
        let p = program("ip[1] & 5 > 2", Flavor::Classifier, 1).unwrap();
        for v in 0..=255u32 {
            let mut hdr = [0u8; 20];
            hdr[1] = v as u8;
            let view = View {
                net: &hdr,
                transp: &[],
                length: OFFSET_NET + 20,
            };
            assert_eq!(run_view(&p, &view), v & 5 > 2, "{v}");
        }
    }

    #[test]
    fn errors_are_located() {
        let text = "tcp port 80, src host bogus_name_x, icmp type echo, udp port 99999";
        let e = program(text, Flavor::Classifier, 4).unwrap_err();
        let msgs: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.message.as_str(), &text[e.span.start..e.span.end]))
            .collect();
        assert_eq!(
            msgs,
            [
                ("pattern 1: 'src ip host': address missing", "src host"),
                // Click reports the leftover word twice, as an empty term and as garbage.
                ("pattern 1: empty term near 'bogus_name_x'", "bogus_name_x"),
                (
                    "pattern 1: garbage after expression at 'bogus_name_x'",
                    "bogus_name_x"
                ),
                // The range is checked before `src or dst` is filled in, as in Click.
                (
                    "pattern 3: 'port': out of range, bound 65535",
                    "udp port 99999"
                ),
            ]
        );
        let e = program("echo", Flavor::Classifier, 1).unwrap_err();
        assert_eq!(
            e[0].message,
            "pattern 0: '<none>  echo' is ambiguous; try 'port  echo', 'port  echo', 'icmp type  echo'"
        );
        let e = program("allow tcp, 3 udp, frob icmp", Flavor::Filter, 2).unwrap_err();
        let msgs: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "pattern 1: slot '3' out of range",
                "pattern 2: unknown slot ID 'frob'"
            ]
        );
        assert!(program("(tcp", Flavor::Classifier, 1).is_err());
        assert!(program("tcp and", Flavor::Classifier, 1).is_err());
        assert!(program("not", Flavor::Classifier, 1).is_err());
        assert!(program("tcp opt != syn", Flavor::Classifier, 1).is_err());
        assert!(program("ip[1:5] 3", Flavor::Classifier, 1).is_err());
        assert!(program("ip[3:2] 3", Flavor::Classifier, 1).is_err());
        assert!(program("a ? b", Flavor::Classifier, 1).is_err());
        let deep = "(".repeat(10_000) + "tcp" + &")".repeat(10_000);
        assert!(program(&deep, Flavor::Classifier, 1).is_err());
        let nots = "! ".repeat(10_000) + "tcp";
        assert!(program(&nots, Flavor::Classifier, 1).is_err());
    }

    #[test]
    fn everything_patterns_need_no_steps() {
        for text in ["-", "any", "all", "true", ",-"] {
            let p = program(text, Flavor::Classifier, 1).unwrap();
            assert_eq!(p.entry, Target::Output(0), "{text:?}");
        }
        let p = program("allow", Flavor::Filter, 1).unwrap();
        assert_eq!(p.entry, Target::Output(0));
        let p = program("drop all", Flavor::Filter, 1).unwrap();
        assert_eq!(p.entry, Target::Drop);
        let p = program("false", Flavor::Classifier, 1).unwrap();
        assert_eq!(p.entry, Target::Drop);
    }
}
