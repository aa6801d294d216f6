//! Rendering errors for people: each error with its `file:line:col`, the source line and a
//! marker under the offending text, as compilers do. Rendering is codespan-reporting's;
//! this module only maps Sluice's errors onto its diagnostics.

use alloc::string::String;
use alloc::vec::Vec;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, DisplayStyle};

use crate::lang::error::LangError;
use crate::lang::source::SourceMap;

/// How much to print per error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `file:line:col: error: message`, the source line, a marker and notes.
    #[default]
    Rich,
    /// One line per error: `file:line:col: error: message` (for scripts and editors).
    Short,
}

/// Renders every error, in order, as one string.
pub fn render(sources: &SourceMap, errors: &[LangError], style: Style) -> String {
    let mut files = SimpleFiles::new();
    let ids: Vec<usize> = sources
        .files()
        .iter()
        .map(|f| files.add(f.name(), f.text()))
        .collect();
    let config = Config {
        display_style: match style {
            Style::Rich => DisplayStyle::Rich,
            Style::Short => DisplayStyle::Short,
        },
        ..Config::default()
    };
    let mut out = String::new();
    for e in errors {
        let Some(&file) = ids.get(e.span.file.0 as usize) else {
            out.push_str(&e.message);
            out.push('\n');
            continue;
        };
        let mut labels = vec![Label::primary(file, clamp(sources, e.span))];
        let mut notes = Vec::new();
        for note in &e.notes {
            match note
                .span
                .and_then(|s| ids.get(s.file.0 as usize).map(|&f| (f, s)))
            {
                Some((f, s)) => labels.push(
                    Label::secondary(f, clamp(sources, s)).with_message(note.message.clone()),
                ),
                None => notes.push(note.message.clone()),
            }
        }
        let diagnostic = Diagnostic::error()
            .with_message(e.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        match term::emit_into_string(&config, &files, &diagnostic) {
            Ok(text) => out.push_str(&text),
            Err(_) => {
                out.push_str(&e.render(sources));
                out.push('\n');
            }
        }
    }
    out
}

/// The span's byte range, kept inside its file (codespan refuses ranges past the end).
fn clamp(sources: &SourceMap, span: crate::lang::source::Span) -> core::ops::Range<usize> {
    let len = sources.file(span.file).map_or(0, |f| f.text().len());
    let start = (span.start as usize).min(len);
    let end = (span.end as usize).clamp(start, len);
    start..end
}
