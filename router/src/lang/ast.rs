//! The syntax tree of a Click configuration, as written: statements, chains of element
//! lists, compound classes and raw configuration strings, each with its source span.
//! Names are not resolved here; `resolve` gives them meaning.

use super::source::Span;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// A parsed file: its statements in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// The top-level statements.
    pub stmts: Vec<Stmt>,
}

/// An identifier or variable name with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The text (for variables, without the `$`).
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A configuration string: the raw text between the parentheses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The text, exactly as written (comments and quotes included).
    pub text: String,
    /// The span of the text (inside the parentheses).
    pub span: Span,
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// A declaration or connection chain.
    Chain(Chain),
    /// `elementclass Name { ... }` or `elementclass Name Other`.
    ElementClass(ElementClassStmt),
    /// `require(...)`.
    Require(Config, Span),
    /// `define(...)`.
    Define(Config, Span),
    /// A lone `;`.
    Empty(Span),
}

/// Which connector joins two element lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// `->`.
    Push,
    /// `=>`, the many-to-many connector.
    Many,
}

/// `list arrow list arrow ...`; a single list with no arrow is a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The element lists; `lists.len() == arrows.len() + 1`. A list may be empty (an
    /// implicit `input` or `output`).
    pub lists: Vec<ElemList>,
    /// The connectors between consecutive lists, with their spans.
    pub arrows: Vec<(ArrowKind, Span)>,
    /// The whole statement.
    pub span: Span,
}

/// A comma-separated list of element references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElemList {
    /// The entries (empty for an implicit element with no ports).
    pub items: Vec<Elem>,
    /// Where the list is (an empty span at the arrow for an empty list).
    pub span: Span,
}

/// A port list `[a, b, ...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ports {
    /// Port numbers as written (unparsed, so errors can point at them).
    pub ports: Vec<Ident>,
    /// The list is open-ended: `[]` or a trailing comma (`[1,]`).
    pub expandable: bool,
    /// The whole `[...]`.
    pub span: Span,
}

/// One entry of an element list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elem {
    /// Ports before the element (its inputs), or the only ports of an implicit element.
    pub pre: Option<Ports>,
    /// The element itself; `None` for an implicit `input`/`output` given by ports alone.
    pub body: Option<ElemBody>,
    /// Ports after the element (its outputs).
    pub post: Option<Ports>,
    /// The whole entry.
    pub span: Span,
}

/// What an element reference says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElemBody {
    /// `name`, `Class` or `Class(config)`: an element reference or an anonymous element.
    Ident {
        /// The identifier.
        ident: Ident,
        /// Its configuration string, if any.
        config: Option<Config>,
    },
    /// `name :: Class(config)`.
    Decl {
        /// The new element's name.
        name: Ident,
        /// Its class.
        class: ClassSpec,
        /// Its configuration string, if any.
        config: Option<Config>,
    },
    /// `{ ... }(config)`: an anonymous element of an anonymous compound class.
    Compound {
        /// The class.
        class: Box<CompoundClass>,
        /// Its configuration string, if any.
        config: Option<Config>,
    },
    /// `( statements )`: an element group.
    Group(Group),
}

/// A class named in a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassSpec {
    /// A class name.
    Named(Ident),
    /// An inline compound class.
    Compound(Box<CompoundClass>),
}

/// `( statements )`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The statements inside.
    pub stmts: Vec<Stmt>,
    /// The whole group, parentheses included.
    pub span: Span,
}

/// `{ body || body || ... }`, optionally ending in `|| ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundClass {
    /// The overloads, in order.
    pub bodies: Vec<CompoundBody>,
    /// The span of `...` if the class extends an earlier class of the same name.
    pub extension: Option<Span>,
    /// The whole class, braces included.
    pub span: Span,
}

/// One overload of a compound class: `formals | statements`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundBody {
    /// Formal parameters.
    pub formals: Vec<Formal>,
    /// The statements.
    pub stmts: Vec<Stmt>,
    /// The body's span.
    pub span: Span,
}

/// A formal parameter: `$name` or `KEYWORD $name` (`__REST__ $name` collects the rest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formal {
    /// The keyword, for keyword parameters.
    pub keyword: Option<Ident>,
    /// The variable (name without `$`).
    pub var: Ident,
}

/// `elementclass Name ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementClassStmt {
    /// The class being defined.
    pub name: Ident,
    /// Its definition.
    pub def: ClassSpec,
    /// The statement.
    pub span: Span,
}
