//! The Click configuration language: source files and locations, the grammar and parser,
//! the syntax tree, compound-element expansion into a flat graph, and unparsing back to
//! Click syntax.
//!
//! The pipeline: [`parse`] turns a file into an [`ast::File`]; [`flatten`] resolves names
//! and classes, expands compound elements and groups, substitutes parameters and returns a
//! [`FlatConfig`] with Click's generated element names; [`unparse`] prints a flat
//! configuration as Click text that parses back to the same graph.

pub mod ast;
pub mod error;
mod expand;
mod flatten;
mod graph;
mod parser;
mod resolve;
mod scan;
pub mod source;
mod text;
mod unparse;

pub use error::{LangError, Note};
pub use flatten::{flatten, flatten_str, FlattenOptions, Library, LibraryLoader, NoLibraries};
pub use graph::{FlatConfig, FlatConnection, FlatDefine, FlatElement, PortRef, Requirement};
pub use parser::parse;
pub use source::{FileId, LineCol, Location, SourceFile, SourceMap, Span};
pub use unparse::unparse;
