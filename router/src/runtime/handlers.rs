//! What the runtime knows about a router besides its elements: names, classes,
//! configurations and port counts, and the handlers Click gives every element (`name`,
//! `class`, `config`, `ports`, `handlers`) and every router (`version`, `list`, `classes`,
//! `config`, `flatconfig`, `requirements`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use sluice_elements::element::HandlerError;

use crate::lang::FlatConfig;
use crate::registry::ClassInfo;

/// A router's static description.
#[derive(Debug, Clone)]
pub struct RouterInfo {
    /// The flat configuration.
    pub flat: FlatConfig,
    /// Each element's class.
    pub classes: Vec<&'static ClassInfo>,
    /// Each element's (inputs, outputs).
    pub ports: Vec<(usize, usize)>,
}

/// Where a handler name points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A router-wide handler.
    Global(&'a str),
    /// Handler `.1` of element `.0`.
    Element(usize, &'a str),
}

impl RouterInfo {
    /// Splits `element.handler` (at the last dot, so element names with dots work) or a
    /// global handler name. As in Click's ControlSocket, the element may also be given by
    /// its number (`3.count`, counting from 1), and `.handler` or `0.handler` names a
    /// global handler.
    pub fn target<'a>(&self, full: &'a str) -> Result<Target<'a>, HandlerError> {
        match full.rsplit_once('.') {
            Some(("" | "0", h)) => Ok(Target::Global(h)),
            Some((element, h)) => match self.flat.element_index(element) {
                Some(i) => Ok(Target::Element(i, h)),
                None => match element.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= self.flat.elements.len() => {
                        Ok(Target::Element(n - 1, h))
                    }
                    _ => Err(HandlerError::NoSuchElement(element.to_string())),
                },
            },
            None => Ok(Target::Global(full)),
        }
    }

    /// Click's standard per-element handlers (read-only), if `h` is one.
    pub fn standard(&self, i: usize, h: &str) -> Option<String> {
        let e = self.flat.elements.get(i)?;
        Some(match h {
            "name" => e.name.clone(),
            "class" => e.class.clone(),
            "config" => e.config.clone(),
            "ports" => {
                let (nin, nout) = self.ports.get(i).copied().unwrap_or((0, 0));
                format!("{nin} input{}\n{nout} output{}", plural(nin), plural(nout))
            }
            "handlers" => {
                let specs = self.classes.get(i).map(|c| c.handlers).unwrap_or(&[]);
                // An element that reconfigures live lists `config` as its own (read/write).
                let mut names: Vec<String> = STANDARD
                    .iter()
                    .filter(|s| !specs.iter().any(|spec| spec.name == **s))
                    .map(|s| s.to_string())
                    .collect();
                for spec in specs {
                    let mode = match (spec.access.readable(), spec.access.writable()) {
                        (true, true) => "rw",
                        (true, false) => "r",
                        _ => "w",
                    };
                    names.push(format!("{}\t{mode}", spec.name));
                }
                names.join("\n")
            }
            _ => return None,
        })
    }

    /// Click's router-wide handlers.
    pub fn global(&self, h: &str) -> Result<String, HandlerError> {
        Ok(match h {
            "version" => env!("CARGO_PKG_VERSION").to_string(),
            "list" => {
                let mut out = format!("{}", self.flat.elements.len());
                for e in &self.flat.elements {
                    out.push('\n');
                    out.push_str(&e.name);
                }
                out
            }
            "classes" => {
                let mut names: Vec<&str> = crate::registry::classes().map(|c| c.name).collect();
                names.sort_unstable();
                names.join("\n")
            }
            "config" | "flatconfig" => crate::lang::unparse(&self.flat),
            "requirements" => self
                .flat
                .requirements
                .iter()
                .map(|r| r.value.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => return Err(HandlerError::NoSuchHandler),
        })
    }
}

/// Click's standard per-element handlers.
pub const STANDARD: [&str; 5] = ["name", "class", "config", "ports", "handlers"];

/// Click's global handlers.
pub const GLOBAL: [&str; 6] = [
    "version",
    "list",
    "classes",
    "config",
    "flatconfig",
    "requirements",
];

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
