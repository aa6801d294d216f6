//! Sluice's integration tests live in `tests/tests/`; this library holds what they share:
//! finding the shared corpus and running its cases.

use std::path::{Path, PathBuf};

/// The shared folder beside the checkout (`../shared`), or `SLUICE_SHARED` if set.
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SLUICE_SHARED") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The differential corpus: `shared/corpus/click-diff`.
pub fn corpus_dir() -> PathBuf {
    shared_dir().join("corpus/click-diff")
}

/// One corpus case: its directory, its configuration, and the handlers its
/// `// HANDLERS:` line names.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name (`01-ethertype-classifier`).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The configuration text.
    pub config: String,
    /// Handlers to read after the run.
    pub handlers: Vec<String>,
}

/// Every case in the corpus, sorted by name.
pub fn corpus_cases() -> std::io::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(corpus_dir())? {
        let dir = entry?.path();
        let config_path = dir.join("config.click");
        if !config_path.is_file() {
            continue;
        }
        let config = std::fs::read_to_string(&config_path)?;
        let handlers = config
            .lines()
            .find_map(|l| l.trim().strip_prefix("// HANDLERS:"))
            .map(|h| h.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.push(Case {
            name,
            dir,
            config,
            handlers,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// The expected output files of a case (`out*.pcap`), by file name.
pub fn expected_outputs(case: &Case) -> std::io::Result<Vec<String>> {
    let mut outs = Vec::new();
    for entry in std::fs::read_dir(&case.dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("out") && name.ends_with(".pcap") {
            outs.push(name);
        }
    }
    outs.sort();
    Ok(outs)
}
