//! A small byte scanner that runs before the grammar: it blanks out line directives, skips
//! whitespace and comments, finds the extent of each top-level statement (up to the next
//! `;` outside brackets, strings and comments), and catches what the grammar would report
//! poorly: unterminated comments, strings and brackets, and nesting too deep to parse
//! safely. It never recurses, so hostile input cannot exhaust the stack here.

use super::error::LangError;
use super::source::{FileId, Span};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting of `(`, `{` and `[` the parser accepts; Click's own limit for compounds is
/// similar, and it keeps the (recursive) grammar far from the end of the stack.
pub(crate) const MAX_NESTING: usize = 64;

fn is_line_start(b: &[u8], i: usize) -> bool {
    i == 0 || b[i - 1] == b'\n' || b[i - 1] == b'\r'
}

/// End of a `//` comment starting at `i` (the index of the line break, or the end).
fn line_comment_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 2;
    while j < b.len() && b[j] != b'\n' && b[j] != b'\r' {
        j += 1;
    }
    j
}

/// End of a `/* */` comment starting at `i`, or `None` if it never ends.
fn block_comment_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 2;
    while j + 1 < b.len() {
        if b[j] == b'*' && b[j + 1] == b'/' {
            return Some(j + 2);
        }
        j += 1;
    }
    None
}

/// End of a quoted string whose opening quote is at `i`, or `None` if it never ends.
/// Backslashes escape only inside double quotes, as in Click.
fn quote_end(b: &[u8], i: usize) -> Option<usize> {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' && q == b'"' {
            j += 2;
            continue;
        }
        if b[j] == q {
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

/// Replaces line directives (`# 12 "file"` at the start of a line, outside brackets) with
/// spaces, keeping every byte offset. Reports directives Click would not understand.
pub(crate) fn mask_directives(text: &str, file: FileId, errors: &mut Vec<LangError>) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_comment_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i).unwrap_or(b.len()),
            b'\'' | b'"' if depth > 0 => i = quote_end(b, i).unwrap_or(b.len()),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' if depth == 0 && is_line_start(b, i) => {
                let mut end = i;
                while end < b.len() && b[end] != b'\n' && b[end] != b'\r' {
                    end += 1;
                }
                let line = &text[i..end];
                let rest = line[1..].trim_start_matches([' ', '\t']);
                let rest = rest
                    .strip_prefix("line")
                    .filter(|r| r.starts_with([' ', '\t']))
                    .map_or(rest, |r| r.trim_start_matches([' ', '\t']));
                if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                    errors.push(LangError::new(
                        Span::new(file, i, end),
                        "unknown preprocessor directive",
                    ));
                }
                for byte in &mut out[i..end] {
                    *byte = b' ';
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes of whole lines were replaced by spaces, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| String::from(text))
}

/// Skips whitespace and comments from `i`. An unterminated `/*` is reported and skips to the
/// end.
pub(crate) fn skip_trivia(
    text: &str,
    mut i: usize,
    file: FileId,
    errors: &mut Vec<LangError>,
) -> usize {
    let b = text.as_bytes();
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_comment_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => match block_comment_end(b, i) {
                Some(end) => i = end,
                None => {
                    errors.push(LangError::new(
                        Span::new(file, i, i + 2),
                        "unterminated comment",
                    ));
                    return b.len();
                }
            },
            _ => break,
        }
    }
    i
}

/// Why a statement's extent could not be found.
pub(crate) enum RegionError {
    /// An opening bracket at this offset is never closed.
    Unclosed(usize, u8),
    /// A string starting at this offset never ends.
    UnterminatedString(usize),
    /// A comment starting at this offset never ends.
    UnterminatedComment(usize),
    /// Brackets nest deeper than [`MAX_NESTING`] at this offset.
    TooDeep(usize),
}

impl RegionError {
    pub(crate) fn into_error(self, file: FileId) -> (LangError, usize) {
        match self {
            RegionError::Unclosed(at, c) => {
                let close = match c {
                    b'(' => ')',
                    b'{' => '}',
                    _ => ']',
                };
                (
                    LangError::new(
                        Span::new(file, at, at + 1),
                        format!(
                            "unclosed '{}': expected '{close}' before end of input",
                            c as char
                        ),
                    ),
                    at,
                )
            }
            RegionError::UnterminatedString(at) => (
                LangError::new(Span::new(file, at, at + 1), "unterminated quoted string"),
                at,
            ),
            RegionError::UnterminatedComment(at) => (
                LangError::new(Span::new(file, at, at + 2), "unterminated comment"),
                at,
            ),
            RegionError::TooDeep(at) => (
                LangError::new(
                    Span::new(file, at, at + 1),
                    format!("brackets nested more than {MAX_NESTING} deep"),
                ),
                at,
            ),
        }
    }
}

/// Walks a statement from `start`, calling `newline(i)` at every line break outside
/// brackets, and returns the offset of the `;` that ends it (or the end of the text).
fn walk(
    text: &str,
    start: usize,
    mut newline: impl FnMut(usize) -> bool,
) -> Result<usize, RegionError> {
    let b = text.as_bytes();
    // The stack of open brackets: inside `(`, only parentheses count and quotes are strings
    // (configuration strings and groups); elsewhere braces and parentheses count.
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut i = start;
    while i < b.len() {
        let in_paren = stack.last().is_some_and(|&(c, _)| c == b'(');
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_comment_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(b, i).ok_or(RegionError::UnterminatedComment(i))?;
                continue;
            }
            b'\'' | b'"' if in_paren => {
                i = quote_end(b, i).ok_or(RegionError::UnterminatedString(i))?;
                continue;
            }
            b'\\' if in_paren && b.get(i + 1) == Some(&b'<') => {
                // `\<...>` data: parentheses inside do not count.
                let mut j = i + 2;
                while j < b.len() && b[j] != b'>' {
                    j += 1;
                }
                i = (j + 1).min(b.len());
                continue;
            }
            c @ (b'(' | b'{') if c == b'(' || !in_paren => {
                stack.push((c, i));
                if stack.len() > MAX_NESTING {
                    return Err(RegionError::TooDeep(i));
                }
            }
            b')' if stack.last().is_some_and(|&(c, _)| c == b'(') => {
                stack.pop();
            }
            b'}' if stack.last().is_some_and(|&(c, _)| c == b'{') => {
                stack.pop();
            }
            b';' if stack.is_empty() => return Ok(i),
            b'\n' | b'\r' if stack.is_empty() && newline(i) => return Ok(i),
            _ => {}
        }
        i += 1;
    }
    match stack.first() {
        Some(&(c, at)) => Err(RegionError::Unclosed(at, c)),
        None => Ok(b.len()),
    }
}

/// The end of the statement region starting at `start`: the offset of the next `;` outside
/// brackets, strings and comments, or the end of the text.
pub(crate) fn region_end(text: &str, start: usize) -> Result<usize, RegionError> {
    walk(text, start, |_| false)
}

/// Where to resume after a syntax error at `error_at` in the region `start..end`: the first
/// line break outside brackets after the error, or the end of the region.
pub(crate) fn resync(text: &str, start: usize, error_at: usize, end: usize) -> usize {
    let stop = walk(&text[..end], start, |i| i > error_at).unwrap_or(end);
    stop.max(error_at.min(end))
        .clamp(start.saturating_add(1).min(end), end)
}

/// Splits the inside of a compound's braces (`text[start..end]`) at `||` outside brackets,
/// comments and strings, into the byte ranges of its bodies.
pub(crate) fn split_bodies(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let b = &text.as_bytes()[..end];
    let mut pieces = Vec::new();
    let mut from = start;
    let mut stack: Vec<u8> = Vec::new();
    let mut i = start;
    while i < end {
        let in_paren = stack.last() == Some(&b'(');
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_comment_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(b, i).unwrap_or(end);
                continue;
            }
            b'\'' | b'"' if in_paren => {
                i = quote_end(b, i).unwrap_or(end);
                continue;
            }
            c @ (b'(' | b'{') if c == b'(' || !in_paren => stack.push(c),
            b')' if in_paren => {
                stack.pop();
            }
            b'}' if stack.last() == Some(&b'{') => {
                stack.pop();
            }
            b'|' if stack.is_empty() && b.get(i + 1) == Some(&b'|') => {
                pieces.push((from, i));
                i += 2;
                from = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    pieces.push((from, end));
    pieces
}

/// The token at `i`, for messages (`end of input` at the end).
pub(crate) fn token_at(text: &str, i: usize) -> String {
    let b = text.as_bytes();
    if i >= b.len() {
        return String::from("end of input");
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'@';
    if word(b[i]) {
        let mut j = i;
        while j < b.len()
            && (word(b[j]) || (b[j] == b'/' && b.get(j + 1).is_some_and(|&c| word(c))))
        {
            j += 1;
        }
        return String::from(&text[i..j]);
    }
    for op in ["->", "=>", "::", "||", "..."] {
        if text[i..].starts_with(op) {
            return String::from(op);
        }
    }
    match text[i..].chars().next() {
        Some(c) if c.is_control() => format!("\\x{:02x}", c as u32),
        Some(c) => String::from(c),
        None => String::from("end of input"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_stop_at_top_level_semicolons() {
        let t = "a(x;y) -> { b; c } -> d; e";
        assert_eq!(region_end(t, 0).ok(), Some(23));
        assert_eq!(region_end(t, 24).ok(), Some(t.len()));
        let t = "a(\")\" ; ) ; b";
        assert_eq!(region_end(t, 0).ok(), Some(10));
    }

    #[test]
    fn unclosed_and_too_deep() {
        assert!(matches!(
            region_end("a -> { b", 0),
            Err(RegionError::Unclosed(5, b'{'))
        ));
        assert!(matches!(
            region_end("X(\"abc)", 0),
            Err(RegionError::UnterminatedString(2))
        ));
        let deep = "(".repeat(MAX_NESTING + 1);
        assert!(matches!(region_end(&deep, 0), Err(RegionError::TooDeep(_))));
    }

    #[test]
    fn directives_are_blanked() {
        let mut errs = Vec::new();
        let t = "# 3 \"x.click\"\na -> b\n#bogus\n";
        let m = mask_directives(t, FileId(0), &mut errs);
        assert_eq!(m.len(), t.len());
        assert!(m.starts_with("             \na -> b"));
        assert_eq!(errs.len(), 1);
    }
}
