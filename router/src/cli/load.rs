//! Reading a configuration from a file or an expression, with libraries found beside it.

use std::path::{Path, PathBuf};

use crate::diagnostics::{self, Style};
use crate::instantiate::{instantiate, Checked};
use crate::lang::{
    flatten, FlatConfig, FlattenOptions, LangError, Library, LibraryLoader, SourceMap,
};

/// Where a configuration comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// An expression given on the command line (`-e`).
    Expr(String),
    /// Text with a name for messages (a compiled program's embedded configuration).
    Named(String, String),
}

/// A loaded configuration: its sources (for error locations), the flat graph and the
/// language errors.
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// The flat configuration.
    pub flat: FlatConfig,
    /// Errors from parsing and flattening.
    pub errors: Vec<LangError>,
}

impl Loaded {
    /// Checks and configures the flat graph; the language errors come first.
    pub fn instantiate(self) -> (SourceMap, Checked) {
        let Loaded {
            sources,
            flat,
            errors,
        } = self;
        let mut checked = if errors.is_empty() {
            instantiate(flat)
        } else {
            // Report class and configuration errors too, but build nothing.
            let mut c = instantiate(flat);
            c.instance = None;
            c
        };
        let mut all = errors;
        all.append(&mut checked.errors);
        checked.errors = all;
        (sources, checked)
    }

    /// The errors rendered for people.
    pub fn render_errors(&self, style: Style) -> String {
        diagnostics::render(&self.sources, &self.errors, style)
    }
}

/// Finds `require(library NAME)` files relative to the requiring file, then in
/// `CLICKPATH`'s directories, as Click does.
struct FileLoader;

impl LibraryLoader for FileLoader {
    fn load(&mut self, name: &str, from: &str) -> Result<Library, String> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        candidates.push(base.join(name));
        if let Ok(path) = std::env::var("CLICKPATH") {
            candidates.extend(
                path.split(':')
                    .filter(|d| !d.is_empty())
                    .map(|d| Path::new(d).join(name)),
            );
        }
        for c in &candidates {
            if let Ok(text) = std::fs::read_to_string(c) {
                return Ok(Library {
                    name: c.display().to_string(),
                    text,
                });
            }
        }
        Err(format!("library '{name}' not found"))
    }
}

/// Reads and flattens a configuration. `expand` substitutes global `define`s (as the
/// runtime needs); click-flatten leaves them.
pub fn load(source: &Source, defines: &[(String, String)], expand: bool) -> Result<Loaded, String> {
    let (name, text) = match source {
        Source::File(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            (path.display().to_string(), text)
        }
        Source::Expr(text) => ("<expr>".to_string(), text.clone()),
        Source::Named(name, text) => (name.clone(), text.clone()),
    };
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let options = FlattenOptions {
        defines: defines.to_vec(),
        expand_defines: expand,
    };
    let (flat, errors) = flatten(&mut sources, id, &options, &mut FileLoader);
    Ok(Loaded {
        sources,
        flat,
        errors,
    })
}
