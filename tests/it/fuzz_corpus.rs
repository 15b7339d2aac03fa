//! Replays the committed fuzzing corpus of the scenario loader
//! (`fuzz/seeds/scenario_loader/`, minimized after a 30-minute `cargo fuzz`
//! run, see `fuzz/README.md`): every input must load or be refused with a
//! message, and a loaded scenario must compile, without a panic.

use std::fs;

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let folder =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/scenario_loader");
    let mut inputs = 0;
    let (mut loaded, mut refused) = (0, 0);
    for entry in fs::read_dir(&folder)
        .expect("the corpus is committed")
        .flatten()
    {
        let bytes = fs::read(entry.path()).unwrap();
        inputs += 1;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let (sets, body): (Vec<&str>, Vec<&str>) =
            text.lines().partition(|l| l.starts_with("--set "));
        let sets: Vec<String> = sets
            .iter()
            .map(|l| l.trim_start_matches("--set ").to_string())
            .collect();
        match xuhui_sim::scenario::load_str(&body.join("\n"), "fuzz.toml", &sets) {
            Ok(scenario) => {
                loaded += 1;
                let _ = xuhui_sim::model::Model::compile(&scenario);
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(inputs >= 100, "only {inputs} corpus inputs");
    assert!(
        loaded > 0 && refused > 0,
        "{loaded} loaded, {refused} refused"
    );
}
