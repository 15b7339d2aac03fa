//! The Patient Rule Induction Method (Friedman & Fisher 1999), as the EMA
//! Workbench describes it for scenario discovery (Bryant & Lempert 2010),
//! written from the description: peel a box of input limits a little at a
//! time towards the points where the cases of interest are densest, paste
//! back what pays, and judge each limit by a quasi-p-value. Pure: columns of
//! numbers and a 0/1 outcome in, boxes out; no files, no randomness.
//!
//! Definitions used throughout, for a box B over N points with K cases:
//! `n` points inside, `k` cases inside, coverage `k / K`, density `k / n`,
//! mass `n / N`. A point is inside when `lo_j ≤ x_j ≤ hi_j` for every input j.

use serde::Serialize;

/// PRIM's tuning: the share of a box's points one peel removes, the share
/// of its points one paste adds, and the least mass a box may keep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub peel_alpha: f64,
    pub paste_alpha: f64,
    pub mass_min: f64,
}

impl Default for Options {
    /// The EMA Workbench's defaults: 0.05, 0.05, 0.05.
    fn default() -> Self {
        Options {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// The data PRIM works on: `columns[j][i]` is input j of point i, finite;
/// `discrete[j]` when input j takes only whole numbers (its limits then
/// snap to values in the data); `y[i]` whether point i is a case of interest.
#[derive(Clone, Copy, Debug)]
pub struct Data<'a> {
    pub columns: &'a [Vec<f64>],
    pub discrete: &'a [bool],
    pub y: &'a [bool],
}

impl Data<'_> {
    /// Number of points.
    pub fn points(&self) -> usize {
        self.y.len()
    }

    /// Whether point `i` lies inside `limits`.
    fn inside(&self, limits: &[[f64; 2]], i: usize) -> bool {
        self.columns
            .iter()
            .zip(limits)
            .all(|(x, [lo, hi])| x[i] >= *lo && x[i] <= *hi)
    }

    /// Points and cases of `rows` inside `limits`.
    pub fn count(&self, rows: &[u32], limits: &[[f64; 2]]) -> (usize, usize) {
        let mut n = 0;
        let mut k = 0;
        for &i in rows {
            if self.inside(limits, i as usize) {
                n += 1;
                k += usize::from(self.y[i as usize]);
            }
        }
        (n, k)
    }
}

/// How a box of the trajectory was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The box around all the data PRIM was given.
    Start,
    Peel,
    Paste,
}

/// One box of a trajectory and its statistics (see the module's definitions;
/// coverage and mass are of all the data, also for a second box).
#[derive(Clone, Debug, PartialEq)]
pub struct PrimBox {
    pub n: usize,
    pub k: usize,
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    /// `[lo, hi]` of every input.
    pub limits: Vec<[f64; 2]>,
    pub step: Step,
}

impl PrimBox {
    /// Whether input `j`'s lower (`side` 0) or upper (1) limit is tighter
    /// than the data's own, `initial`.
    pub fn restricts(&self, initial: &[[f64; 2]], j: usize, side: usize) -> bool {
        match side {
            0 => self.limits[j][0] > initial[j][0],
            _ => self.limits[j][1] < initial[j][1],
        }
    }

    /// The inputs with at least one restricted limit, in input order.
    pub fn restricted(&self, initial: &[[f64; 2]]) -> Vec<usize> {
        (0..self.limits.len())
            .filter(|&j| self.restricts(initial, j, 0) || self.restricts(initial, j, 1))
            .collect()
    }
}

/// A peeling and pasting trajectory: the boxes from the whole data to the
/// last one accepted, and the data's own limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub boxes: Vec<PrimBox>,
    /// Min and max of every input over the points PRIM was given.
    pub initial: Vec<[f64; 2]>,
}

/// The `q` quantile of sorted `values` by the Workbench's rule, which moves
/// past ties so that a peel removes all points equal to its edge value:
/// `i = (len - 1) q`; below the median, from `⌊i⌋` up to the next value
/// differing from it, above it from `⌈i⌉` down; the midpoint of the two.
/// On `0, 1, …, 9`: q 0.9 → 8.5 and q 0.1 → 0.5. `values` must not be empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    quantile_by(values.len(), |i| values[i], q)
}

/// [`quantile`] over `len` sorted values read through `at`.
fn quantile_by(len: usize, at: impl Fn(usize) -> f64, q: f64) -> f64 {
    let i = (len - 1) as f64 * q;
    let (mut lower, mut upper) = (i.floor() as usize, i.ceil() as usize);
    if q > 0.5 {
        while at(lower) == at(upper) && lower > 0 {
            lower -= 1;
        }
    } else {
        while at(lower) == at(upper) && upper < len - 1 {
            upper += 1;
        }
    }
    let (a, b) = (at(lower), at(upper));
    // (a + b) / 2 as the Workbench computes it, unless the sum overflows.
    match (a + b) / 2.0 {
        mid if mid.is_finite() => mid,
        _ => a + (b - a) / 2.0,
    }
}

/// The quasi-p-value of one limit: how likely a box of `n` points drawn at
/// the density `k_without / n_without` of the box without that limit would
/// hold at least `k` cases, P(Bin(n, p) ≥ k), a one-sided binomial test
/// (computed as the regularised incomplete beta I_p(k, n − k + 1)).
pub fn quasi_p(n: usize, k: usize, n_without: usize, k_without: usize) -> f64 {
    if k == 0 || n_without == 0 {
        return 1.0;
    }
    let p = k_without as f64 / n_without as f64;
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    statrs::function::beta::beta_reg(k as f64, (n - k + 1) as f64, p).clamp(0.0, 1.0)
}

/// Finds one box by peeling, then pasting, over the points `rows` of `data`
/// (all of them for a first box; those left outside the earlier boxes for
/// a later one). `all_points` and `all_cases` are N and K of the whole data,
/// for coverage and mass. `sorted[j]` is `rows` sorted by input j (ties by
/// row), see [`sort_rows`]; it is consumed.
pub fn find_box(
    data: &Data<'_>,
    rows: &[u32],
    sorted: Vec<Vec<u32>>,
    all_points: usize,
    all_cases: usize,
    options: &Options,
) -> Trajectory {
    let d = data.columns.len();
    let initial: Vec<[f64; 2]> = (0..d)
        .map(|j| match (sorted[j].first(), sorted[j].last()) {
            (Some(&a), Some(&b)) => [data.columns[j][a as usize], data.columns[j][b as usize]],
            _ => [f64::NEG_INFINITY, f64::INFINITY],
        })
        .collect();
    let stats = |n: usize, k: usize, limits: Vec<[f64; 2]>, step: Step| PrimBox {
        n,
        k,
        coverage: k as f64 / all_cases.max(1) as f64,
        density: if n > 0 { k as f64 / n as f64 } else { 0.0 },
        mass: n as f64 / all_points.max(1) as f64,
        limits,
        step,
    };
    let k0 = rows.iter().filter(|&&i| data.y[i as usize]).count();
    let mut boxes = vec![stats(rows.len(), k0, initial.clone(), Step::Start)];
    let mut peeler = Peeler {
        data,
        sorted,
        inside: vec![false; data.points()],
        initial: &initial,
    };
    for &i in rows {
        peeler.inside[i as usize] = true;
    }
    while let Some((n, k, limits)) = boxes
        .last()
        .and_then(|b| peeler.peel(b, options, all_points))
    {
        boxes.push(stats(n, k, limits, Step::Peel));
    }
    while let Some((n, k, limits)) = boxes
        .last()
        .and_then(|b| paste(data, rows, &initial, b, options, all_points))
    {
        boxes.push(stats(n, k, limits, Step::Paste));
    }
    Trajectory { boxes, initial }
}

/// `rows` sorted by each input in turn (ties by row number, so the order,
/// and everything PRIM does with it, is deterministic).
pub fn sort_rows(data: &Data<'_>, rows: &[u32]) -> Vec<Vec<u32>> {
    use rayon::prelude::*;
    data.columns
        .par_iter()
        .map(|x| {
            let mut order = rows.to_vec();
            order
                .sort_unstable_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]).then(a.cmp(&b)));
            order
        })
        .collect()
}

/// Keeps, per input, the box's points sorted by that input, so that a peel
/// candidate costs a quantile lookup and a walk over the points it removes.
struct Peeler<'a, 'd> {
    data: &'a Data<'d>,
    sorted: Vec<Vec<u32>>,
    inside: Vec<bool>,
    initial: &'a [[f64; 2]],
}

/// A candidate peel: input, side (0 lower, 1 upper), the new limit, the
/// points and cases it removes, and its objective.
struct Peel {
    input: usize,
    side: usize,
    limit: f64,
    removed: usize,
    removed_cases: usize,
    objective: f64,
    restricted: usize,
}

impl Peeler<'_, '_> {
    /// The next peel of `current` if one is accepted: the candidate with the
    /// largest gain in density per point removed, (mean_new − mean_old) /
    /// (n_old − n_new) ("lenient 1"), ties to the box restricting fewer
    /// inputs; accepted while the box keeps a mass of at least `mass_min`
    /// and the gain is positive. Returns the new box's n, k and limits.
    fn peel(
        &mut self,
        current: &PrimBox,
        options: &Options,
        all_points: usize,
    ) -> Option<(usize, usize, Vec<[f64; 2]>)> {
        let (n, k) = (current.n, current.k);
        if n < 2 {
            return None;
        }
        let restricted_now = current.restricted(self.initial).len();
        let mean_old = k as f64 / n as f64;
        let mut best: Option<Peel> = None;
        // The Workbench's order, which settles exact ties (the first wins):
        // decimal inputs before whole-number ones, the upper side first.
        for j in workbench_order(self.data.discrete) {
            let x = &self.data.columns[j];
            let order = &self.sorted[j];
            let at = |i: usize| x[order[i] as usize];
            for side in [1, 0] {
                let discrete = self.data.discrete[j];
                let (limit, removed, removed_cases) = if side == 0 {
                    let mut bound = quantile_by(n, at, options.peel_alpha);
                    // Whole numbers: truncate the edge; at the current limit, peel that value.
                    let removed = if discrete {
                        bound = bound.trunc();
                        if bound == current.limits[j][0] {
                            order.partition_point(|&i| x[i as usize] <= bound)
                        } else {
                            order.partition_point(|&i| x[i as usize] < bound)
                        }
                    } else {
                        order.partition_point(|&i| x[i as usize] < bound)
                    };
                    let limit = match discrete {
                        true if removed < n => at(removed),
                        _ => bound,
                    };
                    let cases = order[..removed]
                        .iter()
                        .filter(|&&i| self.data.y[i as usize])
                        .count();
                    (limit, removed, cases)
                } else {
                    let mut bound = quantile_by(n, at, 1.0 - options.peel_alpha);
                    let kept = if discrete {
                        bound = bound.trunc();
                        if bound == current.limits[j][1] {
                            order.partition_point(|&i| x[i as usize] < bound)
                        } else {
                            order.partition_point(|&i| x[i as usize] <= bound)
                        }
                    } else {
                        order.partition_point(|&i| x[i as usize] <= bound)
                    };
                    let limit = match discrete {
                        true if kept > 0 => at(kept - 1),
                        _ => bound,
                    };
                    let cases = order[kept..]
                        .iter()
                        .filter(|&&i| self.data.y[i as usize])
                        .count();
                    (limit, n - kept, cases)
                };
                if removed == 0 || removed >= n {
                    continue;
                }
                let mean_new = (k - removed_cases) as f64 / (n - removed) as f64;
                let objective = (mean_new - mean_old) / removed as f64;
                let was_restricted =
                    current.restricts(self.initial, j, 0) || current.restricts(self.initial, j, 1);
                let restricted = restricted_now + usize::from(!was_restricted);
                let better = match &best {
                    None => true,
                    Some(b) => {
                        objective > b.objective
                            || (objective == b.objective && restricted < b.restricted)
                    }
                };
                if better {
                    best = Some(Peel {
                        input: j,
                        side,
                        limit,
                        removed,
                        removed_cases,
                        objective,
                        restricted,
                    });
                }
            }
        }
        let best = best?;
        let n_new = n - best.removed;
        let mass_new = n_new as f64 / all_points as f64;
        let mass_old = n as f64 / all_points as f64;
        if !(mass_new >= options.mass_min && mass_new < mass_old && best.objective > 0.0) {
            return None;
        }
        let mut limits = current.limits.clone();
        limits[best.input][best.side] = best.limit;
        // The peeled points leave every sorted list.
        let order = &self.sorted[best.input];
        let gone = if best.side == 0 {
            &order[..best.removed]
        } else {
            &order[n - best.removed..]
        };
        for &i in gone {
            self.inside[i as usize] = false;
        }
        let inside = &self.inside;
        for order in &mut self.sorted {
            order.retain(|&i| inside[i as usize]);
        }
        Some((n_new, k - best.removed_cases, limits))
    }
}

/// The next paste of `current` if one is accepted, as the Workbench pastes:
/// for each restricted limit, the points of `rows` inside every other limit
/// and between the data's edge and this limit (the limit's value included)
/// are the candidates; the new limit is their `1 − paste_alpha` quantile
/// below the box, their `paste_alpha` quantile above it ([`quantile`];
/// truncated to a whole number for a discrete input). The candidate with the
/// largest gain in density per point added, (mean_new − mean_old) /
/// (n_new − n_old), wins, ties to fewer restricted inputs; accepted while
/// mass and density grow.
fn paste(
    data: &Data<'_>,
    rows: &[u32],
    initial: &[[f64; 2]],
    current: &PrimBox,
    options: &Options,
    all_points: usize,
) -> Option<(usize, usize, Vec<[f64; 2]>)> {
    let (n, k) = (current.n, current.k);
    if n == 0 {
        return None;
    }
    let restricted = current.restricted(initial);
    let mean_old = k as f64 / n as f64;
    let mut best: Option<(f64, usize, usize, Vec<[f64; 2]>)> = None;
    for j in workbench_order(data.discrete).filter(|j| restricted.contains(j)) {
        let x = &data.columns[j];
        for side in 0..2 {
            if !current.restricts(initial, j, side) {
                continue;
            }
            let mut reach = current.limits.clone();
            reach[j] = match side {
                0 => [initial[j][0], current.limits[j][0]],
                _ => [current.limits[j][1], initial[j][1]],
            };
            let mut values: Vec<f64> = rows
                .iter()
                .filter(|&&i| data.inside(&reach, i as usize))
                .map(|&i| x[i as usize])
                .collect();
            let mut limit = initial[j][side];
            if !values.is_empty() {
                values.sort_unstable_by(f64::total_cmp);
                let q = match side {
                    0 => 1.0 - options.paste_alpha,
                    _ => options.paste_alpha,
                };
                limit = quantile(&values, q);
            }
            if data.discrete[j] {
                limit = limit.trunc();
            }
            let mut limits = current.limits.clone();
            limits[j][side] = limit;
            let (n_new, k_new) = data.count(rows, &limits);
            if n_new <= n {
                continue;
            }
            let mean_new = k_new as f64 / n_new as f64;
            let objective = (mean_new - mean_old) / (n_new - n) as f64;
            let better = best.as_ref().is_none_or(|b| {
                objective > b.0
                    || (objective == b.0
                        && restricted_count(&limits, initial) < restricted_count(&b.3, initial))
            });
            if better {
                best = Some((objective, n_new, k_new, limits));
            }
        }
    }
    let (objective, n_new, k_new, mut limits) = best?;
    let mass_new = n_new as f64 / all_points as f64;
    let mass_old = n as f64 / all_points as f64;
    let mean_new = k_new as f64 / n_new as f64;
    if !(mass_new >= options.mass_min
        && mass_new > mass_old
        && objective > 0.0
        && mean_new > mean_old)
    {
        return None;
    }
    // A limit pasted back to the data's own edge is no restriction at all.
    for (limit, init) in limits.iter_mut().zip(initial) {
        if limit[0] <= init[0] {
            limit[0] = init[0];
        }
        if limit[1] >= init[1] {
            limit[1] = init[1];
        }
    }
    Some((n_new, k_new, limits))
}

/// Input indices as the Workbench lists its candidates: decimal inputs
/// first, then whole-number ones, each in column order.
fn workbench_order(discrete: &[bool]) -> impl Iterator<Item = usize> + '_ {
    let decimal = (0..discrete.len()).filter(|&j| !discrete[j]);
    decimal.chain((0..discrete.len()).filter(|&j| discrete[j]))
}

fn restricted_count(limits: &[[f64; 2]], initial: &[[f64; 2]]) -> usize {
    limits
        .iter()
        .zip(initial)
        .filter(|(l, i)| l[0] > i[0] || l[1] < i[1])
        .count()
}

/// The quasi-p-value of each restricted limit of `b` ([`quasi_p`]): input,
/// then `[lower, upper]`, `None` for a side it does not restrict.
pub fn quasi_p_values(
    data: &Data<'_>,
    rows: &[u32],
    initial: &[[f64; 2]],
    b: &PrimBox,
) -> Vec<(usize, [Option<f64>; 2])> {
    b.restricted(initial)
        .into_iter()
        .map(|j| {
            let mut sides = [None, None];
            for (side, slot) in sides.iter_mut().enumerate() {
                if b.restricts(initial, j, side) {
                    let mut without = b.limits.clone();
                    without[j][side] = initial[j][side];
                    let (n_without, k_without) = data.count(rows, &without);
                    *slot = Some(quasi_p(b.n, b.k, n_without, k_without));
                }
            }
            (j, sides)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_follows_the_workbench_rule() {
        let values: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.9), 8.5);
        assert_eq!(quantile(&values, 0.1), 0.5);
        // Ties are widened: the edge moves to the next distinct value.
        assert_eq!(quantile(&[0.0, 0.0, 0.0, 1.0, 2.0], 0.1), 0.5);
        assert_eq!(quantile(&[0.0, 1.0, 2.0, 2.0, 2.0], 0.9), 1.5);
        // All equal: nothing to peel.
        assert_eq!(quantile(&[3.0, 3.0, 3.0], 0.1), 3.0);
    }

    #[test]
    fn box_statistics_on_three_rows() {
        // x = [(0,1,2), (2,5,6), (3,2,1)], y = [1, 1, 0]; the box keeping
        // the first two rows: mean 1, coverage 1, density 1, mass 2/3.
        let columns = vec![
            vec![0.0, 2.0, 3.0],
            vec![1.0, 5.0, 2.0],
            vec![2.0, 6.0, 1.0],
        ];
        let y = [true, true, false];
        let data = Data {
            columns: &columns,
            discrete: &[false, false, false],
            y: &y,
        };
        let limits = vec![[0.0, 2.5], [1.0, 5.0], [1.0, 6.0]];
        let rows = [0u32, 1, 2];
        assert_eq!(data.count(&rows, &limits), (2, 2));
        let b = PrimBox {
            n: 2,
            k: 2,
            coverage: 2.0 / 2.0,
            density: 2.0 / 2.0,
            mass: 2.0 / 3.0,
            limits,
            step: Step::Peel,
        };
        let initial = vec![[0.0, 3.0], [1.0, 5.0], [1.0, 6.0]];
        assert_eq!(b.restricted(&initial), vec![0]);
        // The same through PRIM: one peel removes row 2 (the top of input 0).
        let options = Options {
            peel_alpha: 0.1,
            paste_alpha: 0.1,
            mass_min: 0.1,
        };
        let t = find_box(&data, &rows, sort_rows(&data, &rows), 3, 2, &options);
        let last = t.boxes.last().unwrap();
        assert_eq!((last.n, last.k), (2, 2));
        assert_eq!(last.density, 1.0);
        assert_eq!(last.coverage, 1.0);
        assert!((last.mass - 2.0 / 3.0).abs() < 1e-15);
    }

    /// P(Bin(n, p) ≥ k) by summing the probability function term by term.
    fn binomial_upper_tail(n: u64, p: f64, k: u64) -> f64 {
        (k..=n)
            .map(|j| {
                let ln_choose = statrs::function::factorial::ln_binomial(n, j);
                (ln_choose + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp()
            })
            .sum()
    }

    #[test]
    fn quasi_p_is_a_one_sided_binomial_test() {
        for &(n, k, n_without, k_without) in &[
            (40usize, 30usize, 100usize, 50usize),
            (200, 120, 1000, 400),
            (15, 3, 60, 20),
            (500, 260, 2000, 1000),
        ] {
            let p = k_without as f64 / n_without as f64;
            let expected = binomial_upper_tail(n as u64, p, k as u64);
            let got = quasi_p(n, k, n_without, k_without);
            assert!(
                (got - expected).abs() <= 1e-10 * expected.max(1e-300) + 1e-14,
                "n {n} k {k} p {p}: {got} vs {expected}"
            );
        }
        assert_eq!(quasi_p(10, 0, 20, 5), 1.0);
    }
}
