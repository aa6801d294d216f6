//! The language's entry points: parse a file, resolve it, expand it, and return the flat
//! configuration with every error found on the way.

use super::error::LangError;
use super::expand;
use super::graph::FlatConfig;
use super::parser;
use super::resolve::Resolver;
use super::source::{FileId, SourceMap, Span};
use alloc::string::String;
use alloc::vec::Vec;

/// A library file's name (for messages) and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    /// The name to show in locations, e.g. the path it was read from.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// Reads the files `require(library NAME)` names (Click searches CLICKPATH; tests use a map).
pub trait LibraryLoader {
    /// Loads library `name`, required from the file named `from`; `Err` says why not.
    fn load(&mut self, name: &str, from: &str) -> Result<Library, String>;
}

/// A loader that has no libraries.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLibraries;

impl LibraryLoader for NoLibraries {
    fn load(&mut self, _name: &str, _from: &str) -> Result<Library, String> {
        Err(String::from("no library path configured"))
    }
}

/// How to flatten.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlattenOptions {
    /// Command-line definitions (`-D NAME=VALUE`; a leading `$` is optional). They override
    /// the file's global `define`s and add to them.
    pub defines: Vec<(String, String)>,
    /// Substitute global parameters into configuration strings. When false (as
    /// click-flatten does), configurations keep `$NAME` and [`FlatConfig::defines`] lists
    /// the values; compound-element parameters are always substituted.
    pub expand_defines: bool,
}

/// Parses, resolves and flattens file `file` of `sources`; library files are added to
/// `sources`. Returns the flat configuration (as complete as the errors allow) and every
/// error, in the order found.
pub fn flatten(
    sources: &mut SourceMap,
    file: FileId,
    options: &FlattenOptions,
    loader: &mut dyn LibraryLoader,
) -> (FlatConfig, Vec<LangError>) {
    let (ast, mut errors) = parser::parse(sources, file);
    let len = sources.file(file).map_or(0, |f| f.text().len());
    let resolved = Resolver::new(sources, loader, &mut errors, Span::new(file, 0, len)).run(&ast);
    let flat = expand::expand(&resolved, options, &mut errors);
    (flat, errors)
}

/// Flattens a configuration given as text named `name`, without libraries. Returns the
/// source map (for locating errors), the flat configuration and the errors.
pub fn flatten_str(
    name: &str,
    text: &str,
    options: &FlattenOptions,
) -> (SourceMap, FlatConfig, Vec<LangError>) {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let (flat, errors) = flatten(&mut sources, id, options, &mut NoLibraries);
    (sources, flat, errors)
}
