//! Name resolution, the first half of flattening: walks the syntax tree the way Click's
//! lexer does and builds, for the file and for every compound-class body, a scope of
//! elements and connections. Here element names meet classes (lexically scoped
//! `elementclass`es, synonyms, overloads), anonymous elements get Click's `Class@N` names,
//! connection chains, port lists, `=>` and implicit `input`/`output` become plain
//! connections, groups become tunnels, and `define`/`require` are read (libraries through the
//! caller's loader).

use super::ast::*;
use super::error::LangError;
use super::flatten::LibraryLoader;
use super::graph::Requirement;
use super::parser;
use super::source::{SourceMap, Span};
use super::text;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

pub(crate) type ClassId = usize;
pub(crate) type RouterId = usize;

/// Largest port number accepted in a configuration.
const MAX_PORT: u32 = 0xFFFF;
/// How deeply `require(library ...)` may nest.
const MAX_LIBRARY_DEPTH: usize = 16;

/// An element class as the language knows it.
pub(crate) enum ClassDef {
    /// A class the language does not define (checked later against the element registry).
    Primitive { name: String },
    /// `elementclass Name Target`.
    Synonym { name: String, target: ClassId },
    /// A compound class: its overloads, and the class `|| ...` extends.
    Compound {
        name: String,
        printable: String,
        bodies: Vec<RouterId>,
        extends: Option<ClassId>,
    },
}

impl ClassDef {
    pub(crate) fn name(&self) -> &str {
        match self {
            ClassDef::Primitive { name }
            | ClassDef::Synonym { name, .. }
            | ClassDef::Compound { name, .. } => name,
        }
    }
}

/// What a tunnel element is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tunnel {
    /// A compound body's `input`.
    Input,
    /// A compound body's `output`.
    Output,
    /// A group as seen from outside; connections into it continue from `input`, and
    /// connections into `output` continue from it.
    Group { input: usize, output: usize },
    /// A group's inner `input` or `output`.
    GroupInner,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElemKind {
    Class(ClassId),
    Tunnel(Tunnel),
}

/// A configuration string and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Cfg {
    pub text: String,
    pub span: Span,
}

pub(crate) struct Elem {
    pub name: String,
    anon: bool,
    pub kind: ElemKind,
    pub config: Option<Cfg>,
    pub decl: Span,
    /// Inputs and outputs used by connections in this scope.
    pub nin: u32,
    pub nout: u32,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Conn {
    pub from: (usize, u32),
    pub to: (usize, u32),
    pub span: Span,
}

/// A scope: the file, or one body of a compound class.
pub(crate) struct Router {
    pub elements: Vec<Elem>,
    names: BTreeMap<String, usize>,
    pub conns: Vec<Conn>,
    /// `define`s: name, raw value, where.
    pub defines: Vec<(String, String, Span)>,
    /// Formal parameters: keyword (`""` if positional) and variable name.
    pub formals: Vec<(String, String)>,
    pub ninputs: u32,
    pub noutputs: u32,
    /// Lexical depth: 0 for the file, 1 for a class defined in the file, and so on.
    pub depth: usize,
    anon_offset: usize,
    pub span: Span,
}

impl Router {
    fn new(depth: usize, span: Span) -> Router {
        Router {
            elements: Vec::new(),
            names: BTreeMap::new(),
            conns: Vec::new(),
            defines: Vec::new(),
            formals: Vec::new(),
            ninputs: 0,
            noutputs: 0,
            depth,
            anon_offset: 0,
            span,
        }
    }

    fn anon_name(&self, class: &str) -> String {
        format!("{class}@{}", self.elements.len() - self.anon_offset + 1)
    }

    /// The signature Click prints for a compound body: `Name(<arg>, KEY)[1 input, 1 output]`.
    pub(crate) fn signature(&self, name: &str) -> String {
        let mut s = String::from(if name.is_empty() { "<anonymous>" } else { name });
        if !self.formals.is_empty() {
            let f: Vec<&str> = self
                .formals
                .iter()
                .map(|(k, _)| match k.as_str() {
                    "" => "<arg>",
                    "__REST__" => "...",
                    k => k,
                })
                .collect();
            s.push('(');
            s.push_str(&f.join(", "));
            s.push(')');
        }
        s.push_str(&ports_phrase(None, self.ninputs, self.noutputs));
        s
    }
}

/// `[2 arguments, 1 input, 0 outputs]`.
pub(crate) fn ports_phrase(nargs: Option<usize>, nin: u32, nout: u32) -> String {
    let pl = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if let Some(n) = nargs.filter(|&n| n > 0) {
        parts.push(pl(n, "argument", "arguments"));
    }
    parts.push(pl(nin as usize, "input", "inputs"));
    parts.push(pl(nout as usize, "output", "outputs"));
    format!("[{}]", parts.join(", "))
}

/// The result of resolution.
pub(crate) struct Resolved {
    pub classes: Vec<ClassDef>,
    /// Router 0 is the file.
    pub routers: Vec<Router>,
    pub requirements: Vec<Requirement>,
}

/// One element-list entry while its list is being read (Click's `ElementState`).
struct EState {
    name: String,
    ty: Option<ClassId>,
    decl_ty: Option<ClassId>,
    bare: bool,
    config: Option<Cfg>,
    span: Span,
    group: Option<usize>,
    implicit: bool,
    ins: Vec<i64>,
    outs: Vec<i64>,
}

/// A resolved list entry: element index and its input and output port lists (Click's
/// encoding: `-1` last means "and so on").
struct Entry {
    idx: usize,
    ins: Vec<i64>,
    outs: Vec<i64>,
}

pub(crate) struct Resolver<'a> {
    sources: &'a mut SourceMap,
    loader: &'a mut dyn LibraryLoader,
    errors: &'a mut Vec<LangError>,
    classes: Vec<ClassDef>,
    routers: Vec<Router>,
    visible: Vec<(String, ClassId)>,
    primitives: BTreeMap<String, ClassId>,
    libraries: Vec<String>,
    library_depth: usize,
    requirements: Vec<Requirement>,
    cur: RouterId,
    group_depth: usize,
    anon_classes: usize,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(
        sources: &'a mut SourceMap,
        loader: &'a mut dyn LibraryLoader,
        errors: &'a mut Vec<LangError>,
        span: Span,
    ) -> Self {
        Resolver {
            sources,
            loader,
            errors,
            classes: Vec::new(),
            routers: vec![Router::new(0, span)],
            visible: Vec::new(),
            primitives: BTreeMap::new(),
            libraries: Vec::new(),
            library_depth: 0,
            requirements: Vec::new(),
            cur: 0,
            group_depth: 0,
            anon_classes: 0,
        }
    }

    /// Resolves the file's statements and finishes the file scope.
    pub(crate) fn run(mut self, file: &File) -> Resolved {
        self.stmts(&file.stmts);
        self.deanonymize(0);
        Resolved {
            classes: self.classes,
            routers: self.routers,
            requirements: self.requirements,
        }
    }

    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.errors.push(LangError::new(span, msg));
    }

    fn router(&mut self) -> &mut Router {
        &mut self.routers[self.cur]
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Chain(c) => self.chain(c),
                Stmt::ElementClass(e) => self.elementclass(e),
                Stmt::Require(cfg, span) => self.require(cfg, *span),
                Stmt::Define(cfg, span) => self.define(cfg, *span),
                Stmt::Empty(_) => {}
            }
        }
    }

    // ---- classes ----

    fn lookup_class(&self, name: &str) -> Option<ClassId> {
        self.visible
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|&(_, id)| id)
            .or_else(|| self.primitives.get(name).copied())
    }

    fn force_class(&mut self, ident: &Ident) -> ClassId {
        if let Some(id) = self.lookup_class(&ident.name) {
            return id;
        }
        if self.routers[self.cur].names.contains_key(&ident.name) {
            self.err(
                ident.span,
                format!("'{}' was previously used as an element name", ident.name),
            );
        }
        let id = self.classes.len();
        self.classes.push(ClassDef::Primitive {
            name: ident.name.clone(),
        });
        self.primitives.insert(ident.name.clone(), id);
        id
    }

    fn elementclass(&mut self, s: &ElementClassStmt) {
        if self.routers[self.cur].names.contains_key(&s.name.name) {
            self.err(
                s.name.span,
                format!("'{}' already used as an element name", s.name.name),
            );
        }
        let id = match &s.def {
            ClassSpec::Compound(c) => self.compound_class(&s.name.name, c),
            ClassSpec::Named(target) => {
                let target = self.force_class(target);
                self.classes.push(ClassDef::Synonym {
                    name: s.name.name.clone(),
                    target,
                });
                self.classes.len() - 1
            }
        };
        self.visible.push((s.name.name.clone(), id));
    }

    fn compound_class(&mut self, name: &str, c: &CompoundClass) -> ClassId {
        let printable = if name.is_empty() {
            self.anon_classes += 1;
            format!("<anonymous{}>", self.anon_classes)
        } else {
            String::from(name)
        };
        let saved_visible = self.visible.len();
        let depth = self.routers[self.cur].depth + 1;
        let mut bodies = Vec::new();
        for body in &c.bodies {
            let rid = self.routers.len();
            let mut r = Router::new(depth, body.span);
            for (n, t) in [("input", Tunnel::Input), ("output", Tunnel::Output)] {
                r.names.insert(String::from(n), r.elements.len());
                r.elements.push(Elem {
                    name: String::from(n),
                    anon: false,
                    kind: ElemKind::Tunnel(t),
                    config: None,
                    decl: c.span,
                    nin: 0,
                    nout: 0,
                });
            }
            r.anon_offset = 2;
            self.routers.push(r);
            self.formals(rid, &body.formals);

            let (old_cur, old_group) = (self.cur, self.group_depth);
            self.cur = rid;
            self.group_depth = 0;
            self.stmts(&body.stmts);
            let span = Span::new(
                body.span.file,
                c.span.start as usize,
                (c.span.start + 1) as usize,
            );
            let nin = self.check_pseudo(0, false, &printable, span);
            let nout = self.check_pseudo(1, true, &printable, span);
            self.routers[rid].ninputs = nin;
            self.routers[rid].noutputs = nout;
            self.deanonymize(rid);
            self.cur = old_cur;
            self.group_depth = old_group;
            self.visible.truncate(saved_visible);
            bodies.push(rid);
        }
        let extends = match c.extension {
            Some(span) if name.is_empty() => {
                self.err(span, "cannot extend anonymous compound element class");
                None
            }
            Some(span) => Some(self.force_class(&Ident {
                name: String::from(name),
                span,
            })),
            None => None,
        };
        self.classes.push(ClassDef::Compound {
            name: String::from(name),
            printable,
            bodies,
            extends,
        });
        self.classes.len() - 1
    }

    fn formals(&mut self, rid: RouterId, formals: &[Formal]) {
        let mut order_error = false;
        for f in formals {
            let kw = f.keyword.as_ref().map_or(String::new(), |k| k.name.clone());
            let r = &self.routers[rid];
            if r.formals.iter().any(|(_, v)| *v == f.var.name) {
                self.err(
                    f.var.span,
                    format!("parameter '${}' multiply defined", f.var.name),
                );
                continue;
            }
            let repeated = !kw.is_empty() && r.formals.iter().any(|(k, _)| *k == kw);
            let prev = r.formals.last().map(|(k, _)| k.clone());
            if repeated {
                self.err(
                    f.var.span,
                    format!("repeated keyword parameter '{kw}' in compound element"),
                );
            }
            if let Some(prev) = prev {
                if !order_error && ((kw.is_empty() && !prev.is_empty()) || text::is_rest(&prev)) {
                    self.errors.push(
                        LangError::new(f.var.span, "compound element parameters out of order")
                            .with_note(
                                None,
                                "the correct order is '[positional], [keywords], [__REST__]'",
                            ),
                    );
                    order_error = true;
                }
            }
            self.routers[rid].formals.push((kw, f.var.name.clone()));
        }
    }

    // ---- elements ----

    fn add_element(
        &mut self,
        name: String,
        anon: bool,
        kind: ElemKind,
        config: Option<Cfg>,
        decl: Span,
    ) -> usize {
        if !anon
            && name
                .split('/')
                .any(|c| c.bytes().all(|b| b.is_ascii_digit()))
        {
            self.err(
                decl,
                format!("element name '{name}' has all-digit component"),
            );
        }
        let r = self.router();
        let idx = r.elements.len();
        if !anon {
            r.names.insert(name.clone(), idx);
        }
        r.elements.push(Elem {
            name,
            anon,
            kind,
            config,
            decl,
            nin: 0,
            nout: 0,
        });
        idx
    }

    /// Gives anonymous elements their final names, skipping names already taken (Click's
    /// `assign_element_names`).
    fn deanonymize(&mut self, rid: RouterId) {
        let r = &mut self.routers[rid];
        for i in 0..r.elements.len() {
            if !r.elements[i].anon {
                continue;
            }
            let mut name = r.elements[i].name.clone();
            if r.names.contains_key(&name) {
                let at = name.rfind('@').unwrap_or(name.len());
                let prefix = String::from(&name[..(at + 1).min(name.len())]);
                let digits: String = name[(at + 1).min(name.len())..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let mut n: u64 = digits.parse().unwrap_or(0);
                loop {
                    n += 1;
                    name = format!("{prefix}{n}");
                    if !r.names.contains_key(&name) {
                        break;
                    }
                }
            }
            r.names.insert(name.clone(), i);
            r.elements[i].name = name;
            r.elements[i].anon = false;
        }
    }

    fn connect(&mut self, from: (usize, i64), to: (usize, i64), span: Span) {
        let fp = u32::try_from(from.1.max(0)).unwrap_or(0);
        let tp = u32::try_from(to.1.max(0)).unwrap_or(0);
        let r = self.router();
        r.conns.push(Conn {
            from: (from.0, fp),
            to: (to.0, tp),
            span,
        });
        r.elements[to.0].nin = r.elements[to.0].nin.max(tp + 1);
        r.elements[from.0].nout = r.elements[from.0].nout.max(fp + 1);
    }

    /// Checks a compound's or group's `input` (or `output`) and returns how many ports it
    /// gives the compound.
    fn check_pseudo(&mut self, idx: usize, is_output: bool, printable: &str, span: Span) -> u32 {
        let names = ["input", "output"];
        let r = &self.routers[self.cur];
        let e = &r.elements[idx];
        let (wrong_side, n) = if is_output {
            (e.nout, e.nin)
        } else {
            (e.nin, e.nout)
        };
        let used: BTreeSet<u32> = r
            .conns
            .iter()
            .filter_map(|c| {
                let end = if is_output { c.to } else { c.from };
                (end.0 == idx).then_some(end.1)
            })
            .collect();
        let me = names[usize::from(is_output)];
        let other = names[usize::from(!is_output)];
        if wrong_side > 0 {
            self.err(
                span,
                format!("'{printable}' pseudoelement '{me}' may only be used as {other}"),
            );
        }
        for i in 0..n {
            if !used.contains(&i) {
                self.err(span, format!("'{printable}' {me} {i} missing"));
            }
        }
        n
    }

    fn port_list(&mut self, p: &Ports) -> Vec<i64> {
        let mut v = Vec::new();
        for port in &p.ports {
            let s = port.name.as_str();
            let parsed = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if s.len() > 1 && s.starts_with('0') {
                u32::from_str_radix(&s[1..], 8).ok()
            } else {
                s.parse::<u32>().ok()
            };
            match parsed {
                Some(n) if n <= MAX_PORT => v.push(i64::from(n)),
                Some(_) => {
                    self.err(
                        port.span,
                        format!("port number '{s}' too large (at most {MAX_PORT})"),
                    );
                    v.push(0);
                }
                None => {
                    self.err(port.span, "syntax error: port number should be integer");
                    v.push(0);
                }
            }
        }
        if p.expandable {
            if v.is_empty() {
                v.push(0);
            }
            v.push(-1);
        }
        v
    }

    fn group(&mut self, g: &Group) -> (usize, [u32; 2]) {
        let name = self.routers[self.cur].anon_name("");
        let base = self.routers[self.cur].elements.len();
        let outer = self.add_element(
            name.clone(),
            true,
            ElemKind::Tunnel(Tunnel::Group {
                input: base + 1,
                output: base + 2,
            }),
            None,
            g.span,
        );
        let gin = self.add_element(
            format!("{name}/input"),
            true,
            ElemKind::Tunnel(Tunnel::GroupInner),
            None,
            g.span,
        );
        let gout = self.add_element(
            format!("{name}/output"),
            true,
            ElemKind::Tunnel(Tunnel::GroupInner),
            None,
            g.span,
        );
        let r = self.router();
        let old_in = r.names.insert(String::from("input"), gin);
        let old_out = r.names.insert(String::from("output"), gout);
        self.group_depth += 1;
        self.stmts(&g.stmts);
        self.group_depth -= 1;
        let nin = self.check_pseudo(gin, false, "<anonymous group>", g.span);
        let nout = self.check_pseudo(gout, true, "<anonymous group>", g.span);
        let r = self.router();
        for (k, old) in [("input", old_in), ("output", old_out)] {
            match old {
                Some(i) => r.names.insert(String::from(k), i),
                None => r.names.remove(k),
            };
        }
        (outer, [nin, nout])
    }

    fn chain(&mut self, c: &Chain) {
        let nested = self.routers[self.cur].depth > 0 || self.group_depth > 0;
        let mut prev: Vec<Entry> = Vec::new();
        let nlists = c.lists.len();
        for (k, list) in c.lists.iter().enumerate() {
            let in_allowed = k > 0;
            let followed = k + 1 < nlists;
            let mut states: Vec<EState> = Vec::new();
            let implicit_state = |name: &str, span: Span| EState {
                name: String::from(name),
                ty: None,
                decl_ty: None,
                bare: true,
                config: None,
                span,
                group: None,
                implicit: true,
                ins: Vec::new(),
                outs: Vec::new(),
            };
            if list.items.is_empty() {
                if nested && (k == 0 || !followed) {
                    states.push(implicit_state(
                        if k == 0 { "input" } else { "output" },
                        list.span,
                    ));
                } else if !followed {
                    // `a ->` at file scope: Click ends the chain quietly.
                    break;
                } else {
                    let at = c.arrows.get(k).map_or(list.span, |a| a.1);
                    let tok = if c.arrows.get(k).is_some_and(|a| a.0 == ArrowKind::Many) {
                        "=>"
                    } else {
                        "->"
                    };
                    self.err(at, format!("syntax error near '{tok}'"));
                    break;
                }
            }
            let nitems = list.items.len();
            for (j, item) in list.items.iter().enumerate() {
                let Some(body) = &item.body else {
                    let ports = item
                        .pre
                        .as_ref()
                        .map(|p| self.port_list(p))
                        .unwrap_or_default();
                    if nested && (k > 0 || followed || j + 1 < nitems) {
                        let mut st =
                            implicit_state(if k == 0 { "input" } else { "output" }, item.span);
                        if k == 0 {
                            st.outs = ports;
                        } else {
                            st.ins = ports;
                        }
                        states.push(st);
                    } else {
                        self.err(item.span, "stranded port ignored");
                    }
                    continue;
                };
                let mut ins = item
                    .pre
                    .as_ref()
                    .map(|p| self.port_list(p))
                    .unwrap_or_default();
                let mut outs = item
                    .post
                    .as_ref()
                    .map(|p| self.port_list(p))
                    .unwrap_or_default();
                let st = match body {
                    ElemBody::Group(g) => {
                        let (outer, [nin, nout]) = self.group(g);
                        if item.pre.is_none() {
                            ins = (0..i64::from(nin)).collect();
                        }
                        if item.post.is_none() {
                            outs = (0..i64::from(nout)).collect();
                        }
                        EState {
                            name: String::new(),
                            ty: None,
                            decl_ty: None,
                            bare: false,
                            config: None,
                            span: g.span,
                            group: Some(outer),
                            implicit: false,
                            ins,
                            outs,
                        }
                    }
                    ElemBody::Ident { ident, config } => {
                        let ty = self.lookup_class(&ident.name);
                        if let Some(cfg) = config {
                            if ty.is_none()
                                && self.routers[self.cur].names.contains_key(&ident.name)
                            {
                                self.err(
                                    cfg.span,
                                    "configuration string ignored on element reference",
                                );
                            }
                        }
                        EState {
                            name: ident.name.clone(),
                            ty,
                            decl_ty: None,
                            bare: config.is_none(),
                            config: config.as_ref().map(cfg_of),
                            span: body_span(ident.span, config.as_ref()),
                            group: None,
                            implicit: false,
                            ins,
                            outs,
                        }
                    }
                    ElemBody::Decl {
                        name,
                        class,
                        config,
                    } => {
                        let ty = self.lookup_class(&name.name);
                        let (decl_ty, class_span) = match class {
                            ClassSpec::Named(id) => (self.force_class(id), id.span),
                            ClassSpec::Compound(cc) => (self.compound_class("", cc), cc.span),
                        };
                        EState {
                            name: name.name.clone(),
                            ty,
                            decl_ty: Some(decl_ty),
                            bare: false,
                            config: config.as_ref().map(cfg_of),
                            span: body_span(name.span.to(class_span), config.as_ref()),
                            group: None,
                            implicit: false,
                            ins,
                            outs,
                        }
                    }
                    ElemBody::Compound { class, config } => {
                        let ty = self.compound_class("", class);
                        EState {
                            name: String::new(),
                            ty: Some(ty),
                            decl_ty: None,
                            bare: false,
                            config: config.as_ref().map(cfg_of),
                            span: body_span(class.span, config.as_ref()),
                            group: None,
                            implicit: false,
                            ins,
                            outs,
                        }
                    }
                };
                states.push(st);
            }
            if states.is_empty() {
                break;
            }
            if in_allowed && followed && states.iter().any(|s| s.implicit) {
                self.err(list.span, "implicit ports used in the middle of a chain");
            }
            // `a, b, c :: Class(config)` declares all three.
            let any_ports = states
                .iter()
                .any(|s| !s.ins.is_empty() || !s.outs.is_empty());
            let any_implicit = states.iter().any(|s| s.implicit);
            if states.len() > 1
                && k == 0
                && !followed
                && !any_ports
                && !any_implicit
                && states.iter().all(|s| s.group.is_none())
            {
                let last = states
                    .iter()
                    .position(|s| !s.bare)
                    .unwrap_or(states.len() - 1);
                if last == states.len() - 1 {
                    if let Some(dt) = states[last].decl_ty {
                        let cfg = states[last].config.clone();
                        for s in &mut states[..last] {
                            s.decl_ty = Some(dt);
                            s.config = cfg.clone();
                        }
                    }
                }
            }
            let mut entries = Vec::new();
            for st in states {
                if let Some(idx) = self.add_state(&st) {
                    entries.push(Entry {
                        idx,
                        ins: st.ins,
                        outs: st.outs,
                    });
                }
            }
            if k == 0 {
                if entries.iter().any(|e| !e.ins.is_empty()) {
                    self.err(list.span, "input ports ignored at start of chain");
                }
            } else {
                let (kind, aspan) = c.arrows[k - 1];
                self.connect_all(&prev, &entries, kind, aspan);
            }
            prev = entries;
        }
        if prev.iter().any(|e| !e.outs.is_empty()) && c.lists.len() == 1 + c.arrows.len() {
            self.err(
                c.lists[c.lists.len() - 1].span,
                "output ports ignored at end of chain",
            );
        }
    }

    /// Adds (or finds) the element one list entry names (Click's "add elements" step).
    fn add_state(&mut self, st: &EState) -> Option<usize> {
        if let Some(g) = st.group {
            return Some(g);
        }
        if st.implicit {
            let found = self.routers[self.cur].names.get(&st.name).copied();
            if found.is_none() {
                self.err(st.span, format!("no '{}' here", st.name));
            }
            return found;
        }
        let existing = if st.name.is_empty() {
            None
        } else {
            self.routers[self.cur].names.get(&st.name).copied()
        };
        match existing {
            Some(idx) if st.ty.is_none() => {
                if st.decl_ty.is_some() {
                    let prev = self.routers[self.cur].elements[idx].decl;
                    self.errors.push(
                        LangError::new(st.span, format!("redeclaration of element '{}'", st.name))
                            .with_note(
                                Some(prev),
                                format!("'{}' previously declared here", st.name),
                            ),
                    );
                }
                Some(idx)
            }
            _ => {
                let mut ty = st.ty;
                if let Some(dt) = st.decl_ty {
                    if ty.is_some() || self.classes[dt].name() == st.name {
                        self.err(st.span, format!("class '{}' used as element name", st.name));
                    }
                } else if ty.is_none() {
                    ty = Some(self.force_class(&Ident {
                        name: st.name.clone(),
                        span: st.span,
                    }));
                }
                let (name, anon) = match ty {
                    Some(t) => (
                        self.routers[self.cur].anon_name(self.classes[t].name()),
                        true,
                    ),
                    None => (st.name.clone(), false),
                };
                let class = ty.or(st.decl_ty)?;
                Some(self.add_element(
                    name,
                    anon,
                    ElemKind::Class(class),
                    st.config.clone(),
                    st.span,
                ))
            }
        }
    }

    /// Connects every output of `outputs` to the inputs of `inputs`, as Click's
    /// `yconnection_connect_all`: one-to-many, many-to-one, and with `=>` many-to-many
    /// (port lists and expandable lists pair up in order).
    fn connect_all(&mut self, outputs: &[Entry], inputs: &[Entry], kind: ArrowKind, span: Span) {
        fn side(e: &Entry, k: usize) -> &[i64] {
            if k == 0 {
                &e.ins
            } else {
                &e.outs
            }
        }
        let analyze = |list: &[Entry], k: usize| -> (i64, i64) {
            let (mut minp, mut exp) = (0i64, 0i64);
            for e in list {
                let p = side(e, k);
                let n = p.len() as i64;
                if n <= 1 {
                    minp += 1;
                } else if p[p.len() - 1] == -1 {
                    minp += n - 1;
                    exp += 1;
                } else {
                    minp += n;
                }
            }
            (minp, exp)
        };
        if outputs.is_empty() || inputs.is_empty() {
            return;
        }
        let lists = [inputs, outputs];
        let (m0, e0) = analyze(inputs, 0);
        let (m1, e1) = analyze(outputs, 1);
        let minp = [m0, m1];
        let mut expandable = [e0, e1];
        if e0 + e1 > 1 {
            self.err(span, "at most one expandable port allowed per connection");
            expandable[usize::from(minp[0] < minp[1])] = 0;
        }
        if kind == ArrowKind::Many {
            for k in 0..2 {
                if minp[k] == 1 && minp[1 - k] > 1 && side(&lists[k][0], k).is_empty() {
                    expandable[k] = 1;
                }
            }
        }
        let mut step = [false; 2];
        let mut nexp = [0i64; 2];
        for k in 0..2 {
            step[k] = minp[k] > 1 || expandable[k] != 0;
            nexp[k] = if expandable[k] != 0 {
                minp[1 - k] - minp[k]
            } else {
                0
            };
        }
        if step[0] && step[1] {
            if kind != ArrowKind::Many {
                self.err(span, "syntax error: many-to-many connections require '=>'");
            }
            if expandable[0] == 0 && expandable[1] == 0 && minp[0] != minp[1] {
                self.err(
                    span,
                    format!(
                        "connection mismatch: {} outputs connected to {} inputs",
                        minp[1], minp[0]
                    ),
                );
            } else if expandable[0] == 0 && minp[0] < minp[1] {
                self.err(
                    span,
                    format!(
                        "connection mismatch: {} or more outputs connected to {} inputs",
                        minp[1], minp[0]
                    ),
                );
            } else if expandable[1] == 0 && minp[1] < minp[0] {
                self.err(
                    span,
                    format!(
                        "connection mismatch: {} outputs connected to {} or more inputs",
                        minp[1], minp[0]
                    ),
                );
            }
        } else if !step[0] && !step[1] {
            step[0] = true;
        }
        let mut it = [0usize; 2];
        let mut ppos = [0usize; 2];
        let mut port = [-1i64; 2];
        while it[0] < inputs.len() && it[1] < outputs.len() {
            for k in 0..2 {
                if port[k] < 0 {
                    port[k] = side(&lists[k][it[k]], k)
                        .first()
                        .copied()
                        .unwrap_or(0)
                        .max(0);
                }
            }
            self.connect(
                (outputs[it[1]].idx, port[1]),
                (inputs[it[0]].idx, port[0]),
                span,
            );
            for k in 0..2 {
                if !step[k] {
                    continue;
                }
                let pv = side(&lists[k][it[k]], k);
                let np = pv.len();
                ppos[k] += 1;
                if ppos[k] < np && pv[ppos[k]] >= 0 {
                    port[k] = pv[ppos[k]];
                } else if np >= 2 && pv[np - 1] == -1 && nexp[k] > 0 {
                    port[k] = pv[np - 2] + (ppos[k] as i64) - (np as i64 - 2);
                    nexp[k] -= 1;
                } else if np == 0 && minp[k] == 1 && nexp[k] > 0 {
                    port[k] = ppos[k] as i64;
                    nexp[k] -= 1;
                } else {
                    port[k] = -1;
                    ppos[k] = 0;
                    it[k] += 1;
                }
                if port[k] > i64::from(MAX_PORT) {
                    self.err(span, format!("port number too large (at most {MAX_PORT})"));
                    return;
                }
            }
        }
    }

    // ---- define and require ----

    fn define(&mut self, cfg: &Config, span: Span) {
        for arg in text::split_args(&cfg.text) {
            if arg.is_empty() {
                continue;
            }
            let (var, value) = text::first_word(&arg);
            let name = var.strip_prefix('$').filter(|n| {
                !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            });
            let Some(name) = name else {
                self.err(cfg.span, "bad 'define' declaration: not a variable");
                continue;
            };
            let r = &self.routers[self.cur];
            if r.defines.iter().any(|(n, _, _)| n == name)
                || r.formals.iter().any(|(_, n)| n == name)
            {
                self.err(cfg.span, format!("parameter '${name}' multiply defined"));
                continue;
            }
            let (name, value) = (String::from(name), String::from(value));
            self.router().defines.push((name, value, span));
        }
    }

    fn require(&mut self, cfg: &Config, span: Span) {
        for arg in text::split_args(&cfg.text) {
            let (first, rest) = text::first_word(&arg);
            if first.is_empty() {
                continue;
            }
            let kind = text::unquote(first);
            let one_word = !rest.is_empty() && text::first_word(rest).1.is_empty();
            match kind.as_str() {
                "compact_config" if rest.is_empty() => {
                    self.add_requirement("compact_config", String::new(), span)
                }
                "package" if one_word => self.add_requirement("package", text::unquote(rest), span),
                "library" if one_word => self.library(&text::unquote(rest), span),
                "compact_config" | "package" | "library" => {
                    self.err(cfg.span, "syntax error at requirement")
                }
                _ if rest.is_empty() => self.add_requirement("package", kind, span),
                _ => self.err(cfg.span, "syntax error at requirement"),
            }
        }
    }

    fn add_requirement(&mut self, kind: &str, value: String, span: Span) {
        if !self
            .requirements
            .iter()
            .any(|r| r.kind == kind && r.value == value)
        {
            self.requirements.push(Requirement {
                kind: kind.to_string(),
                value,
                span,
            });
        }
    }

    fn library(&mut self, name: &str, span: Span) {
        if self.routers[self.cur].depth > 0 || self.group_depth > 0 {
            self.err(span, "'require library' must be used at file scope");
            return;
        }
        if self.libraries.iter().any(|l| l == name) {
            return;
        }
        if self.library_depth >= MAX_LIBRARY_DEPTH {
            self.err(
                span,
                format!("libraries nested more than {MAX_LIBRARY_DEPTH} deep"),
            );
            return;
        }
        self.libraries.push(String::from(name));
        let from = self
            .sources
            .file(span.file)
            .map_or(String::new(), |f| String::from(f.name()));
        match self.loader.load(name, &from) {
            Ok(lib) => {
                let id = self.sources.add(lib.name, lib.text);
                let (file, errs) = parser::parse(self.sources, id);
                self.errors.extend(errs);
                self.library_depth += 1;
                self.stmts(&file.stmts);
                self.library_depth -= 1;
            }
            Err(msg) => self.err(span, format!("library '{name}' not found: {msg}")),
        }
    }
}

fn cfg_of(c: &Config) -> Cfg {
    Cfg {
        text: c.text.clone(),
        span: c.span,
    }
}

/// The span of an element's name or class through the end of its configuration's `)`.
fn body_span(start: Span, config: Option<&Config>) -> Span {
    match config {
        Some(c) => start.to(Span {
            file: c.span.file,
            start: c.span.end,
            end: c.span.end + 1,
        }),
        None => start,
    }
}
