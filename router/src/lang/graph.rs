//! The flat configuration: what flattening produces and what the checker, the interpreter
//! and the code generator consume. Elements carry Click's final names (`a/b`, `Class@N`),
//! primitive class names, configuration strings after parameter substitution, and where
//! they came from.

use super::source::Span;
use alloc::string::String;
use alloc::vec::Vec;

/// One element of the flat graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlatElement {
    /// The element's full name, as Click names it after flattening (`c/x`, `Queue@3`).
    pub name: String,
    /// Its (primitive) element class.
    pub class: String,
    /// Its configuration string after `$parameter` substitution, otherwise as written.
    pub config: String,
    /// Where the configuration string was written (empty span at the element if none).
    pub config_span: Span,
    /// Where the element was declared (in the compound body, for compound components).
    pub decl_span: Span,
    /// Where each enclosing compound element was used, innermost first (empty at top level).
    pub context: Vec<Span>,
}

/// One end of a connection: an element (index into [`FlatConfig::elements`]) and a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRef {
    /// Index of the element.
    pub element: usize,
    /// Port number.
    pub port: u32,
}

/// A connection from an output port to an input port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlatConnection {
    /// The output end.
    pub from: PortRef,
    /// The input end.
    pub to: PortRef,
    /// The connection statement it came from.
    pub span: Span,
}

/// A `require` entry: `package NAME` or `compact_config`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The kind: `package` or `compact_config`.
    pub kind: String,
    /// The package name (empty for `compact_config`).
    pub value: String,
    /// Where it was required.
    pub span: Span,
}

/// A global `define` kept in the flat configuration (when variables are not expanded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlatDefine {
    /// Variable name, without `$`.
    pub name: String,
    /// Its value (after command-line overrides).
    pub value: String,
    /// Where it was defined (the command line's overrides have an empty span in file 0).
    pub span: Span,
}

/// A flattened router configuration: no compounds, groups, classes or tunnels remain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatConfig {
    /// The elements, in Click's order (top-level elements first, then compound components
    /// in expansion order).
    pub elements: Vec<FlatElement>,
    /// The connections, sorted by (from, to) and without duplicates.
    pub connections: Vec<FlatConnection>,
    /// Package requirements, in order of appearance, without duplicates.
    pub requirements: Vec<Requirement>,
    /// Global parameter definitions still referred to as `$NAME` in configurations (empty
    /// when flattening expanded them).
    pub defines: Vec<FlatDefine>,
}

impl FlatConfig {
    /// Index of the element named `name`.
    pub fn element_index(&self, name: &str) -> Option<usize> {
        self.elements.iter().position(|e| e.name == name)
    }

    /// Whether two flat configurations describe the same router, ignoring source spans:
    /// the same elements (names, classes, configurations) in the same order, the same
    /// connections, requirements and defines.
    pub fn same_graph(&self, other: &FlatConfig) -> bool {
        let elems = |c: &FlatConfig| -> Vec<(String, String, String)> {
            c.elements
                .iter()
                .map(|e| (e.name.clone(), e.class.clone(), e.config.clone()))
                .collect()
        };
        let conns = |c: &FlatConfig| -> Vec<(PortRef, PortRef)> {
            c.connections.iter().map(|k| (k.from, k.to)).collect()
        };
        let reqs = |c: &FlatConfig| -> Vec<(String, String)> {
            c.requirements
                .iter()
                .map(|r| (r.kind.clone(), r.value.clone()))
                .collect()
        };
        let defs = |c: &FlatConfig| -> Vec<(String, String)> {
            c.defines
                .iter()
                .map(|d| (d.name.clone(), d.value.clone()))
                .collect()
        };
        elems(self) == elems(other)
            && conns(self) == conns(other)
            && reqs(self) == reqs(other)
            && defs(self) == defs(other)
    }
}
