//! The metrics a scenario produces (the scenario layer's, since checks of
//! targets need them; the model re-exports them as `model::metrics`) (docs/model.md, "Metrics") and where each value of a
//! path sits in the flat buffer the engine aggregates.

use super::Scenario;
use std::ops::RangeInclusive;

/// One metric: its name, unit and the years it has a value.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricDef {
    pub name: String,
    pub unit: String,
    pub years: RangeInclusive<i32>,
    /// Position of its first year's value in a path's value buffer.
    pub offset: usize,
}

impl MetricDef {
    /// Buffer index of this metric's value in `year` (which must be in `years`).
    pub(crate) fn index(&self, year: i32) -> usize {
        self.offset + (year - self.years.start()) as usize
    }
}

/// Unit of growth rates, ratios and probabilities.
pub const RATIO: &str = "ratio";

/// All metrics of `s`, in report order: each series' level and growth, GDP,
/// prices, the regime, then each programme's delivered quantity and ratio.
pub fn catalogue(s: &Scenario) -> Vec<MetricDef> {
    let all_years = s.base_year + 1..=s.end_year;
    let mut defs: Vec<(String, String, RangeInclusive<i32>)> = Vec::new();
    for x in &s.series {
        defs.push((
            format!("{}.level", x.name),
            x.unit.clone(),
            all_years.clone(),
        ));
        defs.push((
            format!("{}.growth", x.name),
            RATIO.into(),
            all_years.clone(),
        ));
    }
    if s.series.iter().any(|x| x.gdp_share.is_some()) {
        defs.push(("gdp.growth".into(), RATIO.into(), all_years.clone()));
        defs.push(("gdp.nominal_growth".into(), RATIO.into(), all_years.clone()));
        defs.push((
            "gdp.index".into(),
            format!("index ({} = 100)", s.base_year),
            all_years.clone(),
        ));
        if s.gdp.as_ref().is_some_and(|g| g.base.is_some()) {
            // In the members' unit (current prices, as the article reports them).
            let unit = s
                .series
                .iter()
                .find(|x| x.gdp_share.is_some())
                .map(|x| x.unit.clone())
                .unwrap_or_default();
            defs.push(("gdp.level".into(), unit, all_years.clone()));
        }
    }
    if s.inflation.is_some() {
        defs.push(("prices.inflation".into(), RATIO.into(), all_years.clone()));
    }
    if s.regime.is_some() {
        defs.push(("regime.downturn".into(), "0/1".into(), all_years.clone()));
    }
    for p in &s.programmes {
        defs.push((
            format!("{}.delivered", p.name),
            p.unit.clone(),
            p.year..=p.year,
        ));
        defs.push((format!("{}.ratio", p.name), RATIO.into(), p.year..=p.year));
    }
    let mut offset = 0;
    defs.into_iter()
        .map(|(name, unit, years)| {
            let def = MetricDef {
                name,
                unit,
                years: years.clone(),
                offset,
            };
            offset += years.count();
            def
        })
        .collect()
}

/// Number of values one path produces.
pub(crate) fn value_count(metrics: &[MetricDef]) -> usize {
    metrics
        .last()
        .map(|m| m.offset + m.years.clone().count())
        .unwrap_or(0)
}
