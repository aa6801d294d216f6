//! Errors of the language layer: every error carries the place it is about, and notes
//! (for instance, where a compound element whose body holds the error was used).

use super::source::{SourceMap, Span};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

/// A remark attached to an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where the note points, if anywhere.
    pub span: Option<Span>,
    /// The note's text.
    pub message: String,
}

/// An error in a configuration, located in its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangError {
    /// The text the error is about.
    pub span: Span,
    /// What is wrong, as one line.
    pub message: String,
    /// Further remarks, in order.
    pub notes: Vec<Note>,
}

impl LangError {
    /// An error at `span` without notes.
    pub fn new(span: Span, message: impl Into<String>) -> LangError {
        LangError {
            span,
            message: message.into(),
            notes: Vec::new(),
        }
    }

    /// Adds a note.
    pub fn with_note(mut self, span: Option<Span>, message: impl Into<String>) -> LangError {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
        self
    }

    /// The error as `file:line:col: message`, followed by one indented line per note.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let _ = write!(out, "{}: {}", sources.location(self.span), self.message);
        for note in &self.notes {
            match note.span {
                Some(span) => {
                    let _ = write!(
                        out,
                        "\n  {}: note: {}",
                        sources.location(span),
                        note.message
                    );
                }
                None => {
                    let _ = write!(out, "\n  note: {}", note.message);
                }
            }
        }
        out
    }
}

impl fmt::Display for LangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
