//! One simulated future: parameters drawn, then year by year the regime, the
//! innovations, each node in link order, and the programmes (docs/model.md).
//! Writes every metric value of the path into a flat buffer; allocates nothing.

use super::design::{uniform, Sampling};
use super::{Delivery, MarginalModel, Model, Planned, Reference, MAX_GROWTH, MIN_GROWTH};
use crate::dist::{binomial_quantile, standard_normal_cdf, standard_normal_quantile};
use crate::rng::{input_seed, path_hash, stream, stream_from, InputKey, Stream};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::ContinuousCDF;

/// Scratch space for one thread's paths, reused from path to path.
#[derive(Clone, Debug)]
pub struct PathWorkspace {
    drawn: Vec<f64>,
    rngs: Vec<Stream>,
    z: Vec<f64>,
    eps: Vec<f64>,
    /// Each series' own persistent shock `u`.
    shock: Vec<f64>,
    /// This year's growth of every node (series, GDP's nominal growth, inflation).
    growth: Vec<f64>,
    /// Every node's trend on this path (what a shock link reads).
    trend: Vec<f64>,
    level: Vec<f64>,
    weights: Vec<f64>,
    downturn: Vec<bool>,
    delivered: Vec<f64>,
    seeds: InputSeeds,
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
            drawn: vec![0.0; model.params.len()],
            rngs: (0..n)
                .map(|_| stream(0, crate::rng::InputKey(0), 0))
                .collect(),
            z: vec![0.0; n],
            eps: vec![0.0; n],
            shock: vec![0.0; n],
            growth: vec![0.0; n + 2],
            trend: vec![0.0; n + 2],
            level: vec![0.0; n],
            weights: vec![0.0; n],
            downturn: vec![false; model.years + 1],
            delivered: vec![0.0; model.programmes.len()],
            seeds: InputSeeds::default(),
        }
    }
}

impl PathWorkspace {
    /// The inputs of the path just simulated ([`Model::input_slots`]): each
    /// parameter drawn for it (in the order of `model.params`), then the
    /// number of downturn years when the model has a regime; input `i` at
    /// `out[i * stride]`.
    pub(crate) fn write_inputs(&self, model: &Model, out: &mut [f64], stride: usize) {
        for (slot, value) in self.drawn.iter().enumerate() {
            out[slot * stride] = *value;
        }
        if model.regime.is_some() {
            let years = self.downturn[1..=model.years]
                .iter()
                .filter(|d| **d)
                .count();
            out[self.drawn.len() * stride] = years as f64;
        }
    }
}

/// `growth` clamped to [[`MIN_GROWTH`], [`MAX_GROWTH`]] (NaN to the floor),
/// counting a clamp in `clamped`.
#[inline]
fn clamp_growth(growth: f64, clamped: &mut u64) -> f64 {
    if growth <= MIN_GROWTH || growth > MAX_GROWTH || growth.is_nan() {
        *clamped += 1;
        if growth > MAX_GROWTH {
            MAX_GROWTH
        } else {
            MIN_GROWTH
        }
    } else {
        growth
    }
}

impl Model {
    /// Simulates path number `path` of a run seeded with `seed`, writing its
    /// `value_count` metric values into `out`, value `i` at `out[i * stride]`
    /// (stride 1 for one path alone; the engine writes a block of paths
    /// column by column). Returns how many draws were clamped (growth or
    /// inflation at or below -99 %).
    pub fn simulate_path(
        &self,
        seed: u64,
        path: u64,
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        // Taken out for the path so the rest of the workspace can be borrowed mutably.
        let mut drawn = std::mem::take(&mut ws.drawn);
        ws.seeds.refresh(self, seed);
        let hash = path_hash(path);
        if self.sampling == Sampling::Random {
            for ((slot, p), &input) in drawn.iter_mut().zip(&self.params).zip(&ws.seeds.params) {
                *slot = p.sampler.sample(&mut stream_from(input, hash));
            }
        } else {
            self.draw_params(seed, path, &mut drawn);
        }
        let clamped = self.simulate_hashed(seed, path, hash, &drawn, None, ws, out, stride);
        ws.drawn = drawn;
        clamped
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
        ws.seeds.refresh(self, seed);
        let hash = path_hash(path);
        for (p, &input) in self.params.iter().zip(&ws.seeds.params) {
            total += p.sampler.sample(&mut stream_from(input, hash));
        }
        for (rng, &input) in ws.rngs.iter_mut().zip(&ws.seeds.innovations) {
            *rng = stream_from(input, hash);
        }
        let (mut regime_rng, mut inflation_rng) = self.year_streams(&ws.seeds, hash);
        for _ in 0..self.years {
            if let Some(rng) = regime_rng.as_mut() {
                total += rng.random::<f64>();
            }
            if let (Some(i), Some(rng)) = (&self.inflation, inflation_rng.as_mut()) {
                total += i.sampler.sample(rng);
            }
            for rng in ws.rngs.iter_mut() {
                let z: f64 = StandardNormal.sample(rng);
                total += z;
            }
        }
        if self.execution.is_some() {
            let z: f64 = StandardNormal.sample(&mut stream_from(ws.seeds.execution, hash));
            total += z;
        }
        for (p, &input) in self.programmes.iter().zip(&ws.seeds.programmes) {
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
        ws.seeds.refresh(self, seed);
        self.simulate_hashed(
            seed,
            path,
            path_hash(path),
            drawn,
            Some(levels),
            ws,
            out,
            stride,
        )
    }

    /// [`simulate_path_with_deliveries`](Self::simulate_path_with_deliveries) once the
    /// workspace's input seeds are those of `seed` and `hash` is the path's
    /// [`path_hash`]. The equations are those of docs/model.md ("Series",
    /// "Links", "GDP and prices", "Regime", "Programmes", "Execution").
    #[allow(clippy::too_many_arguments)]
    fn simulate_hashed(
        &self,
        seed: u64,
        path: u64,
        hash: u64,
        drawn: &[f64],
        levels: Option<&[f64]>,
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        let mut clamped = 0;
        let (gdp_node, prices_node) = (self.gdp_node(), self.prices_node());
        for (k, s) in self.series.iter().enumerate() {
            let mu = s.mean_growth.get(drawn);
            ws.trend[k] = mu;
            // The base year's surprise is the series' own shock: it fades at `persistence`.
            ws.shock[k] = s.growth_base.map(|g| g.get(drawn) - mu).unwrap_or(0.0);
            ws.level[k] = s.base.get(drawn);
            ws.rngs[k] = stream_from(ws.seeds.innovations[k], hash);
        }
        let mut gdp_level = 0.0;
        if let Some(gdp) = &self.gdp {
            for &(k, w) in &gdp.members {
                ws.weights[k] = w;
            }
            if let Some((base, _)) = gdp.level {
                gdp_level = base.get(drawn);
            }
        }
        ws.trend[prices_node] = self.inflation.as_ref().map_or(0.0, |i| i.mean);
        let (mut regime_rng, mut inflation_rng) = self.year_streams(&ws.seeds, hash);
        let mut in_downturn = self.regime.as_ref().is_some_and(|r| r.initial_downturn);
        let mut gdp_index = 100.0;

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
                out[(r.metric_index + t) * stride] = if in_downturn { 1.0 } else { 0.0 };
            }
            ws.downturn[t + 1] = in_downturn;
            let downturn = if in_downturn { 1.0 } else { 0.0 };
            let mut inflation = 0.0;
            if let (Some(i), Some(rng)) = (&self.inflation, inflation_rng.as_mut()) {
                inflation = match self.sampling {
                    Sampling::Random => i.sampler.sample(rng),
                    design => i
                        .dist
                        .quantile(uniform(design, seed, i.key, t as u64, path)),
                };
                inflation = clamp_growth(inflation, &mut clamped);
                out[(i.metric_index + t) * stride] = inflation;
            }
            ws.growth[prices_node] = inflation;
            self.innovations(ws, seed, path, t as u64);
            for &node in &self.order {
                if node == gdp_node {
                    let Some(gdp) = &self.gdp else { continue };
                    let mut nominal = 0.0;
                    let mut trend = 0.0;
                    for &(k, _) in &gdp.members {
                        nominal += ws.weights[k] * ws.growth[k];
                        trend += ws.weights[k] * ws.trend[k];
                    }
                    let rescale = 1.0 / (1.0 + nominal);
                    for &(k, _) in &gdp.members {
                        ws.weights[k] *= (1.0 + ws.growth[k]) * rescale;
                    }
                    let real = (1.0 + nominal) / (1.0 + inflation) - 1.0;
                    gdp_index *= 1.0 + real;
                    // Links to `gdp` read its nominal growth, from last year's weighted trends.
                    ws.growth[gdp_node] = nominal;
                    ws.trend[gdp_node] = trend;
                    out[(gdp.growth_index + t) * stride] = real;
                    out[(gdp.nominal_index + t) * stride] = nominal;
                    out[(gdp.index_index + t) * stride] = gdp_index;
                    if let Some((_, level_index)) = gdp.level {
                        gdp_level *= 1.0 + nominal;
                        out[(level_index + t) * stride] = gdp_level;
                    }
                    continue;
                }
                let s = &self.series[node];
                // Own shocks persist; links and the regime's shift act this year only.
                let shock = s.persistence.get(drawn) * ws.shock[node]
                    + s.volatility.get(drawn) * ws.eps[node];
                ws.shock[node] = shock;
                let mut growth = ws.trend[node] + shock + s.shift.get(drawn) * downturn;
                for link in &s.links {
                    let reference = match link.reference {
                        Reference::Around(around) => around,
                        Reference::Trend => ws.trend[link.node],
                    };
                    growth += link.elasticity.get(drawn) * (ws.growth[link.node] - reference);
                }
                let growth = clamp_growth(growth, &mut clamped);
                ws.growth[node] = growth;
                ws.level[node] *= 1.0 + growth;
                out[(s.level_index + t) * stride] = ws.level[node];
                out[(s.growth_index + t) * stride] = growth;
            }
        }

        let factor = self.execution.as_ref().map(|e| {
            let f = match (levels, self.sampling) {
                (Some(levels), _) => standard_normal_quantile(levels[self.programmes.len()]),
                (None, Sampling::Random) => {
                    StandardNormal.sample(&mut stream_from(ws.seeds.execution, hash))
                }
                (None, design) => standard_normal_quantile(uniform(design, seed, e.key, 0, path)),
            };
            let rho = e.correlation.get(drawn);
            (rho.sqrt() * f, (1.0 - rho).sqrt())
        });
        for &i in &self.programme_order {
            let p = &self.programmes[i];
            let planned = match p.planned {
                Planned::Param(planned) => planned.get(drawn),
                Planned::Programme(source) => ws.delivered[source],
            };
            let in_downturn = ws.downturn[p.year_offset];
            let effect = if in_downturn {
                p.downturn_effect.get(drawn)
            } else {
                0.0
            };
            // Tied by [execution]: the copula's latent normal `x`, delivered
            // as `F⁻¹(Φ(x))`; otherwise the programme's own uniform (given or
            // designed), or a draw straight from its stream.
            let mut rng = stream_from(ws.seeds.programmes[i], hash);
            let given = levels.map(|l| l[i]);
            let draw = match factor.filter(|_| p.in_execution) {
                Some((common, own)) => {
                    let e: f64 = match (given, self.sampling) {
                        (Some(u), _) => standard_normal_quantile(u),
                        (None, Sampling::Random) => StandardNormal.sample(&mut rng),
                        (None, design) => {
                            standard_normal_quantile(uniform(design, seed, p.key, 0, path))
                        }
                    };
                    DeliveryDraw::Latent(common + own * e)
                }
                None => match (given, self.sampling) {
                    (Some(u), _) => DeliveryDraw::Level(u),
                    (None, Sampling::Random) => DeliveryDraw::Stream,
                    (None, design) => DeliveryDraw::Level(uniform(design, seed, p.key, 0, path)),
                },
            };
            let delivered = match &p.delivery {
                Delivery::Ratio {
                    sampler,
                    inverse,
                    score,
                } => {
                    let ratio = match draw {
                        DeliveryDraw::Latent(x) => score.at(x),
                        DeliveryDraw::Level(u) => inverse.quantile(u),
                        DeliveryDraw::Stream => sampler.sample(&mut rng),
                    };
                    planned * ratio * (1.0 + effect)
                }
                Delivery::Count(count) => {
                    let prepared = if in_downturn {
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
                            let n = count.n.unwrap_or_else(|| planned.max(0.0).round() as u64);
                            let q = (count.p * (1.0 + effect)).clamp(0.0, 1.0);
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
            };
            let (delivered, ratio) = if planned > 0.0 {
                (delivered, delivered / planned)
            } else {
                (0.0, 0.0)
            };
            ws.delivered[i] = delivered;
            out[p.ratio_index * stride] = ratio;
            out[p.delivered_index * stride] = delivered;
        }
        clamped
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

    /// This year's unit-variance innovations of every series into `ws.eps`.
    #[inline]
    fn innovations(&self, ws: &mut PathWorkspace, seed: u64, path: u64, year: u64) {
        match self.sampling {
            Sampling::Random => {
                for (z, rng) in ws.z.iter_mut().zip(ws.rngs.iter_mut()) {
                    *z = StandardNormal.sample(rng);
                }
            }
            design => {
                for (z, s) in ws.z.iter_mut().zip(&self.series) {
                    *z = standard_normal_quantile(uniform(
                        design,
                        seed,
                        s.innovation_key,
                        year,
                        path,
                    ));
                }
            }
        }
        ws.eps.copy_from_slice(&ws.z);
        if let Some(c) = &self.correlation {
            let m = c.members.len();
            for i in 0..m {
                let row = &c.lower[i * m..i * m + i + 1];
                let mut sum = 0.0;
                for (j, l) in row.iter().enumerate() {
                    sum += l * ws.z[c.members[j]];
                }
                ws.eps[c.members[i]] = sum;
            }
        }
        if let MarginalModel::StudentT {
            t,
            unit_variance_scale,
        } = &self.marginal
        {
            for e in ws.eps.iter_mut() {
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
