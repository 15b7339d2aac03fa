//! A distribution's inverse distribution function made fast enough for the
//! per-path loop: the `[execution]` copula turns one uniform per programme
//! and path into its delivery by `F⁻¹(u)` (docs/model.md, "Execution"), and
//! the inverse of a Beta (every PERT) or a Student t costs microseconds.
//!
//! Closed-form quantiles (normal, lognormal, uniform, triangular, two-piece
//! normal, and their truncations) are used as they are. The others are
//! tabulated once at `CELLS + 1` levels and interpolated by a cubic
//! (Catmull-Rom) inside `[1/256, 1 - 1/256]`; outside it, where the quantile
//! function curves most, the exact quantile is computed. The interpolation
//! error is below 1e-6 of the distribution's spread for the shapes scenarios
//! use (tested).
//!
//! The copula itself never needs the uniform: it maps its latent normal `x`
//! to `F⁻¹(Φ(x))`, a smooth function of `x` for every distribution whose
//! quantile function is smooth. [`NormalScore`] tabulates that composite once
//! over `x` in [-7, 7] (the same cubic on 1024 cells: the composite is far
//! smoother in `x` than a quantile function is in `u`), so that a tied
//! delivery costs one table lookup instead of an error function, a table lookup and,
//! in the outer 1/128 of levels, an exact Beta quantile (about 40 % of a
//! baseline path's simulation before). Outside [-7, 7] (a chance of 2.6e-12 a
//! draw) `F⁻¹(Φ(x))` is computed exactly.

use super::Dist;
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};

/// Cells of a tabulated quantile function.
const CELLS: usize = 4096;
/// Below this level and above one minus it the exact quantile is computed
/// (where a Beta's quantile function curves most); 1/256, so 0.8 % of draws.
const EXACT_TAIL: f64 = 1.0 / 256.0;

/// `F⁻¹` of a continuous distribution, ready for the per-path loop.
#[derive(Clone, Debug)]
pub enum FastInverse {
    /// The distribution's own quantile function (closed form).
    Exact(Dist),
    /// Tabulated quantiles `Q(i / CELLS)`, and the distribution for the ends.
    /// The levels are shared: a table depends only on the distribution, and
    /// tabulating one costs about 6 ms (4097 Beta quantiles), so the tables
    /// of recent distributions are kept ([`TABLE_CACHE`]) for the many runs
    /// of a study or a what-if session that leave most inputs as they are.
    Table {
        /// Built on first use: only sampling designs and given levels
        /// (variance-based sensitivity) ask for `F⁻¹(u)`.
        levels: OnceLock<Arc<[f64]>>,
        dist: Dist,
    },
}

/// Tables kept for reuse, most recent last.
const TABLE_CACHE: usize = 64;

type Tables = Vec<(String, Arc<[f64]>)>;

/// The levels `Q(i / CELLS)` of `dist`, from the cache when it was tabulated
/// lately.
fn tabulated(dist: &Dist) -> Arc<[f64]> {
    cached(format!("{dist:?}"), || {
        let levels: Vec<f64> = (0..=CELLS).map(|i| i as f64 / CELLS as f64).collect();
        ascending_quantiles(dist, &levels).into()
    })
}

/// Levels a [`BetaSweep`] walks through from one cold start: the runs are
/// fixed, so the same bits come out on any number of threads.
const SWEEP_RUN: usize = 64;

/// `dist.quantile(level)` for every level of `levels` (ascending), on all
/// cores. A Beta's (every PERT's) come from a [`BetaSweep`] per run of
/// [`SWEEP_RUN`] levels: Newton's method started from the quantile before,
/// a few times faster than solving each level afresh.
fn ascending_quantiles(dist: &Dist, levels: &[f64]) -> Vec<f64> {
    let beta = dist
        .scaled_beta()
        // Shapes of at least 1 (every PERT): a bounded density, where Newton's
        // steps settle. Others (and shapes a huge range made NaN) level by level.
        .filter(|&(alpha, beta, _, _)| {
            alpha >= 1.0 && beta >= 1.0 && alpha.is_finite() && beta.is_finite()
        });
    levels
        .par_chunks(SWEEP_RUN)
        .flat_map_iter(|run| -> Vec<f64> {
            match beta {
                Some((alpha, beta, min, max)) => {
                    let mut sweep = BetaSweep::new(alpha, beta);
                    run.iter()
                        .map(|&level| min + (max - min) * sweep.quantile(level))
                        .collect()
                }
                None => run.iter().map(|&level| dist.quantile(level)).collect(),
            }
        })
        .collect()
}

/// Quantiles of Beta(α, β) on [0, 1] at ascending levels, each solved by
/// Newton's method on `I_y(α, β) = p` (the regularized incomplete beta
/// function, statrs) from the last quantile moved by the quantile
/// function's Taylor series to second order, and stopped once Newton's own
/// error estimate `(f'/2f) step²` is below a quarter ulp. A table of 1,025
/// levels of PERT(0.8, 1.0, 1.3) on one thread: 385 µs, against 760 µs
/// solving each level from scratch (AS 109, statrs' `inv_beta_reg`), which
/// is still used for the first level and wherever a step would leave
/// (0, 1) or fails to settle. Levels are clamped to [1e-12, 1 - 1e-12] as in
/// [`Dist::quantile`]; the result agrees with it within 1e-11 of the spread
/// plus what the level's own rounding allows, and is closer to exact
/// (tested). Only for shapes α, β ≥ 1.
struct BetaSweep {
    alpha: f64,
    beta: f64,
    ln_beta: f64,
    last: Option<(f64, f64)>,
}

impl BetaSweep {
    fn new(alpha: f64, beta: f64) -> Self {
        use statrs::function::gamma::ln_gamma;
        BetaSweep {
            alpha,
            beta,
            ln_beta: ln_gamma(alpha) + ln_gamma(beta) - ln_gamma(alpha + beta),
            last: None,
        }
    }

    /// The density at `y` in (0, 1).
    fn density(&self, y: f64) -> f64 {
        ((self.alpha - 1.0) * y.ln() + (self.beta - 1.0) * (-y).ln_1p() - self.ln_beta).exp()
    }

    /// The quantile at `level`, which is at least the last one's.
    fn quantile(&mut self, level: f64) -> f64 {
        let p = level.clamp(1e-12, 1.0 - 1e-12);
        // The quantile function's Taylor series to second order from the
        // last level: y' = 1/f, y'' = -f'/f³.
        let warm = self.last.and_then(|(last_p, last_y)| {
            let first = (p - last_p) / self.density(last_y);
            let curvature = (self.alpha - 1.0) / last_y - (self.beta - 1.0) / (1.0 - last_y);
            self.newton(p, last_y + first - 0.5 * curvature * first * first)
        });
        let y =
            warm.unwrap_or_else(|| statrs::function::beta::inv_beta_reg(self.alpha, self.beta, p));
        self.last = Some((p, y));
        y
    }

    /// Newton's method from `start`; `None` when it leaves (0, 1) or has not
    /// settled (a step below 1e-14 relative) within eight steps.
    fn newton(&self, p: f64, start: f64) -> Option<f64> {
        let mut y = start;
        for _ in 0..8 {
            if !(y > 0.0 && y < 1.0) {
                return None;
            }
            let cdf = statrs::function::beta::checked_beta_reg(self.alpha, self.beta, y).ok()?;
            let step = (cdf - p) / self.density(y);
            if !step.is_finite() {
                return None;
            }
            let next = y - step;
            // Newton's error after a step is about (f' / 2f) step²: once
            // that is below a quarter ulp, the step itself is the last.
            let curvature = 0.5 * ((self.alpha - 1.0) / y - (self.beta - 1.0) / (1.0 - y));
            if step.abs() <= 1e-14 * next.abs()
                || (curvature * step * step).abs() <= 2.5e-17 * next.abs()
            {
                return (next > 0.0 && next < 1.0).then_some(next);
            }
            y = next;
        }
        None
    }
}

/// The table `make` builds for `key`, from the cache when it was built
/// lately. A key is a distribution's parameters written out in full (`{:?}`
/// of an `f64` is its shortest exact form), so a hit is the same
/// distribution and the same table, bit for bit.
fn cached(key: String, make: impl FnOnce() -> Arc<[f64]>) -> Arc<[f64]> {
    static CACHE: std::sync::Mutex<Tables> = std::sync::Mutex::new(Vec::new());
    let lock = || {
        CACHE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if let Some((_, levels)) = lock().iter().find(|(k, _)| *k == key) {
        return levels.clone();
    }
    let levels = make();
    let mut cache = lock();
    if cache.len() >= TABLE_CACHE {
        cache.remove(0);
    }
    cache.push((key, levels.clone()));
    levels
}

/// Whether `dist.quantile` is a cheap closed form.
fn has_closed_form(dist: &Dist) -> bool {
    matches!(
        dist.untruncated(),
        Dist::Fixed { .. }
            | Dist::Normal { .. }
            | Dist::LogNormal { .. }
            | Dist::Uniform { .. }
            | Dist::Triangular { .. }
            | Dist::TwoPieceNormal { .. }
    )
}

impl FastInverse {
    /// Prepares `F⁻¹` of `dist`.
    pub(crate) fn new(dist: &Dist) -> Self {
        if has_closed_form(dist) {
            return FastInverse::Exact(dist.clone());
        }
        FastInverse::Table {
            levels: OnceLock::new(),
            dist: dist.clone(),
        }
    }

    /// `F⁻¹(u)` for `u` in (0, 1).
    #[inline]
    pub(crate) fn quantile(&self, u: f64) -> f64 {
        match self {
            FastInverse::Exact(dist) => dist.quantile(u),
            FastInverse::Table { levels, dist } => {
                if !(EXACT_TAIL..1.0 - EXACT_TAIL).contains(&u) {
                    return dist.quantile(u);
                }
                let levels = levels.get_or_init(|| tabulated(dist));
                catmull_rom(levels, u * CELLS as f64)
            }
        }
    }
}

/// The Catmull-Rom cubic through the four nodes around position `x` of
/// `nodes` (node `i` at position `i`); `1 <= x < nodes.len() - 2`.
#[inline]
fn catmull_rom(nodes: &[f64], x: f64) -> f64 {
    let cell = x as usize;
    let t = x - cell as f64;
    let (p0, p1, p2, p3) = (
        nodes[cell - 1],
        nodes[cell],
        nodes[cell + 1],
        nodes[cell + 2],
    );
    let (m1, m2) = ((p2 - p0) / 2.0, (p3 - p1) / 2.0);
    let (t2, t3) = (t * t, t * t * t);
    (2.0 * t3 - 3.0 * t2 + 1.0) * p1
        + (t3 - 2.0 * t2 + t) * m1
        + (-2.0 * t3 + 3.0 * t2) * p2
        + (t3 - t2) * m2
}

/// Half the range of latent normals a [`NormalScore`] table covers: `Φ(-7)`
/// is 1.3e-12, just above the level (1e-12) at which [`Dist::quantile`]
/// clamps, so that the composite has no kink inside the table.
const NORMAL_RANGE: f64 = 7.0;
/// The same for a Student t, whose quantiles grow like `u^(-1/df)` far out
/// and would miss by more than 1e-6 of the spread beyond it; `|x| > 5` is a
/// chance of 5.7e-7 a draw, computed exactly.
const STUDENT_T_RANGE: f64 = 5.0;
/// Cells of a [`NormalScore`] table.
const NORMAL_CELLS: usize = 1024;

/// `Φ(x)`, the standard normal distribution function, kept inside (0, 1).
#[inline]
pub(crate) fn standard_normal_cdf(x: f64) -> f64 {
    (0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2))
        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
}

/// `Φ⁻¹(u)`, the standard normal quantile, by Wichura's algorithm AS 241
/// (PPND16: Applied Statistics 37(3), 1988, 477-484): a rational function
/// of `u - 1/2` in the centre (|u - 1/2| ≤ 0.425) and of `√(-ln u)` (or of
/// `1 - u`) in the tails, relative error about 1e-16 for every `u` a double
/// holds. It replaced statrs' inverse error function (they agree within
/// 4e-15 relative, tested below), which took a quarter of a small model's
/// Latin hypercube run: every design draws one per input and year. `u` at or beyond 0 or 1
/// gives -∞ or +∞; NaN gives NaN. The coefficients are written as the
/// paper prints them (20 digits), so that they can be checked against it.
#[inline]
#[allow(clippy::excessive_precision)]
pub(crate) fn standard_normal_quantile(u: f64) -> f64 {
    /// `(Σ num[i] r^i) / (1 + Σ den[i] r^(i+1))`, by Horner's rule.
    #[inline(always)]
    fn ratio(num: &[f64; 8], den: &[f64; 7], r: f64) -> f64 {
        let mut top = num[7];
        let mut bottom = den[6];
        for i in (0..7).rev() {
            top = top * r + num[i];
        }
        for i in (0..6).rev() {
            bottom = bottom * r + den[i];
        }
        top / (bottom * r + 1.0)
    }
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 7] = [
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 7] = [
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 7] = [
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    let q = u - 0.5;
    if q.abs() <= 0.425 {
        return q * ratio(&A, &B, 0.180_625 - q * q);
    }
    // The smaller tail's probability: exact for u in [1/2, 1) (Sterbenz).
    let tail = if q < 0.0 { u } else { 1.0 - u };
    if tail.is_nan() {
        return f64::NAN;
    }
    let magnitude = if tail <= 0.0 {
        f64::INFINITY
    } else {
        let r = (-tail.ln()).sqrt();
        if r <= 5.0 {
            ratio(&C, &D, r - 1.6)
        } else {
            ratio(&E, &F, r - 5.0)
        }
    };
    if q < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// `x ↦ F⁻¹(Φ(x))` of a distribution: the value a latent standard normal `x`
/// of the `[execution]` copula delivers (docs/model.md, "Execution").
#[derive(Clone, Debug)]
pub enum NormalScore {
    /// `mean + sd x`: a normal's own quantile function, exactly.
    Normal { mean: f64, sd: f64 },
    /// `exp(mu + sigma x)`: a lognormal's, exactly.
    LogNormal { mu: f64, sigma: f64 },
    /// `F⁻¹(Φ(x))` tabulated at `x = -7 + 14 i / NORMAL_CELLS` (±5 for a
    /// Student t, see [`STUDENT_T_RANGE`]; a smooth function of `x` for these
    /// distributions), interpolated by the cubic.
    Table {
        values: Arc<[f64]>,
        /// The table's nodes lie at `-range + i / cells_per_unit`.
        range: f64,
        /// `NORMAL_CELLS / (2 range)`, kept so that a lookup multiplies.
        cells_per_unit: f64,
        dist: Dist,
    },
    /// `F⁻¹(Φ(x))` computed each time: quantile functions with a kink in
    /// their second derivative (triangular, two-piece normal), where a cubic
    /// through the kink would miss by more than the tables' 1e-6 of the spread.
    Exact(Dist),
}

/// Whether `F⁻¹(Φ(x))` of `dist` is smooth enough in `x` to tabulate.
fn smooth_in_normal_space(dist: &Dist) -> bool {
    matches!(
        dist.untruncated(),
        Dist::Normal { .. }
            | Dist::LogNormal { .. }
            | Dist::StudentT { .. }
            | Dist::Uniform { .. }
            | Dist::Pert { .. }
            | Dist::Beta { .. }
    )
}

impl NormalScore {
    /// Prepares `F⁻¹(Φ(·))` of `dist`.
    pub(crate) fn new(dist: &Dist) -> Self {
        match *dist {
            Dist::Normal { mean, sd } => NormalScore::Normal { mean, sd },
            Dist::LogNormal { mu, sigma } => NormalScore::LogNormal { mu, sigma },
            ref other if smooth_in_normal_space(other) => {
                let range = if matches!(other.untruncated(), Dist::StudentT { .. }) {
                    STUDENT_T_RANGE
                } else {
                    NORMAL_RANGE
                };
                NormalScore::Table {
                    values: cached(format!("normal score {other:?}"), || {
                        let levels: Vec<f64> = (0..=NORMAL_CELLS)
                            .map(|i| {
                                let x = -range + 2.0 * range * i as f64 / NORMAL_CELLS as f64;
                                standard_normal_cdf(x)
                            })
                            .collect();
                        ascending_quantiles(other, &levels).into()
                    }),
                    range,
                    cells_per_unit: NORMAL_CELLS as f64 / (2.0 * range),
                    dist: other.clone(),
                }
            }
            ref other => NormalScore::Exact(other.clone()),
        }
    }

    /// `F⁻¹(Φ(x))`.
    #[inline]
    pub(crate) fn at(&self, x: f64) -> f64 {
        match self {
            NormalScore::Normal { mean, sd } => mean + sd * x,
            NormalScore::LogNormal { mu, sigma } => (mu + sigma * x).exp(),
            NormalScore::Table {
                values,
                range,
                cells_per_unit,
                dist,
            } => {
                let position = (x + range) * cells_per_unit;
                // Not `contains`: a NaN falls through to the exact branch.
                if position >= 1.0 && position < (NORMAL_CELLS - 1) as f64 {
                    catmull_rom(values, position)
                } else {
                    dist.quantile(standard_normal_cdf(x))
                }
            }
            NormalScore::Exact(dist) => dist.quantile(standard_normal_cdf(x)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PERT(min, mode, max) with the usual λ = 4.
    fn pert(min: f64, mode: f64, max: f64) -> Dist {
        Dist::Pert {
            min,
            mode,
            max,
            lambda: 4.0,
        }
    }

    /// Beta(α, β) on [0, 1].
    fn beta(alpha: f64, beta: f64) -> Dist {
        Dist::Beta {
            alpha,
            beta,
            min: 0.0,
            max: 1.0,
        }
    }

    /// The sweep's Beta quantiles are statrs' (solved level by level) within
    /// 1e-11 of the spread plus what the level's own rounding allows (16
    /// ulps of the level over the density: near a level of 1 - 1e-7 no
    /// solver can tell apart quantiles 1e-9 of the spread apart), and solve
    /// `I_y = p` at least as closely (within 1e-13 of the level, about what
    /// `I` itself is accurate to), at the
    /// levels both tables use, for PERT shapes from symmetric to strongly
    /// skewed, Betas with a shape of 1 and below. (statrs' AS 109 stops early for
    /// some shapes: for Beta(30, 40) at 0.128, 40-digit arithmetic puts its
    /// quantile 8.1e-14 off and the sweep's 1.8e-15.)
    #[test]
    fn beta_sweeps_agree_with_solving_each_level() {
        let dists = [
            pert(0.8, 1.0, 1.3),
            pert(0.5, 0.52, 1.5),
            pert(0.30, 0.50, 0.75),
            pert(0.85, 1.20, 2.20),
            pert(0.0, 1.0, 1.0),
            beta(2.0, 5.0),
            beta(1.0, 3.0),
            beta(30.0, 40.0),
            // Shapes below 1 are solved level by level: the same numbers.
            beta(0.5, 0.5),
            beta(0.3, 5.0),
        ];
        let mut levels: Vec<f64> = (0..=NORMAL_CELLS)
            .map(|i| {
                standard_normal_cdf(
                    -NORMAL_RANGE + 2.0 * NORMAL_RANGE * i as f64 / NORMAL_CELLS as f64,
                )
            })
            .collect();
        levels.extend((0..=CELLS).map(|i| i as f64 / CELLS as f64));
        for dist in &dists {
            let spread = dist.quantile(0.75) - dist.quantile(0.25);
            for run in [&levels[..=NORMAL_CELLS], &levels[NORMAL_CELLS + 1..]] {
                let swept = ascending_quantiles(dist, run);
                let (alpha, beta, min, max) = dist.scaled_beta().expect("a Beta or a PERT");
                let sweep = BetaSweep::new(alpha, beta);
                for (&level, &got) in run.iter().zip(&swept) {
                    let want = dist.quantile(level);
                    let y = ((want - min) / (max - min)).clamp(1e-300, 1.0 - 1e-16);
                    let rounding = 16.0 * f64::EPSILON / sweep.density(y) * (max - min);
                    assert!(
                        (got - want).abs() <= 1e-11 * spread + rounding,
                        "{dist:?} at level {level:e}: {got} against {want}"
                    );
                    let p = level.clamp(1e-12, 1.0 - 1e-12);
                    let residual = |value: f64| {
                        let y = (value - min) / (max - min);
                        (statrs::function::beta::beta_reg(alpha, beta, y) - p).abs()
                    };
                    assert!(
                        residual(got) <= residual(want) + 1e-13 * p,
                        "{dist:?} at level {level:e}: residual {:e} against {:e}",
                        residual(got),
                        residual(want)
                    );
                }
            }
        }
    }

    /// AS 241 against statrs' inverse error function, the implementation it
    /// replaced, from the centre to the smallest normal double in the lower
    /// tail and to 1 - 2^-53 in the upper: the same to 4e-15 relative (a few
    /// units in the last place), and exact symmetry about 1/2.
    #[test]
    fn the_normal_quantile_agrees_with_the_inverse_error_function() {
        let reference =
            |u: f64| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u);
        let mut levels: Vec<f64> = (1..10_000).map(|k| k as f64 / 10_000.0).collect();
        levels.extend((1..=307).map(|k| 10f64.powi(-k)));
        levels.extend((1..=53).map(|k| 1.0 - 2f64.powi(-k)));
        levels.extend([
            0.075,
            0.925,
            0.074_999_999,
            0.925_000_001,
            f64::MIN_POSITIVE,
        ]);
        let mut worst = (0.0f64, 0.0);
        for &u in &levels {
            let (ours, theirs) = (standard_normal_quantile(u), reference(u));
            let error = if theirs == 0.0 {
                ours.abs()
            } else {
                ((ours - theirs) / theirs).abs()
            };
            if error > worst.0 {
                worst = (error, u);
            }
        }
        assert!(
            worst.0 < 4e-15,
            "relative difference {:e} at u = {:e}",
            worst.0,
            worst.1
        );
        for k in 1..1024 {
            let u = k as f64 / 2048.0;
            assert_eq!(
                standard_normal_quantile(u),
                -standard_normal_quantile(1.0 - u)
            );
        }
        assert_eq!(standard_normal_quantile(0.5), 0.0);
        assert_eq!(standard_normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(standard_normal_quantile(1.0), f64::INFINITY);
        assert!(standard_normal_quantile(f64::NAN).is_nan());
    }

    #[test]
    fn normal_scores_are_within_a_millionth_of_the_spread() {
        let dists = [
            pert(0.8, 1.0, 1.3),
            pert(0.5, 0.52, 1.5),
            pert(0.30, 0.50, 0.75),
            pert(0.85, 1.20, 2.20),
            Dist::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 1.0,
            },
            Dist::Beta {
                alpha: 0.5,
                beta: 0.7,
                min: 0.0,
                max: 1.0,
            },
            Dist::StudentT {
                df: 4.0,
                location: 1.0,
                scale: 0.1,
            },
            Dist::Uniform { min: 0.9, max: 1.1 },
            Dist::Normal {
                mean: 0.98,
                sd: 0.07,
            },
            Dist::LogNormal {
                mu: 0.0,
                sigma: 0.2,
            },
            Dist::Truncated {
                inner: Box::new(Dist::Normal {
                    mean: 0.98,
                    sd: 0.07,
                }),
                lower: 0.6,
                upper: 1.3,
            },
            Dist::Triangular {
                min: 0.8,
                mode: 1.0,
                max: 1.1,
            },
        ];
        for dist in &dists {
            let score = NormalScore::new(dist);
            let spread = dist.quantile(0.999) - dist.quantile(0.001);
            // Inside the tables and at their lower edge. Beyond ±7,
            // `Dist::quantile` clamps its level at 1e-12 and a closed form
            // does not; above 6, `Φ(x)` is within 1e-9 of 1 and the
            // reference itself loses digits (1 - Φ(x) to about 1e-7).
            for i in 0..=40_000 {
                let x = -7.0 + 13.0 * i as f64 / 40_000.0 - 1.234e-5;
                let exact = dist.quantile(standard_normal_cdf(x));
                let error = (score.at(x) - exact).abs();
                // 1024 cells: at most 1.8e-7 of the spread over these shapes.
                assert!(error < 1e-6 * spread, "{dist:?} at {x}: {error}");
            }
        }
    }

    #[test]
    fn tabulated_quantiles_are_within_a_millionth_of_the_spread() {
        let dists = [
            Dist::Pert {
                min: 0.8,
                mode: 1.0,
                max: 1.3,
                lambda: 4.0,
            },
            Dist::Pert {
                min: 0.5,
                mode: 0.52,
                max: 1.5,
                lambda: 4.0,
            },
            Dist::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 1.0,
            },
            Dist::StudentT {
                df: 4.0,
                location: 1.0,
                scale: 0.1,
            },
        ];
        for dist in &dists {
            let fast = FastInverse::new(dist);
            let spread = dist.quantile(0.999) - dist.quantile(0.001);
            for i in 1..10_000 {
                let u = i as f64 / 10_000.0 + 1.234e-5;
                let error = (fast.quantile(u) - dist.quantile(u)).abs();
                assert!(error < 1e-6 * spread, "{dist:?} at {u}: {error}");
            }
        }
    }
}
