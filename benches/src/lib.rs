//! Criterion benchmarks for Sluice live in `benches/benches/`; this library holds what they
//! share. Run them with `cargo bench -p sluice-benches`.

use std::fmt::Write as _;

/// A configuration of about `elements` elements: a FromDump feeding a chain of compound
/// `Stage`s (Counter, Tee, Discard each), so checking it exercises parsing, compound
/// expansion, the connection checks and every element's configuration.
pub fn generated_config(elements: usize) -> String {
    let stages = elements.saturating_sub(2) / 3;
    let mut text = String::from(
        "elementclass Stage { input -> Counter -> t :: Tee(2); t[0] -> output; t[1] -> Discard; }\n\
         src :: FromDump(in.pcap, STOP true);\nsrc",
    );
    for i in 0..stages {
        let _ = write!(text, " -> s{i} :: Stage");
        if i % 8 == 7 {
            text.push('\n');
        }
    }
    text.push_str(" -> Discard;\n");
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_configs_have_the_size_asked_for() {
        let text = super::generated_config(5000);
        let (_, flat, errors) = sluice_router::lang::flatten_str(
            "gen.click",
            &text,
            &sluice_router::lang::FlattenOptions::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            (4990..=5000).contains(&flat.elements.len()),
            "{}",
            flat.elements.len()
        );
        let checked = sluice_router::instantiate::instantiate(flat);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors.first());
    }
}
