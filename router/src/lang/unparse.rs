//! Printing a flat configuration in Click syntax, like click-flatten: requirements and
//! definitions, then one declaration per element, then one connection per line. The output
//! parses back to the same flat configuration.

use super::graph::FlatConfig;
use alloc::string::String;
use core::fmt::Write as _;

/// The flat configuration as Click text.
pub fn unparse(flat: &FlatConfig) -> String {
    let mut out = String::new();
    for r in &flat.requirements {
        if r.value.is_empty() {
            let _ = writeln!(out, "require({});", r.kind);
        } else {
            let _ = writeln!(out, "require({} {});", r.kind, quote_word(&r.value));
        }
    }
    if !flat.defines.is_empty() {
        out.push_str("define(");
        for (i, d) in flat.defines.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n       ");
            }
            let _ = write!(out, "${} {}", d.name, d.value);
        }
        out.push_str(");\n");
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for e in &flat.elements {
        if e.config.is_empty() {
            let _ = writeln!(out, "{} :: {};", e.name, e.class);
        } else {
            let _ = writeln!(out, "{} :: {}({});", e.name, e.class, e.config);
        }
    }
    if !flat.connections.is_empty() {
        out.push('\n');
    }
    for c in &flat.connections {
        let (Some(from), Some(to)) = (
            flat.elements.get(c.from.element),
            flat.elements.get(c.to.element),
        ) else {
            continue;
        };
        let _ = write!(out, "{}", from.name);
        if c.from.port != 0 {
            let _ = write!(out, " [{}]", c.from.port);
        }
        out.push_str(" -> ");
        if c.to.port != 0 {
            let _ = write!(out, "[{}] ", c.to.port);
        }
        let _ = writeln!(out, "{};", to.name);
    }
    out
}

/// A requirement value as one Click word (quoted if it has spaces, quotes or commas).
fn quote_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b',' | b'(' | b')' | b'\\')
        })
    {
        return String::from(s);
    }
    let mut q = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}
