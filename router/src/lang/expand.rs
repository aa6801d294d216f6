//! Compound expansion, the second half of flattening: instantiates the resolved scopes into
//! one graph with Click's names (`outer/inner`), picks each compound element's overload by
//! argument and port count, substitutes `$parameters`, and finally splices connections
//! through the tunnels (compound `input`/`output`, groups) so that only real elements and
//! real connections remain.

use super::error::LangError;
use super::flatten::FlattenOptions;
use super::graph::{FlatConfig, FlatConnection, FlatDefine, FlatElement, PortRef};
use super::resolve::{ports_phrase, ClassDef, ClassId, ElemKind, Resolved, RouterId, Tunnel};
use super::source::Span;
use super::text;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Deepest nesting of compound elements inside compound elements.
const MAX_DEPTH: usize = 50;
/// Most elements (including tunnels) an expansion may create.
const MAX_NODES: usize = 1 << 18;

type Frame = Vec<(String, String)>;

struct Real {
    class: String,
    config: String,
    config_span: Span,
    context: Vec<Span>,
}

/// What a tunnel entrance is, for messages about ports nobody uses.
#[derive(Clone)]
enum Entrance {
    CompoundIn(String, Span),
    CompoundOut(String, Span),
    Group(Span, bool),
}

struct Node {
    name: String,
    decl: Span,
    real: Option<Real>,
}

enum Choice {
    Body(RouterId, Vec<String>),
    Primitive(String),
    Nothing,
}

struct Expander<'a> {
    res: &'a Resolved,
    errors: &'a mut Vec<LangError>,
    nodes: Vec<Node>,
    names: BTreeMap<String, usize>,
    edges: Vec<(usize, u32, usize, u32, Span)>,
    /// Tunnel entrance -> exit: a connection into the entrance's port `p` continues from the
    /// exit's port `p`.
    through: BTreeMap<usize, (usize, Entrance)>,
    too_big: bool,
}

/// Expands resolved scopes into a flat configuration.
pub(crate) fn expand(
    res: &Resolved,
    opts: &FlattenOptions,
    errors: &mut Vec<LangError>,
) -> FlatConfig {
    let root = &res.routers[0];
    // Global definitions, with the command line's overriding the file's.
    let mut defines: Vec<FlatDefine> = root
        .defines
        .iter()
        .map(|(n, v, s)| FlatDefine {
            name: n.clone(),
            value: v.clone(),
            span: *s,
        })
        .collect();
    for (name, value) in &opts.defines {
        let name = name.strip_prefix('$').unwrap_or(name);
        match defines.iter_mut().find(|d| d.name == name) {
            Some(d) => d.value = value.clone(),
            None => defines.push(FlatDefine {
                name: String::from(name),
                value: value.clone(),
                span: Span::default(),
            }),
        }
    }
    let mut globals: Frame = Vec::new();
    for d in &defines {
        let value = if opts.expand_defines {
            text::expand_vars(&d.value, &[globals.clone()])
        } else {
            format!("${}", d.name)
        };
        globals.push((d.name.clone(), value));
    }

    let mut x = Expander {
        res,
        errors,
        nodes: Vec::new(),
        names: BTreeMap::new(),
        edges: Vec::new(),
        through: BTreeMap::new(),
        too_big: false,
    };
    x.router(0, "", &[globals], &[], None, 0);
    let mut flat = x.finish();
    flat.requirements = res.requirements.clone();
    if !opts.expand_defines {
        flat.defines = defines;
    }
    flat
}

impl Expander<'_> {
    fn node(&mut self, name: String, decl: Span, real: Option<Real>) -> usize {
        if self.nodes.len() >= MAX_NODES && !self.too_big {
            self.too_big = true;
            self.errors.push(LangError::new(
                decl,
                format!("configuration too large: more than {MAX_NODES} elements after expansion"),
            ));
        }
        let idx = self.nodes.len();
        match self.names.get(&name) {
            Some(&prev) => {
                let prev = self.nodes[prev].decl;
                self.errors.push(
                    LangError::new(decl, format!("redeclaration of element '{name}'"))
                        .with_note(Some(prev), format!("'{name}' previously declared here")),
                );
            }
            None => {
                self.names.insert(name.clone(), idx);
            }
        }
        self.nodes.push(Node { name, decl, real });
        idx
    }

    /// Follows synonyms to a primitive or compound class.
    fn base_class(&self, mut cid: ClassId) -> ClassId {
        for _ in 0..=self.res.classes.len() {
            match &self.res.classes[cid] {
                ClassDef::Synonym { target, .. } => cid = *target,
                _ => break,
            }
        }
        cid
    }

    /// Instantiates scope `rid` with name prefix `prefix`. `io` are the nodes standing for
    /// the scope's `input` and `output` (for compound bodies).
    fn router(
        &mut self,
        rid: RouterId,
        prefix: &str,
        frames: &[Frame],
        context: &[Span],
        io: Option<(usize, usize)>,
        depth: usize,
    ) {
        let res = self.res;
        let r = &res.routers[rid];
        let mut map = vec![usize::MAX; r.elements.len()];
        let mut deferred = Vec::new();
        for (i, e) in r.elements.iter().enumerate() {
            if self.too_big {
                return;
            }
            let name = format!("{prefix}{}", e.name);
            match e.kind {
                ElemKind::Tunnel(Tunnel::Input) => map[i] = io.map_or(usize::MAX, |p| p.0),
                ElemKind::Tunnel(Tunnel::Output) => map[i] = io.map_or(usize::MAX, |p| p.1),
                ElemKind::Tunnel(_) => map[i] = self.node(name, e.decl, None),
                ElemKind::Class(cid) => {
                    let cid = self.base_class(cid);
                    let (raw, config_span) = match &e.config {
                        Some(c) => (c.text.as_str(), c.span),
                        None => (
                            "",
                            Span::new(e.decl.file, e.decl.end as usize, e.decl.end as usize),
                        ),
                    };
                    let config = text::expand_vars(raw, frames);
                    match &res.classes[cid] {
                        ClassDef::Compound { .. } => {
                            map[i] = self.node(name, e.decl, None);
                            // Click expands the file's compounds after all its elements, and
                            // nested ones in place.
                            if rid == 0 {
                                deferred.push((i, cid, config));
                            } else {
                                self.compound(
                                    rid, i, map[i], cid, config, prefix, frames, context, depth,
                                );
                            }
                        }
                        other => {
                            let real = Real {
                                class: String::from(other.name()),
                                config,
                                config_span,
                                context: context.to_vec(),
                            };
                            map[i] = self.node(name, e.decl, Some(real));
                        }
                    }
                }
            }
        }
        for (i, e) in r.elements.iter().enumerate() {
            if let ElemKind::Tunnel(Tunnel::Group { input, output }) = e.kind {
                let (g, gi, go) = (map[i], map[input], map[output]);
                self.through.insert(g, (gi, Entrance::Group(e.decl, false)));
                self.through.insert(go, (g, Entrance::Group(e.decl, true)));
            }
        }
        for c in &r.conns {
            let (f, t) = (map[c.from.0], map[c.to.0]);
            if f != usize::MAX && t != usize::MAX {
                self.edges.push((f, c.from.1, t, c.to.1, c.span));
            }
        }
        for (i, cid, config) in deferred {
            self.compound(rid, i, map[i], cid, config, prefix, frames, context, depth);
        }
    }

    /// Chooses the overload of compound class `cid` for element `i` of scope `rid`.
    fn choose(
        &mut self,
        cid: ClassId,
        args: &mut Vec<String>,
        nin: u32,
        nout: u32,
        decl: Span,
    ) -> Choice {
        let res = self.res;
        let ClassDef::Compound {
            name, printable, ..
        } = &res.classes[cid]
        else {
            return Choice::Primitive(String::from(res.classes[cid].name()));
        };
        let mut closest: Option<(RouterId, Vec<String>)> = None;
        let mut candidates: Vec<RouterId> = Vec::new();
        let mut cur = Some(cid);
        let mut fallback = None;
        while let Some(c) = cur.take() {
            let c = self.base_class(c);
            match &res.classes[c] {
                ClassDef::Compound {
                    bodies, extends, ..
                } => {
                    for &b in bodies {
                        let body = &res.routers[b];
                        candidates.push(b);
                        let formals: Vec<&str> =
                            body.formals.iter().map(|(k, _)| k.as_str()).collect();
                        let assigned = text::assign_arguments(args, &formals);
                        match assigned {
                            Some(values) if body.ninputs == nin && body.noutputs == nout => {
                                return Choice::Body(b, values)
                            }
                            Some(values) => closest = Some((b, values)),
                            None => {}
                        }
                    }
                    if candidates.len() > 64 * 1024 {
                        break;
                    }
                    cur = *extends;
                }
                other => {
                    fallback = Some(String::from(other.name()));
                }
            }
        }
        if let Some(p) = fallback {
            return Choice::Primitive(p);
        }
        if candidates.len() != 1 || closest.is_none() {
            let shown = if name.is_empty() {
                printable.as_str()
            } else {
                name.as_str()
            };
            let mut err = LangError::new(
                decl,
                format!(
                    "no match for '{shown}{}'",
                    ports_phrase(Some(args.len()), nin, nout)
                ),
            )
            .with_note(None, "candidates are:");
            for b in candidates {
                let body = &res.routers[b];
                err = err.with_note(Some(body.span), body.signature(shown));
            }
            self.errors.push(err);
        }
        match closest {
            Some((b, values)) => {
                *args = values.clone();
                Choice::Body(b, values)
            }
            None => Choice::Nothing,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compound(
        &mut self,
        rid: RouterId,
        i: usize,
        node: usize,
        cid: ClassId,
        config: String,
        prefix: &str,
        frames: &[Frame],
        context: &[Span],
        depth: usize,
    ) {
        let res = self.res;
        let e = &res.routers[rid].elements[i];
        let mut args = text::split_args(&config);
        let name = format!("{prefix}{}", e.name);
        match self.choose(cid, &mut args, e.nin, e.nout, e.decl) {
            Choice::Nothing => {}
            Choice::Primitive(class) => {
                let config_span = e.config.as_ref().map_or(e.decl, |c| c.span);
                self.nodes[node].real = Some(Real {
                    class,
                    config,
                    config_span,
                    context: context.to_vec(),
                });
            }
            Choice::Body(b, values) => {
                if depth + 1 > MAX_DEPTH {
                    self.errors.push(LangError::new(
                        e.decl,
                        format!("compound elements nested more than {MAX_DEPTH} deep"),
                    ));
                    return;
                }
                let body = &res.routers[b];
                let input = self.node(format!("{name}/input"), e.decl, None);
                let output = self.node(format!("{name}/output"), e.decl, None);
                self.through
                    .insert(node, (input, Entrance::CompoundIn(name.clone(), e.decl)));
                self.through
                    .insert(output, (node, Entrance::CompoundOut(name.clone(), e.decl)));
                let keep = body.depth.min(frames.len());
                let mut new_frames: Vec<Frame> = frames[..keep].to_vec();
                let mut frame: Frame = body
                    .formals
                    .iter()
                    .map(|(_, v)| v.clone())
                    .zip(values)
                    .collect();
                for (n, v, _) in &body.defines {
                    frame.push((n.clone(), text::expand_vars(v, frames)));
                }
                new_frames.push(frame);
                let mut ctx = Vec::with_capacity(context.len() + 1);
                ctx.push(e.decl);
                ctx.extend_from_slice(context);
                let before = self.errors.len();
                self.router(
                    b,
                    &format!("{name}/"),
                    &new_frames,
                    &ctx,
                    Some((input, output)),
                    depth + 1,
                );
                for err in &mut self.errors[before..] {
                    if !err.notes.iter().any(|n| n.span == Some(e.decl)) {
                        err.notes.push(super::error::Note {
                            span: Some(e.decl),
                            message: format!("in compound element '{name}', used here"),
                        });
                    }
                }
            }
        }
    }

    /// Splices connections through tunnels and builds the flat configuration.
    fn finish(mut self) -> FlatConfig {
        let mut out_edges: BTreeMap<(usize, u32), Vec<(usize, u32)>> = BTreeMap::new();
        for &(f, fp, t, tp, _) in &self.edges {
            if self.nodes[f].real.is_none() {
                out_edges.entry((f, fp)).or_default().push((t, tp));
            }
        }
        let mut reported: BTreeSet<(usize, u32)> = BTreeSet::new();
        let mut conns: BTreeMap<(PortRef, PortRef), Span> = BTreeMap::new();
        let mut index = vec![usize::MAX; self.nodes.len()];
        let mut elements = Vec::new();
        for (i, n) in self.nodes.iter_mut().enumerate() {
            if let Some(real) = n.real.take() {
                index[i] = elements.len();
                elements.push(FlatElement {
                    name: core::mem::take(&mut n.name),
                    class: real.class,
                    config: real.config,
                    config_span: real.config_span,
                    decl_span: n.decl,
                    context: real.context,
                });
            }
        }
        let edges = core::mem::take(&mut self.edges);
        for &(f, fp, t, tp, span) in &edges {
            if index[f] == usize::MAX {
                continue;
            }
            // Depth-first through tunnels, iteratively; circular tunnels are ignored.
            let mut stack = vec![(t, tp)];
            let mut seen: BTreeSet<(usize, u32)> = BTreeSet::new();
            while let Some((n, p)) = stack.pop() {
                if !seen.insert((n, p)) {
                    continue;
                }
                if index[n] != usize::MAX {
                    let from = PortRef {
                        element: index[f],
                        port: fp,
                    };
                    let to = PortRef {
                        element: index[n],
                        port: p,
                    };
                    conns.entry((from, to)).or_insert(span);
                    continue;
                }
                let Some((exit, entrance)) = self.through.get(&n) else {
                    continue;
                };
                match out_edges.get(&(*exit, p)) {
                    Some(next) => stack.extend(next.iter().rev().copied()),
                    None => {
                        if reported.insert((n, p)) {
                            self.errors.push(unused_port(entrance, p));
                        }
                    }
                }
            }
        }
        // Ports of tunnels used on one side only (Click reports these while removing
        // tunnels, whether or not a real element is on the other side).
        let into: BTreeSet<(usize, u32)> = edges.iter().map(|e| (e.2, e.3)).collect();
        let mut exits: BTreeMap<usize, (usize, &Entrance)> = BTreeMap::new();
        for (enter, (exit, entrance)) in &self.through {
            exits.insert(*exit, (*enter, entrance));
        }
        for &(f, fp, t, tp, _) in &edges {
            if let Some((exit, entrance)) = self.through.get(&t) {
                if !out_edges.contains_key(&(*exit, tp)) && reported.insert((t, tp)) {
                    self.errors.push(unused_port(entrance, tp));
                }
            }
            if let Some(&(enter, entrance)) = exits.get(&f) {
                if !into.contains(&(enter, fp)) && reported.insert((usize::MAX - f, fp)) {
                    self.errors.push(unfed_port(entrance, fp));
                }
            }
        }
        FlatConfig {
            elements,
            connections: conns
                .into_iter()
                .map(|((from, to), span)| FlatConnection { from, to, span })
                .collect(),
            requirements: Vec::new(),
            defines: Vec::new(),
        }
    }
}

fn unfed_port(entrance: &Entrance, port: u32) -> LangError {
    match entrance {
        Entrance::CompoundIn(name, span) => {
            LangError::new(*span, format!("'{name}' input {port} unused"))
        }
        Entrance::CompoundOut(name, span) => {
            LangError::new(*span, format!("'{name}' has no output {port}"))
        }
        Entrance::Group(span, false) => {
            LangError::new(*span, format!("'<anonymous group>' input {port} unused"))
        }
        Entrance::Group(span, true) => {
            LangError::new(*span, format!("'<anonymous group>' has no output {port}"))
        }
    }
}

fn unused_port(entrance: &Entrance, port: u32) -> LangError {
    match entrance {
        Entrance::CompoundIn(name, span) => {
            LangError::new(*span, format!("'{name}' has no input {port}"))
        }
        Entrance::CompoundOut(name, span) => {
            LangError::new(*span, format!("'{name}' output {port} unused"))
        }
        Entrance::Group(span, false) => {
            LangError::new(*span, format!("'<anonymous group>' has no input {port}"))
        }
        Entrance::Group(span, true) => {
            LangError::new(*span, format!("'<anonymous group>' output {port} unused"))
        }
    }
}
