//! Fuzzes the scenario loader: any bytes, as a scenario file with `--set`
//! overrides taken from its last lines, must load or be refused with a
//! message, and a loaded scenario must compile; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Lines starting with "--set " become overrides, the rest the file.
    let (sets, body): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with("--set "));
    let sets: Vec<String> = sets.iter().map(|l| l.trim_start_matches("--set ").to_string()).collect();
    let body = body.join("\n");
    if let Ok(scenario) = xuhui_sim::scenario::load_str(&body, "fuzz.toml", &sets) {
        let _ = xuhui_sim::model::Model::compile(&scenario);
    }
});
