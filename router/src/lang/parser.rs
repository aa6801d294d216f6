//! The parser: runs the pest grammar (`click.pest`) statement by statement and builds the
//! syntax tree.
//!
//! Error recovery: the scanner first cuts the file into regions at top-level `;` (outside
//! brackets, strings and comments); within a region, statements are parsed one at a time
//! with the grammar's `stmt` rule. After a syntax error the parser reports it and resumes at
//! the next line break outside brackets (or the next region), so every statement that
//! parses is kept and every broken statement is reported, in one run. The grammar matches
//! groups and compound bodies as balanced raw text; their statements are parsed here the
//! same way, recursively, so errors inside compounds are recovered per statement too, and
//! no text is ever parsed twice (PEG backtracking over nested compounds would otherwise be
//! exponential). Text with an unclosed bracket is never handed to the grammar.

use super::ast::*;
use super::error::LangError;
use super::scan;
use super::source::{FileId, SourceMap, Span};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use pest::iterators::Pair;
use pest::Parser as _;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "lang/click.pest"]
    pub struct ClickParser;
}

use grammar::{ClickParser, Rule};

/// Parses file `file` of `sources`. Returns the statements that parsed and every syntax
/// error found.
pub fn parse(sources: &SourceMap, file: FileId) -> (File, Vec<LangError>) {
    let mut errors = Vec::new();
    let Some(source) = sources.file(file) else {
        return (File::default(), errors);
    };
    let text = scan::mask_directives(source.text(), file, &mut errors);
    let stmts = parse_range(&text, 0, text.len(), file, &mut errors);
    (File { stmts }, errors)
}

/// Parses the statements in `text[start..end]` (a whole file, or the inside of a group or
/// compound body).
fn parse_range(
    text: &str,
    start: usize,
    end: usize,
    file: FileId,
    errors: &mut Vec<LangError>,
) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    let mut pos = start;
    let within = &text[..end];
    loop {
        pos = scan::skip_trivia(within, pos, file, errors);
        if pos >= end {
            break;
        }
        let region = match scan::region_end(within, pos) {
            Ok(region) => region,
            Err(e) => {
                // Nothing after an unclosed bracket can be told apart from its contents, and
                // unbalanced text is never given to the grammar: report it and stop.
                errors.push(e.into_error(file).0);
                break;
            }
        };
        parse_region(text, pos, region, file, errors, &mut stmts);
        pos = region + 1;
    }
    stmts
}

fn parse_region(
    text: &str,
    start: usize,
    end: usize,
    file: FileId,
    errors: &mut Vec<LangError>,
    out: &mut Vec<Stmt>,
) {
    let mut p = start;
    loop {
        p = scan::skip_trivia(&text[..end], p, file, errors);
        if p >= end {
            return;
        }
        match ClickParser::parse(Rule::stmt, &text[p..end]) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { return };
                let consumed = pair.as_span().end();
                let mut b = Builder {
                    file,
                    offset: p,
                    text,
                    errors: &mut *errors,
                };
                if let Some(stmt) = b.stmt(pair) {
                    out.push(stmt);
                }
                if consumed == 0 {
                    return;
                }
                p += consumed;
            }
            Err(e) => {
                let at = p + match e.location {
                    pest::error::InputLocation::Pos(x) => x,
                    pest::error::InputLocation::Span((x, _)) => x,
                };
                let at = at.min(end);
                errors.push(syntax_error(text, at, end, file, &e.variant));
                p = scan::resync(text, p, at, end);
            }
        }
    }
}

fn syntax_error(
    text: &str,
    at: usize,
    end: usize,
    file: FileId,
    variant: &pest::error::ErrorVariant<Rule>,
) -> LangError {
    let token = if at >= end && end < text.len() {
        String::from(";")
    } else {
        scan::token_at(text, at)
    };
    let len = if at >= text.len() {
        0
    } else {
        token.len().max(1)
    };
    let mut err = LangError::new(
        Span::new(file, at, (at + len).min(text.len())),
        format!("syntax error near '{token}'"),
    );
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = variant {
        let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            err = err.with_note(None, format!("expected {}", names.join(", ")));
        }
    }
    err
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident
        | Rule::word
        | Rule::ident_ref
        | Rule::decl
        | Rule::body
        | Rule::elem
        | Rule::elems => "element",
        Rule::class_spec => "element class",
        Rule::variable | Rule::formal | Rule::formals => "parameter",
        Rule::arrow | Rule::push_arrow => "'->'",
        Rule::many_arrow => "'=>'",
        Rule::config | Rule::config_text => "'('",
        Rule::pre_ports | Rule::post_ports | Rule::lone_ports => "'['",
        Rule::port => "port number",
        Rule::port_more => "','",
        Rule::semi => "';'",
        Rule::stmt | Rule::connection => "statement",
        Rule::group => "group",
        Rule::compound | Rule::anon_compound => "'{'",
        _ => return None,
    })
}

/// Turns pest pairs (whose offsets are relative to the statement's start) into tree nodes;
/// the insides of groups and compound bodies are parsed here, recursively (the scanner has
/// bounded their nesting).
struct Builder<'t, 'e> {
    file: FileId,
    offset: usize,
    text: &'t str,
    errors: &'e mut Vec<LangError>,
}

impl Builder<'_, '_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        let mut name = String::from(pair.as_str());
        if pair.as_rule() == Rule::variable {
            name.remove(0);
        }
        Ident {
            span: self.span(&pair),
            name,
        }
    }

    fn config(&self, pair: Pair<'_, Rule>) -> Config {
        // config = "(" ~ config_text ~ ")"
        let text = pair.into_inner().next();
        match text {
            Some(t) => Config {
                text: String::from(t.as_str()),
                span: self.span(&t),
            },
            None => Config {
                text: String::new(),
                span: Span::new(self.file, self.offset, self.offset),
            },
        }
    }

    /// Parses the statements of a raw span (a group's or compound body's inside).
    fn inner_stmts(&mut self, span: Span) -> Vec<Stmt> {
        parse_range(
            self.text,
            span.start as usize,
            span.end as usize,
            self.file,
            self.errors,
        )
    }

    fn stmt(&mut self, pair: Pair<'_, Rule>) -> Option<Stmt> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        Some(match inner.as_rule() {
            Rule::semi => Stmt::Empty(span),
            Rule::require_stmt => Stmt::Require(self.config(inner.into_inner().nth(1)?), span),
            Rule::define_stmt => Stmt::Define(self.config(inner.into_inner().nth(1)?), span),
            Rule::elementclass_stmt => {
                let mut it = inner.into_inner().skip(1);
                let name = self.ident(it.next()?);
                let def = it.next()?;
                let def = match def.as_rule() {
                    Rule::compound => ClassSpec::Compound(Box::new(self.compound(def))),
                    _ => ClassSpec::Named(self.ident(def)),
                };
                Stmt::ElementClass(ElementClassStmt { name, def, span })
            }
            Rule::connection => Stmt::Chain(self.chain(inner)),
            _ => return None,
        })
    }

    fn chain(&mut self, pair: Pair<'_, Rule>) -> Chain {
        let span = self.span(&pair);
        let mut lists = Vec::new();
        let mut arrows = Vec::new();
        // Lists and arrows alternate; a missing list between (or around) arrows is empty.
        let mut expect_list = true;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::elems => {
                    let list = self.elems(p);
                    lists.push(list);
                    expect_list = false;
                }
                Rule::arrow => {
                    let aspan = self.span(&p);
                    if expect_list {
                        lists.push(ElemList {
                            items: Vec::new(),
                            span: Span::new(self.file, aspan.start as usize, aspan.start as usize),
                        });
                    }
                    let kind = match p.into_inner().next().map(|a| a.as_rule()) {
                        Some(Rule::many_arrow) => ArrowKind::Many,
                        _ => ArrowKind::Push,
                    };
                    arrows.push((kind, aspan));
                    expect_list = true;
                }
                _ => {}
            }
        }
        if expect_list {
            let at = arrows.last().map_or(span.end, |a| a.1.end) as usize;
            lists.push(ElemList {
                items: Vec::new(),
                span: Span::new(self.file, at, at),
            });
        }
        Chain {
            lists,
            arrows,
            span,
        }
    }

    fn elems(&mut self, pair: Pair<'_, Rule>) -> ElemList {
        let span = self.span(&pair);
        let mut items = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::elem {
                let e = self.elem(p);
                items.push(e);
            }
        }
        ElemList { items, span }
    }

    fn ports(&self, pair: Pair<'_, Rule>) -> Ports {
        let span = self.span(&pair);
        let mut ports = Vec::new();
        let mut expandable = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::port => ports.push(self.ident(p)),
                Rule::port_more => expandable = true,
                _ => {}
            }
        }
        if ports.is_empty() {
            expandable = true;
        }
        Ports {
            ports,
            expandable,
            span,
        }
    }

    fn elem(&mut self, pair: Pair<'_, Rule>) -> Elem {
        let span = self.span(&pair);
        let mut e = Elem {
            pre: None,
            body: None,
            post: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::pre_ports | Rule::lone_ports => e.pre = Some(self.ports(p)),
                Rule::post_ports => e.post = Some(self.ports(p)),
                Rule::body => e.body = self.body(p),
                _ => {}
            }
        }
        e
    }

    fn body(&mut self, pair: Pair<'_, Rule>) -> Option<ElemBody> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        Some(match inner.as_rule() {
            Rule::group => {
                let text_span = self.span(&inner.into_inner().next()?);
                ElemBody::Group(Group {
                    stmts: self.inner_stmts(text_span),
                    span,
                })
            }
            Rule::anon_compound => {
                let mut it = inner.into_inner();
                let class = Box::new(self.compound(it.next()?));
                let config = it.next().map(|c| self.config(c));
                ElemBody::Compound { class, config }
            }
            Rule::decl => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next()?);
                let cls = it.next()?.into_inner().next()?;
                let class = match cls.as_rule() {
                    Rule::compound => ClassSpec::Compound(Box::new(self.compound(cls))),
                    _ => ClassSpec::Named(self.ident(cls)),
                };
                let config = it.next().map(|c| self.config(c));
                ElemBody::Decl {
                    name,
                    class,
                    config,
                }
            }
            Rule::ident_ref => {
                let mut it = inner.into_inner();
                let ident = self.ident(it.next()?);
                let config = it.next().map(|c| self.config(c));
                ElemBody::Ident { ident, config }
            }
            _ => return None,
        })
    }

    /// A compound class: splits the text between the braces at top-level `||`, then reads
    /// each body's formals and statements.
    fn compound(&mut self, pair: Pair<'_, Rule>) -> CompoundClass {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().map(|t| self.span(&t));
        let inner = inner.unwrap_or(Span::new(
            self.file,
            span.start as usize + 1,
            span.start as usize + 1,
        ));
        let mut class = CompoundClass {
            bodies: Vec::new(),
            extension: None,
            span,
        };
        let pieces = scan::split_bodies(self.text, inner.start as usize, inner.end as usize);
        let n = pieces.len();
        for (i, (start, end)) in pieces.into_iter().enumerate() {
            let first = scan::skip_trivia(&self.text[..end], start, self.file, self.errors);
            if self.text[first..end].starts_with("...")
                && scan::skip_trivia(&self.text[..end], first + 3, self.file, self.errors) >= end
            {
                let dots = Span::new(self.file, first, first + 3);
                if i + 1 != n || i == 0 {
                    self.errors.push(LangError::new(
                        dots,
                        "'...' should occur last, after one or more compounds",
                    ));
                }
                class.extension = Some(dots);
                continue;
            }
            let (formals, stmts_start) = self.formals(first, end);
            let stmts = parse_range(self.text, stmts_start, end, self.file, self.errors);
            class.bodies.push(CompoundBody {
                formals,
                stmts,
                span: Span::new(self.file, start, end),
            });
        }
        class
    }

    /// Formal parameters at the start of a compound body (`$a, KEY $b |`), if any, and where
    /// the statements begin.
    fn formals(&mut self, start: usize, end: usize) -> (Vec<Formal>, usize) {
        let Ok(mut pairs) = ClickParser::parse(Rule::formals, &self.text[start..end]) else {
            if self.text[start..end].starts_with('$') {
                self.errors.push(LangError::new(
                    Span::new(self.file, start, start + 1),
                    "expected ',' or '|' after compound element parameters",
                ));
            }
            return (Vec::new(), start);
        };
        let Some(pair) = pairs.next() else {
            return (Vec::new(), start);
        };
        let b = Builder {
            file: self.file,
            offset: start,
            text: self.text,
            errors: &mut *self.errors,
        };
        let consumed = pair.as_span().end();
        let mut formals = Vec::new();
        for f in pair.into_inner() {
            let mut parts = f.into_inner();
            let (keyword, var) = match (parts.next(), parts.next()) {
                (Some(k), Some(v)) => (Some(b.ident(k)), b.ident(v)),
                (Some(v), None) => (None, b.ident(v)),
                _ => continue,
            };
            formals.push(Formal { keyword, var });
        }
        (formals, start + consumed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (File, Vec<LangError>) {
        let mut map = SourceMap::new();
        let id = map.add("t.click", text);
        parse(&map, id)
    }

    #[test]
    fn declarations_and_connections() {
        let (f, errs) = parse_str("a, b :: Queue(10); a [1] -> [2] b -> Discard;");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(f.stmts.len(), 2);
        let Stmt::Chain(c) = &f.stmts[1] else {
            panic!()
        };
        assert_eq!(c.lists.len(), 3);
        assert_eq!(
            c.lists[0].items[0].post.as_ref().unwrap().ports[0].name,
            "1"
        );
    }

    #[test]
    fn config_strings_are_raw() {
        let (f, errs) = parse_str("x :: C(a (b) \")\" /* ) */ // )\n c);");
        assert!(errs.is_empty(), "{errs:?}");
        let Stmt::Chain(c) = &f.stmts[0] else {
            panic!()
        };
        let Some(ElemBody::Decl {
            config: Some(cfg), ..
        }) = &c.lists[0].items[0].body
        else {
            panic!()
        };
        assert_eq!(cfg.text, "a (b) \")\" /* ) */ // )\n c");
    }

    #[test]
    fn identifiers_stop_at_double_slash() {
        let (f, errs) = parse_str("an/identifier/with/slashes//too/many\n");
        assert!(errs.is_empty());
        let Stmt::Chain(c) = &f.stmts[0] else {
            panic!()
        };
        let Some(ElemBody::Ident { ident, .. }) = &c.lists[0].items[0].body else {
            panic!()
        };
        assert_eq!(ident.name, "an/identifier/with/slashes");
    }

    #[test]
    fn errors_are_collected_per_statement() {
        let (f, errs) = parse_str("a -> b;\nc -> ] d;\ne -> f\ng -> } h\ni -> j");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].span.start, 13);
        // a -> b, c (before the error), e -> f, g, i -> j
        assert!(f.stmts.len() >= 3);
    }
}
