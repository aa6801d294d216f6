//! Collects every element's doc comment from `elements/src` so that `sluice elements` prints
//! the reference from the elements' own documentation (one source of truth, no copy).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let src = manifest.join("../elements/src");
    println!("cargo:rerun-if-changed={}", src.display());
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    let mut docs: Vec<(String, String)> = Vec::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        docs.extend(element_docs(&text));
    }
    docs.sort();
    let mut out = String::from("/// Element class names and their doc comments.\npub static ELEMENT_DOCS: &[(&str, &str)] = &[\n");
    for (class, doc) in &docs {
        let _ = writeln!(out, "    ({class:?}, {doc:?}),");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("element_docs.rs");
    fs::write(dest, out).expect("write element_docs.rs");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// For each `impl Element for T` in a file with `const CLASS: &'static str = "Name"`, the
/// `///` block right above `pub struct T`.
fn element_docs(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((ty, class)) = element_impl(line, &lines[i..]) else {
            continue;
        };
        let decl = format!("pub struct {ty}");
        let Some(at) = lines.iter().position(|l| {
            let l = l.trim();
            l == decl
                || l.starts_with(&format!("{decl} "))
                || l.starts_with(&format!("{decl}<"))
                || l.starts_with(&format!("{decl};"))
        }) else {
            continue;
        };
        let mut start = at;
        while start > 0 {
            let prev = lines[start - 1].trim();
            if prev.starts_with("///") || prev.starts_with("#[") {
                start -= 1;
            } else {
                break;
            }
        }
        let doc: Vec<&str> = lines[start..at]
            .iter()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix("///")
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
            })
            .collect();
        found.push((class, doc.join("\n")));
    }
    found
}

/// The type and class of an `impl Element for T` line (the class from the `CLASS` const
/// below it), or of a macro invocation that writes such an impl: `name!(T, "Class", ...)`.
fn element_impl(line: &str, below: &[&str]) -> Option<(String, String)> {
    let trimmed = line.trim();
    if let Some(rest) = trimmed.strip_prefix("impl Element for ") {
        let ty = rest.trim_end_matches('{').trim().to_string();
        let class = below
            .iter()
            .take(12)
            .find_map(|l| {
                let v = l.trim().strip_prefix("const CLASS: &'static str = \"")?;
                Some(v.trim_end_matches("\";").to_string())
            })
            .unwrap_or_else(|| ty.clone());
        return Some((ty, class));
    }
    // A macro call may spread its arguments over the next lines.
    let joined: String = if trimmed.ends_with("!(") {
        core::iter::once(trimmed)
            .chain(below.iter().skip(1).take(3).map(|l| l.trim()))
            .collect()
    } else {
        trimmed.to_string()
    };
    let (name, args) = joined.split_once("!(")?;
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let mut parts = args.splitn(3, ',');
    let ty = parts.next()?.trim();
    let class = parts.next()?.trim();
    if ty.is_empty() || !ty.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let class = class.strip_prefix('"')?.strip_suffix('"')?;
    Some((ty.to_string(), class.to_string()))
}
