//! The district model (spec section 2), compiled from a checked [`Scenario`]
//! into flat arrays the per-path loop can run without lookups or allocation.
//! [`path`] runs one path; [`metrics`] names the values it produces.

pub mod design;
pub mod metrics;
pub mod path;

use crate::dist::{Dist, Sampler};
use crate::rng::InputKey;
use crate::scenario::{check, Bound, Marginal, Param, Scenario};
use metrics::{catalogue, value_count, MetricDef};
use nalgebra::DMatrix;

pub use path::PathWorkspace;

/// Growth rates (and inflation) below this are clamped and counted: a level
/// never loses more than 99 % in a year, so it stays positive.
pub const MIN_GROWTH: f64 = -0.99;

/// Growth rates (and inflation) above this (+1000 % in a year) are clamped and
/// counted too, so that no level overflows to infinity over a long horizon.
pub const MAX_GROWTH: f64 = 10.0;

/// A parameter as the path loop sees it: a constant, or the slot of a value
/// drawn for the path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamRef {
    Const(f64),
    Slot(usize),
}

impl ParamRef {
    #[inline]
    pub fn get(self, drawn: &[f64]) -> f64 {
        match self {
            ParamRef::Const(v) => v,
            ParamRef::Slot(i) => drawn[i],
        }
    }
}

/// A parameter drawn once per path from its own stream.
#[derive(Clone, Debug)]
pub struct RandomParam {
    pub name: String,
    pub key: InputKey,
    pub sampler: Sampler,
    /// For designs that draw by inverse distribution function.
    pub dist: Dist,
}

/// One series' compiled parameters and its metric positions.
#[derive(Clone, Debug)]
pub struct SeriesModel {
    pub base: ParamRef,
    pub growth_base: Option<ParamRef>,
    pub mean_growth: ParamRef,
    pub persistence: ParamRef,
    pub volatility: ParamRef,
    pub shift: ParamRef,
    /// (node, elasticity): node < series count is a series, == series count is GDP.
    pub links: Vec<(usize, ParamRef)>,
    pub innovation_key: InputKey,
    pub level_index: usize,
    pub growth_index: usize,
}

/// GDP as the share-weighted aggregate of its member series (spec 2.2).
#[derive(Clone, Debug)]
pub struct GdpModel {
    pub members: Vec<(usize, f64)>,
    pub growth_index: usize,
    pub nominal_index: usize,
    pub index_index: usize,
}

/// The GDP deflator's growth, drawn per path and year.
#[derive(Clone, Debug)]
pub struct InflationModel {
    pub key: InputKey,
    pub sampler: Sampler,
    pub dist: Dist,
    pub metric_index: usize,
}

/// Correlated innovations: `eps = L z` over the member series.
#[derive(Clone, Debug)]
pub struct CorrelationModel {
    pub members: Vec<usize>,
    /// Lower Cholesky factor, row-major, `members.len()²`.
    pub lower: Vec<f64>,
}

/// The innovations' marginal, applied to every series after correlation.
#[derive(Clone, Debug)]
pub enum MarginalModel {
    Normal,
    /// Gaussian copula to Student t: `eps = F_t⁻¹(Φ(e)) * sqrt((df-2)/df)`.
    StudentT {
        t: statrs::distribution::StudentsT,
        unit_variance_scale: f64,
    },
}

/// The normal/downturn Markov chain.
#[derive(Clone, Debug)]
pub struct RegimeModel {
    pub key: InputKey,
    pub downturn_probability: ParamRef,
    pub recovery_probability: ParamRef,
    pub initial_downturn: bool,
    pub metric_index: usize,
}

/// How a programme's delivery is drawn.
#[derive(Clone, Debug)]
pub enum Delivery {
    Ratio(Sampler, Dist),
    /// Count of `planned` items each delivered with probability p; with its
    /// exact inverse distribution function for designs.
    Count(rand_distr::Binomial, crate::dist::BinomialInverse),
}

/// One programme's compiled form.
#[derive(Clone, Debug)]
pub struct ProgrammeModel {
    pub key: InputKey,
    pub planned: ParamRef,
    pub delivery: Delivery,
    pub downturn_effect: ParamRef,
    /// Years after the base year (1 = the first simulated year).
    pub year_offset: usize,
    pub delivered_index: usize,
    pub ratio_index: usize,
}

/// A target as an index into a path's values and a bound.
#[derive(Clone, Debug)]
pub struct TargetModel {
    pub value_index: usize,
    pub year: i32,
    pub bound: Bound,
}

/// A scenario ready to simulate.
#[derive(Clone, Debug)]
pub struct Model {
    pub base_year: i32,
    /// How the random inputs are sampled.
    pub sampling: design::Sampling,
    /// Simulated years, `end_year - base_year`.
    pub years: usize,
    pub params: Vec<RandomParam>,
    pub series: Vec<SeriesModel>,
    /// Node indices in evaluation order (series by index, GDP = series count).
    pub order: Vec<usize>,
    pub gdp: Option<GdpModel>,
    pub inflation: Option<InflationModel>,
    pub correlation: Option<CorrelationModel>,
    pub marginal: MarginalModel,
    pub regime: Option<RegimeModel>,
    pub programmes: Vec<ProgrammeModel>,
    pub metrics: Vec<MetricDef>,
    pub value_count: usize,
    pub targets: Vec<TargetModel>,
}

/// The stream name of a parameter drawn per path.
pub fn param_stream_name(key: &str) -> String {
    format!("param:{key}")
}

struct Compiler {
    params: Vec<RandomParam>,
}

impl Compiler {
    fn param(&mut self, p: &Param) -> ParamRef {
        if let Dist::Fixed { value } = p.dist {
            return ParamRef::Const(value);
        }
        let sampler = Sampler::new(&p.dist)
            .ok()
            .flatten()
            .unwrap_or(Sampler::Fixed(p.dist.mean()));
        self.params.push(RandomParam {
            name: p.key.clone(),
            key: InputKey::new(&param_stream_name(&p.key)),
            sampler,
            dist: p.dist.clone(),
        });
        ParamRef::Slot(self.params.len() - 1)
    }
}

impl Model {
    /// Compiles a checked scenario. Fails only if a check was bypassed.
    pub fn compile(s: &Scenario) -> Result<Model, String> {
        let metrics = catalogue(s);
        let index = |name: &str, year: i32| -> usize {
            metrics
                .iter()
                .find(|m| m.name == name)
                .map(|m| m.index(year))
                .unwrap_or(usize::MAX)
        };
        let first_year = s.base_year + 1;
        let mut compiler = Compiler { params: Vec::new() };
        let node_of = |name: &str| -> usize {
            if name == "gdp" {
                s.series.len()
            } else {
                s.series
                    .iter()
                    .position(|x| x.name == name)
                    .unwrap_or(usize::MAX)
            }
        };
        let mut series = Vec::with_capacity(s.series.len());
        for x in &s.series {
            let shift = s
                .regime
                .as_ref()
                .and_then(|r| r.shift.iter().find(|(n, _)| *n == x.name))
                .map(|(_, p)| p.clone());
            let links = x
                .links
                .iter()
                .map(|(to, p)| (node_of(to), compiler.param(p)))
                .collect();
            series.push(SeriesModel {
                base: compiler.param(&x.base),
                growth_base: x.growth_base.as_ref().map(|p| compiler.param(p)),
                mean_growth: compiler.param(&x.mean_growth),
                persistence: compiler.param(&x.persistence),
                volatility: compiler.param(&x.volatility),
                shift: shift
                    .map(|p| compiler.param(&p))
                    .unwrap_or(ParamRef::Const(0.0)),
                links,
                innovation_key: InputKey::new(&format!("innovation:{}", x.name)),
                level_index: index(&format!("{}.level", x.name), first_year),
                growth_index: index(&format!("{}.growth", x.name), first_year),
            });
        }
        let members: Vec<(usize, f64)> = s
            .series
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.gdp_share.map(|w| (i, w)))
            .collect();
        let gdp = (!members.is_empty()).then(|| GdpModel {
            members,
            growth_index: index("gdp.growth", first_year),
            nominal_index: index("gdp.nominal_growth", first_year),
            index_index: index("gdp.index", first_year),
        });
        let order = check::evaluation_order(&check::dependencies(s))
            .map_err(|_| "the link graph has a cycle".to_string())?;
        let order = order
            .into_iter()
            .filter(|&n| n < s.series.len() || gdp.is_some())
            .collect();
        let inflation = match &s.inflation {
            None => None,
            Some(p) => Some(InflationModel {
                key: InputKey::new("prices.inflation"),
                sampler: Sampler::new(&p.dist)?.ok_or("inflation cannot be binomial")?,
                dist: p.dist.clone(),
                metric_index: index("prices.inflation", first_year),
            }),
        };
        let correlation = match &s.correlation {
            None => None,
            Some(c) => {
                let n = c.series.len();
                let matrix = DMatrix::from_fn(n, n, |i, j| c.matrix[i][j]);
                let chol = matrix
                    .cholesky()
                    .ok_or("the correlation matrix is not positive definite")?;
                let l = chol.l();
                Some(CorrelationModel {
                    members: c.series.iter().map(|name| node_of(name)).collect(),
                    lower: (0..n)
                        .flat_map(|i| (0..n).map(move |j| (i, j)))
                        .map(|(i, j)| l[(i, j)])
                        .collect(),
                })
            }
        };
        let marginal = match s.correlation.as_ref().map(|c| c.marginal) {
            Some(Marginal::StudentT { df }) => MarginalModel::StudentT {
                t: statrs::distribution::StudentsT::new(0.0, 1.0, df).map_err(|e| e.to_string())?,
                unit_variance_scale: ((df - 2.0) / df).sqrt(),
            },
            _ => MarginalModel::Normal,
        };
        let regime = s.regime.as_ref().map(|r| RegimeModel {
            key: InputKey::new("regime"),
            downturn_probability: compiler.param(&r.downturn_probability),
            recovery_probability: compiler.param(&r.recovery_probability),
            initial_downturn: r.initial_downturn,
            metric_index: index("regime.downturn", first_year),
        });
        let mut programmes = Vec::with_capacity(s.programmes.len());
        for p in &s.programmes {
            let delivery = match p.delivery.dist {
                Dist::Binomial { p: probability } => {
                    let planned = p.planned.dist.mean().round() as u64;
                    Delivery::Count(
                        rand_distr::Binomial::new(planned, probability)
                            .map_err(|e| e.to_string())?,
                        crate::dist::BinomialInverse::new(planned, probability)?,
                    )
                }
                ref other => Delivery::Ratio(
                    Sampler::new(other)?.ok_or("unexpected binomial")?,
                    other.clone(),
                ),
            };
            programmes.push(ProgrammeModel {
                key: InputKey::new(&format!("programme:{}", p.name)),
                planned: compiler.param(&p.planned),
                delivery,
                downturn_effect: compiler.param(&p.downturn_effect),
                year_offset: (p.year - s.base_year) as usize,
                delivered_index: index(&format!("{}.delivered", p.name), p.year),
                ratio_index: index(&format!("{}.ratio", p.name), p.year),
            });
        }
        let targets = s
            .targets
            .iter()
            .map(|t| TargetModel {
                value_index: index(&t.metric, t.year),
                year: t.year,
                bound: t.bound,
            })
            .collect();
        Ok(Model {
            base_year: s.base_year,
            sampling: design::Sampling::parse(&s.run.sampling)
                .ok_or_else(|| format!("unknown sampling {}", s.run.sampling))?,
            years: (s.end_year - s.base_year) as usize,
            params: compiler.params,
            series,
            order,
            gdp,
            inflation,
            correlation,
            marginal,
            regime,
            programmes,
            value_count: value_count(&metrics),
            metrics,
            targets,
        })
    }
}
