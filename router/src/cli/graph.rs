//! `sluice graph`: the element graph as Graphviz DOT, each element a record with its input
//! ports on top and its output ports below, push ports solid and pull ports hollow.

use std::fmt::Write as _;

use crate::graph::check::{check, Hookup, Link, Node};
use crate::lang::FlatConfig;
use crate::registry;

fn escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '"' | '\\' | '{' | '}' | '|' | '<' | '>' => vec!['\\', c],
            '\n' => vec!['\\', 'n'],
            c => vec![c],
        })
        .collect()
}

/// The graph in DOT.
pub fn to_dot(flat: &FlatConfig) -> String {
    let classes: Vec<_> = flat
        .elements
        .iter()
        .map(|e| registry::lookup(&e.class))
        .collect();
    let nodes: Vec<Node<'_>> = flat
        .elements
        .iter()
        .zip(&classes)
        .map(|(e, c)| Node {
            name: &e.name,
            class: *c,
        })
        .collect();
    let links: Vec<Link> = flat
        .connections
        .iter()
        .map(|c| Link {
            from: Hookup {
                element: c.from.element,
                port: c.from.port as usize,
            },
            to: Hookup {
                element: c.to.element,
                port: c.to.port as usize,
            },
        })
        .collect();
    let (resolved, _) = check(&nodes, &links);
    let mut out = String::from("digraph click {\n  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n  edge [fontsize=8];\n");
    for (i, e) in flat.elements.iter().enumerate() {
        let (nin, nout) = resolved.ports.get(i).copied().unwrap_or((0, 0));
        let port_cells = |n: usize, prefix: char, pull: &dyn Fn(usize) -> bool| -> String {
            (0..n)
                .map(|p| format!("<{prefix}{p}> {p}{}", if pull(p) { " (pull)" } else { "" }))
                .collect::<Vec<_>>()
                .join("|")
        };
        let input_pull = |p: usize| {
            resolved
                .input_pull
                .get(i)
                .and_then(|v| v.get(p))
                .copied()
                .unwrap_or(false)
        };
        let output_pull = |p: usize| {
            resolved
                .output_pull
                .get(i)
                .and_then(|v| v.get(p))
                .copied()
                .unwrap_or(false)
        };
        let mut label = String::new();
        if nin > 0 {
            let _ = write!(label, "{{{}}}|", port_cells(nin, 'i', &input_pull));
        }
        let _ = write!(label, "{} :: {}", escape(&e.name), escape(&e.class));
        if nout > 0 {
            let _ = write!(label, "|{{{}}}", port_cells(nout, 'o', &output_pull));
        }
        let _ = writeln!(out, "  e{i} [label=\"{{{label}}}\"];");
    }
    for c in &flat.connections {
        let pull = resolved
            .output_pull
            .get(c.from.element)
            .and_then(|v| v.get(c.from.port as usize))
            .copied()
            .unwrap_or(false);
        let style = if pull {
            " [style=dashed, arrowhead=empty]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  e{}:o{}:s -> e{}:i{}:n{style};",
            c.from.element, c.from.port, c.to.element, c.to.port
        );
    }
    out.push_str("}\n");
    out
}
