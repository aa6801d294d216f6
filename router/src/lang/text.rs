//! Configuration-text helpers the language itself needs: splitting compound-element
//! arguments at top-level commas, `$variable` substitution as Click's `cp_expand` does it,
//! keyword arguments, and matching arguments to a compound's formal parameters.
//! (Elements split their own arguments with `sluice_elements`' argument reader.)

use alloc::string::String;
use alloc::vec::Vec;

/// Splits a configuration string into arguments at commas outside quotes, brackets and
/// comments; comments become one space, arguments are trimmed, and an empty last argument
/// is dropped (so `X(1, )` has one argument and `X()` none), as Click's `cp_argvec` does.
pub(crate) fn split_args(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut args = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                cur.push(b' ');
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut j = i + 2;
                while j + 1 < b.len() && !(b[j] == b'*' && b[j + 1] == b'/') {
                    j += 1;
                }
                i = (j + 2).min(b.len());
                cur.push(b' ');
                continue;
            }
            b'\'' | b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != c {
                    if c == b'"' && b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                cur.extend_from_slice(&b[start..i]);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                args.push(trimmed(&cur));
                cur.clear();
                i += 1;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    let last = trimmed(&cur);
    if !last.is_empty() {
        args.push(last);
    }
    args
}

fn trimmed(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    String::from(s.trim_matches(|c: char| c.is_ascii_whitespace()))
}

/// Splits an argument into its first word and the rest (trimmed), respecting quotes.
pub(crate) fn first_word(arg: &str) -> (&str, &str) {
    let arg = arg.trim_matches(|c: char| c.is_ascii_whitespace());
    let b = arg.as_bytes();
    let mut i = 0;
    while i < b.len() && !b[i].is_ascii_whitespace() {
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                if q == b'"' && b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
        }
        i += 1;
    }
    let i = i.min(b.len());
    (
        &arg[..i],
        arg[i..].trim_start_matches(|c: char| c.is_ascii_whitespace()),
    )
}

/// Removes one level of quotes from a word: `"a\"b"` -> `a"b`, `'x'` -> `x`; adjacent pieces
/// concatenate (`a"b"c` -> `abc`).
pub(crate) fn unquote(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    out.push(d);
                }
            }
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                out.push(match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    'r' => '\r',
                                    other => other,
                                });
                            }
                        }
                        _ => out.push(d),
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// If `arg` is a keyword argument (`KEYWORD value`, the keyword made of capitals, digits and
/// `_`), its keyword and value.
pub(crate) fn keyword_arg(arg: &str) -> Option<(&str, &str)> {
    let (word, rest) = first_word(arg);
    let ok = !word.is_empty()
        && word.bytes().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b':' || c == b'.'
        })
        && word.bytes().any(|c| c.is_ascii_uppercase() || c == b'_');
    ok.then_some((word, rest))
}

/// Variable bindings, innermost scope last.
pub(crate) type Frames = [Vec<(String, String)>];

fn lookup<'a>(frames: &'a Frames, name: &str) -> Option<&'a str> {
    frames.iter().rev().find_map(|f| {
        f.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    })
}

fn is_var_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Substitutes `$name`, `${name}` and `${name-default}` in `s` from `frames`, as Click's
/// `cp_expand`: nothing inside single quotes or comments; unknown variables stay as written
/// unless a default is given.
pub(crate) fn expand_vars(s: &str, frames: &Frames) -> String {
    let b = s.as_bytes();
    if !b.contains(&b'$') {
        return String::from(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    let mut in_dq = false;
    while i < b.len() {
        match b[i] {
            b'\'' if !in_dq => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = (j + 1).min(b.len());
            }
            b'"' => {
                in_dq = !in_dq;
                i += 1;
            }
            b'\\' if in_dq => i += 2,
            b'/' if !in_dq && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'/' if !in_dq && b.get(i + 1) == Some(&b'*') => {
                let mut j = i + 2;
                while j + 1 < b.len() && !(b[j] == b'*' && b[j + 1] == b'/') {
                    j += 1;
                }
                i = (j + 2).min(b.len());
            }
            b'$' => {
                if b.get(i + 1) == Some(&b'{') {
                    let Some(close) = s[i + 2..].find('}').map(|k| i + 2 + k) else {
                        i += 1;
                        continue;
                    };
                    let inner = &s[i + 2..close];
                    let name_len = inner.bytes().take_while(|&c| is_var_char(c)).count();
                    let (name, tail) = inner.split_at(name_len);
                    let replacement = if name.is_empty() {
                        None
                    } else if tail.is_empty() {
                        lookup(frames, name).map(String::from)
                    } else {
                        tail.strip_prefix('-').map(|default| {
                            lookup(frames, name)
                                .map_or_else(|| expand_vars(default, frames), String::from)
                        })
                    };
                    if let Some(r) = replacement {
                        out.push_str(&s[copied..i]);
                        out.push_str(&r);
                        copied = close + 1;
                    }
                    i = close + 1;
                } else {
                    let n = b[i + 1..].iter().take_while(|&&c| is_var_char(c)).count();
                    let name = &s[i + 1..i + 1 + n];
                    if let Some(v) = (n > 0).then(|| lookup(frames, name)).flatten() {
                        out.push_str(&s[copied..i]);
                        out.push_str(v);
                        copied = i + 1 + n;
                    }
                    i += 1 + n;
                }
            }
            _ => i += 1,
        }
    }
    let i = i.min(b.len());
    out.push_str(&s[copied..i]);
    out
}

/// A formal parameter's kind: positional (`""`), a keyword, or `__REST__`.
pub(crate) fn is_rest(keyword: &str) -> bool {
    keyword == "__REST__"
}

/// Matches arguments to formal parameters (given by their keywords, `""` for positional),
/// as Click's `cp_assign_arguments`: positionals by position, keywords by name (all
/// mandatory), anything else into `__REST__` (joined with `, `). Returns the value of each
/// formal, or `None` if the arguments do not fit.
pub(crate) fn assign_arguments(args: &[String], formals: &[&str]) -> Option<Vec<String>> {
    if formals.last().is_none_or(|k| k.is_empty()) {
        return (args.len() == formals.len()).then(|| args.to_vec());
    }
    let rest = formals.last().is_some_and(|k| is_rest(k));
    let nvalues = formals.len() - usize::from(rest);
    let npos = formals[..nvalues]
        .iter()
        .take_while(|k| k.is_empty())
        .count();
    if args.len() < npos {
        return None;
    }
    let mut values: Vec<Option<String>> = alloc::vec![None; formals.len()];
    for (v, a) in values.iter_mut().zip(&args[..npos]) {
        *v = Some(a.clone());
    }
    let mut rest_vals: Vec<&str> = Vec::new();
    for a in &args[npos..] {
        let slot = keyword_arg(a).and_then(|(k, v)| {
            formals[npos..nvalues]
                .iter()
                .position(|f| *f == k)
                .map(|j| (npos + j, v))
        });
        match slot {
            Some((j, v)) => values[j] = Some(String::from(v)),
            None if rest => rest_vals.push(a),
            None => return None,
        }
    }
    if rest {
        values[nvalues] = Some(rest_vals.join(", "));
    }
    values.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| String::from(*x)).collect()
    }

    #[test]
    fn splitting() {
        assert_eq!(split_args("1, 2"), s(&["1", "2"]));
        assert_eq!(split_args("1, "), s(&["1"]));
        assert_eq!(split_args("1, /* c */"), s(&["1"]));
        assert_eq!(split_args(""), s(&[]));
        assert_eq!(split_args(" , 2"), s(&["", "2"]));
        assert_eq!(
            split_args("f(a, b), \"x, y\", 'p,q'"),
            s(&["f(a, b)", "\"x, y\"", "'p,q'"])
        );
    }

    #[test]
    fn variables() {
        let frames = vec![vec![
            (String::from("a"), String::from("100")),
            (String::from("DEV"), String::from("eth0")),
        ]];
        assert_eq!(expand_vars("A(1, $a, 3)", &frames), "A(1, 100, 3)");
        assert_eq!(expand_vars("${a}x $ax", &frames), "100x $ax");
        assert_eq!(expand_vars("${b-7} ${a-7} ${b}", &frames), "7 100 ${b}");
        assert_eq!(
            expand_vars("'$a' \"$a\" // $a", &frames),
            "'$a' \"100\" // $a"
        );
        assert_eq!(expand_vars("$ $", &frames), "$ $");
    }

    #[test]
    fn assigning() {
        let args = s(&["1", "2", "COUNT 3", "FOO 4"]);
        let got = assign_arguments(&args, &["", "COUNT", "__REST__"]).unwrap();
        assert_eq!(got, s(&["1", "3", "2, FOO 4"]));
        assert!(assign_arguments(&s(&["1"]), &["", ""]).is_none());
        assert!(assign_arguments(&s(&["1", "2", "3"]), &["", ""]).is_none());
        assert!(assign_arguments(&s(&["1"]), &["COUNT"]).is_none());
        assert_eq!(
            assign_arguments(&s(&["COUNT 5"]), &["COUNT"]).unwrap(),
            s(&["5"])
        );
        assert_eq!(assign_arguments(&s(&[]), &[]).unwrap(), s(&[]));
    }

    #[test]
    fn words() {
        assert_eq!(
            first_word("  library \"a b.click\" "),
            ("library", "\"a b.click\"")
        );
        assert_eq!(unquote("\"a b.click\""), "a b.click");
        assert_eq!(keyword_arg("COUNT 3"), Some(("COUNT", "3")));
        assert_eq!(keyword_arg("count 3"), None);
    }
}
