//! One simulated future: parameters drawn, then year by year the regime, the
//! innovations, each node in link order, and the programmes (spec 2.1-2.5).
//! Writes every metric value of the path into a flat buffer; allocates nothing.

use super::design::{uniform, Sampling};
use super::{Delivery, MarginalModel, Model, MAX_GROWTH, MIN_GROWTH};
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
    dev: Vec<f64>,
    growth: Vec<f64>,
    level: Vec<f64>,
    mean_growth: Vec<f64>,
    weights: Vec<f64>,
    downturn: Vec<bool>,
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
            dev: vec![0.0; n + 1],
            growth: vec![0.0; n + 1],
            level: vec![0.0; n],
            mean_growth: vec![0.0; n],
            weights: vec![0.0; n],
            downturn: vec![false; model.years + 1],
            seeds: InputSeeds::default(),
        }
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
        let clamped = self.simulate_hashed(seed, path, hash, &drawn, ws, out, stride);
        ws.drawn = drawn;
        clamped
    }

    /// The parameters drawn per path (in the order of `self.params`) of path
    /// `path` of a run seeded with `seed`.
    pub fn draw_params(&self, seed: u64, path: u64, drawn: &mut [f64]) {
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
        for (p, &input) in self.programmes.iter().zip(&ws.seeds.programmes) {
            let mut rng = stream_from(input, hash);
            total += match &p.delivery {
                Delivery::Ratio(sampler, _) => sampler.sample(&mut rng),
                Delivery::Count(binomial, _) => binomial.sample(&mut rng) as f64,
            };
        }
        total
    }

    /// Like [`simulate_path`](Self::simulate_path), with the per-path
    /// parameters given (`drawn`, in the order of `self.params`) instead of
    /// drawn: the rest of the path's randomness still comes from `seed` and
    /// `path`. This is how variance-based sensitivity analysis mixes the
    /// parameters of one path with the noise of another.
    pub fn simulate_path_given(
        &self,
        seed: u64,
        path: u64,
        drawn: &[f64],
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        ws.seeds.refresh(self, seed);
        self.simulate_hashed(seed, path, path_hash(path), drawn, ws, out, stride)
    }

    /// [`simulate_path_given`](Self::simulate_path_given) once the
    /// workspace's input seeds are those of `seed` and `hash` is the path's
    /// [`path_hash`].
    #[allow(clippy::too_many_arguments)]
    fn simulate_hashed(
        &self,
        seed: u64,
        path: u64,
        hash: u64,
        drawn: &[f64],
        ws: &mut PathWorkspace,
        out: &mut [f64],
        stride: usize,
    ) -> u64 {
        let mut clamped = 0;
        let n = self.series.len();
        for (k, s) in self.series.iter().enumerate() {
            let mu = s.mean_growth.get(drawn);
            ws.mean_growth[k] = mu;
            ws.dev[k] = s.growth_base.map(|g| g.get(drawn) - mu).unwrap_or(0.0);
            ws.level[k] = s.base.get(drawn);
            ws.rngs[k] = stream_from(ws.seeds.innovations[k], hash);
        }
        if let Some(gdp) = &self.gdp {
            for &(k, w) in &gdp.members {
                ws.weights[k] = w;
            }
        }
        let (mut regime_rng, mut inflation_rng) = self.year_streams(&ws.seeds, hash);
        let mut in_downturn = self.regime.as_ref().is_some_and(|r| r.initial_downturn);
        let mut gdp_index = 100.0;

        for t in 0..self.years {
            // Regime: one uniform per year, whatever the state.
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
                if inflation <= MIN_GROWTH || inflation > MAX_GROWTH || inflation.is_nan() {
                    inflation = if inflation > MAX_GROWTH {
                        MAX_GROWTH
                    } else {
                        MIN_GROWTH
                    };
                    clamped += 1;
                }
                out[(i.metric_index + t) * stride] = inflation;
            }
            self.innovations(ws, seed, path, t as u64);
            for &node in &self.order {
                if node == n {
                    let Some(gdp) = &self.gdp else { continue };
                    let mut nominal = 0.0;
                    let mut expected = 0.0;
                    for &(k, _) in &gdp.members {
                        nominal += ws.weights[k] * ws.growth[k];
                        expected += ws.weights[k] * ws.mean_growth[k];
                    }
                    let rescale = 1.0 / (1.0 + nominal);
                    for &(k, _) in &gdp.members {
                        ws.weights[k] *= (1.0 + ws.growth[k]) * rescale;
                    }
                    let real = (1.0 + nominal) / (1.0 + inflation) - 1.0;
                    gdp_index *= 1.0 + real;
                    ws.dev[n] = nominal - expected;
                    ws.growth[n] = real;
                    out[(gdp.growth_index + t) * stride] = real;
                    out[(gdp.nominal_index + t) * stride] = nominal;
                    out[(gdp.index_index + t) * stride] = gdp_index;
                    continue;
                }
                let s = &self.series[node];
                let mut dev = s.persistence.get(drawn) * ws.dev[node]
                    + s.volatility.get(drawn) * ws.eps[node]
                    + s.shift.get(drawn) * downturn;
                for &(to, elasticity) in &s.links {
                    dev += elasticity.get(drawn) * ws.dev[to];
                }
                let mu = ws.mean_growth[node];
                let mut growth = mu + dev;
                if growth <= MIN_GROWTH || growth > MAX_GROWTH || growth.is_nan() {
                    growth = if growth > MAX_GROWTH {
                        MAX_GROWTH
                    } else {
                        MIN_GROWTH
                    };
                    dev = growth - mu;
                    clamped += 1;
                }
                // Same-year links read this year's deviation: it replaces last year's here,
                // and nodes are visited in dependency order.
                ws.dev[node] = dev;
                ws.growth[node] = growth;
                ws.level[node] *= 1.0 + growth;
                out[(s.level_index + t) * stride] = ws.level[node];
                out[(s.growth_index + t) * stride] = growth;
            }
        }

        for (p, &input) in self.programmes.iter().zip(&ws.seeds.programmes) {
            let planned = p.planned.get(drawn);
            let mut ratio = match (self.sampling, &p.delivery) {
                (Sampling::Random, Delivery::Ratio(sampler, _)) => {
                    sampler.sample(&mut stream_from(input, hash))
                }
                (Sampling::Random, Delivery::Count(binomial, _)) => {
                    binomial.sample(&mut stream_from(input, hash)) as f64 / planned
                }
                (design, Delivery::Ratio(_, dist)) => {
                    dist.quantile(uniform(design, seed, p.key, 0, path))
                }
                (design, Delivery::Count(_, inverse)) => {
                    inverse.quantile(uniform(design, seed, p.key, 0, path)) as f64 / planned
                }
            };
            if ws.downturn[p.year_offset] {
                ratio *= 1.0 + p.downturn_effect.get(drawn);
            }
            out[(p.ratio_index) * stride] = ratio;
            out[(p.delivered_index) * stride] = planned * ratio;
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

/// Φ⁻¹(u), the standard normal quantile (statrs, via the inverse error function).
#[inline]
fn standard_normal_quantile(u: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u)
}
