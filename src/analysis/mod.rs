//! Tuning assumptions: sweeps over a grid, tornado and Sobol sensitivity,
//! goal seeking and calibration. Every study re-runs a scenario with some of
//! its values overridden (as `--set` does) on common random numbers: the same
//! seed and paths, so differences between runs come from the assumptions,
//! not from noise.

pub mod calibrate;
pub mod goal_seek;
pub mod sobol;
pub mod sweep;
pub mod tornado;

use crate::engine::RunConfig;
use crate::scenario::{self, Scenario};
use crate::summary::Summary;
pub(crate) use crate::Error;
use std::path::PathBuf;

/// Where a study's scenario comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    File(PathBuf),
    /// The baseline built into the binary.
    Embedded,
}

/// A scenario, its overrides and run settings: the fixed part of a study.
#[derive(Clone, Debug)]
pub struct Study {
    pub source: Source,
    /// `--set` overrides applied to every run.
    pub sets: Vec<String>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
}

impl Study {
    /// Without paths given, the scenario's `run.paths` but at most `cap`
    /// (goal-seek's trials).
    pub fn cap_paths(&mut self, cap: u64) -> Result<(), Error> {
        if self.paths.is_none() {
            self.paths = Some(self.scenario(&[])?.run.paths.min(cap));
        }
        Ok(())
    }

    /// The scenario with the study's overrides and `extra` ones.
    pub fn scenario(&self, extra: &[String]) -> Result<Scenario, Error> {
        let sets: Vec<String> = self.sets.iter().chain(extra).cloned().collect();
        let loaded = match &self.source {
            Source::File(path) => scenario::load_file(path, &sets),
            Source::Embedded => scenario::load_embedded_baseline(&sets),
        };
        Ok(loaded?)
    }

    /// The run settings: the flags, else the scenario's `[run]`.
    pub(crate) fn config(&self, scenario: &Scenario) -> RunConfig {
        RunConfig {
            paths: self.paths.unwrap_or(scenario.run.paths),
            seed: self.seed.unwrap_or(scenario.run.seed),
            threads: self.threads,
        }
    }

    /// Runs the scenario with `extra` overrides, on the study's seed and paths.
    pub(crate) fn run(&self, extra: &[String]) -> Result<Summary, Error> {
        let scenario = self.scenario(extra)?;
        let config = self.config(&self.scenario(&[])?);
        let summary = crate::simulate(&scenario, &config).map_err(|e| Error::Input(e.to_string()));
        crate::progress::advance(1);
        summary
    }
}

/// `KEY=VALUE` for an override, the value printed so that TOML reads it back exactly.
pub(crate) fn assignment(key: &str, value: f64) -> String {
    format!("{key}={value:?}")
}

/// A metric chosen for a study: `name` in all years or in one (`name@year`).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricChoice {
    pub name: String,
    pub year: Option<i32>,
}

impl MetricChoice {
    /// Parses every `--metric`.
    pub fn parse_all(texts: &[String]) -> Result<Vec<Self>, Error> {
        texts.iter().map(|t| Self::parse(t)).collect()
    }

    /// Parses `gdp.growth` or `gdp.growth@2024`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.split_once('@') {
            None => Ok(MetricChoice {
                name: text.to_string(),
                year: None,
            }),
            Some((name, year)) => year
                .parse()
                .map(|y| MetricChoice {
                    name: name.to_string(),
                    year: Some(y),
                })
                .map_err(|_| {
                    Error::Input(format!(
                        "--metric {text}: `{year}` is not a year; write e.g. gdp.growth@2024"
                    ))
                }),
        }
    }

    /// Whether a summary row is chosen.
    pub(crate) fn matches(&self, metric: &str, year: i32) -> bool {
        self.name == metric && self.year.is_none_or(|y| y == year)
    }
}

/// Checks that every chosen metric exists in `summary`, naming the nearest one otherwise.
pub(crate) fn check_metrics(choices: &[MetricChoice], summary: &Summary) -> Result<(), Error> {
    for choice in choices {
        if !summary
            .metrics
            .iter()
            .any(|m| choice.matches(&m.metric, m.year))
        {
            let mut names: Vec<&str> = summary.metrics.iter().map(|m| m.metric.as_str()).collect();
            names.dedup();
            return Err(Error::Input(format!(
                "--metric {}{}: the scenario has no such metric and year; {}",
                choice.name,
                choice.year.map(|y| format!("@{y}")).unwrap_or_default(),
                scenario::error::suggestion(&choice.name, &names)
                    .replace("valid keys here are", "its metrics are")
            )));
        }
    }
    Ok(())
}

/// The default metric of a study: GDP growth in the first simulated year, if the scenario has GDP.
pub(crate) fn default_metrics(summary: &Summary) -> Vec<MetricChoice> {
    summary
        .metrics
        .iter()
        .find(|m| m.metric == "gdp.growth")
        .map(|m| {
            vec![MetricChoice {
                name: m.metric.clone(),
                year: Some(m.year),
            }]
        })
        .unwrap_or_default()
}

/// Parses `LO..HI` into two finite numbers with LO < HI.
pub fn parse_range(text: &str, flag: &str) -> Result<(f64, f64), Error> {
    let bad = || {
        Error::Input(format!(
            "{flag} {text}: write the range as LO..HI, e.g. 0.08..0.14"
        ))
    };
    let (lo, hi) = text.split_once("..").ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::Input(format!(
            "{flag} {text}: the range needs finite LO < HI"
        )));
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_metric_choices() {
        assert_eq!(parse_range("0.08..0.14", "--vary").unwrap(), (0.08, 0.14));
        assert!(parse_range("0.14..0.08", "--vary").is_err());
        assert!(parse_range("abc", "--vary").is_err());
        assert_eq!(
            MetricChoice::parse("gdp.growth@2024").unwrap().year,
            Some(2024)
        );
        assert!(MetricChoice::parse("gdp.growth@x").is_err());
        assert_eq!(assignment("a.b", 0.1), "a.b=0.1");
        assert_eq!(assignment("a.b", 1.0), "a.b=1.0");
    }
}
