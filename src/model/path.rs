//! Simulated futures: parameters drawn, then year by year the regime, the
//! innovations, each node in link order, and the programmes (docs/model.md).
//! Writes every metric value of a path into a flat buffer; allocates nothing
//! once its workspace has run a group.
//!
//! Paths run [`LANES`] at a time. Each path's random numbers are drawn first,
//! from its own streams as always (a series' innovations for all years at
//! once, from the series' stream); then the year loop runs once for the
//! group, each quantity an array with one lane per path, which the compiler
//! turns into SIMD instructions; then each path's programmes. Every lane does
//! exactly the floating-point operations, in the same order, that a path
//! simulated alone does ([`Model::simulate_path`] is the one-lane case of the
//! same code), so the numbers do not depend on how paths are grouped.

use super::design::{uniform, Sampling};
use super::{Delivery, MarginalModel, Model, ParamRef, Planned, Reference, MAX_GROWTH, MIN_GROWTH};
use crate::dist::{binomial_quantile, standard_normal_cdf, standard_normal_quantile};
use crate::rng::{input_seed, path_hash, stream, stream_from, InputKey, Stream};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::ContinuousCDF;

/// Paths whose year loop runs side by side in SIMD lanes
/// ([`Model::simulate_paths`]).
pub const LANES: usize = 8;

/// Scratch space for one thread's paths, reused from group to group.
#[derive(Clone, Debug)]
pub struct PathWorkspace {
    /// A group of [`LANES`] paths, made on the first group (a study that
    /// runs paths one by one builds a workspace per path).
    group: Option<Lanes<LANES>>,
    /// One path alone (the rest of a range, a pilot, a study's path).
    single: Lanes<1>,
    scratch: Scratch,
}

/// What one path at a time needs while its draws are made and its
/// programmes delivered.
#[derive(Clone, Debug)]
struct Scratch {
    /// Each series' stream (the draw floor's).
    rngs: Vec<Stream>,
    /// One path's parameters, in the order of `model.params`, as drawn.
    drawn: Vec<f64>,
    /// One path's standard normal draws, year `t`'s of series `k` at `t * n + k`.
    normals: Vec<f64>,
    /// One year's innovations, correlated and with their marginal.
    eps: Vec<f64>,
    seeds: InputSeeds,
}

/// The state of `L` paths in the year loop: every quantity an array with a
/// lane per path.
#[derive(Clone, Debug)]
struct Lanes<const L: usize> {
    /// Parameter slot `i`'s draw of every lane.
    drawn: Vec<[f64; L]>,
    /// Each lane's [`path_hash`].
    hashes: [u64; L],
    /// Each series' own persistent shock `u`.
    shock: Vec<[f64; L]>,
    /// This year's growth of every node (series, GDP's nominal growth, inflation).
    growth: Vec<[f64; L]>,
    /// Every node's trend on the path (what a shock link reads).
    trend: Vec<[f64; L]>,
    level: Vec<[f64; L]>,
    /// Each series' share of nominal GDP.
    weights: Vec<[f64; L]>,
    gdp_level: [f64; L],
    /// Year `t`'s unit-variance innovation of series `k` at `t * n + k`.
    eps: Vec<[f64; L]>,
    /// Each year's inflation (0 without `[inflation]`).
    inflation: Vec<[f64; L]>,
    /// Whether year `t` (1 = the first simulated) is a downturn year; year 0,
    /// the base year, never is.
    downturn: Vec<[bool; L]>,
    /// Each programme's delivered quantity (what a pipeline reads).
    delivered: Vec<[f64; L]>,
}

impl<const L: usize> Lanes<L> {
    fn new(model: &Model) -> Self {
        let n = model.series.len();
        Lanes {
            drawn: vec![[0.0; L]; model.params.len()],
            hashes: [0; L],
            shock: vec![[0.0; L]; n],
            growth: vec![[0.0; L]; n + 2],
            trend: {
                // Inflation's trend (what a shock link to `prices` reads) is the model's.
                let mut trend = vec![[0.0; L]; n + 2];
                trend[model.prices_node()] = [model.inflation.as_ref().map_or(0.0, |i| i.mean); L];
                trend
            },
            level: vec![[0.0; L]; n],
            weights: vec![[0.0; L]; n],
            gdp_level: [0.0; L],
            eps: vec![[0.0; L]; model.years * n],
            inflation: vec![[0.0; L]; model.years],
            downturn: vec![[false; L]; model.years + 1],
            delivered: vec![[0.0; L]; model.programmes.len()],
        }
    }
}

/// The per-run part of every input's stream seed ([`input_seed`]), computed
/// once for a seed rather than once per stream: a path seeds about 40 streams.
#[derive(Clone, Debug, Default)]
struct InputSeeds {
    seed: Option<u64>,
    params: Vec<u64>,
    innovations: Vec<u64>,
    regime: u64,
    inflation: u64,
    execution: u64,
    programmes: Vec<u64>,
}

impl InputSeeds {
    /// Makes the seeds those of run seed `seed`.
    fn refresh(&mut self, model: &Model, seed: u64) {
        if self.seed == Some(seed) {
            return;
        }
        let of = |key: InputKey| input_seed(seed, key);
        self.params = model.params.iter().map(|p| of(p.key)).collect();
        self.innovations = model.series.iter().map(|s| of(s.innovation_key)).collect();
        self.regime = model.regime.as_ref().map_or(0, |r| of(r.key));
        self.inflation = model.inflation.as_ref().map_or(0, |i| of(i.key));
        self.execution = model.execution.as_ref().map_or(0, |e| of(e.key));
        self.programmes = model.programmes.iter().map(|p| of(p.key)).collect();
        self.seed = Some(seed);
    }
}

impl PathWorkspace {
    /// Workspace sized for `model`.
    pub fn new(model: &Model) -> Self {
        let n = model.series.len();
        PathWorkspace {
            group: None,
            single: Lanes::new(model),
            scratch: Scratch {
                rngs: (0..n)
                    .map(|_| stream(0, crate::rng::InputKey(0), 0))
                    .collect(),
                drawn: vec![0.0; model.params.len()],
                normals: vec![0.0; model.years * n],
                eps: vec![0.0; n],
                seeds: InputSeeds::default(),
            },
        }
    }
}

/// The inputs of lane `lane` of `lanes` ([`Model::input_slots`]): each
/// parameter drawn for it (in the order of `model.params`), then the number
/// of downturn years when the model has a regime; input `i` at
/// `out[i * stride]`.
fn write_inputs<const L: usize>(
    model: &Model,
    lanes: &Lanes<L>,
    lane: usize,
    out: &mut [f64],
    stride: usize,
) {
    for (slot, values) in lanes.drawn.iter().enumerate() {
        out[slot * stride] = values[lane];
    }
    if model.regime.is_some() {
        let years = lanes.downturn[1..=model.years]
            .iter()
            .filter(|d| d[lane])
            .count();
        out[lanes.drawn.len() * stride] = years as f64;
    }
}

/// `growth` clamped to [[`MIN_GROWTH`], [`MAX_GROWTH`]] (NaN to the floor),
/// counting a clamp in `clamped`.
#[inline]
fn clamp_growth(growth: f64, clamped: &mut u64) -> f64 {
    // Written without branches so that a loop over lanes vectorizes; the
    // same as `growth <= MIN_GROWTH || growth > MAX_GROWTH || growth.is_nan()`.
    let outside = !(growth > MIN_GROWTH && growth <= MAX_GROWTH);
    *clamped += u64::from(outside);
    if growth > MAX_GROWTH {
        MAX_GROWTH
    } else if outside {
        MIN_GROWTH
    } else {
        growth
    }
}

impl ParamRef {
    /// The parameter on every lane of a group whose draws are `drawn`
    /// (slot `i`'s lanes at `drawn[i]`).
    #[inline]
    fn lanes<const L: usize>(self, drawn: &[[f64; L]]) -> [f64; L] {
        match self {
            ParamRef::Const(v) => [v; L],
            ParamRef::Slot(i) => drawn[i],
        }
    }

    /// The parameter on lane `lane` of such a group.
    #[inline]
    fn lane<const L: usize>(self, drawn: &[[f64; L]], lane: usize) -> f64 {
        match self {
            ParamRef::Const(v) => v,
            ParamRef::Slot(i) => drawn[i][lane],
        }
    }
}

/// Writes `values`, one per lane, at `out[index * stride..][..L]`.
#[inline]
fn put<const L: usize>(out: &mut [f64], index: usize, stride: usize, values: &[f64; L]) {
    out[index * stride..index * stride + L].copy_from_slice(values);
}

/// A parameter vector and delivery levels given for one path instead of drawn
/// ([`Model::simulate_path_with_deliveries`]).
#[derive(Clone, Copy)]
struct Given<'a> {
    drawn: &'a [f64],
    levels: &'a [f64],
}

impl Model {
    /// Simulates path number `path` of a run seeded with `seed`, writing its
    /// `value_count` metric values into `out`, value `i` at `out[i * stride]`.
    /// Returns how many draws were clamped (growth or inflation at or below
    /// -99 %). The same values as [`simulate_paths`](Self::simulate_paths)
    /// gives the path.
    pub fn simulate_path(
        &self,
        seed: u64,
        path: u64,
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        self.simulate_paths(seed, path..path + 1, ws, out, stride, None)
    }

    /// Simulates the paths `paths` of a run seeded with `seed`, writing the
    /// metric values of the `j`-th of them (from 0) into column `j` of `out`:
    /// value `i` at `out[i * stride + j]` (`stride` at least the number of
    /// paths). With `inputs`, each path's inputs ([`Model::input_slots`]) go
    /// there the same way. Returns how many draws were clamped.
    ///
    /// Paths run [`LANES`] at a time, the rest one by one; every path's
    /// values are those it has alone, to the bit.
    pub fn simulate_paths(
        &self,
        seed: u64,
        paths: std::ops::Range<u64>,
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
        mut inputs: Option<&mut [f64]>,
    ) -> u64 {
        ws.scratch.seeds.refresh(self, seed);
        let mut clamped = 0;
        let mut column = 0;
        let mut path = paths.start;
        while path < paths.end {
            let inputs = inputs.as_deref_mut().map(|i| &mut i[column..]);
            let out = &mut out[column..];
            if paths.end - path >= LANES as u64 {
                let group = ws.group.get_or_insert_with(|| Lanes::new(self));
                clamped += self.simulate_group(
                    seed,
                    path,
                    None,
                    group,
                    &mut ws.scratch,
                    out,
                    stride,
                    inputs,
                );
                path += LANES as u64;
                column += LANES;
            } else {
                clamped += self.simulate_group(
                    seed,
                    path,
                    None,
                    &mut ws.single,
                    &mut ws.scratch,
                    out,
                    stride,
                    inputs,
                );
                path += 1;
                column += 1;
            }
        }
        clamped
    }

    /// Like [`simulate_path`](Self::simulate_path), with the per-path
    /// parameters given (`drawn`, in the order of `self.params`) instead of
    /// drawn, and each programme's own delivery uniform and the execution
    /// factor's given too (`levels`, see [`delivery_inputs`](Self::delivery_inputs));
    /// the rest of the path's randomness still comes from `seed` and `path`. How
    /// variance-based sensitivity treats deliveries as inputs. A tied
    /// programme still goes through the copula, so the joint law is the
    /// scenario's.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn simulate_path_with_deliveries(
        &self,
        seed: u64,
        path: u64,
        drawn: &[f64],
        levels: &[f64],
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        ws.scratch.seeds.refresh(self, seed);
        let given = Given { drawn, levels };
        self.simulate_group(
            seed,
            path,
            Some(given),
            &mut ws.single,
            &mut ws.scratch,
            out,
            stride,
            None,
        )
    }

    /// Simulates the `L` paths from `first` (path `first + l` in lane `l`,
    /// its values in column `l` of `out`) once the scratch's input seeds are
    /// those of `seed`. `given` (for `L = 1` only) replaces the path's drawn
    /// parameters and delivery uniforms. The equations are those of
    /// docs/model.md ("Series", "Links", "GDP and prices", "Regime",
    /// "Programmes", "Execution").
    #[allow(clippy::too_many_arguments)]
    fn simulate_group<const L: usize>(
        &self,
        seed: u64,
        first: u64,
        given: Option<Given>,
        lanes: &mut Lanes<L>,
        scratch: &mut Scratch,
        out: &mut [f64],
        stride: usize,
        inputs: Option<&mut [f64]>,
    ) -> u64 {
        let mut clamped = 0;
        for lane in 0..L {
            let path = first + lane as u64;
            clamped += self.draw_lane(seed, path, lane, given, lanes, scratch, out, stride);
        }
        clamped += self.year_loop(lanes, out, stride);
        let levels = given.map(|g| g.levels);
        self.deliver(seed, first, levels, lanes, &scratch.seeds, out, stride);
        if let Some(inputs) = inputs {
            for lane in 0..L {
                write_inputs(self, lanes, lane, &mut inputs[lane..], stride);
            }
        }
        clamped
    }

    /// Everything random of path `path` before its programmes, into lane
    /// `lane`: its parameters, its starting state, the regime chain and
    /// inflation of every year (their metric values written to `out`), and
    /// every year's innovations, correlated and with their marginal. Returns
    /// how many inflation draws were clamped.
    #[allow(clippy::too_many_arguments)]
    fn draw_lane<const L: usize>(
        &self,
        seed: u64,
        path: u64,
        lane: usize,
        given: Option<Given>,
        lanes: &mut Lanes<L>,
        scratch: &mut Scratch,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        let mut clamped = 0;
        let hash = path_hash(path);
        lanes.hashes[lane] = hash;
        let drawn = &mut scratch.drawn;
        match (given, self.sampling) {
            (Some(given), _) => drawn.copy_from_slice(given.drawn),
            (None, Sampling::Random) => {
                for ((slot, p), &input) in drawn
                    .iter_mut()
                    .zip(&self.params)
                    .zip(&scratch.seeds.params)
                {
                    *slot = p.sampler.sample(&mut stream_from(input, hash));
                }
            }
            (None, _) => self.draw_params(seed, path, drawn),
        }
        let drawn = &scratch.drawn;
        for (lanes, &value) in lanes.drawn.iter_mut().zip(drawn) {
            lanes[lane] = value;
        }

        for (k, s) in self.series.iter().enumerate() {
            let mu = s.mean_growth.get(drawn);
            lanes.trend[k][lane] = mu;
            // The base year's surprise is the series' own shock: it fades at `persistence`.
            lanes.shock[k][lane] = s.growth_base.map(|g| g.get(drawn) - mu).unwrap_or(0.0);
            lanes.level[k][lane] = s.base.get(drawn);
        }
        if let Some(gdp) = &self.gdp {
            for &(k, w) in &gdp.members {
                lanes.weights[k][lane] = w;
            }
            if let Some((base, _)) = gdp.level {
                lanes.gdp_level[lane] = base.get(drawn);
            }
        }

        let (mut regime_rng, mut inflation_rng) = self.year_streams(&scratch.seeds, hash);
        let mut in_downturn = self.regime.as_ref().is_some_and(|r| r.initial_downturn);
        for t in 0..self.years {
            // Regime: one uniform per year, whatever the state, even in a forced year.
            if let (Some(r), Some(rng)) = (&self.regime, regime_rng.as_mut()) {
                let u: f64 = match self.sampling {
                    Sampling::Random => rng.random(),
                    design => uniform(design, seed, r.key, t as u64, path),
                };
                in_downturn = if in_downturn {
                    u >= r.recovery_probability.get(drawn)
                } else {
                    u < r.downturn_probability.get(drawn)
                };
                if let Some(forced) = r.force[t] {
                    in_downturn = forced;
                }
                out[(r.metric_index + t) * stride + lane] = if in_downturn { 1.0 } else { 0.0 };
            }
            lanes.downturn[t + 1][lane] = in_downturn;
            let mut inflation = 0.0;
            if let (Some(i), Some(rng)) = (&self.inflation, inflation_rng.as_mut()) {
                inflation = match self.sampling {
                    Sampling::Random => i.sampler.sample(rng),
                    design => i
                        .dist
                        .quantile(uniform(design, seed, i.key, t as u64, path)),
                };
                inflation = clamp_growth(inflation, &mut clamped);
                out[(i.metric_index + t) * stride + lane] = inflation;
            }
            lanes.inflation[t][lane] = inflation;
        }

        // Normals in a batch: each series' stream gives all its years at once.
        let n = self.series.len();
        match self.sampling {
            Sampling::Random => {
                for (k, &input) in scratch.seeds.innovations.iter().enumerate() {
                    let mut rng = stream_from(input, hash);
                    for t in 0..self.years {
                        scratch.normals[t * n + k] = StandardNormal.sample(&mut rng);
                    }
                }
            }
            design => {
                for (k, s) in self.series.iter().enumerate() {
                    for t in 0..self.years {
                        scratch.normals[t * n + k] = standard_normal_quantile(uniform(
                            design,
                            seed,
                            s.innovation_key,
                            t as u64,
                            path,
                        ));
                    }
                }
            }
        }
        for t in 0..self.years {
            let z = &scratch.normals[t * n..(t + 1) * n];
            self.innovations(z, &mut scratch.eps);
            for (k, &e) in scratch.eps.iter().enumerate() {
                lanes.eps[t * n + k][lane] = e;
            }
        }
        clamped
    }

    /// The year loop of a group's `L` paths, lane by lane in step: each node
    /// in link order, then GDP; writes the series', GDP's and their growth's
    /// values. Returns how many growth rates were clamped.
    fn year_loop<const L: usize>(
        &self,
        lanes: &mut Lanes<L>,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        let mut clamped = 0;
        let n = self.series.len();
        let (gdp_node, prices_node) = (self.gdp_node(), self.prices_node());
        let mut gdp_index = [100.0; L];
        for t in 0..self.years {
            let downturn = lanes.downturn[t + 1].map(|d| if d { 1.0 } else { 0.0 });
            let inflation = lanes.inflation[t];
            lanes.growth[prices_node] = inflation;
            for &node in &self.order {
                if node == gdp_node {
                    let Some(gdp) = &self.gdp else { continue };
                    let mut nominal = [0.0; L];
                    let mut trend = [0.0; L];
                    for &(k, _) in &gdp.members {
                        let (w, g, mu) = (lanes.weights[k], lanes.growth[k], lanes.trend[k]);
                        for l in 0..L {
                            nominal[l] += w[l] * g[l];
                            trend[l] += w[l] * mu[l];
                        }
                    }
                    let rescale = nominal.map(|x| 1.0 / (1.0 + x));
                    for &(k, _) in &gdp.members {
                        let g = lanes.growth[k];
                        let w = &mut lanes.weights[k];
                        for l in 0..L {
                            w[l] *= (1.0 + g[l]) * rescale[l];
                        }
                    }
                    let mut real = [0.0; L];
                    for l in 0..L {
                        real[l] = (1.0 + nominal[l]) / (1.0 + inflation[l]) - 1.0;
                        gdp_index[l] *= 1.0 + real[l];
                    }
                    // Links to `gdp` read its nominal growth, from last year's weighted trends.
                    lanes.growth[gdp_node] = nominal;
                    lanes.trend[gdp_node] = trend;
                    put(out, gdp.growth_index + t, stride, &real);
                    put(out, gdp.nominal_index + t, stride, &nominal);
                    put(out, gdp.index_index + t, stride, &gdp_index);
                    if let Some((_, level_index)) = gdp.level {
                        for (level, nominal) in lanes.gdp_level.iter_mut().zip(nominal) {
                            *level *= 1.0 + nominal;
                        }
                        put(out, level_index + t, stride, &lanes.gdp_level);
                    }
                    continue;
                }
                let s = &self.series[node];
                let persistence = s.persistence.lanes(&lanes.drawn);
                let volatility = s.volatility.lanes(&lanes.drawn);
                let shift = s.shift.lanes(&lanes.drawn);
                let (eps, before, mu) = (
                    lanes.eps[t * n + node],
                    lanes.shock[node],
                    lanes.trend[node],
                );
                let mut shock = [0.0; L];
                let mut growth = [0.0; L];
                for l in 0..L {
                    // Own shocks persist; links and the regime's shift act this year only.
                    shock[l] = persistence[l] * before[l] + volatility[l] * eps[l];
                    growth[l] = mu[l] + shock[l] + shift[l] * downturn[l];
                }
                lanes.shock[node] = shock;
                for link in &s.links {
                    let elasticity = link.elasticity.lanes(&lanes.drawn);
                    let reference = match link.reference {
                        Reference::Around(around) => [around; L],
                        Reference::Trend => lanes.trend[link.node],
                    };
                    let linked = lanes.growth[link.node];
                    for l in 0..L {
                        growth[l] += elasticity[l] * (linked[l] - reference[l]);
                    }
                }
                for g in growth.iter_mut() {
                    *g = clamp_growth(*g, &mut clamped);
                }
                lanes.growth[node] = growth;
                let level = &mut lanes.level[node];
                for l in 0..L {
                    level[l] *= 1.0 + growth[l];
                }
                put(out, s.level_index + t, stride, level);
                put(out, s.growth_index + t, stride, &growth);
            }
        }
        clamped
    }

    /// The programmes of the group's paths in pipeline order, programme by
    /// programme across the lanes: each path's delivered quantity and ratio
    /// to its plan, written to `out`. `levels` are a single path's given
    /// delivery uniforms, if any.
    #[allow(clippy::too_many_arguments)]
    fn deliver<const L: usize>(
        &self,
        seed: u64,
        first: u64,
        levels: Option<&[f64]>,
        lanes: &mut Lanes<L>,
        seeds: &InputSeeds,
        out: &mut [f64],
        stride: usize,
    ) {
        let mut factor = [None; L];
        if let Some(e) = &self.execution {
            for (lane, factor) in factor.iter_mut().enumerate() {
                let path = first + lane as u64;
                let f = match (levels, self.sampling) {
                    (Some(levels), _) => standard_normal_quantile(levels[self.programmes.len()]),
                    (None, Sampling::Random) => {
                        StandardNormal.sample(&mut stream_from(seeds.execution, lanes.hashes[lane]))
                    }
                    (None, design) => {
                        standard_normal_quantile(uniform(design, seed, e.key, 0, path))
                    }
                };
                let rho = e.correlation.lane(&lanes.drawn, lane);
                *factor = Some((rho.sqrt() * f, (1.0 - rho).sqrt()));
            }
        }
        for &i in &self.programme_order {
            let p = &self.programmes[i];
            let planned = match p.planned {
                Planned::Param(planned) => planned.lanes(&lanes.drawn),
                Planned::Programme(source) => lanes.delivered[source],
            };
            let downturn = lanes.downturn[p.year_offset];
            let downturn_effect = p.downturn_effect.lanes(&lanes.drawn);
            let mut effect = [0.0; L];
            for l in 0..L {
                effect[l] = if downturn[l] { downturn_effect[l] } else { 0.0 };
            }
            let mut draws = [0.0; L];
            for (l, draw) in draws.iter_mut().enumerate() {
                let lane = DeliveryLane {
                    path: first + l as u64,
                    hash: lanes.hashes[l],
                    factor: factor[l],
                    given: levels.map(|levels| levels[i]),
                    planned: planned[l],
                    in_downturn: downturn[l],
                    effect: effect[l],
                };
                *draw = self.delivery_draw(seed, i, &lane, seeds);
            }
            let mut delivered = draws;
            if let Delivery::Ratio { .. } = p.delivery {
                for l in 0..L {
                    delivered[l] = planned[l] * draws[l] * (1.0 + effect[l]);
                }
            }
            let mut ratio = [0.0; L];
            for l in 0..L {
                (delivered[l], ratio[l]) = if planned[l] > 0.0 {
                    (delivered[l], delivered[l] / planned[l])
                } else {
                    (0.0, 0.0)
                };
            }
            lanes.delivered[i] = delivered;
            put(out, p.ratio_index, stride, &ratio);
            put(out, p.delivered_index, stride, &delivered);
        }
    }

    /// Programme `i`'s own draw on one path: the ratio of its plan delivered
    /// (before a downturn's effect) or the count of items delivered.
    #[inline(always)]
    fn delivery_draw(&self, seed: u64, i: usize, lane: &DeliveryLane, seeds: &InputSeeds) -> f64 {
        let p = &self.programmes[i];
        // Tied by [execution]: the copula's latent normal `x`, delivered
        // as `F⁻¹(Φ(x))`; otherwise the programme's own uniform (given or
        // designed), or a draw straight from its stream.
        let mut rng = stream_from(seeds.programmes[i], lane.hash);
        let draw = match lane.factor.filter(|_| p.in_execution) {
            Some((common, own)) => {
                let e: f64 = match (lane.given, self.sampling) {
                    (Some(u), _) => standard_normal_quantile(u),
                    (None, Sampling::Random) => StandardNormal.sample(&mut rng),
                    (None, design) => {
                        standard_normal_quantile(uniform(design, seed, p.key, 0, lane.path))
                    }
                };
                DeliveryDraw::Latent(common + own * e)
            }
            None => match (lane.given, self.sampling) {
                (Some(u), _) => DeliveryDraw::Level(u),
                (None, Sampling::Random) => DeliveryDraw::Stream,
                (None, design) => DeliveryDraw::Level(uniform(design, seed, p.key, 0, lane.path)),
            },
        };
        match &p.delivery {
            Delivery::Ratio {
                sampler,
                inverse,
                score,
            } => match draw {
                DeliveryDraw::Latent(x) => score.at(x),
                DeliveryDraw::Level(u) => inverse.quantile(u),
                DeliveryDraw::Stream => sampler.sample(&mut rng),
            },
            Delivery::Count(count) => {
                let prepared = if lane.in_downturn {
                    count.downturn.as_ref()
                } else {
                    count.normal.as_ref()
                };
                let items = match (prepared, draw) {
                    (Some(c), DeliveryDraw::Latent(x)) => match &c.score {
                        Some(score) => score.at(x),
                        None => c.inverse.quantile(standard_normal_cdf(x)),
                    },
                    (Some(c), DeliveryDraw::Level(u)) => c.inverse.quantile(u),
                    (Some(c), DeliveryDraw::Stream) => c.binomial.sample(&mut rng),
                    (None, draw) => {
                        let n = count
                            .n
                            .unwrap_or_else(|| lane.planned.max(0.0).round() as u64);
                        let q = (count.p * (1.0 + lane.effect)).clamp(0.0, 1.0);
                        match draw {
                            DeliveryDraw::Latent(x) => {
                                binomial_quantile(n, q, standard_normal_cdf(x))
                            }
                            DeliveryDraw::Level(u) => binomial_quantile(n, q, u),
                            DeliveryDraw::Stream => rand_distr::Binomial::new(n, q)
                                .map(|b| b.sample(&mut rng))
                                .unwrap_or(0),
                        }
                    }
                };
                items as f64
            }
        }
    }

    /// The parameters drawn per path (in the order of `self.params`) of path
    /// `path` of a run seeded with `seed`.
    pub(crate) fn draw_params(&self, seed: u64, path: u64, drawn: &mut [f64]) {
        for (slot, p) in self.params.iter().enumerate() {
            drawn[slot] = match self.sampling {
                Sampling::Random => p.sampler.sample(&mut stream(seed, p.key, path)),
                design => p.dist.quantile(uniform(design, seed, p.key, 0, path)),
            };
        }
    }

    /// Draws exactly the random numbers path `path` needs (same streams,
    /// generators and distributions as [`simulate_path`](Self::simulate_path)
    /// with random sampling) and nothing else: no model, no output. Returns
    /// their sum so that nothing is optimized away. The "draw floor" of the
    /// benches: the least a path can cost.
    pub fn draw_floor(&self, seed: u64, path: u64, ws: &mut PathWorkspace) -> f64 {
        let mut total = 0.0;
        ws.scratch.seeds.refresh(self, seed);
        let hash = path_hash(path);
        for (p, &input) in self.params.iter().zip(&ws.scratch.seeds.params) {
            total += p.sampler.sample(&mut stream_from(input, hash));
        }
        for (rng, &input) in ws
            .scratch
            .rngs
            .iter_mut()
            .zip(&ws.scratch.seeds.innovations)
        {
            *rng = stream_from(input, hash);
        }
        let (mut regime_rng, mut inflation_rng) = self.year_streams(&ws.scratch.seeds, hash);
        for _ in 0..self.years {
            if let Some(rng) = regime_rng.as_mut() {
                total += rng.random::<f64>();
            }
            if let (Some(i), Some(rng)) = (&self.inflation, inflation_rng.as_mut()) {
                total += i.sampler.sample(rng);
            }
            for rng in ws.scratch.rngs.iter_mut() {
                let z: f64 = StandardNormal.sample(rng);
                total += z;
            }
        }
        if self.execution.is_some() {
            let z: f64 = StandardNormal.sample(&mut stream_from(ws.scratch.seeds.execution, hash));
            total += z;
        }
        for (p, &input) in self.programmes.iter().zip(&ws.scratch.seeds.programmes) {
            let mut rng = stream_from(input, hash);
            total += match (&p.delivery, p.in_execution) {
                (_, true) => StandardNormal.sample(&mut rng),
                (Delivery::Ratio { sampler, .. }, false) => sampler.sample(&mut rng),
                (Delivery::Count(count), false) => match &count.normal {
                    Some(prepared) => prepared.binomial.sample(&mut rng) as f64,
                    None => rng.random::<f64>(),
                },
            };
        }
        total
    }

    /// The number of delivery inputs a study may give a path: one uniform per
    /// programme (its own draw), and one for the `[execution]` factor when
    /// there is one (the last).
    pub(crate) fn delivery_inputs(&self) -> usize {
        self.programmes.len() + usize::from(self.execution.is_some())
    }

    /// Names of the delivery inputs, in [`delivery_inputs`](Self::delivery_inputs)
    /// order: `programme.NAME.delivery`, then `execution`.
    pub(crate) fn delivery_input_names(&self) -> Vec<String> {
        self.programmes
            .iter()
            .map(|p| p.delivery_key.clone())
            .chain(self.execution.as_ref().map(|_| "execution".to_string()))
            .collect()
    }

    /// A path's delivery inputs, uniforms in (0, 1), from the streams of run
    /// seed `seed` (independent of every other input).
    pub(crate) fn draw_delivery_inputs(&self, seed: u64, path: u64, levels: &mut [f64]) {
        let keys = self
            .programmes
            .iter()
            .map(|p| p.key)
            .chain(self.execution.as_ref().map(|e| e.key));
        for (level, key) in levels.iter_mut().zip(keys) {
            *level = uniform(Sampling::Random, seed, key, 0x5ee5, path);
        }
    }

    /// The streams of the regime chain and of inflation in the path whose
    /// hash is `hash` (`None` for a model without them).
    fn year_streams(&self, seeds: &InputSeeds, hash: u64) -> (Option<Stream>, Option<Stream>) {
        (
            self.regime
                .as_ref()
                .map(|_| stream_from(seeds.regime, hash)),
            self.inflation
                .as_ref()
                .map(|_| stream_from(seeds.inflation, hash)),
        )
    }

    /// One year's unit-variance innovations of every series into `eps`, from
    /// the year's standard normals `z` (one per series): correlated by the
    /// Cholesky factor, then given the scenario's marginal.
    #[inline]
    fn innovations(&self, z: &[f64], eps: &mut [f64]) {
        eps.copy_from_slice(z);
        if let Some(c) = &self.correlation {
            let m = c.members.len();
            for i in 0..m {
                let row = &c.lower[i * m..i * m + i + 1];
                let mut sum = 0.0;
                for (j, l) in row.iter().enumerate() {
                    sum += l * z[c.members[j]];
                }
                eps[c.members[i]] = sum;
            }
        }
        if let MarginalModel::StudentT {
            t,
            unit_variance_scale,
        } = &self.marginal
        {
            for e in eps.iter_mut() {
                // Lower tail computed directly, for accuracy far out in either tail.
                let lower_tail = (0.5
                    * statrs::function::erf::erfc(e.abs() / std::f64::consts::SQRT_2))
                .max(f64::MIN_POSITIVE);
                let quantile = -t.inverse_cdf(lower_tail);
                *e = e.signum() * quantile * unit_variance_scale;
            }
        }
    }
}

/// What one path's delivery of a programme depends on beside the programme.
struct DeliveryLane {
    path: u64,
    hash: u64,
    /// The `[execution]` factor's common part and own weight, when there is one.
    factor: Option<(f64, f64)>,
    /// The programme's given delivery uniform, if any.
    given: Option<f64>,
    planned: f64,
    in_downturn: bool,
    /// The downturn's effect on the path (0 in a normal year).
    effect: f64,
}

/// How a programme's delivery is drawn on a path.
#[derive(Clone, Copy)]
enum DeliveryDraw {
    /// The `[execution]` copula's latent standard normal.
    Latent(f64),
    /// A uniform in (0, 1): given (variance-based sensitivity) or from a design.
    Level(f64),
    /// Straight from the programme's own stream.
    Stream,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(sets: &[&str]) -> Model {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let scenario = crate::scenario::load_embedded_baseline(&sets).unwrap();
        Model::compile(&scenario).unwrap()
    }

    /// Paths run in lanes (a range that starts mid-group and ends with a
    /// partial one) give each path exactly the values, inputs and clamps it
    /// has alone: under random sampling and a design, with Student t
    /// innovations, and with growth clamped often.
    #[test]
    fn lanes_give_every_path_its_values_alone_to_the_bit() {
        let cases: [&[&str]; 4] = [
            &[],
            &["run.sampling=\"lhs\""],
            &["correlation.marginal=\"student_t\"", "correlation.df=5"],
            &["series.digital_economy.volatility=2.0"],
        ];
        for sets in cases {
            let model = baseline(sets);
            let (seed, first, count) = (11, 13, 2 * LANES + 5);
            let stride = count + 3;
            let mut ws = PathWorkspace::new(&model);
            let mut columns = vec![f64::NAN; model.value_count * stride];
            let mut inputs = vec![f64::NAN; model.input_slots() * stride];
            let paths = first..first + count as u64;
            let clamped = model.simulate_paths(
                seed,
                paths,
                &mut ws,
                &mut columns,
                stride,
                Some(&mut inputs),
            );
            let mut alone = PathWorkspace::new(&model);
            let mut clamped_alone = 0;
            for j in 0..count {
                let mut values = vec![f64::NAN; model.value_count];
                let path = first + j as u64;
                clamped_alone += model.simulate_path(seed, path, &mut alone, &mut values, 1);
                let mut own_inputs = vec![f64::NAN; model.input_slots()];
                write_inputs(&model, &alone.single, 0, &mut own_inputs, 1);
                for (i, v) in values.iter().enumerate() {
                    let laned = columns[i * stride + j];
                    assert_eq!(
                        v.to_bits(),
                        laned.to_bits(),
                        "{sets:?}: path {path} value {i}"
                    );
                }
                for (i, v) in own_inputs.iter().enumerate() {
                    let laned = inputs[i * stride + j];
                    assert_eq!(
                        v.to_bits(),
                        laned.to_bits(),
                        "{sets:?}: path {path} input {i}"
                    );
                }
            }
            assert_eq!(clamped, clamped_alone, "{sets:?}");
            if sets.len() == 1 && sets[0].contains("volatility") {
                assert!(clamped > 0, "the wide volatility clamps some growth");
            }
        }
    }
}
