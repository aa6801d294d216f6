//! Sluice's integration tests live in `tests/tests/`; this library holds what they share:
//! finding the shared corpus and running its cases.

use std::path::{Path, PathBuf};

pub mod dut;
pub mod guest;

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

/// Nanoseconds of the simulated epoch, 1000000000 s.
const SIM_EPOCH_NS: u64 = 1_000_000_000 * 1_000_000_000;

/// The first difference between Click's pcap `want` and Sluice's `got`, if any: file
/// header, record count, timestamps, original lengths and bytes.
///
/// One field is compared to the microsecond rather than the nanosecond: the timestamp of a
/// packet created during the run. Click's `--simtime` clock starts at 1000000000 and every
/// call to `Timestamp::now()` anywhere in Click (the driver loop included) moves it one
/// nanosecond on, so a created packet carries 1000000000.000000NNN where NNN counts Click's
/// internal clock reads; Sluice's simulated clock stays at 1000000000.000000000. The corpus
/// README allows exactly this (`pcapdiff.py --ignore-ts` for created packets); forwarded
/// packets keep their input timestamps and are compared exactly, as are all other bytes.
pub fn pcap_difference(want: &[u8], got: &[u8]) -> Option<String> {
    if want.len() < 24 || got.len() < 24 {
        return Some(format!(
            "file too short ({} vs {} bytes)",
            got.len(),
            want.len()
        ));
    }
    if want[..24] != got[..24] {
        return Some(format!(
            "file header {:02x?} != Click's {:02x?}",
            &got[..24],
            &want[..24]
        ));
    }
    let records = |d: &[u8]| -> Vec<(u64, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut off = 24;
        let word = |o: usize| u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]);
        while off + 16 <= d.len() {
            let (sec, nsec, caplen, origlen) =
                (word(off), word(off + 4), word(off + 8), word(off + 12));
            let end = (off + 16 + caplen as usize).min(d.len());
            out.push((
                u64::from(sec) * 1_000_000_000 + u64::from(nsec),
                origlen,
                d[off + 16..end].to_vec(),
            ));
            off = end;
        }
        out
    };
    let (w, g) = (records(want), records(got));
    if w.len() != g.len() {
        return Some(format!("{} packets, Click wrote {}", g.len(), w.len()));
    }
    for (i, (a, b)) in w.iter().zip(&g).enumerate() {
        let created = a.0 >= SIM_EPOCH_NS && a.0 < SIM_EPOCH_NS + 1_000_000_000;
        let same_time = if created {
            a.0 / 1000 == b.0 / 1000
        } else {
            a.0 == b.0
        };
        if !same_time {
            return Some(format!("#{} timestamp {} != Click's {}", i + 1, b.0, a.0));
        }
        if a.1 != b.1 {
            return Some(format!(
                "#{} original length {} != Click's {}",
                i + 1,
                b.1,
                a.1
            ));
        }
        if a.2 != b.2 {
            let at =
                a.2.iter()
                    .zip(&b.2)
                    .position(|(x, y)| x != y)
                    .unwrap_or(a.2.len().min(b.2.len()));
            return Some(format!(
                "#{} bytes differ at offset {at} (length {} vs Click's {}): {:02x?} != Click's {:02x?}",
                i + 1,
                b.2.len(),
                a.2.len(),
                &b.2[at.min(b.2.len())..(at + 8).min(b.2.len())],
                &a.2[at.min(a.2.len())..(at + 8).min(a.2.len())]
            ));
        }
    }
    None
}
