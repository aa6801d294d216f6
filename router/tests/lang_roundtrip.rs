//! The flatten round trip over the project's configurations: for every `.click` file under
//! `configs/`, the click-diff corpus (`/work/shared/corpus/click-diff/*/config.click`) and
//! the benchmark configurations (`/work/shared/bench/*.click`), printing the flat
//! configuration and flattening it again gives the same graph:
//! `flatten(parse(flatten(x))) == flatten(x)`. Directories that do not exist on this
//! machine contribute no files.

use std::path::{Path, PathBuf};

use sluice_router::lang::{flatten_str, unparse, FlattenOptions};

/// Every `.click` file under `dir`, recursively, sorted.
fn click_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            click_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "click") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    click_files(&root.join("configs"), &mut files);
    if let Ok(entries) = std::fs::read_dir("/work/shared/corpus/click-diff") {
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        files.extend(
            dirs.into_iter()
                .map(|d| d.join("config.click"))
                .filter(|p| p.is_file()),
        );
    }
    if let Ok(entries) = std::fs::read_dir("/work/shared/bench") {
        let mut benches: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "click"))
            .collect();
        benches.sort();
        files.extend(benches);
    }
    files
}

/// Checks the round trip for one configuration text; `Err` says what differs.
fn roundtrip(name: &str, text: &str, expand_defines: bool) -> Result<(), String> {
    let opts = FlattenOptions {
        defines: vec![],
        expand_defines,
    };
    let (sources, first, errs) = flatten_str(name, text, &opts);
    if !errs.is_empty() {
        // A configuration that does not flatten has nothing to round-trip; its errors are
        // the business of the language tests.
        let _ = sources;
        return Ok(());
    }
    let printed = unparse(&first);
    let (sources, second, errs) = flatten_str("flattened.click", &printed, &opts);
    if !errs.is_empty() {
        let msgs: Vec<String> = errs.iter().map(|e| e.render(&sources)).collect();
        return Err(format!(
            "{name}: the flattened text does not flatten:\n{}\n{printed}",
            msgs.join("\n")
        ));
    }
    if !first.same_graph(&second) {
        return Err(format!(
            "{name}: a different graph after the round trip\n--- first\n{printed}\n--- second\n{}",
            unparse(&second)
        ));
    }
    // The printed text is a fixed point: printing the second flattening gives it again.
    let reprinted = unparse(&second);
    if reprinted != printed {
        return Err(format!(
            "{name}: flatten output is not stable\n--- first\n{printed}\n--- second\n{reprinted}"
        ));
    }
    Ok(())
}

#[test]
fn project_configurations_roundtrip() {
    let mut failures = Vec::new();
    let files = corpus();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable configuration");
        let name = path.display().to_string();
        for expand in [false, true] {
            if let Err(e) = roundtrip(&name, &text, expand) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Constructs the Click configurations in the wild lean on, written small: type-suffixed
/// AddressInfo names, a compound with formals used twice, element groups, defines left
/// in place, `#` line directives from a preprocessor, and names with `/` and `@`.
#[test]
fn constructs_from_shipped_configurations_roundtrip() {
    let cases = [
        "AddressInfo(a 10.0.0.1 00:01:02:03:04:05);\n\
         src :: InfiniteSource -> EtherEncap(0x0800, a:eth, a:eth) -> Discard;",
        "elementclass Dev { $d | from :: FromDevice($d) -> output; input -> q :: Queue -> to :: ToDevice($d); }\n\
         x :: Dev(eth0); y :: Dev(eth1); x -> y; y -> x;",
        "define($DEV eth1, $GW $DEV:gw);\nFromDevice($DEV) -> SetIPAddress($GW) -> Discard;",
        "c :: Classifier(12/0800, -); Idle -> c; c[0] -> { input -> t :: Tee -> output; t[1] -> Discard } -> Discard; c[1] -> Discard;",
        "# 1 \"gen.click\"\na/b :: Idle;\n# 7 \"gen.click\"\nX@3 :: Discard;\na/b -> X@3;",
        "s :: Script(TYPE ACTIVE, init x 0, set x $(add $x 1), loop);",
        "q :: Queue; InfiniteSource -> q; q -> [1] rr :: RoundRobinSched; Idle -> Queue -> [0] rr; rr -> Discard;",
    ];
    let mut failures = Vec::new();
    for (i, text) in cases.iter().enumerate() {
        for expand in [false, true] {
            let (sources, _, errs) = flatten_str(
                "case.click",
                text,
                &FlattenOptions {
                    defines: vec![],
                    expand_defines: expand,
                },
            );
            let msgs: Vec<String> = errs.iter().map(|e| e.render(&sources)).collect();
            assert!(msgs.is_empty(), "case {i} does not flatten: {msgs:#?}");
            if let Err(e) = roundtrip(&format!("case {i}"), text, expand) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
