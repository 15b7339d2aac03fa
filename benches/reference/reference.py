#!/usr/bin/env python3
"""An independent NumPy implementation of the xuhui-sim model v2 (docs/model.md,
sections 2 and 3), vectorized over paths, year by year, the way an analyst would write it.

usage: reference.py SCENARIO.toml [--paths N] [--seed S] [--json]

It reads the same scenario files (with `extends`), simulates the same model with
NumPy's own generator (so its numbers agree with xuhui-sim's within Monte Carlo
error, not to the bit) and prints each target's probability and the count of
targets met. It is both the speed baseline of docs/performance.md and a second,
independent reading of the model: the two implementations must agree within
their Monte Carlo errors. It needs NumPy only.
"""
import argparse, json, math, sys, time, tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
GROWTH_FLOOR, GROWTH_CEILING = -0.99, 10.0  # docs/model.md 2.1: growth clamped to [-99 %, +1000 %]
Z95 = 1.959963984540054


class ScenarioError(Exception):
    """A scenario the reference cannot read, or one the model refuses."""


# ---------------------------------------------------------------------------
# Scenario files: `extends` and the merge of a child over its parent
# (docs/scenario-format.md: tables key by key, the child wins; a value table is
# replaced whole; [[target]] entries are merged by name).


def is_value_table(t):
    # A distribution, a number with its source, a growth link or a pipeline's
    # `planned = { programme = ... }` is one value: a child replaces it whole.
    return isinstance(t, dict) and any(key in t for key in ("dist", "value", "elasticity", "programme"))


def merge(parent, child):
    out = dict(parent)
    for key, value in child.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict) and not is_value_table(value):
            out[key] = merge(out[key], value)
        elif key == "target" and key in out:
            merged = list(out[key])
            for item in value:
                names = [m.get("name") for m in merged]
                if item.get("name") in names:
                    merged[names.index(item["name"])] = item
                else:
                    merged.append(item)
            out[key] = merged
        else:
            out[key] = value
    return out


def load(path, chain=()):
    path = Path(path).resolve()
    if path in chain:
        loop = " -> ".join(p.name for p in chain + (path,))
        raise ScenarioError(f"{path.name}: `extends` loops back on itself ({loop})")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    parent = data.get("scenario", {}).pop("extends", None)
    if parent:
        # "builtin:baseline" is the baseline built into the binary: scenarios/baseline.toml
        parent_path = ROOT / "scenarios/baseline.toml" if parent == "builtin:baseline" else path.parent / parent
        data = merge(load(parent_path, chain + (path,)), data)
    return data


# ---------------------------------------------------------------------------
# Special functions, elementwise over arrays (NumPy has neither erf nor an
# incomplete beta function).


def norm_cdf(x):
    """Standard normal CDF: Hart's algorithm 5666 as given by West (2005),
    "Better approximations to cumulative normal functions" (absolute error ~1e-16)."""
    x = np.asarray(x, float)
    z = np.abs(x)
    e = np.exp(-z * z / 2)
    num = (((((3.52624965998911e-02 * z + 0.700383064443688) * z + 6.37396220353165) * z
             + 33.912866078383) * z + 112.079291497871) * z + 221.213596169931) * z + 220.206867912376
    den = ((((((8.83883476483184e-02 * z + 1.75566716318264) * z + 16.064177579207) * z
              + 86.7807322029461) * z + 296.564248779674) * z + 637.333633378831) * z
           + 793.826512519948) * z + 440.413735824752
    far = e / (z + 1 / (z + 2 / (z + 3 / (z + 4 / (z + 0.65))))) / 2.506628274631
    tail = np.where(z < 7.07106781186547, e * num / den, far)  # P(Z < -|x|)
    tail = np.where(z > 37, 0.0, tail)
    return np.where(x > 0, 1 - tail, tail)


def _poly(coefficients, r):
    # Horner's rule, highest power first
    out = np.zeros_like(r)
    for c in coefficients:
        out = out * r + c
    return out


def norm_ppf(u):
    """Standard normal quantile: Wichura (1988), algorithm AS241 (PPND16), relative error ~1e-16."""
    u = np.asarray(u, float)
    q = u - 0.5
    r = 0.180625 - q * q
    central = q * _poly([2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
                         45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
                         133.14166789178437745, 3.387132872796366608], r) \
        / _poly([5226.495278852545561, 28729.085735721942674, 39307.89580009271061,
                 21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
                 42.313330701600911252, 1.0], r)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(-np.log(np.where(q < 0, u, 1 - u)))
    middle = _poly([7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177,
                    1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
                    4.6303378461565452959, 1.42343711074968357734], r - 1.6) \
        / _poly([1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
                 0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
                 2.05319162663775882187, 1.0], r - 1.6)
    far = _poly([2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
                 0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358,
                 5.4637849111641143699, 6.6579046435011037772], r - 5) \
        / _poly([2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
                 7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
                 0.59983220655588793769, 1.0], r - 5)
    tails = np.where(r <= 5, middle, far)
    tails = np.where(q < 0, -tails, tails)
    return np.where(np.abs(q) <= 0.425, central, tails)


def betainc(a, b, x):
    """Regularized incomplete beta function I_x(a, b), elementwise, by its continued
    fraction (modified Lentz), evaluated on the side where it converges fast
    (Numerical Recipes, 3rd ed., section 6.4)."""
    lgamma = np.vectorize(math.lgamma, otypes=[float])
    log_beta = lgamma(a) + lgamma(b) - lgamma(np.add(a, b))  # log B(a, b), symmetric in a and b
    a, b, x = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(x, float))
    swap = x > (a + 1) / (a + b + 2)  # I_x(a, b) = 1 - I_{1-x}(b, a)
    a, b, x = np.where(swap, b, a), np.where(swap, a, b), np.where(swap, 1 - x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        front = np.exp(a * np.log(x) + b * np.log1p(-x) - log_beta) / a
    tiny = 1e-300
    fix = lambda v: np.where(np.abs(v) < tiny, tiny, v)
    c = np.ones_like(x)
    d = 1 / fix(1 - (a + b) * x / (a + 1))
    h = d.copy()
    for m in range(1, 1000):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 / fix(1 + even * d)
        c = fix(1 + even / c)
        h *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 / fix(1 + odd * d)
        c = fix(1 + odd / c)
        h *= d * c
        if np.all(np.abs(d * c - 1) < 1e-15):
            break
    value = np.clip(front * h, 0.0, 1.0)
    value = np.where(x <= 0, 0.0, value)
    return np.where(swap, 1 - value, value)


TABLE_SIZE = 1 << 16
# x on [0, 1], dense at both ends where a beta density may be singular
# (F ~ x^alpha ~ angle^(2 alpha) there)
unit_interval = lambda a: (1 - np.cos(a)) / 2
# t on the real line, dense near the centre and reaching far into the tails
# (for a Cauchy, F is linear in the angle)
real_line = lambda a: np.tan(a - np.pi / 2)


def tabulated_inverse(cdf, to_x):
    """The inverse of a continuous CDF F: on a fine uniform grid of angles a, with
    x = to_x(a), F is computed exactly and a(F) interpolated linearly; the grid
    coordinate bends the way quantile functions do, so the interpolation is smooth."""
    angles = np.linspace(0.0, np.pi, TABLE_SIZE + 1)
    values = np.maximum.accumulate(cdf(to_x(angles)))
    return lambda u: to_x(np.interp(u, values, angles))


def binomial_ppf(u, n, p):
    """Smallest k with P(K <= k) >= u for K ~ Binomial(n, p), elementwise (n whole, p in [0, 1])."""
    u, n, p = np.broadcast_arrays(np.asarray(u, float), np.asarray(n, np.int64), np.asarray(p, float))
    inner = np.clip(p, 1e-300, 1 - 1e-16)
    log_odds = np.log(inner) - np.log1p(-inner)
    log_pmf = n * np.log1p(-inner)  # log P(K = 0)
    cdf = np.zeros(u.shape)
    k_out = n.copy()
    found = np.zeros(u.shape, bool)
    for k in range(int(n.max(initial=0)) + 1):
        cdf = cdf + np.where(k <= n, np.exp(log_pmf), 0.0)
        hit = ~found & (cdf >= u) & (k <= n)
        k_out = np.where(hit, k, k_out)
        found |= hit
        if found.all():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            log_pmf = log_pmf + np.log(np.maximum(n - k, 0) / (k + 1)) + log_odds
    k_out = np.where(p <= 0, 0, k_out)
    return np.where(p >= 1, n, k_out)


# ---------------------------------------------------------------------------
# Distributions (docs/model.md 2.7). Each family has a CDF, a quantile function
# (ppf) and a mean; `sample` is NumPy's own sampler where it has one. Parameters
# may be per-path arrays (a parameter drawn from a distribution, 2.3).


def scalar(value, what):
    if np.ndim(value):
        raise ScenarioError(f"{what} needs fixed parameters in the reference, not distributions")
    return float(value)


class Normal:
    def __init__(self, mean, sd):
        self.m, self.s = mean, sd

    def cdf(self, x):
        return norm_cdf((x - self.m) / self.s)

    def ppf(self, u):
        return self.m + self.s * norm_ppf(u)

    def mean(self):
        return self.m

    def sample(self, rng, n):
        return rng.normal(self.m, self.s, n)


class Lognormal:
    def __init__(self, mu, sigma):
        self.mu, self.sigma = mu, sigma

    def cdf(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, norm_cdf((np.log(np.maximum(x, 1e-300)) - self.mu) / self.sigma), 0.0)

    def ppf(self, u):
        return np.exp(self.mu + self.sigma * norm_ppf(u))

    def mean(self):
        return np.exp(self.mu + self.sigma ** 2 / 2)

    def sample(self, rng, n):
        return rng.lognormal(self.mu, self.sigma, n)


class StudentT:
    """location + scale * T_df."""

    _tables = {}

    def __init__(self, df, location, scale):
        self.df, self.loc, self.scale = df, location, scale

    def standard_cdf(self, t):
        tail = 0.5 * betainc(self.df / 2, 0.5, self.df / (self.df + t * t))  # P(T < -|t|)
        return np.where(t > 0, 1 - tail, tail)

    def cdf(self, x):
        return self.standard_cdf((x - self.loc) / self.scale)

    def ppf(self, u):
        df = scalar(self.df, "the quantile function of a student_t")
        if df not in StudentT._tables:
            StudentT._tables[df] = tabulated_inverse(self.standard_cdf, real_line)
        return self.loc + self.scale * StudentT._tables[df](u)

    def mean(self):
        return self.loc

    def sample(self, rng, n):
        return self.loc + self.scale * rng.standard_t(self.df, n)


class Uniform:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def cdf(self, x):
        return np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def ppf(self, u):
        return self.lo + (self.hi - self.lo) * u

    def mean(self):
        return (self.lo + self.hi) / 2

    def sample(self, rng, n):
        return rng.uniform(self.lo, self.hi, n)


class Triangular:
    def __init__(self, lo, mode, hi):
        self.lo, self.mode, self.hi = lo, mode, hi

    def cdf(self, x):
        lo, c, hi = self.lo, self.mode, self.hi
        x = np.clip(x, lo, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (x - lo) ** 2 / ((hi - lo) * (c - lo))
            right = 1 - (hi - x) ** 2 / ((hi - lo) * (hi - c))
        return np.where(x < c, left, np.where(x > c, right, (c - lo) / (hi - lo)))

    def ppf(self, u):
        lo, c, hi = self.lo, self.mode, self.hi
        split = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - c))
        return np.where(u < split, left, right)

    def mean(self):
        return (self.lo + self.mode + self.hi) / 3

    def sample(self, rng, n):
        return rng.triangular(self.lo, self.mode, self.hi, n)


class Beta:
    """min + (max - min) * Beta(alpha, beta); PERT is one of these."""

    _tables = {}

    def __init__(self, alpha, beta, lo=0.0, hi=1.0):
        self.a, self.b, self.lo, self.hi = alpha, beta, lo, hi

    def cdf(self, x):
        return betainc(self.a, self.b, np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0))

    def ppf(self, u):
        key = (scalar(self.a, "the quantile function of a beta or pert"), scalar(self.b, "a beta or pert"))
        if key not in Beta._tables:
            Beta._tables[key] = tabulated_inverse(lambda x: betainc(key[0], key[1], x), unit_interval)
        return self.lo + (self.hi - self.lo) * Beta._tables[key](u)

    def mean(self):
        return self.lo + (self.hi - self.lo) * self.a / (self.a + self.b)

    def sample(self, rng, n):
        return self.lo + (self.hi - self.lo) * rng.beta(self.a, self.b, n)


def pert(lo, mode, hi, lam=4.0):
    return Beta(1 + lam * (mode - lo) / (hi - lo), 1 + lam * (hi - mode) / (hi - lo), lo, hi)


class TwoPieceNormal:
    """The split normal: a normal of sd sigma_left below the mode, sigma_right above,
    joined at the mode with P(X < mode) = sigma_left / (sigma_left + sigma_right)."""

    def __init__(self, mode, left, right):
        self.mode, self.left, self.right = mode, left, right
        self.p_left = left / (left + right)

    def cdf(self, x):
        below = 2 * self.p_left * norm_cdf((x - self.mode) / self.left)
        above = self.p_left + (1 - self.p_left) * (2 * norm_cdf((x - self.mode) / self.right) - 1)
        return np.where(x < self.mode, below, above)

    def ppf(self, u):
        with np.errstate(divide="ignore", invalid="ignore"):
            below = self.mode + self.left * norm_ppf(u / (2 * self.p_left))
            above = self.mode + self.right * norm_ppf(((u - self.p_left) / (1 - self.p_left) + 1) / 2)
        return np.where(u < self.p_left, below, above)

    def mean(self):
        return self.mode + math.sqrt(2 / math.pi) * (self.right - self.left)

    def sample(self, rng, n):
        return self.ppf(rng.uniform(size=n))


class Fixed:
    def __init__(self, value):
        self.value = value

    def ppf(self, u):
        return np.broadcast_to(self.value, np.shape(u)).astype(float)

    def mean(self):
        return self.value

    def sample(self, rng, n):
        return np.full(n, self.value, dtype=float)


class Truncated:
    """A continuous distribution conditioned on [lower, upper], drawn by its inverse
    CDF between the bounds' CDF values (docs/model.md 2.7)."""

    def __init__(self, family, lower, upper, where):
        self.family, self.lower, self.upper = family, lower, upper
        self.f_lower = family.cdf(lower) if lower is not None else 0.0
        self.f_upper = family.cdf(upper) if upper is not None else 1.0
        if np.any(np.asarray(self.f_upper - self.f_lower) < 1e-9):
            raise ScenarioError(f"{where}: the bounds keep less than 1e-9 of the distribution's mass")

    def ppf(self, u):
        x = self.family.ppf(self.f_lower + u * (self.f_upper - self.f_lower))
        lo = -np.inf if self.lower is None else self.lower
        hi = np.inf if self.upper is None else self.upper
        return np.clip(x, lo, hi)

    def mean(self):
        # the mean of the quantile function, by the midpoint rule on 2^20 points
        u = (np.arange(1 << 20) + 0.5) / (1 << 20)
        return float(np.mean(self.ppf(u)))

    def sample(self, rng, n):
        return self.ppf(rng.uniform(size=n))


def as_spec(node):
    """A value as a table: a bare number or { value } becomes { dist = "fixed" }."""
    if isinstance(node, bool) or not isinstance(node, (int, float, dict)):
        raise ScenarioError(f"expected a number or a value table, found {node!r}")
    if isinstance(node, (int, float)):
        return {"dist": "fixed", "value": float(node)}
    if "dist" in node:
        return node
    if "value" not in node:
        raise ScenarioError(f"a value table needs `value` or `dist`: {node!r}")
    return {"dist": "fixed", "value": float(node["value"])}


def distribution(node, draw, where):
    """The distribution that a value table describes. `draw` resolves its own
    parameters (numbers, or distributions drawn once per path)."""
    spec = as_spec(node)
    kind = spec["dist"]
    get = lambda key, default=None: draw(spec[key], f"{where}.{key}") if key in spec else default
    bounded = "lower" in spec or "upper" in spec
    if kind == "fixed":
        if bounded:
            raise ScenarioError(f"{where}: a fixed value takes no lower/upper bounds")
        return Fixed(float(spec["value"]))
    if kind == "normal":
        family = Normal(get("mean"), get("sd"))
    elif kind == "lognormal":
        if "mu" in spec:
            family = Lognormal(get("mu"), get("sigma"))
        else:
            mean, sd = get("mean"), get("sd")
            s2 = np.log(1 + (sd / mean) ** 2)
            family = Lognormal(np.log(mean) - s2 / 2, np.sqrt(s2))
    elif kind == "student_t":
        family = StudentT(get("df"), get("location", 0.0), get("scale", 1.0))
    elif kind == "uniform":
        family = Uniform(get("min"), get("max"))
    elif kind == "triangular":
        family = Triangular(get("min"), get("mode"), get("max"))
    elif kind == "pert":
        family = pert(get("min"), get("mode"), get("max"), get("lambda", 4.0))
    elif kind == "beta":
        family = Beta(get("alpha"), get("beta"), get("min", 0.0), get("max", 1.0))
    elif kind == "two_piece_normal":
        family = TwoPieceNormal(get("mode"), get("sigma_left"), get("sigma_right"))
    elif kind == "binomial":
        raise ScenarioError(f"{where}: binomial is only for a programme's delivery")
    else:
        raise ScenarioError(f"{where}: unknown distribution {kind!r}")
    if not bounded:
        return family
    bound = lambda key: float(as_spec(spec[key])["value"]) if key in spec else None
    return Truncated(family, bound("lower"), bound("upper"), where)


# ---------------------------------------------------------------------------
# The model, per path (docs/model.md 2.1-2.6), vectorized over paths.


def series_order(names, links, members, has_prices):
    """Nodes (series, "gdp", "prices") in an order where every node comes after
    the nodes it reads (docs/model.md 2.2: the link graph must be acyclic)."""
    deps = {k: [j for j, *_ in links[k]] for k in names}
    if members:
        deps["gdp"] = list(members)
    if has_prices:
        deps["prices"] = []
    for k in names:
        for j in deps[k]:
            if j not in deps:
                raise ScenarioError(f"series.{k}.links.{j}: no such series, `gdp` or `prices`"
                                    + (" (a link to prices needs a [prices] table)" if j == "prices" else ""))
            if j == "gdp" and k in members:
                raise ScenarioError(f"series.{k}.links.gdp: a GDP member cannot link to gdp")
    order, state = [], {}

    def visit(node, stack):
        if state.get(node) == "done":
            return
        if state.get(node) == "open":
            cycle = stack[stack.index(node):] + [node]
            raise ScenarioError("the links form a cycle: " + " -> ".join(cycle))
        state[node] = "open"
        for dep in deps[node]:
            visit(dep, stack + [node])
        state[node] = "done"
        order.append(node)

    for node in deps:
        visit(node, [])
    return order


def simulate(sc, paths, seed):
    rng = np.random.default_rng(seed)

    def draw(node, where="value"):
        """A parameter (docs/model.md 2.3): a number, or a distribution drawn once per path."""
        spec = as_spec(node)
        if spec["dist"] == "fixed":
            return float(spec["value"])
        return distribution(spec, draw, where).sample(rng, paths)

    def number(node, where):
        spec = as_spec(node)
        if spec["dist"] != "fixed":
            raise ScenarioError(f"{where} must be a fixed number")
        return float(spec["value"])

    base_year, end_year = sc["scenario"]["base_year"], sc["scenario"]["end_year"]
    years = list(range(base_year + 1, end_year + 1))
    series = sc.get("series", {})
    names = list(series)
    metrics = {}
    clamped = 0

    # -- series parameters, drawn once per path (2.1, 2.3)
    mu = {k: draw(s["mean_growth"], f"series.{k}.mean_growth") for k, s in series.items()}
    phi = {k: draw(s.get("persistence", 0.0), f"series.{k}.persistence") for k, s in series.items()}
    sigma = {k: draw(s.get("volatility", 0.0), f"series.{k}.volatility") for k, s in series.items()}
    level = {k: draw(s["base"], f"series.{k}.base") * np.ones(paths) for k, s in series.items()}
    shock = {k: (draw(s["growth_base"], f"series.{k}.growth_base") - mu[k]) * np.ones(paths)
             if "growth_base" in s else np.zeros(paths) for k, s in series.items()}  # u[k, base]

    # -- links (2.2): (node, elasticity, around); around is None for a shock link
    links = {}
    for k, s in series.items():
        links[k] = []
        for j, link in s.get("links", {}).items():
            where = f"series.{k}.links.{j}"
            if isinstance(link, dict) and ("elasticity" in link or "around" in link):
                if "elasticity" not in link or "around" not in link:
                    raise ScenarioError(f"{where}: a growth link needs both `elasticity` and `around`")
                extra = set(link) - {"elasticity", "around", "source"}
                if extra:
                    raise ScenarioError(f"{where}: unknown key {sorted(extra)[0]!r} in a growth link")
                links[k].append((j, draw(link["elasticity"], where + ".elasticity"), number(link["around"], where + ".around")))
            else:
                links[k].append((j, draw(link, where), None))

    # -- GDP (2.2): members, their base-year shares, and the optional [gdp] table
    members = [k for k, s in series.items() if "gdp_share" in s]
    weights = {k: number(series[k]["gdp_share"], f"series.{k}.gdp_share") * np.ones(paths) for k in members}
    if members and abs(sum(w[0] for w in weights.values()) - 1) > 1e-9:
        raise ScenarioError("the gdp_share of the GDP members must sum to 1")
    gdp_table = sc.get("gdp", {})
    gdp_level = draw(gdp_table["base"], "gdp.base") * np.ones(paths) if "base" in gdp_table else None
    gdp_index = np.full(paths, 100.0)

    # -- prices (2.2): inflation drawn per path and year (0 without `inflation`);
    #    its mean is the trend a shock link to `prices` measures from
    inflation_dist, expected_inflation = None, 0.0
    if "prices" in sc and "inflation" in sc["prices"]:
        inflation_dist = distribution(sc["prices"]["inflation"], lambda n, w: number(n, w), "prices.inflation")
        expected_inflation = float(inflation_dist.mean())

    order = series_order(names, links, members, "prices" in sc)

    # -- correlated innovations (2.1): a Gaussian copula, normal or unit-variance t marginals
    corr = sc.get("correlation")
    if corr:
        unknown = [s for s in corr["series"] if s not in series]
        if unknown:
            raise ScenarioError(f"correlation.series: no series {unknown[0]!r}")
        corr_members = [names.index(s) for s in corr["series"]]
        try:
            cholesky = np.linalg.cholesky(np.array(corr["matrix"], dtype=float))
        except np.linalg.LinAlgError:
            raise ScenarioError("correlation.matrix is not positive definite")
        marginal = corr.get("marginal", "normal")
        if marginal == "student_t":
            df = float(corr["df"])
            standard_t = StudentT(df, 0.0, 1.0)

    def innovations():
        eps = rng.standard_normal((paths, len(names)))
        if corr:
            eps[:, corr_members] = eps[:, corr_members] @ cholesky.T
            if marginal == "student_t":
                eps = standard_t.ppf(norm_cdf(eps)) * math.sqrt((df - 2) / df)
        return eps

    # -- regime (2.4): a two-state Markov chain, some years forced
    regime = sc.get("regime")
    shift = {k: 0.0 for k in names}
    downturn = np.zeros(paths, bool)
    if regime:
        p_down = draw(regime["downturn_probability"], "regime.downturn_probability")
        p_recover = draw(regime["recovery_probability"], "regime.recovery_probability")
        for k, s in regime.get("shift", {}).items():
            if k not in series:
                raise ScenarioError(f"regime.shift.{k}: no such series")
            shift[k] = draw(s, f"regime.shift.{k}")
        downturn = np.full(paths, regime.get("initial", "normal") == "downturn")
        force = {}
        for year, state in regime.get("force", {}).items():
            if int(year) not in years or state not in ("downturn", "normal"):
                raise ScenarioError(f"regime.force.{year}: force a year of the horizon to \"downturn\" or \"normal\"")
            force[int(year)] = state == "downturn"

    # -- the years
    downturn_in = {}
    for year in years:
        if regime:
            uniform = rng.uniform(size=paths)  # drawn every year, forced or not
            downturn = np.where(downturn, uniform >= p_recover, uniform < p_down)
            if year in force:
                downturn = np.full(paths, force[year])
            metrics[("regime.downturn", year)] = downturn.astype(float)
        downturn_in[year] = downturn
        if inflation_dist is not None:
            inflation = inflation_dist.sample(rng, paths)
            clamped += int(np.count_nonzero((inflation <= GROWTH_FLOOR) | (inflation > GROWTH_CEILING)))
            inflation = np.clip(inflation, GROWTH_FLOOR, GROWTH_CEILING)
            metrics[("prices.inflation", year)] = inflation
        else:
            inflation = np.zeros(paths)
        eps = innovations()
        growth, trend = {}, {}  # this year's growth of every node, and the trend a shock link measures from
        for node in order:
            if node == "prices":
                growth["prices"], trend["prices"] = inflation, expected_inflation
            elif node == "gdp":
                nominal = sum(weights[k] * growth[k] for k in members)
                trend["gdp"] = sum(weights[k] * mu[k] for k in members)  # last year's weights, trends only
                growth["gdp"] = nominal  # links to gdp read nominal growth
                for k in members:
                    weights[k] = weights[k] * (1 + growth[k]) / (1 + nominal)
                real = (1 + nominal) / (1 + inflation) - 1
                gdp_index = gdp_index * (1 + real)
                metrics[("gdp.growth", year)] = real
                metrics[("gdp.nominal_growth", year)] = nominal
                metrics[("gdp.index", year)] = gdp_index
                if gdp_level is not None:
                    gdp_level = gdp_level * (1 + nominal)
                    metrics[("gdp.level", year)] = gdp_level
            else:
                k = node
                # own shocks persist; links and the regime's shift act this year only
                shock[k] = phi[k] * shock[k] + sigma[k] * eps[:, names.index(k)]
                g = mu[k] + shock[k] + shift[k] * downturn
                for j, elasticity, around in links[k]:
                    reference = around if around is not None else trend[j]
                    g = g + elasticity * (growth[j] - reference)
                out_of_range = np.isnan(g) | (g <= GROWTH_FLOOR) | (g > GROWTH_CEILING)
                clamped += int(np.count_nonzero(out_of_range))
                g = np.clip(np.nan_to_num(g, nan=GROWTH_FLOOR), GROWTH_FLOOR, GROWTH_CEILING)
                growth[k], trend[k] = g, mu[k]
                level[k] = level[k] * (1 + g)
                metrics[(f"{k}.growth", year)] = g
                metrics[(f"{k}.level", year)] = level[k]

    simulate_programmes(sc, rng, paths, draw, years, downturn_in, metrics)
    return metrics, clamped


def programme_order(programmes):
    """Programmes after the programmes whose outcome they plan from (pipelines, 2.5)."""
    order, state = [], {}

    def source(name):
        planned = programmes[name]["planned"]
        return planned["programme"] if isinstance(planned, dict) and "programme" in planned else None

    def visit(name, stack):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            raise ScenarioError("the pipelines form a cycle: " + " -> ".join(stack[stack.index(name):] + [name]))
        state[name] = "open"
        src = source(name)
        if src is not None:
            if src not in programmes:
                raise ScenarioError(f"programme.{name}.planned: no programme {src!r}")
            if programmes[src]["year"] > programmes[name]["year"]:
                raise ScenarioError(f"programme.{name}.planned: {src} is of a later year")
            visit(src, stack + [name])
        state[name] = "done"
        order.append(name)

    for name in programmes:
        visit(name, [])
    return order, source


def simulate_programmes(sc, rng, paths, draw, years, downturn_in, metrics):
    """Plan delivery (docs/model.md 2.5): a ratio, or a count of whole items, per
    programme, correlated across programmes by the [execution] copula."""
    programmes = sc.get("programme", {})
    execution = sc.get("execution")
    if execution is not None:
        rho = draw(execution.get("correlation", 0.0), "execution.correlation")
        in_copula = set(execution.get("programmes", programmes))
        for name in in_copula:
            if name not in programmes:
                raise ScenarioError(f"execution.programmes: no programme {name!r}")
        factor = rng.standard_normal(paths)  # F: one per path, shared by every programme and year
    order, source = programme_order(programmes)
    delivered_by = {}
    for name in order:
        prog = programmes[name]
        where = f"programme.{name}"
        year = prog["year"]
        if year not in years:
            raise ScenarioError(f"{where}.year: {year} is not a simulated year ({years[0]}-{years[-1]})")
        src = source(name)
        planned = delivered_by[src] if src is not None else draw(prog["planned"], where + ".planned") * np.ones(paths)
        effect = draw(prog.get("downturn_effect", 0.0), where + ".downturn_effect")
        down = downturn_in[year]
        u = None
        if execution is not None and name in in_copula:
            u = norm_cdf(np.sqrt(rho) * factor + np.sqrt(1 - rho) * rng.standard_normal(paths))
        spec = prog["delivery"]
        if isinstance(spec, dict) and spec.get("dist") == "binomial":
            if "lower" in spec or "upper" in spec:
                raise ScenarioError(f"{where}.delivery: a binomial takes no lower/upper bounds")
            p = draw(spec["p"], where + ".delivery.p")
            if "n" in spec:
                n = draw(spec["n"], where + ".delivery.n") * np.ones(paths)
            else:  # planned rounded half away from zero
                n = np.sign(planned) * np.floor(np.abs(planned) + 0.5)
            n = n.astype(np.int64)
            p = np.where(down, np.clip(p * (1 + effect), 0.0, 1.0), p)  # whole items: a downturn thins p
            count = rng.binomial(n, p) if u is None else binomial_ppf(u, n, p)
            delivered = count.astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = delivered / planned
        else:
            dist = distribution(spec, draw, where + ".delivery")
            ratio = dist.sample(rng, paths) if u is None else dist.ppf(u)
            ratio = np.where(down, ratio * (1 + effect), ratio)
            delivered = planned * ratio
        nothing = planned == 0  # a pipeline whose source delivered nothing
        delivered = np.where(nothing, 0.0, delivered)
        ratio = np.where(nothing, 0.0, ratio)
        delivered_by[name] = delivered
        metrics[(f"{name}.delivered", year)] = delivered
        metrics[(f"{name}.ratio", year)] = ratio


# ---------------------------------------------------------------------------
# Results: every metric's statistics, the targets, the count of targets met (2.6).


def wilson(p, n):
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return [centre - half, centre + half]


def summarize(sc, metrics, paths):
    levels = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99]
    statistics = {
        f"{name}@{year}": {
            "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "quantiles": [float(q) for q in np.quantile(v, levels)],
        }
        for (name, year), v in metrics.items()
    }
    targets, met_by = {}, {}
    for target in sc.get("target", []):
        key = (target["metric"], target["year"])
        if key not in metrics:
            raise ScenarioError(f"target {target['name']}: no metric {key[0]} in {key[1]}")
        values = metrics[key]
        met = values >= target["at_least"] if "at_least" in target else values <= target["at_most"]
        p = float(met.mean())
        targets[target["name"]] = {"metric": key[0], "year": key[1], "probability": p,
                                   "se": math.sqrt(p * (1 - p) / paths)}
        met_by[target["name"]] = met
    targets_met = []
    for year in sorted({t["year"] for t in sc.get("target", [])}):
        groups = {
            "all": [t for t in sc["target"] if t["year"] == year],
            "seed": [t for t in sc["target"] if t["year"] == year and str(t.get("source", "")).startswith("seed:")],
        }
        for group, chosen in groups.items():
            if not chosen:
                continue
            count = sum(met_by[t["name"]].astype(np.int64) for t in chosen)
            n = len(chosen)
            all_met = float((count == n).mean())
            targets_met.append({
                "year": year, "group": group, "targets": n,
                "expected": float(count.mean()),
                "expected_se": float(count.std(ddof=1) / math.sqrt(paths)) if paths > 1 else 0.0,
                "at_least": [float((count >= k).mean()) for k in range(n + 1)],
                "all_met": all_met, "all_met_ci95": wilson(all_met, paths),
            })
    return statistics, targets, targets_met


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        scenario = load(args.scenario)
        started = time.perf_counter()
        metrics, clamped = simulate(scenario, args.paths, args.seed)
        statistics, targets, targets_met = summarize(scenario, metrics, args.paths)
        seconds = time.perf_counter() - started
    except ScenarioError as e:
        print(f"reference.py: {args.scenario}: {e}", file=sys.stderr)
        sys.exit(2)
    summary = {"model": "v2", "paths": args.paths, "seed": args.seed, "seconds": seconds,
               "targets": targets, "targets_met": targets_met, "metrics": statistics,
               "diagnostics": {"clamped_draws": clamped}}
    first = scenario["scenario"]["base_year"] + 1
    if ("gdp.growth", first) in metrics:
        gdp = metrics[("gdp.growth", first)]
        summary.update(gdp_growth_year=first, gdp_growth_mean=float(gdp.mean()),
                       gdp_growth_se=float(gdp.std(ddof=1) / math.sqrt(args.paths)),
                       gdp_growth_p5=float(np.quantile(gdp, 0.05)))
    if args.json:
        print(json.dumps(summary))
        return
    for name, t in targets.items():
        print(f"{name:40s} {t['probability']:.4f} ± {t['se']:.4f}")
    for row in targets_met:
        print(f"targets met {row['year']} {row['group']:4s}: {row['expected']:.3f} of {row['targets']} expected"
              f" (± {row['expected_se']:.3f}), all met {row['all_met']:.4f}")
    print(f"{args.paths} paths in {seconds:.2f} s")


if __name__ == "__main__":
    main()
