//! Click's configuration argument reader: splitting a configuration string into arguments,
//! removing comments and quotes, and reading keyword and positional arguments.
//!
//! This follows Click's `lib/confparse.cc` (`cp_argvec`, `cp_uncomment`, `cp_unquote`,
//! `cp_spacevec`) and `lib/args.cc` (`Args::find`, `Args::complete`) rule for rule, with one
//! difference in what happens on error: Click prints to an `ErrorHandler`, this module
//! records every error with the source span of the argument it is about, so the router can
//! report them all as `file:line:col: message`.
//!
//! # Splitting
//!
//! [`split_args`] breaks a configuration string at commas that are not inside a double-quoted
//! string, a single-quoted string, a `\<hex>` data block, or a comment. As in Click,
//! parentheses, brackets and braces do *not* protect commas: `F(a, (b, c))` has three
//! arguments. Each argument is uncommented (`cp_uncomment`): leading and trailing space goes,
//! each comment together with the space around it becomes one space, other space stays as
//! written.
//!
//! # Reading
//!
//! [`Args`] marks an argument `KEYWORD value` when it starts with a letter or underscore,
//! continues with letters, digits and `_ : . ? !`, and is followed by white space and more
//! text. The keyword is matched exactly (case-sensitive). What an element does not read is an
//! error when [`Args::finish`] runs: an unread positional argument is "too many arguments", an
//! unread keyword is "unknown argument".

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

/// Byte range in the configuration source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The number of bytes covered.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True if the span covers no bytes.
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// One configuration argument: the text between top-level commas, with surrounding
/// whitespace and comments removed, and its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigArg {
    /// The uncommented text (Click's `cp_uncomment` of the argument).
    pub text: String,
    /// Where the argument sits in the source, from its first to its last non-space byte.
    pub span: Span,
}

/// An error in an element's configuration, located in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgError {
    /// The argument (or whole configuration) the error is about.
    pub span: Span,
    /// The message, in Click's words (`LIMIT: expected unsigned integer`).
    pub message: String,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for ArgError {}

/// Every error found while configuring one element (non-empty). Display prints one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The errors, in the order they were found.
    pub errors: Vec<ArgError>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(e, f)?;
        }
        Ok(())
    }
}

impl core::error::Error for ConfigError {}

/// Resolves names that may appear in arguments: AddressInfo names and element names.
/// Default methods return None.
pub trait Resolver {
    /// The address an `AddressInfo` name stands for.
    fn ip_address(&self, name: &str) -> Option<Ipv4Address> {
        let _ = name;
        None
    }
    /// The prefix an `AddressInfo` name stands for.
    fn ip_prefix(&self, name: &str) -> Option<Ipv4Prefix> {
        let _ = name;
        None
    }
    /// The Ethernet address an `AddressInfo` name stands for.
    fn ether_address(&self, name: &str) -> Option<EthernetAddress> {
        let _ = name;
        None
    }
    /// The index of the element called `name` in the router.
    fn element(&self, name: &str) -> Option<usize> {
        let _ = name;
        None
    }
    /// The pattern an `IPRewriterPatterns` element names `name` (its words, unparsed).
    fn rewriter_pattern(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
}

/// Resolves nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoNames;

impl Resolver for NoNames {}

/// A value that can be read from one argument's text.
pub trait FromArg: Sized {
    /// What the value is, for messages ("integer", "IP address").
    const WHAT: &'static str;

    /// Parses `text`, the argument with its keyword (if any) removed. The error is the
    /// message without the keyword prefix, for example `expected integer` or
    /// `out of range, bound 255`; [`Args`] prefixes `KEYWORD: `.
    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String>;
}

/// The message for text that does not parse as a `T` at all.
pub fn expected<T: FromArg>() -> String {
    format!("expected {}", T::WHAT)
}

// ---------------------------------------------------------------------------------------
// Lexical helpers shared by splitting and unquoting (Click's confparse.cc).

/// Click's `isspace` in the "C" locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
pub(crate) const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// True if a comment (`//` or `/*`) starts at `i`.
fn comment_at(s: &[u8], i: usize) -> bool {
    s.get(i) == Some(&b'/') && matches!(s.get(i + 1), Some(b'/' | b'*'))
}

/// Skips the comment starting at `i`. A `//` comment includes its newline (`\n`, `\r` or
/// `\r\n`); an unterminated `/*` comment runs to the end.
pub(crate) fn skip_comment(s: &[u8], i: usize) -> usize {
    let end = s.len();
    if s[i + 1] == b'/' {
        let mut j = i + 2;
        while j < end && s[j] != b'\n' && s[j] != b'\r' {
            j += 1;
        }
        if j + 1 < end && s[j] == b'\r' && s[j + 1] == b'\n' {
            j += 1;
        }
        (j + 1).min(end)
    } else {
        let mut j = i + 2;
        while j + 1 < end && !(s[j] == b'*' && s[j + 1] == b'/') {
            j += 1;
        }
        (j + 2).min(end)
    }
}

/// Skips the backslash sequence at `i`: `\<...>` up to its `>` (comments inside may hide a
/// `>`), `\` + CRLF, or `\` + one byte.
pub(crate) fn skip_backslash(s: &[u8], i: usize) -> usize {
    let end = s.len();
    if i + 1 >= end {
        return end;
    }
    if s[i + 1] == b'<' {
        let mut j = i + 2;
        while j < end {
            if s[j] == b'>' {
                return j + 1;
            } else if comment_at(s, j) {
                j = skip_comment(s, j);
            } else {
                j += 1;
            }
        }
        end
    } else if s[i + 1] == b'\r' && s.get(i + 2) == Some(&b'\n') {
        i + 3
    } else {
        i + 2
    }
}

/// Skips the double-quoted string at `i`, honouring backslash escapes; an unterminated string
/// runs to the end.
pub(crate) fn skip_double_quote(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        match s[j] {
            b'\\' => j = skip_backslash(s, j),
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    s.len()
}

/// Skips the single-quoted string at `i` (no escapes inside); unterminated runs to the end.
pub(crate) fn skip_single_quote(s: &[u8], i: usize) -> usize {
    match s[i + 1..].iter().position(|&b| b == b'\'') {
        Some(k) => i + 1 + k + 1,
        None => s.len(),
    }
}

/// Skips space and comments from `i`.
fn skip_comment_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        if is_space(s[i]) {
            i += 1;
        } else if comment_at(s, i) {
            i = skip_comment(s, i);
        } else {
            break;
        }
    }
    i
}

/// Click's `partial_uncomment`: the uncommented text of `s[from..]`, stopping at the first
/// top-level comma if `at_comma`. Returns the text, the byte range of its first to last
/// non-space byte, and where it stopped (the comma, or the end).
fn partial_uncomment(s: &[u8], from: usize, at_comma: bool) -> (Vec<u8>, usize, usize, usize) {
    let mut i = skip_comment_space(s, from);
    let first = i;
    let mut out = Vec::new();
    let (mut left, mut right) = (i, i);
    let mut closed = false;
    while i < s.len() {
        let b = s[i];
        if is_space(b) {
            i += 1;
        } else if comment_at(s, i) {
            i = skip_comment(s, i);
            closed = true;
        } else if b == b',' && at_comma {
            break;
        } else {
            if closed {
                // A comment and the space around it become one space.
                out.extend_from_slice(&s[left..right]);
                out.push(b' ');
                left = i;
                closed = false;
            }
            i = match b {
                b'\'' => skip_single_quote(s, i),
                b'"' => skip_double_quote(s, i),
                b'\\' if s.get(i + 1) == Some(&b'<') => skip_backslash(s, i),
                _ => i + 1,
            };
            right = i;
        }
    }
    out.extend_from_slice(&s[left..right]);
    (out, first, right, i)
}

/// Turns bytes cut from a `&str` at ASCII delimiters back into a `String`.
fn into_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        // Cannot happen for cuts at ASCII bytes of valid UTF-8; stay total anyway.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Splits a configuration string at top-level commas as Click's cp_argvec does
/// (double- and single-quoted strings and `\<hex>` data are opaque, `//` and `/* */`
/// comments are removed; parentheses do not nest, as in Click), `base` is the offset of
/// `config` in its source so spans are absolute. An empty/whitespace-only config gives no
/// arguments; Click's rule for a trailing comma / empty arguments applies: an argument is
/// kept unless it is empty *and* last, so `a, b,` is two arguments and `a,,b` is three.
pub fn split_args(config: &str, base: usize) -> Vec<ConfigArg> {
    let s = config.as_bytes();
    let mut args = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        let (text, first, last, stop) = partial_uncomment(s, pos, true);
        if !text.is_empty() || stop < s.len() {
            args.push(ConfigArg {
                text: into_string(text),
                span: Span::new(base + first, base + last),
            });
        }
        pos = stop + 1;
    }
    args
}

/// Splits `text` at unquoted white space as Click's `cp_spacevec` does; comments end a word
/// and are dropped. Spans are absolute given `base`, the offset of `text` in its source.
pub fn split_words(text: &str, base: usize) -> Vec<ConfigArg> {
    let s = text.as_bytes();
    let mut words = Vec::new();
    let mut i = skip_comment_space(s, 0);
    while i < s.len() {
        let start = i;
        while i < s.len() {
            match s[i] {
                b'/' if comment_at(s, i) => break,
                b if is_space(b) => break,
                b'"' => i = skip_double_quote(s, i),
                b'\'' => i = skip_single_quote(s, i),
                b'\\' if s.get(i + 1) == Some(&b'<') => i = skip_backslash(s, i),
                _ => i += 1,
            }
        }
        words.push(ConfigArg {
            text: into_string(s[start..i].to_vec()),
            span: Span::new(base + start, base + i),
        });
        i = skip_comment_space(s, i);
    }
    words
}

/// Click's `cp_uncomment`: removes leading and trailing space; each comment, with the space
/// around it, becomes one space; comment markers inside quotes are kept.
pub fn uncomment(text: &str) -> String {
    into_string(partial_uncomment(text.as_bytes(), 0, false).0)
}

/// Click's `cp_process_backslash`: expands the escape at `s[i]` (a backslash) into `out` and
/// returns the index after it.
fn process_backslash(s: &[u8], i: usize, out: &mut Vec<u8>) -> usize {
    let end = s.len();
    if i + 1 == end {
        out.push(b'\\');
        return end;
    }
    let hex = |b: u8| -> Option<u8> { (b as char).to_digit(16).map(|d| d as u8) };
    match s[i + 1] {
        b'\r' => {
            if s.get(i + 2) == Some(&b'\n') {
                i + 3
            } else {
                i + 2
            }
        }
        b'\n' => i + 2,
        b'a' => push_ret(out, 0x07, i + 2),
        b'b' => push_ret(out, 0x08, i + 2),
        b'f' => push_ret(out, 0x0c, i + 2),
        b'n' => push_ret(out, b'\n', i + 2),
        b'r' => push_ret(out, b'\r', i + 2),
        b't' => push_ret(out, b'\t', i + 2),
        b'v' => push_ret(out, 0x0b, i + 2),
        b'0'..=b'7' => {
            // Up to three octal digits; the value wraps to a byte as Click's `(char)` does.
            let mut j = i + 1;
            let mut c: u32 = 0;
            while j < end && j < i + 4 && (b'0'..=b'7').contains(&s[j]) {
                c = c * 8 + u32::from(s[j] - b'0');
                j += 1;
            }
            out.push(c as u8);
            j
        }
        b'x' => {
            // Any number of hex digits; only the low byte survives, as in Click.
            let mut j = i + 2;
            let mut c: u8 = 0;
            while let Some(d) = s.get(j).and_then(|&b| hex(b)) {
                c = c.wrapping_mul(16).wrapping_add(d);
                j += 1;
            }
            out.push(c);
            j
        }
        b'<' => {
            // Hex pairs; space, comments and (as in Click) any other byte are ignored, and a
            // final odd nibble is dropped.
            let mut j = i + 2;
            let (mut c, mut d) = (0u8, 0);
            while j < end {
                if s[j] == b'>' {
                    return j + 1;
                } else if let Some(v) = hex(s[j]) {
                    c = (c << 4) | v;
                    d += 1;
                    if d == 2 {
                        out.push(c);
                        c = 0;
                        d = 0;
                    }
                    j += 1;
                } else if comment_at(s, j) {
                    j = skip_comment(s, j);
                } else {
                    j += 1;
                }
            }
            end
        }
        other => push_ret(out, other, i + 2),
    }
}

fn push_ret(out: &mut Vec<u8>, b: u8, next: usize) -> usize {
    out.push(b);
    next
}

/// Click's `cp_unquote`: uncomments `text`, then removes one level of quoting. `"..."` and
/// `'...'` are replaced by their contents; backslash escapes are expanded inside double
/// quotes, and `\<hex>` data blocks also outside quotes. The result is bytes because escapes
/// can produce any byte.
pub fn unquote(text: &str) -> Vec<u8> {
    let x = partial_uncomment(text.as_bytes(), 0, false).0;
    let mut out = Vec::with_capacity(x.len());
    let mut quote = 0u8;
    let mut i = 0;
    while i < x.len() {
        let b = x[i];
        match b {
            b'"' | b'\'' if quote == 0 => {
                quote = b;
                i += 1;
            }
            b'"' | b'\'' if quote == b => {
                quote = 0;
                i += 1;
            }
            b'\\' if i + 1 < x.len() && (quote == b'"' || (quote == 0 && x[i + 1] == b'<')) => {
                i = process_backslash(&x, i, &mut out);
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Click's `cp_string` split: the index of the first unquoted space in `s` (or its length).
pub(crate) fn string_extent(s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b if is_space(b) => return i,
            b'"' => i = skip_double_quote(s, i),
            b'\'' => i = skip_single_quote(s, i),
            b'\\' if s.get(i + 1) == Some(&b'<') => i = skip_backslash(s, i),
            _ => i += 1,
        }
    }
    s.len()
}

// ---------------------------------------------------------------------------------------
// The reader.

/// What Click's `_kwpos` records about one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Unread, no keyword (`_kwpos == 0`).
    Positional,
    /// Unread, starts with a keyword this many bytes long (`_kwpos > 0`).
    Keyword(usize),
    /// Read as a positional argument (`-1`).
    TakenByPosition,
    /// Read through its keyword (`-2`).
    TakenByKeyword,
}

impl State {
    fn unread(self) -> bool {
        matches!(self, State::Positional | State::Keyword(_))
    }
}

/// Click's rule for `KEYWORD value` (`Args::reset_from`): a letter or underscore, then
/// letters, digits and `_ : . ? !`, then white space, then more text.
fn keyword_length(text: &str) -> usize {
    let s = text.as_bytes();
    let mut k = 0;
    if s.first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
    {
        k = 1;
        while k < s.len()
            && (s[k].is_ascii_alphanumeric() || matches!(s[k], b'_' | b':' | b'.' | b'?' | b'!'))
        {
            k += 1;
        }
    }
    let mut t = k;
    while t < s.len() && is_space(s[t]) {
        t += 1;
    }
    if k == 0 || t == k || t == s.len() {
        0
    } else {
        k
    }
}

/// How one read treats its keyword (Click's `Args` flags).
#[derive(Clone, Copy)]
struct Flags {
    mandatory: bool,
    positional: bool,
    firstmatch: bool,
}

/// Reads one element's arguments the way Click's Args does.
///
/// Reads happen in the order the element calls them; positional arguments are handed out in
/// order to the positional reads (`mandatory`, `positional`). Each problem is recorded with
/// its span and reading goes on, so [`Args::finish`] reports every error at once.
///
/// Click's rules, which this reader keeps:
/// - a keyword given twice: the last one wins and the earlier ones are silently used up;
/// - a positional read takes the next unread argument if it has no keyword; a *mandatory*
///   positional read whose keyword was not given takes it even if it looks like
///   `WORD value` (so `Print(hello world)` gives `LABEL` the text `hello world`);
/// - positional reading stops at the first argument already read through its keyword;
/// - an empty argument (`F(, 5)`) counts as not given and raises no error, even for a
///   mandatory read (which then returns `T::default()`).
pub struct Args<'a> {
    args: &'a [ConfigArg],
    whole: Span,
    names: &'a dyn Resolver,
    state: Vec<State>,
    keywords: Vec<String>,
    errors: Vec<ArgError>,
    last: Option<Span>,
}

impl<'a> Args<'a> {
    /// A reader over `args` (from [`split_args`]), whose configuration string spans `whole`.
    pub fn new(args: &'a [ConfigArg], whole: Span, names: &'a dyn Resolver) -> Self {
        let state = args
            .iter()
            .map(|a| match keyword_length(&a.text) {
                0 => State::Positional,
                k => State::Keyword(k),
            })
            .collect();
        Args {
            args,
            whole,
            names,
            state,
            keywords: Vec::new(),
            errors: Vec::new(),
            last: None,
        }
    }

    /// Click's read_mp: mandatory positional (also accepted as `KEYWORD value`). On any
    /// problem records a located error and returns T::default().
    pub fn mandatory<T: FromArg + Default>(&mut self, keyword: &str) -> T {
        let flags = Flags {
            mandatory: true,
            positional: true,
            firstmatch: false,
        };
        self.read(keyword, flags).unwrap_or_default()
    }

    /// read_p: optional positional (or keyword).
    pub fn positional<T: FromArg>(&mut self, keyword: &str) -> Option<T> {
        self.read(
            keyword,
            Flags {
                mandatory: false,
                positional: true,
                firstmatch: false,
            },
        )
    }

    /// read: keyword-only, optional.
    pub fn keyword<T: FromArg>(&mut self, keyword: &str) -> Option<T> {
        self.read(
            keyword,
            Flags {
                mandatory: false,
                positional: false,
                firstmatch: false,
            },
        )
    }

    /// read_m: keyword-only, mandatory.
    pub fn keyword_mandatory<T: FromArg + Default>(&mut self, keyword: &str) -> T {
        let flags = Flags {
            mandatory: true,
            positional: false,
            firstmatch: false,
        };
        self.read(keyword, flags).unwrap_or_default()
    }

    /// read_all: every occurrence of a keyword, in order. Values that fail to parse are
    /// recorded as errors and left out.
    pub fn keyword_all<T: FromArg>(&mut self, keyword: &str) -> Vec<T> {
        let flags = Flags {
            mandatory: false,
            positional: false,
            firstmatch: true,
        };
        let mut values = Vec::new();
        while let Some((index, value)) = self.find(keyword, flags) {
            if let Some(v) = self.parse(keyword, index, value) {
                values.push(v);
            }
        }
        values
    }

    /// The arguments not consumed yet, in order, consumed now (for elements like Classifier
    /// whose arguments are a list).
    pub fn rest(&mut self) -> Vec<ConfigArg> {
        let mut rest = Vec::new();
        for (state, arg) in self.state.iter_mut().zip(self.args) {
            if state.unread() {
                *state = State::TakenByPosition;
                rest.push(arg.clone());
            }
        }
        rest
    }

    /// Records an element-specific error at `span`.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(ArgError {
            span,
            message: message.into(),
        });
    }

    /// The span of the whole configuration string (for errors not tied to one argument).
    pub fn span(&self) -> Span {
        self.whole
    }

    /// The span of the argument the last read took, or the whole configuration if it took
    /// none. Lets an element put its own range checks (`CAPACITY must be positive`) on the
    /// right argument.
    pub fn last_span(&self) -> Span {
        self.last.unwrap_or(self.whole)
    }

    /// The name resolver this reader was built with.
    pub fn names(&self) -> &'a dyn Resolver {
        self.names
    }

    /// True if an error has been recorded so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Click's complete(): leftover arguments become errors ("too many arguments", unknown
    /// keyword with a list of the keywords this element accepts), then returns every
    /// recorded error.
    pub fn finish(mut self) -> Result<(), ConfigError> {
        let mut extra: Option<Span> = None;
        for (state, arg) in self.state.iter().zip(self.args) {
            match *state {
                State::Positional => extra = Some(extra.map_or(arg.span, |s| s.join(arg.span))),
                State::Keyword(k) => {
                    let mut message = format!("{}: unknown argument", &arg.text[..k]);
                    if !self.keywords.is_empty() {
                        message.push_str(" (valid keywords: ");
                        message.push_str(&self.keywords.join(", "));
                        message.push(')');
                    }
                    self.errors.push(ArgError {
                        span: arg.span,
                        message,
                    });
                }
                State::TakenByPosition | State::TakenByKeyword => {}
            }
        }
        if let Some(span) = extra {
            self.errors.push(ArgError {
                span,
                message: String::from("too many arguments"),
            });
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                errors: self.errors,
            })
        }
    }

    /// One read: find the argument, then parse it.
    fn read<T: FromArg>(&mut self, keyword: &str, flags: Flags) -> Option<T> {
        let (index, value) = self.find(keyword, flags)?;
        self.parse(keyword, index, value)
    }

    /// Parses the value of argument `index`, recording an error on failure. Click skips the
    /// parse, and reports nothing, for an empty value.
    fn parse<T: FromArg>(&mut self, keyword: &str, index: usize, value: usize) -> Option<T> {
        let arg = &self.args[index];
        let text = &arg.text[value..];
        if text.is_empty() {
            return None;
        }
        match T::from_arg(text, self.names) {
            Ok(v) => Some(v),
            Err(message) => {
                let span = arg.span;
                self.error(span, prefixed(keyword, &message));
                None
            }
        }
    }

    /// Click's `Args::find`: picks the argument for `keyword` and marks it read. Returns its
    /// index and the offset of its value in its text.
    fn find(&mut self, keyword: &str, flags: Flags) -> Option<(usize, usize)> {
        if !keyword.is_empty() && !self.keywords.iter().any(|k| k == keyword) {
            self.keywords.push(String::from(keyword));
        }
        self.last = None;

        // The last (or, for read_all, first) argument given with this keyword, and the first
        // argument not yet read positionally: the next positional candidate, unless it was
        // read through its keyword, which ends positional reading.
        let mut got: Option<(usize, usize)> = None;
        let mut position: Option<Option<usize>> = None;
        for i in 0..self.state.len() {
            if position.is_none() && self.state[i] != State::TakenByPosition {
                position = Some(self.state[i].unread().then_some(i));
            }
            if let State::Keyword(k) = self.state[i] {
                if !keyword.is_empty() && &self.args[i].text[..k] == keyword {
                    got = Some((i, k));
                    self.state[i] = State::TakenByKeyword;
                    if flags.firstmatch {
                        break;
                    }
                }
            }
        }

        // A positional argument fills the slot if it has no keyword, or if the read is
        // mandatory and its keyword was not given at all.
        if let Some(Some(p)) = position {
            let state = self.state[p];
            let got_index = got.map(|(i, _)| i);
            if flags.positional
                && state.unread()
                && ((got.is_none() && flags.mandatory) || state == State::Positional)
                && (!flags.firstmatch || got_index.is_none_or(|g| p < g))
            {
                self.state[p] = State::TakenByPosition;
                if let (true, Some((g, k))) = (flags.firstmatch, got) {
                    self.state[g] = State::Keyword(k);
                }
                if flags.firstmatch || got_index.is_none_or(|g| g < p) {
                    got = Some((p, 0));
                }
            }
        }

        let Some((index, k)) = got else {
            if flags.mandatory {
                let message = if keyword.is_empty() {
                    String::from("missing mandatory argument")
                } else {
                    format!("missing mandatory {keyword} argument")
                };
                let span = self.whole;
                self.error(span, message);
            }
            return None;
        };
        self.last = Some(self.args[index].span);
        let text = self.args[index].text.as_bytes();
        let mut value = k;
        if k > 0 {
            while value < text.len() && is_space(text[value]) {
                value += 1;
            }
        }
        Some((index, value))
    }
}

/// `KEYWORD: message`, or just the message for a read without keyword.
fn prefixed(keyword: &str, message: &str) -> String {
    if keyword.is_empty() {
        String::from(message)
    } else {
        format!("{keyword}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::values::{Bytes, Raw};
    use alloc::string::ToString;
    use alloc::vec;

    fn texts(args: &[ConfigArg]) -> Vec<&str> {
        args.iter().map(|a| a.text.as_str()).collect()
    }

    fn spans(args: &[ConfigArg]) -> Vec<(usize, usize)> {
        args.iter().map(|a| (a.span.start, a.span.end)).collect()
    }

    #[test]
    fn split_simple_with_absolute_spans() {
        let args = split_args("a, bb ,  c", 10);
        assert_eq!(texts(&args), ["a", "bb", "c"]);
        assert_eq!(spans(&args), [(10, 11), (13, 15), (19, 20)]);
    }

    #[test]
    fn split_empty_and_trailing_commas() {
        assert!(split_args("", 0).is_empty());
        assert!(split_args("  \n\t ", 0).is_empty());
        assert!(split_args(" /* only a comment */ ", 0).is_empty());
        // The last argument is dropped only when it is empty.
        assert_eq!(texts(&split_args("a, b,", 0)), ["a", "b"]);
        assert_eq!(texts(&split_args("a, b, ", 0)), ["a", "b"]);
        let args = split_args("a,,b", 0);
        assert_eq!(texts(&args), ["a", "", "b"]);
        assert_eq!(args[1].span, Span::new(2, 2));
        assert_eq!(texts(&split_args(",", 0)), [""]);
        assert_eq!(texts(&split_args("a,,", 0)), ["a", ""]);
        assert_eq!(spans(&split_args(" , ", 5)), [(6, 6)]);
    }

    #[test]
    fn split_parentheses_do_not_nest_as_in_click() {
        let args = split_args("a, (b, c), [d, e]", 0);
        assert_eq!(texts(&args), ["a", "(b", "c)", "[d", "e]"]);
    }

    #[test]
    fn split_quotes_are_opaque() {
        let args = split_args("\"x, y\" // ?", 0);
        assert_eq!(texts(&args), ["\"x, y\""]);
        assert_eq!(spans(&args), [(0, 6)]);
        assert_eq!(texts(&split_args("'a,b', c", 0)), ["'a,b'", "c"]);
        // An escaped quote does not end a double-quoted string; single quotes have no escapes.
        assert_eq!(texts(&split_args(r#""a\",", b"#, 0)), [r#""a\",""#, "b"]);
        assert_eq!(texts(&split_args(r"'a\', b", 0)), [r"'a\'", "b"]);
        // Comment markers inside quotes are text.
        assert_eq!(
            texts(&split_args("\"/* x, */\", 'y // z', w", 0)),
            ["\"/* x, */\"", "'y // z'", "w"]
        );
        // Unterminated quotes run to the end.
        assert_eq!(texts(&split_args("\"a, b", 0)), ["\"a, b"]);
    }

    #[test]
    fn split_comments_become_one_space() {
        let args = split_args("  a /*?*/ b,  c, ", 0);
        assert_eq!(texts(&args), ["a b", "c"]);
        assert_eq!(spans(&args), [(2, 11), (14, 15)]);
        assert_eq!(texts(&split_args("a // x, y\n, b", 0)), ["a", "b"]);
        assert_eq!(texts(&split_args("a,\n  b /* c, d */\n", 0)), ["a", "b"]);
        // Space not next to a comment is kept as written.
        assert_eq!(texts(&split_args("a   b", 0)), ["a   b"]);
        assert_eq!(texts(&split_args("a/**/b", 0)), ["a b"]);
        // An unterminated block comment eats the rest.
        assert_eq!(texts(&split_args("a /* b, c", 0)), ["a"]);
        assert_eq!(texts(&split_args("a, /*/", 0)), ["a"]);
    }

    #[test]
    fn split_hex_data_is_opaque() {
        let args = split_args(r"\<0a, 0b>, x", 3);
        assert_eq!(texts(&args), [r"\<0a, 0b>", "x"]);
        assert_eq!(spans(&args), [(3, 12), (14, 15)]);
        // A `>` inside a comment inside the data block does not close it.
        assert_eq!(
            texts(&split_args("\\<00 // >, \n 01>, y", 0)),
            ["\\<00 // >, \n 01>", "y"]
        );
        // Outside quotes a backslash protects nothing else, as in Click.
        assert_eq!(texts(&split_args(r"a\,b", 0)), [r"a\", "b"]);
    }

    #[test]
    fn split_spans_are_byte_offsets() {
        let args = split_args("é, ü x", 0);
        assert_eq!(texts(&args), ["é", "ü x"]);
        assert_eq!(spans(&args), [(0, 2), (4, 8)]);
    }

    #[test]
    fn split_words_like_cp_spacevec() {
        let words = split_words("a  b, c", 0);
        assert_eq!(texts(&words), ["a", "b,", "c"]);
        assert_eq!(spans(&words), [(0, 1), (3, 5), (6, 7)]);
        assert_eq!(texts(&split_words("  'a /*?*/ b'c", 0)), ["'a /*?*/ b'c"]);
        assert_eq!(
            texts(&split_words("x/*c*/y \\<0a 0b> \"p q\"", 0)),
            ["x", "y", "\\<0a 0b>", "\"p q\""]
        );
        assert!(split_words(" // nothing", 0).is_empty());
    }

    #[test]
    fn uncomment_like_click() {
        assert_eq!(uncomment("  a   b  "), "a   b");
        assert_eq!(uncomment("  a /* Comment */       b  "), "a b");
        assert_eq!(uncomment("  \" /*???  */ \"  "), "\" /*???  */ \"");
    }

    #[test]
    fn unquote_like_click() {
        assert_eq!(
            unquote("\"\\n\" abc /* 123 */ '/* def */'"),
            b"\n abc /* def */"
        );
        assert_eq!(
            unquote("\"\\<48656c6C 6f 2 /* And finally */ 1>\""),
            b"Hello!"
        );
        assert_eq!(unquote(r"\<00 ff>x"), [0, 0xff, b'x']);
        assert_eq!(unquote(r#""\101\x42\q\\\"\$""#), br#"ABq\"$"#);
        assert_eq!(unquote(r#""\t\r\a\b\f\v""#), [9, 13, 7, 8, 12, 11]);
        // Octal takes at most three digits; `\x` takes them all and keeps the low byte.
        assert_eq!(unquote(r#""\1012""#), b"A2");
        assert_eq!(unquote(r#""\x4142""#), [0x42]);
        // Single quotes and bare text keep backslashes.
        assert_eq!(unquote(r"'a\nb'"), br"a\nb");
        assert_eq!(unquote(r"a\nb"), br"a\nb");
        // Backslash-newline vanishes; a final backslash stays.
        assert_eq!(unquote("\"a\\\nb\""), b"ab");
        assert_eq!(unquote("\"a\\"), b"a\\");
        // Quotes of the other kind are literal inside.
        assert_eq!(unquote(r#"'say "hi"'"#), br#"say "hi""#);
        assert_eq!(unquote(r#"a"b c"d"#), b"ab cd");
        // An odd final nibble in a data block is dropped.
        assert_eq!(unquote(r"\<414>"), b"A");
    }

    #[test]
    fn keyword_detection_follows_click() {
        assert_eq!(keyword_length("LIMIT 5"), 5);
        assert_eq!(keyword_length("_X\t5"), 2);
        assert_eq!(keyword_length("A:b.c?! x"), 7);
        assert_eq!(keyword_length("hello world"), 5);
        assert_eq!(keyword_length("LIMIT"), 0);
        assert_eq!(keyword_length("LIMIT "), 0);
        assert_eq!(keyword_length("10 5"), 0);
        assert_eq!(keyword_length("-x 5"), 0);
        assert_eq!(keyword_length("A=5"), 0);
        assert_eq!(keyword_length("\"A\" 5"), 0);
    }

    /// A configuration string and the reader's pieces for it.
    struct Conf {
        args: Vec<ConfigArg>,
        whole: Span,
    }

    fn conf(text: &str) -> Conf {
        Conf {
            args: split_args(text, 0),
            whole: Span::new(0, text.len()),
        }
    }

    impl Conf {
        fn reader(&self) -> Args<'_> {
            Args::new(&self.args, self.whole, &NoNames)
        }
    }

    fn errors(result: Result<(), ConfigError>) -> Vec<(String, (usize, usize))> {
        result
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| (e.message, (e.span.start, e.span.end)))
            .collect()
    }

    #[test]
    fn positional_then_keyword() {
        let c = conf("10, LIMIT 5");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 10);
        assert_eq!(a.positional::<u32>("LIMIT"), Some(5));
        assert_eq!(a.keyword::<bool>("ACTIVE"), None);
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn keywords_in_any_order_and_by_keyword() {
        let c = conf("LIMIT 5, ACTIVE true, COUNT 10");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 10);
        assert_eq!(a.last_span(), Span::new(22, 30));
        assert_eq!(a.positional::<u32>("LIMIT"), Some(5));
        assert_eq!(a.keyword::<bool>("ACTIVE"), Some(true));
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn last_keyword_wins() {
        let c = conf("LIMIT 1, LIMIT 2");
        let mut a = c.reader();
        assert_eq!(a.keyword::<u32>("LIMIT"), Some(2));
        assert_eq!(a.last_span(), Span::new(9, 16));
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn positional_after_keyword_is_too_many() {
        let c = conf("COUNT 10, 5");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 10);
        assert_eq!(a.positional::<u32>("LIMIT"), None);
        assert_eq!(
            errors(a.finish()),
            [("too many arguments".to_string(), (10, 11))]
        );
    }

    #[test]
    fn keyword_given_later_uses_up_the_positional_one() {
        // Click: the positional slot is consumed, the keyword's value wins, "x" is lost.
        let c = conf("x, A y");
        let mut a = c.reader();
        assert_eq!(a.positional::<Raw>("A"), Some(Raw("y".to_string())));
        assert_eq!(a.positional::<Raw>("B"), None);
        assert_eq!(a.finish(), Ok(()));
        // A keyword given earlier loses to the positional argument after it.
        let c = conf("A y, x");
        let mut a = c.reader();
        assert_eq!(a.positional::<Raw>("A"), Some(Raw("y".to_string())));
        assert_eq!(
            errors(a.finish()),
            [("too many arguments".to_string(), (5, 6))]
        );
    }

    #[test]
    fn mandatory_positional_takes_keyword_looking_text() {
        let c = conf("hello world");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<Raw>("LABEL"), Raw("hello world".to_string()));
        assert_eq!(a.finish(), Ok(()));
        // An optional positional read does not, and the text is then an unknown keyword.
        let c = conf("hello world");
        let mut a = c.reader();
        assert_eq!(a.positional::<Raw>("LABEL"), None);
        assert_eq!(a.keyword::<u32>("MAXLENGTH"), None);
        assert_eq!(
            errors(a.finish()),
            [(
                "hello: unknown argument (valid keywords: LABEL, MAXLENGTH)".to_string(),
                (0, 11)
            )]
        );
    }

    #[test]
    fn empty_argument_counts_as_not_given() {
        let c = conf(", 5");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 0);
        assert_eq!(a.positional::<u32>("LIMIT"), Some(5));
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn mandatory_missing() {
        let c = conf("");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 0);
        assert!(a.has_errors());
        assert_eq!(a.last_span(), c.whole);
        assert_eq!(
            errors(a.finish()),
            [("missing mandatory COUNT argument".to_string(), (0, 0))]
        );

        let c = conf("5");
        let mut a = c.reader();
        assert_eq!(a.keyword_mandatory::<u32>("COUNT"), 0);
        assert_eq!(
            errors(a.finish()),
            [
                ("missing mandatory COUNT argument".to_string(), (0, 1)),
                ("too many arguments".to_string(), (0, 1)),
            ]
        );
    }

    #[test]
    fn keyword_only_is_not_positional() {
        let c = conf("ACTIVE false, 3");
        let mut a = c.reader();
        assert!(!a.keyword_mandatory::<bool>("ACTIVE"));
        assert_eq!(a.keyword::<u32>("N"), None);
        assert_eq!(
            errors(a.finish()),
            [("too many arguments".to_string(), (14, 15))]
        );
    }

    #[test]
    fn type_error_names_keyword_and_argument() {
        let c = conf("1, abc");
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 1);
        assert_eq!(a.positional::<u32>("LIMIT"), None);
        assert_eq!(
            errors(a.finish()),
            [("LIMIT: expected unsigned integer".to_string(), (3, 6))]
        );
    }

    #[test]
    fn every_error_at_once() {
        let text = "x, LIMIT 300, BOGUS 1, ADDR 1.2.3, ADDR 1.2.3.4, 7, 8";
        let c = conf(text);
        let mut a = c.reader();
        assert_eq!(a.mandatory::<u32>("COUNT"), 0);
        assert_eq!(a.positional::<u8>("LIMIT"), None);
        assert_eq!(a.keyword_mandatory::<u32>("BURST"), 0);
        let addrs = a.keyword_all::<crate::wire::Ipv4Address>("ADDR");
        assert_eq!(addrs, [crate::wire::Ipv4Address::new(1, 2, 3, 4)]);
        a.error(Span::new(0, 1), "custom");
        let all = errors(a.finish());
        assert_eq!(
            all,
            [
                ("COUNT: expected unsigned integer".to_string(), (0, 1)),
                ("LIMIT: out of range, bound 255".to_string(), (3, 12)),
                (
                    "missing mandatory BURST argument".to_string(),
                    (0, text.len())
                ),
                ("ADDR: expected IP address".to_string(), (23, 33)),
                ("custom".to_string(), (0, 1)),
                (
                    "BOGUS: unknown argument (valid keywords: COUNT, LIMIT, BURST, ADDR)"
                        .to_string(),
                    (14, 21)
                ),
                ("too many arguments".to_string(), (49, 53)),
            ]
        );
    }

    #[test]
    fn keyword_all_keeps_order() {
        let c = conf("N 1, X 9, N 2, N 3");
        let mut a = c.reader();
        assert_eq!(a.keyword_all::<u32>("N"), [1, 2, 3]);
        assert_eq!(a.keyword::<u32>("X"), Some(9));
        assert_eq!(a.keyword_all::<u32>("N"), Vec::<u32>::new());
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn rest_takes_the_unread_arguments() {
        let c = conf("12/0800, -, OFFSET 4, 12/0806 20/0001");
        let mut a = c.reader();
        assert_eq!(a.keyword::<u32>("OFFSET"), Some(4));
        let rest = a.rest();
        assert_eq!(texts(&rest), ["12/0800", "-", "12/0806 20/0001"]);
        assert_eq!(rest[2].span, Span::new(22, 37));
        assert!(a.rest().is_empty());
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn keyword_values_are_unquoted_where_click_does() {
        let c = conf("DATA \"a, b\\n\", RAW \"q\", LABEL 'x y'");
        let mut a = c.reader();
        assert_eq!(a.keyword::<Bytes>("DATA"), Some(Bytes(b"a, b\n".to_vec())));
        assert_eq!(a.keyword::<Raw>("RAW"), Some(Raw("\"q\"".to_string())));
        assert_eq!(a.keyword::<String>("LABEL"), Some("x y".to_string()));
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn span_and_display() {
        let c = conf("1, 2");
        let a = c.reader();
        assert_eq!(a.span(), Span::new(0, 4));
        let e = ConfigError {
            errors: vec![
                ArgError {
                    span: Span::new(0, 1),
                    message: "first".to_string(),
                },
                ArgError {
                    span: Span::new(2, 3),
                    message: "second".to_string(),
                },
            ],
        };
        assert_eq!(e.to_string(), "first\nsecond");
        assert_eq!(Span::new(3, 5).join(Span::new(1, 4)), Span::new(1, 5));
        assert_eq!(Span::new(3, 5).len(), 2);
    }
}
