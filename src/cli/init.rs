//! `xuhui-sim init [FILE]`: write a new scenario file that extends the
//! baseline built into the binary (`extends = "builtin:baseline"`, so it
//! loads wherever it is saved), with commented-out examples of the common
//! changes, each valid once uncommented. A file of the user's is never
//! replaced: `--force` replaces only a file whose first line is [`MARKER`].

use super::{Error, InitArgs};
use std::io::Write;
use std::path::{Path, PathBuf};
use xuhui_sim::output::table::terminal_safe;

/// The first line of every file `init` writes.
pub const MARKER: &str = "# Written by xuhui-sim init";

/// Runs the command.
pub fn init(args: &InitArgs) -> Result<(), Error> {
    let file = &args.file;
    let shown = terminal_safe(&file.display().to_string()).into_owned();
    let Some(file_name) = file.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(Error::Input(format!(
            "`{shown}` is not a file name; give one such as my-scenario.toml"
        )));
    };
    check_destination(file, &shown, args.force)?;
    let shown_name = if file_name.chars().any(char::is_control) {
        "FILE".to_string()
    } else {
        file_name.clone()
    };
    let text = scenario_text(&scenario_name(file), &shown_name);
    write_atomically(file, &file_name, &shown, args.force, text.as_bytes())?;
    eprintln!("wrote {shown}; run it with `xuhui-sim run {shown}`");
    Ok(())
}

/// Refuses an existing file unless `init` wrote it (first line [`MARKER`]) and `--force` is given.
fn check_destination(file: &Path, shown: &str, force: bool) -> Result<(), Error> {
    let meta = match std::fs::symlink_metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::Failure(format!("cannot check {shown}: {e}"))),
        Ok(meta) => meta,
    };
    // A folder, a link or a file without the marker is the user's.
    if !(meta.file_type().is_file() && written_by_init(file)) {
        return Err(Error::Input(format!(
            "{shown} exists and was not written by xuhui-sim init; choose another name"
        )));
    }
    if !force {
        return Err(Error::Input(format!(
            "{shown} exists (written by xuhui-sim init); pass --force to replace it, or choose another name"
        )));
    }
    Ok(())
}

/// Whether the file's first line is [`MARKER`].
fn written_by_init(file: &Path) -> bool {
    use std::io::{BufRead, BufReader, Read};
    let Ok(handle) = std::fs::File::open(file) else {
        return false;
    };
    let mut first = Vec::new();
    if BufReader::new(handle.take(256))
        .read_until(b'\n', &mut first)
        .is_err()
    {
        return false;
    }
    let line = String::from_utf8_lossy(&first);
    line.trim_end_matches(['\n', '\r']) == MARKER
}

/// A valid `scenario.name` from the file's stem: lowercase ASCII letters,
/// digits, `_` and `-`, starting with a letter (`My Plan 2.toml` → `my-plan-2`).
fn scenario_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::new();
    for c in stem.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name
        .trim_matches(|c: char| c == '-' || c == '_')
        .to_string();
    match name.chars().next() {
        None => "my-scenario".to_string(),
        Some(c) if c.is_ascii_lowercase() => name,
        Some(_) => format!("scenario-{name}"),
    }
}

/// The file's text. Explanations are `# ` comments; examples are commented
/// out with a bare `#`, so that removing that one character makes them TOML.
fn scenario_text(name: &str, file: &str) -> String {
    TEMPLATE
        .replace("{MARKER}", MARKER)
        .replace("{NAME}", name)
        .replace("{FILE}", file)
}

const TEMPLATE: &str = r##"{MARKER}
#
# A scenario that extends the baseline built into xuhui-sim (the text of
# scenarios/baseline.toml, printed by `xuhui-sim describe --toml`). Everything
# not written here is inherited from it. To change something, uncomment an
# example below (remove the `#` at the start of its lines) and edit it; each
# example is valid on its own.
#
#   xuhui-sim validate {FILE}    check the file
#   xuhui-sim describe {FILE}    its series, programmes, targets and uncertain inputs
#   xuhui-sim run {FILE}         run it into results/{NAME}/
#
# A value is a number, { value = 0.1, source = "..." }, or a distribution such
# as { dist = "triangular", min = 0.07, mode = 0.11, max = 0.15, source = "..." }
# (fixed, normal, lognormal, student_t, uniform, triangular, pert, beta,
# binomial, two_piece_normal); see docs/scenario-format.md. Say where a figure
# comes from: source = "seed: <the article's phrase>" or "assumption: <why>".
# One run can also change any value with --set, e.g.
#   xuhui-sim run {FILE} --set series.digital_economy.mean_growth=0.13

[scenario]
extends = "builtin:baseline"
name = "{NAME}"
title = "{NAME}: the baseline with my changes (edit this title)"
description = """
What this scenario assumes, against the baseline, and why (edit this description)."""

# How `xuhui-sim run` runs it when --paths, --seed and --sampling do not say
# (baseline: 200_000 paths, seed 2024, random sampling). Sampling is random,
# antithetic, lhs or sobol; the last three need at least 32768 paths.
#[run]
#paths = 100_000
#seed = 7
#sampling = "lhs"

# A series' trend growth, here the digital economy's (baseline: triangular,
# 7-15 %, most likely 11 %). The series: digital_economy, life_health,
# cultural_creative, modern_finance, other_sectors, fiscal_revenue,
# retail_sales, commodity_sales, industrial_output; each also has base,
# growth_base, persistence and volatility.
#[series.digital_economy]
#mean_growth = { dist = "triangular", min = 0.09, mode = 0.14, max = 0.20, source = "assumption: why the trend is higher" }
#volatility = { value = 0.04, source = "assumption: why growth is more erratic" }

# A programme's delivery ratio (delivered = planned × ratio), here the
# affordable rental homes' (baseline: pert, 0.85 / 1.20 / 2.20), and how a
# downturn year changes it (the ratio is multiplied by 1 + downturn_effect).
# `xuhui-sim describe` lists every programme.
#[programme.rental_housing]
#delivery = { dist = "pert", min = 0.70, mode = 0.95, max = 1.30, source = "assumption: why fewer homes are raised than in 2023" }
#downturn_effect = { value = -0.15, source = "assumption: why a downturn weighs more" }

# The regime: the yearly chance of a downturn starting (baseline 0.10) and
# of one ending (baseline 0.70).
#[regime]
#downturn_probability = { value = 0.20, source = "assumption: why downturns are more frequent" }
#recovery_probability = { value = 0.40, source = "assumption: why they last longer" }

# A target's threshold. A [[target]] with a baseline target's name replaces
# that target whole, so give all its keys; a new name adds a target.
# `xuhui-sim describe` lists every target with its metric.
#[[target]]
#name = "gdp_growth_2024"
#label = "GDP 实际增长 ≥ 5.5 % (2024)"
#metric = "gdp.growth"
#year = 2024
#at_least = 0.055
#source = "assumption: why this threshold"
"##;

/// Writes `bytes` to a temporary file beside `file`, checks that it loads,
/// then renames it into place, so `file` is never half-written.
fn write_atomically(
    file: &Path,
    file_name: &str,
    shown: &str,
    force: bool,
    bytes: &[u8],
) -> Result<(), Error> {
    let dir = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::Input(format!(
            "cannot write {shown}: the folder {} does not exist; create it first",
            terminal_safe(&dir.display().to_string())
        )));
    }
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut handle = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| Error::Failure(format!("cannot write {shown}: {e}")))?;
    let written = handle.write_all(bytes).and_then(|_| handle.sync_all());
    drop(handle);
    let fail = |message: String| {
        let _ = std::fs::remove_file(&temp);
        Error::Failure(message)
    };
    if let Err(e) = written {
        return Err(fail(format!("cannot write {shown}: {e}")));
    }
    if let Err(e) = xuhui_sim::scenario::load_file(&temp, &[]) {
        return Err(fail(format!(
            "the scenario init writes does not load ({e}); this is a bug of xuhui-sim, please report it"
        )));
    }
    // A file of the user's may have appeared meanwhile.
    if let Err(e) = check_destination(file, shown, force) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, file).map_err(|e| fail(format!("cannot write {shown}: {e}")))
}
