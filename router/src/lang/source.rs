//! Source files and locations: the text of every configuration file read, and the mapping
//! from byte offsets to `file:line:column`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Identifies one file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span of bytes `start..end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// The smallest span covering `self` and `other` (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`s.
    pub fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A line and column, both counted from 1; the column counts characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: u32,
    /// Column (in characters), from 1.
    pub col: u32,
}

/// One configuration file: its name and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    fn new(name: String, text: String) -> SourceFile {
        // Click counts `\n`, `\r` and `\r\n` as line breaks.
        let bytes = text.as_bytes();
        let mut line_starts = alloc::vec![0u32];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(to_u32(i + 1)),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(to_u32(i + 1));
                }
                _ => {}
            }
            i += 1;
        }
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// The file's name, as given when it was added.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(to_u32(self.text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count();
        LineCol {
            line: to_u32(line + 1),
            col: to_u32(col + 1),
        }
    }

    /// The text of line `line` (counted from 1), without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Every file read while loading a configuration (the main file and its libraries).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(to_u32(self.files.len()));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    /// The file with id `id`, if there is one.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// All files, in the order they were added.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The text a span covers (empty if the span is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }

    /// Line and column where a span starts.
    pub fn line_col(&self, span: Span) -> LineCol {
        self.file(span.file)
            .map_or(LineCol { line: 1, col: 1 }, |f| f.line_col(span.start))
    }

    /// A displayable `file:line:col` for the start of a span.
    pub fn location(&self, span: Span) -> Location<'_> {
        let lc = self.line_col(span);
        Location {
            file: self.file(span.file).map_or("<unknown>", |f| f.name()),
            line: lc.line,
            col: lc.col,
        }
    }
}

/// A `file:line:col` position, ready to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location<'a> {
    /// The file's name.
    pub file: &'a str,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let mut map = SourceMap::new();
        let id = map.add("x.click", "a\nbc\r\nd\re");
        let at = |o| map.file(id).unwrap().line_col(o);
        assert_eq!(at(0), LineCol { line: 1, col: 1 });
        assert_eq!(at(3), LineCol { line: 2, col: 2 });
        assert_eq!(at(6), LineCol { line: 3, col: 1 });
        assert_eq!(at(8), LineCol { line: 4, col: 1 });
        assert_eq!(map.file(id).unwrap().line_text(2), "bc");
        let s = Span::new(id, 3, 4);
        assert_eq!(alloc::format!("{}", map.location(s)), "x.click:2:2");
        assert_eq!(map.snippet(s), "c");
    }
}
