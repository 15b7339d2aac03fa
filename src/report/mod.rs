//! Reports people look at: a self-contained HTML page (inline SVG charts, no
//! network, no external script) for a result set, a comparison or a tornado;
//! an Excel workbook; labels in English or Chinese. Charts in [`charts`],
//! pages in one file each, the template in `template.html`.

pub(crate) mod charts;
pub mod comparison;
pub mod discover;
pub mod html;
pub mod i18n;
pub mod run;
pub mod tornado;
pub mod xlsx;

pub use i18n::Lang;

use crate::compare::ResultSet;
use std::path::Path;

/// What a folder holds that a report can be made of.
pub enum ReportSource {
    /// A result set of `run`.
    Run(Box<ResultSet>),
    /// A `sensitivity` tornado study.
    Tornado(Box<crate::analysis::tornado::Tornado>),
    /// A `discover --out` folder.
    Discover(Box<crate::discover::render::Report>),
}

/// Reads a folder for `report`: a result set, a tornado study or a discovery.
pub fn open(dir: &Path) -> Result<ReportSource, String> {
    let discovery = dir.join("discover.json");
    if discovery.is_file() && !dir.join("summary.json").is_file() {
        let text = std::fs::read_to_string(&discovery)
            .map_err(|e| format!("cannot read {}: {e}", discovery.display()))?;
        let report: crate::discover::render::Report = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is damaged or from another version ({e})",
                discovery.display()
            )
        })?;
        let whole = report.format == crate::discover::render::FORMAT
            && !report.boxes.is_empty()
            && report.boxes.iter().all(|b| b.selected < b.trajectory.len());
        if !whole {
            return Err(format!(
                "{} is damaged or from another version (format `{}`; a box must hold its chosen box); run `discover --out` again",
                discovery.display(),
                report.format
            ));
        }
        return Ok(ReportSource::Discover(Box::new(report)));
    }
    let tornado = dir.join("tornado.json");
    if tornado.is_file() && !dir.join("summary.json").is_file() {
        let text = std::fs::read_to_string(&tornado)
            .map_err(|e| format!("cannot read {}: {e}", tornado.display()))?;
        let study = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is damaged or from another version ({e})",
                tornado.display()
            )
        })?;
        return Ok(ReportSource::Tornado(Box::new(study)));
    }
    ResultSet::open(dir)
        .map(|set| ReportSource::Run(Box::new(set)))
        .map_err(|e| e.to_string())
}

/// The scenario a result set ran, from its `scenario.toml`.
pub fn scenario_of(set: &ResultSet) -> Result<crate::scenario::Scenario, String> {
    let text = set.scenario_toml.as_ref().ok_or_else(|| {
        format!(
            "{} has no scenario.toml, which the report's inputs section needs",
            set.dir.display()
        )
    })?;
    crate::scenario::load_str(text, &format!("{}/scenario.toml", set.dir.display()), &[])
        .map_err(|e| e.to_string())
}
