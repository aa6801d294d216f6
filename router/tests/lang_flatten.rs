//! The Click language end to end: every construct of click(5), the manual's examples,
//! Click's generated names after flattening, errors, and the unparse round trip.

use proptest::prelude::*;
use sluice_router::lang::*;
use std::collections::BTreeMap;

fn flat(text: &str) -> FlatConfig {
    let (sources, f, errs) = flatten_str("test.click", text, &FlattenOptions::default());
    let msgs: Vec<String> = errs.iter().map(|e| e.render(&sources)).collect();
    assert!(errs.is_empty(), "unexpected errors: {msgs:#?}");
    f
}

fn errors(text: &str) -> Vec<String> {
    let (sources, _, errs) = flatten_str("test.click", text, &FlattenOptions::default());
    errs.iter().map(|e| e.render(&sources)).collect()
}

/// `name :: Class(config)` for every element, in order.
fn decls(f: &FlatConfig) -> Vec<String> {
    f.elements
        .iter()
        .map(|e| {
            if e.config.is_empty() {
                format!("{} :: {}", e.name, e.class)
            } else {
                format!("{} :: {}({})", e.name, e.class, e.config)
            }
        })
        .collect()
}

/// `a [p] -> [q] b` for every connection (ports always shown), sorted.
fn conns(f: &FlatConfig) -> Vec<String> {
    let mut v: Vec<String> = f
        .connections
        .iter()
        .map(|c| {
            format!(
                "{} [{}] -> [{}] {}",
                f.elements[c.from.element].name,
                c.from.port,
                c.to.port,
                f.elements[c.to.element].name
            )
        })
        .collect();
    v.sort();
    v
}

fn s(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    v.sort();
    v
}

#[test]
fn declarations_and_connections() {
    let f = flat("a :: X; b :: Y(1, 2); a -> b; a [1] -> [2] b;");
    assert_eq!(decls(&f), ["a :: X", "b :: Y(1, 2)"]);
    assert_eq!(conns(&f), s(&["a [0] -> [0] b", "a [1] -> [2] b"]));
}

#[test]
fn several_names_share_a_declaration() {
    let f = flat("a, b, c :: Queue(10);");
    assert_eq!(
        decls(&f),
        ["a :: Queue(10)", "b :: Queue(10)", "c :: Queue(10)"]
    );
    // Only when the last entry alone carries the class.
    let f = flat("a :: P, b :: Q(1);");
    assert_eq!(decls(&f), ["a :: P", "b :: Q(1)"]);
}

#[test]
fn anonymous_elements_get_click_numbers() {
    let f = flat("src :: S; src -> Queue -> Discard; src [1] -> Queue(5) -> Discard;");
    assert_eq!(
        decls(&f),
        [
            "src :: S",
            "Queue@2",
            "Discard@3",
            "Queue@4 :: Queue(5)",
            "Discard@5"
        ]
        .map(|d| if d.contains("::") {
            d.to_string()
        } else {
            format!("{d} :: {}", &d[..d.find('@').unwrap()])
        })
    );
    // A user's element already named like an anonymous one pushes the number on.
    let f = flat("Queue@2 :: Counter; s :: S; s -> Queue -> Queue@2;");
    assert_eq!(
        f.elements
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["Queue@2", "s", "Queue@3"]
    );
}

#[test]
fn inline_declarations_and_chains() {
    let f = flat("FromDevice(eth0) -> c :: Counter -> q :: Queue(20) -> ToDevice(eth0);");
    assert_eq!(
        decls(&f),
        [
            "FromDevice@1 :: FromDevice(eth0)",
            "c :: Counter",
            "q :: Queue(20)",
            "ToDevice@4 :: ToDevice(eth0)"
        ]
    );
    assert_eq!(
        conns(&f),
        s(&[
            "FromDevice@1 [0] -> [0] c",
            "c [0] -> [0] q",
            "q [0] -> [0] ToDevice@4"
        ])
    );
}

#[test]
fn manual_many_to_one() {
    // click(5): "n1, n2 :: class -> n3" declares only n2; n1 and n3 are anonymous.
    let f = flat("n1, n2 :: C -> n3;");
    assert_eq!(decls(&f), ["n1@1 :: n1", "n2 :: C", "n3@3 :: n3"]);
    assert_eq!(
        conns(&f),
        s(&["n1@1 [0] -> [0] n3@3", "n2 [0] -> [0] n3@3"])
    );
    let f = flat("x :: X; a :: A; b :: B; a [1], b [2] -> [3] x; x -> a, b;");
    assert_eq!(
        conns(&f),
        s(&[
            "a [1] -> [3] x",
            "b [2] -> [3] x",
            "x [0] -> [0] a",
            "x [0] -> [0] b"
        ])
    );
}

#[test]
fn manual_many_to_many() {
    let expect = s(&[
        "c [0] -> [0] Paint@2",
        "c [1] -> [0] Paint@3",
        "c [2] -> [0] Paint@4",
        "Paint@2 [0] -> [0] next",
        "Paint@3 [0] -> [0] next",
        "Paint@4 [0] -> [0] next",
    ]);
    for text in [
        "c :: Classifier(00/01, 00/02, 00/03); c [0], c [1], c [2] => Paint(0), Paint(1), Paint(2) -> next :: N;",
        "c :: Classifier(00/01, 00/02, 00/03); c [0,1,2] => Paint(0), Paint(1), Paint(2) -> next :: N;",
        "c :: Classifier(00/01, 00/02, 00/03); c => Paint(0), Paint(1), Paint(2) -> next :: N;",
        "c :: Classifier(00/01, 00/02, 00/03); c [0,] => Paint(0), Paint(1), Paint(2) -> next :: N;",
    ] {
        let f = flat(text);
        assert_eq!(conns(&f), expect, "{text}");
        assert_eq!(f.elements[1].config, "0");
    }
    assert!(errors("a :: A; b :: B; a [0,1] -> [0,1] b;")
        .iter()
        .any(|e| e.contains("require '=>'")));
    assert!(errors("a :: A; b :: B; a [0,1,2] => [0,1] b;")
        .iter()
        .any(|e| e.contains("connection mismatch: 3 outputs connected to 2 inputs")));
}

#[test]
fn manual_element_groups() {
    let f = flat("x :: X; y :: Y; x -> c :: Classifier(00/01) => ( input [0] -> output; input [1] -> Paint(1) -> output ) -> y;");
    assert_eq!(
        decls(&f),
        [
            "x :: X",
            "y :: Y",
            "c :: Classifier(00/01)",
            "Paint@7 :: Paint(1)"
        ]
    );
    assert_eq!(
        conns(&f),
        s(&[
            "x [0] -> [0] c",
            "c [0] -> [0] y",
            "c [1] -> [0] Paint@7",
            "Paint@7 [0] -> [0] y"
        ])
    );
    for text in [
        "x :: X; y :: Y; x -> y;",
        "x :: X; y :: Y; x -> ( input -> output ) -> y;",
        "x :: X; y :: Y; x -> ( [0] -> [0] ) -> y;",
        "x :: X; y :: Y; x -> (->) -> y;",
        "x :: X; y :: Y; x -> ( [0]->[0]; [1]->[1] ) => ( [0]->[0]; [1]->[1] ) -> y;",
    ] {
        assert_eq!(conns(&flat(text)), ["x [0] -> [0] y"], "{text}");
    }
    let two = s(&["x [0] -> [0] y", "x [1] -> [0] y"]);
    assert_eq!(
        conns(&flat("x :: X; y :: Y; x => ( [0]->[0]; [1]->[1] ) -> y;")),
        two
    );
    assert_eq!(
        conns(&flat(
            "x :: X; y :: Y; x => [0,1] ( [0]->[0]; [1]->[1] ) [0,1] -> y;"
        )),
        two
    );
    // Group declarations are visible after the group.
    let f = flat("x :: X; x -> (input -> q :: Q -> output) -> Discard; q [1] -> Discard;");
    assert!(
        conns(&f).contains(&"q [1] -> [0] Discard@7".to_string()),
        "{:?}",
        conns(&f)
    );
    assert!(errors("x :: X; y :: Y; x => ( [0]->[0]; [2]->Idle ) -> y;")
        .iter()
        .any(|e| e.contains("input 1 missing")));
}

#[test]
fn manual_compound_elements() {
    let f = flat("a -> { input -> X -> output } -> b;");
    assert_eq!(decls(&f), ["a@1 :: a", "b@3 :: b", "@2/X@1 :: X"]);
    assert_eq!(
        conns(&f),
        s(&["a@1 [0] -> [0] @2/X@1", "@2/X@1 [0] -> [0] b@3"])
    );

    let f = flat("compound :: {\n  input -> X -> output;\n  input [1] -> Y -> [1] output;\n};\na -> compound -> b;\nc -> [1] compound [1] -> d;");
    assert_eq!(
        decls(&f),
        [
            "a@2 :: a",
            "b@3 :: b",
            "c@4 :: c",
            "d@5 :: d",
            "compound/X@1 :: X",
            "compound/Y@2 :: Y"
        ]
    );
    assert_eq!(
        conns(&f),
        s(&[
            "a@2 [0] -> [0] compound/X@1",
            "compound/X@1 [0] -> [0] b@3",
            "c@4 [0] -> [0] compound/Y@2",
            "compound/Y@2 [0] -> [0] d@5"
        ])
    );

    let f = flat("compound :: { input -> x :: X -> output };\na :: A; b :: B; a -> compound -> b;");
    assert_eq!(
        conns(&f),
        s(&["a [0] -> [0] compound/x", "compound/x [0] -> [0] b"])
    );
    // The component remembers where its compound was used.
    let x = &f.elements[f.element_index("compound/x").unwrap()];
    assert_eq!(x.context.len(), 1);

    // No one feeds the compound's input: the expansion keeps only X -> b, and (as in
    // Click 2) the unused input is reported.
    let (_, f, errs) = flatten_str(
        "t",
        "b :: B; { input -> X -> output } -> b;",
        &FlattenOptions::default(),
    );
    assert_eq!(conns(&f), ["@2/X@1 [0] -> [0] b"]);
    assert_eq!(
        errs.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["'@2' input 0 unused"]
    );
}

#[test]
fn manual_elementclass() {
    let f = flat("elementclass MyQueue {\n  input -> Queue -> Shaper(1000) -> output;\n}\nq :: MyQueue;\na :: A; b :: B; a -> q -> b;");
    assert_eq!(
        decls(&f),
        [
            "a :: A",
            "b :: B",
            "q/Queue@1 :: Queue",
            "q/Shaper@2 :: Shaper(1000)"
        ]
    );
    assert_eq!(
        conns(&f),
        s(&[
            "a [0] -> [0] q/Queue@1",
            "q/Queue@1 [0] -> [0] q/Shaper@2",
            "q/Shaper@2 [0] -> [0] b"
        ])
    );

    // Nonrecursive and lexically scoped.
    let f = flat("elementclass Queue { input -> Queue -> Shaper(1000) -> output; }\ns :: S; s -> Queue -> Discard;");
    assert_eq!(
        decls(&f),
        [
            "s :: S",
            "Discard@3 :: Discard",
            "Queue@2/Queue@1 :: Queue",
            "Queue@2/Shaper@2 :: Shaper(1000)"
        ]
    );
    let f = flat("elementclass A { input -> B -> output }\nelementclass B { input -> C -> output }\nx :: X; y :: Y; x -> A -> y;");
    assert_eq!(decls(&f), ["x :: X", "y :: Y", "A@3/B@1 :: B"]);

    // Synonyms.
    let f = flat("elementclass MyQueue Queue; s :: S; s -> MyQueue(7) -> Discard;");
    assert_eq!(
        decls(&f),
        ["s :: S", "MyQueue@2 :: Queue(7)", "Discard@3 :: Discard"]
    );
}

#[test]
fn manual_parameters() {
    let f = flat("s :: S; t :: T; s -> { $a | input -> A(1, $a, 3) -> output } (100) -> t;");
    assert_eq!(decls(&f), ["s :: S", "t :: T", "@3/A@1 :: A(1, 100, 3)"]);
    let f = flat("c :: { $a, COUNT $count, __REST__ $rest | x :: P($a); y :: P($count); z :: P($rest); w :: P('$a' \"$a\" ${a}b ${nope-dflt}) } (1, 2, COUNT 3, FOO 4);");
    assert_eq!(
        decls(&f),
        [
            "c/x :: P(1)",
            "c/y :: P(3)",
            "c/z :: P(2, FOO 4)",
            "c/w :: P('$a' \"1\" 1b dflt)"
        ]
    );
    for (text, what) in [
        ("x :: { $a, $b | } (1);", "no match"),
        ("x :: { $a, $b | } (1, 2, 3);", "no match"),
        ("x :: { COUNT $count | } (1);", "no match"),
        ("x :: { $a, $a | };", "multiply defined"),
        ("x :: { COUNT $c, $a | };", "out of order"),
    ] {
        assert!(
            errors(text).iter().any(|e| e.contains(what)),
            "{text}: {:?}",
            errors(text)
        );
    }
}

#[test]
fn manual_overloading() {
    let text = "elementclass MyQueue {\n  input -> Queue -> Shaper(1000) -> output;\n||\n  $cap | input -> Queue($cap)\n               -> Shaper(1000) -> output;\n}\ns :: S; s -> q1 :: MyQueue -> Discard; s -> q2 :: MyQueue(5) -> Discard;";
    let f = flat(text);
    assert_eq!(
        f.elements[f.element_index("q1/Queue@1").unwrap()].config,
        ""
    );
    assert_eq!(
        f.elements[f.element_index("q2/Queue@1").unwrap()].config,
        "5"
    );

    let f = flat("elementclass Queue {\n  $cap, $rate | input -> Queue($cap)\n                -> Shaper($rate) -> output;\n|| ...\n}\ns :: S; s -> Queue(10, 20) -> Discard; s -> Queue(7) -> Discard;");
    assert_eq!(
        decls(&f),
        [
            "s :: S",
            "Discard@3 :: Discard",
            "Queue@4 :: Queue(7)",
            "Discard@5 :: Discard",
            "Queue@2/Queue@1 :: Queue(10)",
            "Queue@2/Shaper@2 :: Shaper(20)"
        ]
    );

    // Overloads that lexically follow a use are not visible to it.
    let errs = errors("elementclass Test { $a | /* nothing */ }\ntest :: Test(1, 2);\nelementclass Test { $a, $b | /* nothing */ || ... }");
    assert!(
        errs.iter().any(|e| e
            .starts_with("test.click:2:1: no match for 'Test[2 arguments, 0 inputs, 0 outputs]'")),
        "{errs:?}"
    );
    // By port count.
    let f = flat("elementclass T { input -> A -> output || input -> B -> output; input [1] -> C -> [1] output }\nx :: X; y :: Y; x -> t1 :: T -> y; x [1] -> [1] t2 :: T [1] -> [1] y; x -> t2 -> y;");
    assert_eq!(
        decls(&f),
        [
            "x :: X",
            "y :: Y",
            "t1/A@1 :: A",
            "t2/B@1 :: B",
            "t2/C@2 :: C"
        ]
    );
}

#[test]
fn nested_compounds_and_context() {
    let f = flat("elementclass In { $v | input -> P($v) -> output }\nelementclass Out { $w | input -> i :: In($w) -> output }\na :: A; b :: B; a -> o :: Out(9) -> b;");
    assert_eq!(decls(&f), ["a :: A", "b :: B", "o/i/P@1 :: P(9)"]);
    assert_eq!(f.elements[2].context.len(), 2);
    assert_eq!(
        conns(&f),
        s(&["a [0] -> [0] o/i/P@1", "o/i/P@1 [0] -> [0] b"])
    );
    // An error in an expanded compound says where the compound was used.
    let (sources, _, errs) = flatten_str("t.click", "elementclass In { $v | input -> output }\nelementclass Out { input -> In -> output }\na :: A; a -> Out -> Discard;", &FlattenOptions::default());
    let e = errs
        .iter()
        .find(|e| e.message.contains("no match for 'In"))
        .expect("no match error");
    assert_eq!(sources.location(e.span).line, 2);
    assert!(
        e.notes
            .iter()
            .any(|n| n.message.contains("in compound element 'Out@2'")
                && n.span.is_some_and(|s| sources.location(s).line == 3)),
        "{:?}",
        e.notes
    );
}

#[test]
fn defines_and_overrides() {
    let text = "define($DEV eth0, $N 2);\nFromDevice($DEV) -> Queue(${N}0) -> Print(${NOPE-x}) -> Discard;";
    let f = flat(text);
    assert_eq!(f.elements[0].config, "$DEV");
    assert_eq!(f.elements[1].config, "$N0");
    assert_eq!(f.elements[2].config, "x");
    assert_eq!(
        f.defines
            .iter()
            .map(|d| (d.name.as_str(), d.value.as_str()))
            .collect::<Vec<_>>(),
        [("DEV", "eth0"), ("N", "2")]
    );
    let opts = FlattenOptions {
        defines: vec![("DEV".into(), "eth1".into()), ("NEW".into(), "z".into())],
        expand_defines: true,
    };
    let (_, f, errs) = flatten_str("t", text, &opts);
    assert!(errs.is_empty());
    assert_eq!(f.elements[0].config, "eth1");
    assert_eq!(f.elements[1].config, "20");
    assert!(f.defines.is_empty());
    // All definitions in a scope take effect together.
    let opts = FlattenOptions {
        expand_defines: true,
        ..Default::default()
    };
    let (_, f, _) = flatten_str("t", "Message($a); define($a 2)", &opts);
    assert_eq!(f.elements[0].config, "2");
    // Compound defines are scoped to the compound.
    let (_, f, _) = flatten_str(
        "t",
        "define($a 1); x :: { define($a 5); m :: M($a) }; n :: M($a)",
        &opts,
    );
    assert!(errors("define($a 1); define($a 2);")
        .iter()
        .any(|e| e.contains("multiply defined")));
    assert_eq!(decls(&f), ["n :: M(1)", "x/m :: M(5)"]);
    assert!(errors("define(a 1);")
        .iter()
        .any(|e| e.contains("not a variable")));
}

struct MapLoader(BTreeMap<String, String>, usize);

impl LibraryLoader for MapLoader {
    fn load(&mut self, name: &str, _from: &str) -> Result<Library, String> {
        self.1 += 1;
        self.0
            .get(name)
            .map(|t| Library {
                name: name.to_string(),
                text: t.clone(),
            })
            .ok_or_else(|| "not in the test map".to_string())
    }
}

#[test]
fn requirements_and_libraries() {
    let mut loader = MapLoader(
        [
            (
                "lib.click".to_string(),
                "elementclass LibClass { Idle }\nrequire(package inlib);".to_string(),
            ),
            ("bad.click".into(), "x -> ]".into()),
        ]
        .into(),
        0,
    );
    let mut sources = SourceMap::new();
    let id = sources.add("main.click", "require(package fastclassifier, specialcode, compact_config);\nrequire(library lib.click);\nrequire(library \"lib.click\");\nx :: LibClass;");
    let (f, errs) = flatten(&mut sources, id, &FlattenOptions::default(), &mut loader);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(loader.1, 1, "a library is read once");
    assert_eq!(decls(&f), ["x/Idle@1 :: Idle"]);
    let reqs: Vec<(&str, &str)> = f
        .requirements
        .iter()
        .map(|r| (r.kind.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        reqs,
        [
            ("package", "fastclassifier"),
            ("package", "specialcode"),
            ("compact_config", ""),
            ("package", "inlib")
        ]
    );
    // Errors in a library point into the library.
    let id = sources.add(
        "two.click",
        "require(library bad.click); require(library missing.click); require(package a b);",
    );
    let (_, errs) = flatten(&mut sources, id, &FlattenOptions::default(), &mut loader);
    let rendered: Vec<String> = errs.iter().map(|e| e.render(&sources)).collect();
    assert!(
        rendered
            .iter()
            .any(|e| e.starts_with("bad.click:1:6: syntax error near ']'")),
        "{rendered:?}"
    );
    assert!(rendered
        .iter()
        .any(|e| e.contains("library 'missing.click' not found")));
    assert!(rendered
        .iter()
        .any(|e| e.contains("syntax error at requirement")));
    assert!(errors("x :: { require(library a.click) };")
        .iter()
        .any(|e| e.contains("file scope")));
}

#[test]
fn lexical_details() {
    // Comments, line directives, configuration strings kept raw.
    let f = flat("// comment\n/* block\n comment */ a :: X(/* ) */ \"(\" // )\n 'q)');\n# 40 \"other.click\"\nb :: Y;\na -> b;");
    assert_eq!(decls(&f), ["a :: X(/* ) */ \"(\" // )\n 'q)')", "b :: Y"]);
    let a = &f.elements[0];
    assert_eq!(
        a.config_span.end - a.config_span.start,
        a.config.len() as u32
    );
    let f = flat("an/identifier/with/slashes//too/many\n");
    assert_eq!(
        decls(&f),
        ["an/identifier/with/slashes@1 :: an/identifier/with/slashes"]
    );
    // `\<...>` data may hold parentheses.
    let f = flat("x :: X(\\<28 29>) ; y :: X(\"\\<29>\")");
    assert_eq!(f.elements[0].config, "\\<28 29>");
}

#[test]
fn malformed_inputs_give_located_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "a :: X(\"abc);\nb :: Y;",
            "test.click:1:8: unterminated quoted string",
        ),
        (
            "a :: X; /* never ends",
            "test.click:1:9: unterminated comment",
        ),
        (
            "a :: X;\nb :: { input -> output",
            "test.click:2:6: unclosed '{'",
        ),
        (
            "a :: X; b :: Y;\na [x] -> b;",
            "test.click:2:4: syntax error: port number should be integer",
        ),
        (
            "a :: X; b :: Y;\na -> -> b;",
            "test.click:2:6: syntax error near '->'",
        ),
        (
            "a :: X; a :: Y;",
            "test.click:1:9: redeclaration of element 'a'",
        ),
        (
            "a :: X; b :: a;",
            "test.click:1:14: 'a' was previously used as an element name",
        ),
        ("1 :: X;", "element name '1' has all-digit component"),
        (
            "x :: Y; x(3) -> Discard;",
            "configuration string ignored on element reference",
        ),
        (
            "elementclass E { input -> output } e :: E; e [1] -> Discard;",
            "'e' has no output 1",
        ),
        (
            "elementclass E { input -> output || $a | input -> output } e :: E; e [1] -> Discard;",
            "no match for 'E[0 inputs, 2 outputs]'",
        ),
        ("x -> provide;", "syntax error near 'provide'"),
        ("}", "syntax error near '}'"),
        (
            "\u{0}\u{1}ÿ garbage",
            "test.click:1:1: syntax error near '\\x00'",
        ),
    ];
    for (text, want) in cases {
        let errs = errors(text);
        assert!(
            errs.iter().any(|e| e.contains(want)),
            "{text:?}: want {want:?}, got {errs:#?}"
        );
    }
    // Every error of a file, in one run.
    let errs = errors("a :: X;\nb -> ] c;\nd :: Y;\ne -> [z] f;\ng :: { input -> output\n");
    assert!(errs.len() >= 3, "{errs:#?}");
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("x :: X{}{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(errors(&deep).iter().any(|e| e.contains("nested more than")));
    let deep = format!("x{}", " -> {input -> x".repeat(5_000));
    assert!(!errors(&deep).is_empty());
}

#[test]
fn exponential_expansion_is_bounded() {
    let mut text = String::from("elementclass C0 { input -> Counter -> output }\n");
    for i in 1..40 {
        text.push_str(&format!(
            "elementclass C{i} {{ input -> C{} -> C{} -> output }}\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("s :: S; s -> C39 -> Discard;");
    assert!(errors(&text).iter().any(|e| e.contains("too large")));
}

/// The configurations the round-trip property runs over.
const CONFIGS: &[&str] = &[
    "a :: X; b :: Y(1, 2); a -> b; a [1] -> [2] b;",
    "src :: S; src -> Queue -> Discard; src [1] -> Queue(5) -> Discard;",
    "c :: Classifier(00/01, 00/02, 00/03); c => Paint(0), Paint(1), Paint(2) -> next :: N;",
    "x :: X; y :: Y; x -> c :: Classifier(00/01) => ( input [0] -> output; input [1] -> Paint(1) -> output ) -> y;",
    "compound :: { input -> X -> output; input [1] -> Y -> [1] output; }; a -> compound -> b; c -> [1] compound [1] -> d;",
    "elementclass MyQueue { input -> Queue -> Shaper(1000) -> output; || $cap | input -> Queue($cap) -> Shaper(1000) -> output; } s :: S; s -> q1 :: MyQueue -> Discard; s -> q2 :: MyQueue(5) -> Discard;",
    "define($DEV eth0); require(package p); FromDevice($DEV, SNIFFER false) -> Strip(14) -> CheckIPHeader -> q :: Queue -> ToDevice($DEV);",
    "elementclass In { $v | input -> P($v) -> output } elementclass Out { $w | input -> i :: In($w) -> output } a :: A; b :: B; a -> o :: Out(\"x, y\") -> b;",
    "c :: { $a, COUNT $count, __REST__ $rest | x :: P($a); y :: P($count); z :: P($rest) } (1, 2, COUNT 3, FOO 4);",
];

fn roundtrip(text: &str, opts: &FlattenOptions) -> Result<(), TestCaseError> {
    let (_, f1, errs) = flatten_str("a.click", text, opts);
    prop_assert!(errs.is_empty(), "{:?}", errs);
    let printed = unparse(&f1);
    let (_, f2, errs) = flatten_str(
        "b.click",
        &printed,
        &FlattenOptions {
            defines: vec![],
            expand_defines: opts.expand_defines,
        },
    );
    prop_assert!(errs.is_empty(), "{printed}\n{errs:?}");
    prop_assert!(f1.same_graph(&f2), "{printed}\n---\n{}", unparse(&f2));
    Ok(())
}

/// A random chain configuration over a few names, classes and ports.
fn chain_config() -> impl Strategy<Value = String> {
    let elem = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("Queue".to_string()),
        Just("Paint(1)".to_string()),
        Just("{ input -> Counter -> output }".to_string()),
        Just("( input -> Tee -> output )".to_string()),
        (0u32..3).prop_map(|p| format!("a [{p}]")),
        (0u32..3).prop_map(|p| format!("[{p}] b")),
    ];
    prop::collection::vec(prop::collection::vec(elem, 2..5), 1..4).prop_map(|chains| {
        let mut s = String::from("a :: A; b :: B;\n");
        for c in chains {
            s.push_str(&c.join(" -> "));
            s.push_str(";\n");
        }
        s
    })
}

proptest! {
    #[test]
    fn flatten_roundtrips(i in 0..CONFIGS.len(), expand in any::<bool>()) {
        roundtrip(CONFIGS[i], &FlattenOptions { defines: vec![], expand_defines: expand })?;
    }

    #[test]
    fn generated_chains_roundtrip(text in chain_config()) {
        let (_, f1, _) = flatten_str("a.click", &text, &FlattenOptions::default());
        let printed = unparse(&f1);
        let (_, f2, errs) = flatten_str("b.click", &printed, &FlattenOptions::default());
        prop_assert!(errs.is_empty(), "{printed}\n{errs:?}");
        prop_assert!(f1.same_graph(&f2), "{text}\n{printed}");
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = flatten_str("x.click", &text, &FlattenOptions::default());
    }

    #[test]
    fn click_like_text_never_panics(text in "[a-c:;,()\\[\\]{}|$.0-9 \\n->=/*\"'@]{0,120}") {
        let (sources, _, errs) = flatten_str("x.click", &text, &FlattenOptions::default());
        for e in errs {
            let _ = e.render(&sources);
            prop_assert!(e.span.end as usize <= text.len());
        }
    }
}
