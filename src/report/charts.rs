//! Charts as SVG, drawn with plotters' SVG backend: one function per chart
//! type. Each returns the `<svg>` element as text for inlining in a report.

use super::i18n::{Labels, FONTS};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

const WIDTH: u32 = 640;
const BAND: RGBColor = RGBColor(33, 102, 172);
const OTHER: RGBColor = RGBColor(214, 96, 77);
const TARGET: RGBColor = RGBColor(178, 24, 43);

type ChartResult = Result<String, String>;

fn fail<E: std::fmt::Display>(e: E) -> String {
    format!("cannot draw a chart: {e}")
}

/// One year's quantiles for a fan: p5, p10, p25, p50, p75, p90, p95.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FanYear {
    pub year: i32,
    pub q: [f64; 7],
}

/// A fan's data: its years, an observed base point and target thresholds.
#[derive(Clone, Debug)]
pub(crate) struct Fan {
    pub title: String,
    pub unit: String,
    pub years: Vec<FanYear>,
    pub base: Option<(i32, f64)>,
    /// (year, threshold) of targets on this metric.
    pub targets: Vec<(i32, f64)>,
    /// Show values as percentages.
    pub percent: bool,
}

fn value_range<'a>(values: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    let pad = ((hi - lo) * 0.08)
        .max(hi.abs().max(lo.abs()) * 1e-3)
        .max(1e-9);
    (lo - pad, hi + pad)
}

fn format_value(v: f64, percent: bool) -> String {
    if percent {
        format!("{:.1}%", v * 100.0)
    } else {
        crate::format::number(v, 4)
    }
}

/// A fan chart: bands 5-95, 10-90, 25-75, the median, the base point, targets;
/// `second` overlays another set's median and 5-95 band (for comparisons).
pub(crate) fn fan(fan: &Fan, second: Option<&Fan>, labels: &Labels) -> ChartResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let first_year = fan.base.map(|b| b.0).unwrap_or(fan.years[0].year);
        let last_year = fan.years.last().map(|y| y.year).unwrap_or(first_year + 1);
        let mut all: Vec<f64> = fan.years.iter().flat_map(|y| y.q).collect();
        all.extend(fan.base.map(|b| b.1));
        all.extend(fan.targets.iter().map(|t| t.1));
        if let Some(s) = second {
            all.extend(s.years.iter().flat_map(|y| [y.q[0], y.q[6]]));
        }
        let (lo, hi) = value_range(all.iter());
        let mut chart = ChartBuilder::on(&root)
            .caption(&fan.title, (FONTS, 15))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(first_year as f64 - 0.2..last_year as f64 + 0.2, lo..hi)
            .map_err(fail)?;
        let percent = fan.percent;
        chart
            .configure_mesh()
            .x_labels((last_year - first_year + 1) as usize)
            .x_label_formatter(&|x| format!("{}", x.round() as i64))
            .y_label_formatter(&|y| format_value(*y, percent))
            .y_desc(if fan.unit.is_empty() {
                ""
            } else {
                fan.unit.as_str()
            })
            .label_style((FONTS, 11))
            .axis_desc_style((FONTS, 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        let x = |y: &FanYear| y.year as f64;
        for (low, high, alpha) in [(0, 6, 0.15), (1, 5, 0.2), (2, 4, 0.3)] {
            let mut polygon: Vec<(f64, f64)> =
                fan.years.iter().map(|y| (x(y), y.q[high])).collect();
            polygon.extend(fan.years.iter().rev().map(|y| (x(y), y.q[low])));
            if let Some((year, value)) = fan.base {
                polygon.insert(0, (year as f64, value));
                polygon.push((year as f64, value));
            }
            chart
                .draw_series(std::iter::once(Polygon::new(
                    polygon,
                    BAND.mix(alpha).filled(),
                )))
                .map_err(fail)?;
        }
        let mut median: Vec<(f64, f64)> = fan.years.iter().map(|y| (x(y), y.q[3])).collect();
        if let Some((year, value)) = fan.base {
            median.insert(0, (year as f64, value));
        }
        chart
            .draw_series(LineSeries::new(median, BAND.stroke_width(2)))
            .map_err(fail)?
            .label(labels.median)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BAND.stroke_width(2)));
        if let Some(other) = second {
            let mut band: Vec<(f64, f64)> = other.years.iter().map(|y| (x(y), y.q[6])).collect();
            band.extend(other.years.iter().rev().map(|y| (x(y), y.q[0])));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    OTHER.mix(0.15).filled(),
                )))
                .map_err(fail)?;
            let line: Vec<(f64, f64)> = other.years.iter().map(|y| (x(y), y.q[3])).collect();
            chart
                .draw_series(LineSeries::new(line, OTHER.stroke_width(2)))
                .map_err(fail)?
                .label(other.title.clone())
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], OTHER.stroke_width(2))
                });
        }
        if let Some((year, value)) = fan.base {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (year as f64, value),
                    4,
                    BLACK.filled(),
                )))
                .map_err(fail)?
                .label(labels.observed)
                .legend(|(x, y)| Circle::new((x + 8, y), 4, BLACK.filled()));
        }
        for (year, threshold) in &fan.targets {
            let line = vec![
                (*year as f64 - 0.3, *threshold),
                (*year as f64 + 0.3, *threshold),
            ];
            chart
                .draw_series(DashedLineSeries::new(line, 6, 4, TARGET.stroke_width(2)))
                .map_err(fail)?;
        }
        chart
            .configure_series_labels()
            .label_font((FONTS, 11))
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One row of a dot-and-whisker chart.
#[derive(Clone, Debug)]
pub(crate) struct Whisker {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Dots with 95 % whiskers, one row per item, on an axis from `min` to `max`
/// shown as percentages (target probabilities, or their changes).
pub(crate) fn whiskers(title: &str, rows: &[Whisker], min: f64, max: f64) -> ChartResult {
    let mut svg = String::new();
    let height = 70 + 22 * rows.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH + 260, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = rows.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONTS, 15))
            .margin(8)
            .x_label_area_size(26)
            .y_label_area_size(300)
            .build_cartesian_2d(min..max, (0..n).into_segmented())
            .map_err(fail)?;
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => rows
                .get((n - 1 - *i) as usize)
                .map(|r| r.label.clone())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .y_labels(rows.len())
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .label_style((FONTS, 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        for (i, row) in rows.iter().enumerate() {
            let y = || SegmentValue::CenterOf(n - 1 - i as i32);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(row.low, y()), (row.high, y())],
                    BAND.stroke_width(3),
                )))
                .map_err(fail)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (row.value, y()),
                    4,
                    BAND.filled(),
                )))
                .map_err(fail)?;
        }
        if min < 0.0 && max > 0.0 {
            let zero = vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)];
            chart
                .draw_series(std::iter::once(PathElement::new(
                    zero,
                    BLACK.stroke_width(1),
                )))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// A cumulative distribution: `curves` of (x, share of paths ≤ x) with their
/// names, and the target threshold as a vertical line.
pub(crate) fn cdf(
    title: &str,
    curves: &[(String, Vec<(f64, f64)>)],
    threshold: f64,
    percent: bool,
    labels: &Labels,
) -> ChartResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (420, 240)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut xs: Vec<f64> = curves
            .iter()
            .flat_map(|(_, c)| c.iter().map(|p| p.0))
            .collect();
        xs.push(threshold);
        let (lo, hi) = value_range(xs.iter());
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONTS, 13))
            .margin(6)
            .x_label_area_size(24)
            .y_label_area_size(40)
            .build_cartesian_2d(lo..hi, 0.0..1.0)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&|x| format_value(*x, percent))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .y_desc(labels.cumulative)
            .label_style((FONTS, 10))
            .axis_desc_style((FONTS, 10))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        for (i, (name, points)) in curves.iter().enumerate() {
            let color = if i == 0 { BAND } else { OTHER };
            let series = chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(fail)?;
            if curves.len() > 1 {
                series.label(name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            }
        }
        chart
            .draw_series(DashedLineSeries::new(
                vec![(threshold, 0.0), (threshold, 1.0)],
                5,
                4,
                TARGET.stroke_width(2),
            ))
            .map_err(fail)?;
        if curves.len() > 1 {
            chart
                .configure_series_labels()
                .label_font((FONTS, 10))
                .background_style(WHITE.mix(0.8))
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One tornado bar: the outcome with the parameter at its p10 and at its p90.
#[derive(Clone, Debug)]
pub(crate) struct TornadoBar {
    pub label: String,
    pub at_low: f64,
    pub at_high: f64,
}

/// A tornado chart around `base`: a bar per parameter, largest first.
pub(crate) fn tornado(title: &str, base: f64, bars: &[TornadoBar], percent: bool) -> ChartResult {
    let mut svg = String::new();
    let height = 70 + 26 * bars.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH + 200, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut values: Vec<f64> = bars.iter().flat_map(|b| [b.at_low, b.at_high]).collect();
        values.push(base);
        let (lo, hi) = value_range(values.iter());
        let n = bars.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONTS, 14))
            .margin(8)
            .x_label_area_size(26)
            .y_label_area_size(260)
            .build_cartesian_2d(lo..hi, (0..n).into_segmented())
            .map_err(fail)?;
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => bars
                .get((n - 1 - *i) as usize)
                .map(|b| b.label.clone())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .y_labels(bars.len())
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format_value(*x, percent))
            .label_style((FONTS, 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        for (i, bar) in bars.iter().enumerate() {
            let row = n - 1 - i as i32;
            for (end, color) in [(bar.at_low, OTHER), (bar.at_high, BAND)] {
                let mut rect = Rectangle::new(
                    [
                        (base.min(end), SegmentValue::Exact(row)),
                        (base.max(end), SegmentValue::Exact(row + 1)),
                    ],
                    color.mix(0.8).filled(),
                );
                rect.set_margin(4, 4, 0, 0);
                chart.draw_series(std::iter::once(rect)).map_err(fail)?;
            }
        }
        let axis = vec![(base, SegmentValue::Exact(0)), (base, SegmentValue::Last)];
        chart
            .draw_series(std::iter::once(PathElement::new(
                axis,
                BLACK.stroke_width(1),
            )))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One box of a PRIM trajectory on the trade-off chart.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TradeoffPoint {
    pub coverage: f64,
    pub density: f64,
    pub restricted: usize,
    pub selected: bool,
}

/// Colours for the number of restricted inputs (0, 1, 2, … wrapping).
const RESTRICTED: [RGBColor; 8] = [
    RGBColor(150, 150, 150),
    RGBColor(33, 102, 172),
    RGBColor(67, 147, 195),
    RGBColor(27, 120, 55),
    RGBColor(166, 219, 160),
    RGBColor(244, 165, 130),
    RGBColor(214, 96, 77),
    RGBColor(178, 24, 43),
];

/// PRIM's trade-off: each box of a trajectory at (coverage, density),
/// coloured by its number of restricted inputs, the chosen box ringed.
pub(crate) fn tradeoff(title: &str, points: &[TradeoffPoint]) -> ChartResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let top = points.iter().map(|p| p.density).fold(0.0, f64::max);
        let bottom = points.iter().map(|p| p.density).fold(1.0, f64::min);
        let pad = ((top - bottom) * 0.08).max(0.01);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONTS, 14))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..1.02f64, (bottom - pad).max(0.0)..(top + pad).min(1.0))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("coverage")
            .y_desc("density")
            .x_label_formatter(&|x| format_value(*x, true))
            .y_label_formatter(&|y| format_value(*y, true))
            .label_style((FONTS, 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        let most = points.iter().map(|p| p.restricted).max().unwrap_or(0);
        for r in 0..=most {
            let color = RESTRICTED[r.min(RESTRICTED.len() - 1)];
            let series: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.restricted == r)
                .map(|p| (p.coverage, p.density))
                .collect();
            if series.is_empty() {
                continue;
            }
            chart
                .draw_series(
                    series
                        .into_iter()
                        .map(|xy| Circle::new(xy, 4, color.filled())),
                )
                .map_err(fail)?
                .label(format!("{r} restricted"))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|p| p.selected)
                    .map(|p| Circle::new((p.coverage, p.density), 9, BLACK.stroke_width(2))),
            )
            .map_err(fail)?;
        chart
            .configure_series_labels()
            .label_font((FONTS, 11))
            .border_style(RGBColor(200, 200, 200))
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One restricted input of a chosen box: its limits as shares of the
/// data's range (0 the data's minimum, 1 its maximum) and their texts.
#[derive(Clone, Debug)]
pub(crate) struct BoxBar {
    pub label: String,
    pub lower: f64,
    pub upper: f64,
    pub lower_text: String,
    pub upper_text: String,
    /// Kept in the sentence (quasi-p < 0.05).
    pub kept: bool,
}

/// A chosen box: per restricted input, the part of its range the box keeps.
pub(crate) fn box_limits(title: &str, bars: &[BoxBar]) -> ChartResult {
    let mut svg = String::new();
    let height = (80 + 36 * bars.len().max(1) as u32).max(200);
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONTS, 14))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(-0.02..1.02f64, (0..n).into_segmented())
            .map_err(fail)?;
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => bars
                .get((n - 1 - *i) as usize)
                .map(|b| b.label.clone())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .y_labels(bars.len())
            .y_label_formatter(&label_of)
            .x_desc("share of the input's range in the data (0: its minimum, 1: its maximum)")
            .x_label_formatter(&|x| format!("{x:.1}"))
            .label_style((FONTS, 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail)?;
        for (i, bar) in bars.iter().enumerate() {
            let row = n - 1 - i as i32;
            let whole = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (1.0, SegmentValue::Exact(row + 1)),
                ],
                RGBColor(230, 230, 230).filled(),
            );
            let color = if bar.kept {
                BAND
            } else {
                RGBColor(160, 160, 160)
            };
            // A single value kept (a 0/1 flag) still shows, as a sliver.
            let (left, right) = if bar.upper - bar.lower < 0.01 {
                let mid = (bar.lower + bar.upper) / 2.0;
                ((mid - 0.005).max(-0.01), (mid + 0.005).min(1.01))
            } else {
                (bar.lower, bar.upper)
            };
            let mut kept = Rectangle::new(
                [
                    (left, SegmentValue::Exact(row)),
                    (right, SegmentValue::Exact(row + 1)),
                ],
                color.mix(0.85).filled(),
            );
            let mut whole = whole;
            whole.set_margin(6, 6, 0, 0);
            kept.set_margin(6, 6, 0, 0);
            chart.draw_series([whole, kept]).map_err(fail)?;
            chart
                .draw_series([
                    Text::new(
                        bar.lower_text.clone(),
                        (bar.lower, SegmentValue::CenterOf(row)),
                        (FONTS, 10).into_font().color(&BLACK),
                    ),
                    Text::new(
                        bar.upper_text.clone(),
                        (bar.upper, SegmentValue::CenterOf(row)),
                        (FONTS, 10).into_font().color(&BLACK),
                    ),
                ])
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::i18n::{labels, Lang};

    #[test]
    fn charts_are_svg_with_their_text() {
        let fan_data = Fan {
            title: "数字经济 Digital economy".into(),
            unit: "亿元".into(),
            years: (2024..=2027)
                .map(|y| FanYear {
                    year: y,
                    q: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0].map(|v| v * (y - 2020) as f64),
                })
                .collect(),
            base: Some((2023, 10.0)),
            targets: vec![(2027, 20.0)],
            percent: false,
        };
        let svg = fan(&fan_data, None, labels(Lang::Zh)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("数字经济") && svg.contains("中位数"));
        let rows = vec![Whisker {
            label: "GDP ≥ 5 %".into(),
            value: 0.45,
            low: 0.44,
            high: 0.46,
        }];
        assert!(whiskers("t", &rows, 0.0, 1.0)
            .unwrap()
            .contains("GDP ≥ 5 %"));
        let curve = vec![("a".to_string(), vec![(0.0, 0.0), (1.0, 1.0)])];
        assert!(cdf("x", &curve, 0.5, true, labels(Lang::En))
            .unwrap()
            .contains("<svg"));
        let bars = vec![TornadoBar {
            label: "p".into(),
            at_low: 0.3,
            at_high: 0.6,
        }];
        assert!(tornado("t", 0.45, &bars, true).unwrap().contains("<rect"));
    }
}
