//! Streaming statistics: what the engine keeps of each metric instead of the
//! paths themselves, so memory does not grow with the number of paths.

pub(crate) mod difference;
pub(crate) mod moments;
pub(crate) mod nearest_correlation;
pub(crate) mod sketch;
pub(crate) mod wilson;

pub(crate) use moments::Moments;
pub(crate) use sketch::QuantileSketch;
pub(crate) use wilson::wilson_interval;

/// The quantile levels every result set reports, with their names in `summary.json`.
pub(crate) const QUANTILE_LEVELS: [(&str, f64); 9] = [
    ("p1", 0.01),
    ("p5", 0.05),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
];
