//! The result set as an Excel workbook: targets, metrics and inputs with their
//! sources, as real number cells with formats (rust_xlsxwriter).

use super::i18n::{labels, Lang};
use crate::scenario::{Scenario, SourceKind};
use crate::summary::Summary;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The workbook's bytes.
pub fn workbook(summary: &Summary, scenario: &Scenario, lang: Lang) -> Result<Vec<u8>, String> {
    build(summary, scenario, lang).map_err(|e| format!("cannot build the workbook: {e}"))
}

fn build(summary: &Summary, scenario: &Scenario, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let l = labels(lang);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let share = Format::new().set_num_format("0.0%");
    let number = Format::new().set_num_format("#,##0.0000");

    let sheet = book.add_worksheet().set_name(l.targets)?;
    let header = [
        l.name_column,
        l.target,
        l.year,
        l.metric_column,
        l.at_least_column,
        l.at_most_column,
        l.probability,
        l.interval_low,
        l.interval_high,
        l.shortfall,
        l.source,
        l.source_text,
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, t) in summary.targets.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &t.name)?;
        sheet.write_string(r, 1, &t.label)?;
        sheet.write_number(r, 2, t.year as f64)?;
        sheet.write_string(r, 3, &t.metric)?;
        if let Some(v) = t.bound.at_least() {
            sheet.write_number(r, 4, v)?;
        }
        if let Some(v) = t.bound.at_most() {
            sheet.write_number(r, 5, v)?;
        }
        sheet.write_number_with_format(r, 6, t.probability, &share)?;
        sheet.write_number_with_format(r, 7, t.ci95[0], &share)?;
        sheet.write_number_with_format(r, 8, t.ci95[1], &share)?;
        if let Some(v) = t.expected_shortfall {
            sheet.write_number_with_format(r, 9, v, &number)?;
        }
        sheet.write_string(
            r,
            10,
            if t.source_kind == SourceKind::Seed {
                l.seed_source
            } else {
                l.assumption
            },
        )?;
        sheet.write_string(r, 11, &t.source)?;
    }
    sheet.set_column_width(1, 36)?;
    sheet.set_column_width(11, 60)?;

    let sheet = book.add_worksheet().set_name(l.metrics)?;
    let header = [
        l.metric_column,
        l.year,
        l.unit,
        l.mean,
        l.sd,
        l.mean_se,
        "p1",
        "p5",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "p95",
        "p99",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, m) in summary.metrics.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &m.metric)?;
        sheet.write_number(r, 1, m.year as f64)?;
        sheet.write_string(r, 2, super::i18n::unit_text(&m.unit, l))?;
        let values = [m.mean, m.sd, m.mean_se];
        for (c, v) in values.iter().chain(m.quantiles.values().iter()).enumerate() {
            sheet.write_number_with_format(r, 3 + c as u16, *v, &number)?;
        }
    }
    sheet.set_column_width(0, 36)?;

    let sheet = book
        .add_worksheet()
        .set_name(l.inputs.chars().take(31).collect::<String>())?;
    for (c, h) in [l.key, l.value, l.mean, l.source, l.source_text]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let params: Vec<_> = scenario
        .all_parameters()
        .into_iter()
        .filter(|p| p.source.as_deref() != Some("default"))
        .collect();
    for (r, p) in params.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &p.key)?;
        sheet.write_string(r, 1, p.dist.describe())?;
        sheet.write_number(r, 2, p.dist.mean())?;
        sheet.write_string(
            r,
            3,
            if p.source_kind() == SourceKind::Seed {
                l.seed_source
            } else {
                l.assumption
            },
        )?;
        sheet.write_string(r, 4, p.source.as_deref().unwrap_or(""))?;
    }
    sheet.set_column_width(0, 48)?;
    sheet.set_column_width(4, 80)?;
    book.save_to_buffer()
}
