//! The district model (docs/model.md), compiled from a checked [`Scenario`]
//! into flat arrays the per-path loop can run without lookups or allocation.
//! [`path`] runs one path; [`metrics`] names the values it produces.

pub mod design;
pub mod path;

/// The metric catalogue, defined by the scenario layer.
pub use crate::scenario::metrics;

use crate::dist::{BinomialNormalScore, Dist, FastInverse, NormalScore, Sampler};
use crate::rng::InputKey;
use crate::scenario::{check, Bound, Marginal, Param, Scenario, SourceKind};
use metrics::{catalogue, value_count, MetricDef};
use nalgebra::DMatrix;

pub use path::PathWorkspace;

/// Growth rates (and inflation) below this are clamped and counted: a level
/// never loses more than 99 % in a year, so it stays positive.
pub(crate) const MIN_GROWTH: f64 = -0.99;

/// Growth rates (and inflation) above this (+1000 % in a year) are clamped and
/// counted too, so that no level overflows to infinity over a long horizon.
pub(crate) const MAX_GROWTH: f64 = 10.0;

/// A parameter as the path loop sees it: a constant, or the slot of a value
/// drawn for the path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamRef {
    Const(f64),
    Slot(usize),
}

impl ParamRef {
    #[inline]
    pub(crate) fn get(self, drawn: &[f64]) -> f64 {
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

/// What a link's linked growth is measured from (docs/model.md, "Links").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reference {
    /// A growth link: a fixed growth of the linked node.
    Around(f64),
    /// A shock link: the linked node's trend on this path.
    Trend,
}

/// One compiled link: `elasticity * (growth[node] - reference)`.
#[derive(Clone, Copy, Debug)]
pub struct LinkModel {
    /// A series index, [`Model::gdp_node`] or [`Model::prices_node`].
    pub node: usize,
    pub elasticity: ParamRef,
    pub reference: Reference,
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
    pub links: Vec<LinkModel>,
    pub innovation_key: InputKey,
    pub level_index: usize,
    pub growth_index: usize,
}

/// GDP as the share-weighted aggregate of its member series (docs/model.md, "GDP and prices").
#[derive(Clone, Debug)]
pub struct GdpModel {
    pub members: Vec<(usize, f64)>,
    pub growth_index: usize,
    pub nominal_index: usize,
    pub index_index: usize,
    /// `[gdp] base` and the position of `gdp.level`, when given.
    pub level: Option<(ParamRef, usize)>,
}

/// The GDP deflator's growth, drawn per path and year.
#[derive(Clone, Debug)]
pub struct InflationModel {
    pub key: InputKey,
    pub sampler: Sampler,
    pub dist: Dist,
    /// `E[inflation]`: the trend a shock link to `prices` reads.
    pub mean: f64,
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
    /// Per simulated year (index 0 = the first): the state forced by `force`.
    pub force: Vec<Option<bool>>,
    pub metric_index: usize,
}

/// How a programme's delivery is drawn.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// A ratio of the plan.
    Ratio {
        /// For a plain draw from the programme's own stream.
        sampler: Sampler,
        /// `F⁻¹(u)`, for sampling designs and given levels.
        inverse: FastInverse,
        /// `F⁻¹(Φ(x))`, for the `[execution]` copula's latent normal `x`.
        score: NormalScore,
    },
    /// A count of whole items.
    Count(CountDelivery),
}

/// A binomial delivery over `n` candidates (docs/model.md, "Programmes").
#[derive(Clone, Debug)]
pub struct CountDelivery {
    pub p: f64,
    /// Candidates when the file gives `n`; otherwise the path's plan, rounded.
    pub n: Option<u64>,
    /// Prepared draws for the usual case (a fixed count, with and without a
    /// downturn of a fixed effect).
    pub normal: Option<PreparedCount>,
    pub downturn: Option<PreparedCount>,
}

/// A binomial prepared for both plain draws and inversion.
#[derive(Clone, Debug)]
pub struct PreparedCount {
    pub n: u64,
    pub p: f64,
    pub binomial: rand_distr::Binomial,
    pub inverse: crate::dist::BinomialInverse,
    /// `F⁻¹(Φ(x))` for the `[execution]` copula (`None` for a wide support).
    pub score: Option<BinomialNormalScore>,
}

impl PreparedCount {
    fn new(n: u64, p: f64) -> Result<Self, String> {
        let inverse = crate::dist::BinomialInverse::new(n, p)?;
        Ok(PreparedCount {
            n,
            p,
            binomial: rand_distr::Binomial::new(n, p).map_err(|e| e.to_string())?,
            score: inverse.normal_score(),
            inverse,
        })
    }
}

/// Where a programme's plan comes from.
#[derive(Clone, Copy, Debug)]
pub enum Planned {
    Param(ParamRef),
    /// A pipeline: the delivered quantity of programme `index` on the same path.
    Programme(usize),
}

/// One programme's compiled form.
#[derive(Clone, Debug)]
pub struct ProgrammeModel {
    pub key: InputKey,
    /// `programme.NAME.delivery`, its dotted key.
    pub delivery_key: String,
    pub planned: Planned,
    pub delivery: Delivery,
    pub downturn_effect: ParamRef,
    /// Whether `[execution]` ties its delivery to the common factor.
    pub in_execution: bool,
    /// Years after the base year (1 = the first simulated year).
    pub year_offset: usize,
    pub delivered_index: usize,
    pub ratio_index: usize,
}

/// The `[execution]` copula's common factor.
#[derive(Clone, Debug)]
pub struct ExecutionModel {
    pub key: InputKey,
    pub correlation: ParamRef,
}

/// A target as an index into a path's values and a bound.
#[derive(Clone, Debug)]
pub struct TargetModel {
    pub value_index: usize,
    pub year: i32,
    pub bound: Bound,
    /// Whether the target is the article's own (`source` starting with `seed`).
    pub seed: bool,
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
    /// Node indices in evaluation order (series by index, then GDP, then prices).
    pub order: Vec<usize>,
    pub gdp: Option<GdpModel>,
    pub inflation: Option<InflationModel>,
    pub correlation: Option<CorrelationModel>,
    pub marginal: MarginalModel,
    pub regime: Option<RegimeModel>,
    pub programmes: Vec<ProgrammeModel>,
    /// Programme indices in evaluation order (pipelines after their sources).
    pub programme_order: Vec<usize>,
    pub execution: Option<ExecutionModel>,
    pub metrics: Vec<MetricDef>,
    pub value_count: usize,
    pub targets: Vec<TargetModel>,
}

/// The stream name of a parameter drawn per path.
pub(crate) fn param_stream_name(key: &str) -> String {
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
    /// The number of per-path inputs a run can keep besides the metric
    /// values: every parameter drawn per path, then the count of downturn
    /// years when there is a regime (see `PathWorkspace::write_inputs`).
    pub(crate) fn input_slots(&self) -> usize {
        self.params.len() + usize::from(self.regime.is_some())
    }

    /// The node index of GDP in the link graph.
    pub(crate) fn gdp_node(&self) -> usize {
        self.series.len()
    }

    /// The node index of prices in the link graph.
    pub(crate) fn prices_node(&self) -> usize {
        self.series.len() + 1
    }

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
        let n = s.series.len();
        let node_of = |name: &str| -> usize {
            match name {
                "gdp" => n,
                "prices" => n + 1,
                _ => s
                    .series
                    .iter()
                    .position(|x| x.name == name)
                    .unwrap_or(usize::MAX),
            }
        };
        let mut series = Vec::with_capacity(n);
        for x in &s.series {
            let shift = s
                .regime
                .as_ref()
                .and_then(|r| r.shift.iter().find(|(name, _)| *name == x.name))
                .map(|(_, p)| p.clone());
            let mut links: Vec<LinkModel> = x
                .links
                .iter()
                .map(|l| LinkModel {
                    node: node_of(&l.to),
                    elasticity: compiler.param(&l.elasticity),
                    reference: match l.around {
                        Some(around) => Reference::Around(around),
                        None => Reference::Trend,
                    },
                })
                .collect();
            // Summed in node order, not file order: the resolved scenario.toml
            // may list a series' links in another order (plain values before
            // tables), and a merge or a re-run from it must add them alike.
            links.sort_by_key(|l| l.node);
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
        let gdp_level = s
            .gdp
            .as_ref()
            .and_then(|g| g.base.as_ref())
            .map(|base| (compiler.param(base), index("gdp.level", first_year)));
        let gdp = (!members.is_empty()).then(|| GdpModel {
            members,
            growth_index: index("gdp.growth", first_year),
            nominal_index: index("gdp.nominal_growth", first_year),
            index_index: index("gdp.index", first_year),
            level: gdp_level,
        });
        let order = check::evaluation_order(&check::dependencies(s))
            .map_err(|_| "the link graph has a cycle".to_string())?;
        // GDP only when it exists; prices are read, never evaluated.
        let order = order
            .into_iter()
            .filter(|&node| node < n || (node == n && gdp.is_some()))
            .collect();
        let inflation = match &s.inflation {
            None => None,
            Some(p) => Some(InflationModel {
                key: InputKey::new("prices.inflation"),
                sampler: Sampler::new(&p.dist)?.ok_or("inflation cannot be binomial")?,
                dist: p.dist.clone(),
                mean: p.dist.mean(),
                metric_index: index("prices.inflation", first_year),
            }),
        };
        let correlation = match &s.correlation {
            None => None,
            Some(c) => {
                let m = c.series.len();
                let matrix = DMatrix::from_fn(m, m, |i, j| c.matrix[i][j]);
                let chol = matrix
                    .cholesky()
                    .ok_or("the correlation matrix is not positive definite")?;
                let l = chol.l();
                Some(CorrelationModel {
                    members: c.series.iter().map(|name| node_of(name)).collect(),
                    lower: (0..m)
                        .flat_map(|i| (0..m).map(move |j| (i, j)))
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
        let years = (s.end_year - s.base_year) as usize;
        let regime = s.regime.as_ref().map(|r| {
            let mut force = vec![None; years];
            for &(year, downturn, _) in &r.force {
                if let Some(slot) = force.get_mut((year - first_year) as usize) {
                    *slot = Some(downturn);
                }
            }
            RegimeModel {
                key: InputKey::new("regime"),
                downturn_probability: compiler.param(&r.downturn_probability),
                recovery_probability: compiler.param(&r.recovery_probability),
                initial_downturn: r.initial_downturn,
                force,
                metric_index: index("regime.downturn", first_year),
            }
        });
        let execution = s.execution.as_ref().map(|e| ExecutionModel {
            key: InputKey::new("execution"),
            correlation: compiler.param(&e.correlation),
        });
        let mut programmes = Vec::with_capacity(s.programmes.len());
        for p in &s.programmes {
            let downturn_effect = compiler.param(&p.downturn_effect);
            let planned = match &p.planned_from {
                Some((from, _)) => Planned::Programme(
                    s.programmes
                        .iter()
                        .position(|q| q.name == *from)
                        .ok_or_else(|| format!("unknown pipeline source {from}"))?,
                ),
                None => Planned::Param(compiler.param(&p.planned)),
            };
            let delivery = match p.delivery.dist {
                Dist::Binomial { p: probability, n } => {
                    let fixed_n = n.or(match (planned, &p.planned.dist) {
                        (Planned::Param(_), Dist::Fixed { value }) => Some(value.round() as u64),
                        _ => None,
                    });
                    let prepared = |q: f64| {
                        fixed_n
                            .map(|count| PreparedCount::new(count, q))
                            .transpose()
                    };
                    let downturn = match downturn_effect {
                        ParamRef::Const(effect) => {
                            prepared((probability * (1.0 + effect)).clamp(0.0, 1.0))?
                        }
                        ParamRef::Slot(_) => None,
                    };
                    Delivery::Count(CountDelivery {
                        p: probability,
                        n,
                        normal: prepared(probability)?,
                        downturn,
                    })
                }
                ref other => Delivery::Ratio {
                    sampler: Sampler::new(other)?.ok_or("unexpected binomial")?,
                    inverse: FastInverse::new(other),
                    score: NormalScore::new(other),
                },
            };
            let in_execution = s
                .execution
                .as_ref()
                .is_some_and(|e| e.programmes.is_empty() || e.programmes.contains(&p.name));
            programmes.push(ProgrammeModel {
                key: InputKey::new(&format!("programme:{}", p.name)),
                delivery_key: p.delivery.key.clone(),
                planned,
                delivery,
                downturn_effect,
                in_execution,
                year_offset: (p.year - s.base_year) as usize,
                delivered_index: index(&format!("{}.delivered", p.name), p.year),
                ratio_index: index(&format!("{}.ratio", p.name), p.year),
            });
        }
        let programme_order = check::programme_order(s)
            .map_err(|_| "the programmes' pipelines form a cycle".to_string())?;
        let targets = s
            .targets
            .iter()
            .map(|t| TargetModel {
                value_index: index(&t.metric, t.year),
                year: t.year,
                bound: t.bound,
                seed: SourceKind::of(t.source.as_deref()) == SourceKind::Seed,
            })
            .collect();
        Ok(Model {
            base_year: s.base_year,
            sampling: s.run.sampling,
            years,
            params: compiler.params,
            series,
            order,
            gdp,
            inflation,
            correlation,
            marginal,
            regime,
            programmes,
            programme_order,
            execution,
            value_count: value_count(&metrics),
            metrics,
            targets,
        })
    }
}
