#!/usr/bin/env python3
"""An independent NumPy implementation of the xuhui-sim model (spec sections 2-3),
vectorized over paths, year by year, the way an analyst would write it.

usage: reference.py SCENARIO.toml [--paths N] [--seed S] [--json]

It reads the same scenario files (with `extends`), simulates the same model with
NumPy's own generator (so its numbers agree with xuhui-sim's within Monte Carlo
error, not to the bit) and prints each target's probability. It is both the
speed baseline of docs/performance.md and a second, independent reading of the
spec: the two implementations must agree within their Monte Carlo errors.
"""
import argparse, json, math, sys, time, tomllib
from pathlib import Path

import numpy as np


def is_value_table(t):
    return isinstance(t, dict) and ("dist" in t or "value" in t)


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


def load(path):
    path = Path(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    parent = data.get("scenario", {}).get("extends")
    if parent:
        data = merge(load(path.parent / parent), data)
    data.get("scenario", {}).pop("extends", None)
    return data


def spec_of(node):
    if isinstance(node, (int, float)):
        return {"dist": "fixed", "value": float(node)}
    if "dist" in node:
        return node
    return {"dist": "fixed", "value": float(node["value"])}


def mean_of(spec):
    d = spec["dist"]
    if d == "fixed":
        return spec["value"]
    if d in ("normal",):
        return spec["mean"]
    if d == "uniform":
        return (spec["min"] + spec["max"]) / 2
    if d == "triangular":
        return (spec["min"] + spec["mode"] + spec["max"]) / 3
    if d == "pert":
        lam = spec.get("lambda", 4.0)
        return (spec["min"] + lam * spec["mode"] + spec["max"]) / (lam + 2)
    raise ValueError(d)


def draw(rng, spec, size):
    d = spec["dist"]
    if d == "fixed":
        return np.full(size, float(spec["value"]))
    if d == "normal":
        return rng.normal(spec["mean"], spec["sd"], size)
    if d == "lognormal":
        if "mu" in spec:
            mu, sigma = spec["mu"], spec["sigma"]
        else:
            s2 = math.log(1 + (spec["sd"] / spec["mean"]) ** 2)
            mu, sigma = math.log(spec["mean"]) - s2 / 2, math.sqrt(s2)
        return rng.lognormal(mu, sigma, size)
    if d == "student_t":
        return spec.get("location", 0.0) + spec.get("scale", 1.0) * rng.standard_t(spec["df"], size)
    if d == "uniform":
        return rng.uniform(spec["min"], spec["max"], size)
    if d == "triangular":
        return rng.triangular(spec["min"], spec["mode"], spec["max"], size)
    if d == "pert":
        lo, mode, hi, lam = spec["min"], spec["mode"], spec["max"], spec.get("lambda", 4.0)
        a = 1 + lam * (mode - lo) / (hi - lo)
        b = 1 + lam * (hi - mode) / (hi - lo)
        return lo + (hi - lo) * rng.beta(a, b, size)
    if d == "beta":
        lo, hi = spec.get("min", 0.0), spec.get("max", 1.0)
        return lo + (hi - lo) * rng.beta(spec["alpha"], spec["beta"], size)
    if d == "two_piece_normal":
        left = spec["sigma_left"] / (spec["sigma_left"] + spec["sigma_right"])
        z = np.abs(rng.standard_normal(size))
        side = rng.uniform(size=size) < left
        return np.where(side, spec["mode"] - spec["sigma_left"] * z, spec["mode"] + spec["sigma_right"] * z)
    raise ValueError(f"distribution {d}")


def simulate(sc, paths, seed):
    rng = np.random.default_rng(seed)
    base_year, end_year = sc["scenario"]["base_year"], sc["scenario"]["end_year"]
    years = end_year - base_year
    series = sc.get("series", {})
    names = list(series)
    K = len(names)
    GDP = K  # node index of GDP
    p = lambda node: draw(rng, spec_of(node), paths)
    mu = {k: p(series[k]["mean_growth"]) for k in names}
    phi = {k: p(series[k].get("persistence", 0.0)) for k in names}
    sigma = {k: p(series[k].get("volatility", 0.0)) for k in names}
    level = {k: p(series[k]["base"]) for k in names}
    dev = {k: (p(series[k]["growth_base"]) - mu[k]) if "growth_base" in series[k] else np.zeros(paths) for k in names}
    links = {k: [(to, p(e)) for to, e in series[k].get("links", {}).items()] for k in names}
    shares = {k: float(spec_of(series[k]["gdp_share"])["value"]) for k in names if "gdp_share" in series[k]}
    regime = sc.get("regime")
    shift = {k: np.zeros(paths) for k in names}
    if regime:
        p_down, p_rec = p(regime["downturn_probability"]), p(regime["recovery_probability"])
        for k, s in regime.get("shift", {}).items():
            shift[k] = p(s)
        state = np.full(paths, regime.get("initial", "normal") == "downturn")
    # evaluation order: dependencies first (links; GDP after its members)
    deps = {i: [names.index(t) if t != "gdp" else GDP for t, _ in links[k]] for i, k in enumerate(names)}
    deps[GDP] = [names.index(k) for k in shares]
    order, marks = [], {}

    def visit(n):
        if marks.get(n) == "done":
            return
        marks[n] = "open"
        for d in deps[n]:
            visit(d)
        marks[n] = "done"
        order.append(n)

    for n in range(K + 1):
        visit(n)
    corr = sc.get("correlation")
    if corr:
        members = [names.index(s) for s in corr["series"]]
        L = np.linalg.cholesky(np.array(corr["matrix"], dtype=float))
        if corr.get("marginal", "normal") == "student_t":
            from scipy.stats import norm, t as student  # only this case needs SciPy
            df = corr["df"]
    weights = {k: np.full(paths, w) for k, w in shares.items()}
    gdp_dev = np.zeros(paths)
    index = np.full(paths, 100.0)
    inflation_spec = spec_of(sc["prices"]["inflation"]) if "prices" in sc else None
    metrics = {}
    downturn_by_year = {}
    for t in range(years):
        year = base_year + 1 + t
        if regime:
            u = rng.uniform(size=paths)
            state = np.where(state, u >= p_rec, u < p_down)
            metrics[("regime.downturn", year)] = state.astype(float)
        downturn_by_year[year] = state if regime else np.zeros(paths, bool)
        infl = draw(rng, inflation_spec, paths) if inflation_spec else np.zeros(paths)
        infl = np.maximum(infl, -0.99)
        z = rng.standard_normal((paths, K))
        eps = z.copy()
        if corr:
            eps[:, members] = z[:, members] @ L.T
            if corr.get("marginal", "normal") == "student_t":
                eps = student.ppf(norm.cdf(eps), df) * math.sqrt((df - 2) / df)
        growth = {}
        for node in order:
            if node == GDP:
                if not shares:
                    continue
                nominal = sum(weights[k] * growth[k] for k in shares)
                expected = sum(weights[k] * mu[k] for k in shares)
                for k in shares:
                    weights[k] = weights[k] * (1 + growth[k]) / (1 + nominal)
                real = (1 + nominal) / (1 + infl) - 1
                index = index * (1 + real)
                gdp_dev = nominal - expected
                metrics[("gdp.growth", year)] = real
                metrics[("gdp.nominal_growth", year)] = nominal
                metrics[("gdp.index", year)] = index
                continue
            k = names[node]
            d = phi[k] * dev[k] + sigma[k] * eps[:, node] + shift[k] * (downturn_by_year[year])
            for to, e in links[k]:
                d = d + e * (gdp_dev if to == "gdp" else dev[to])
            g = np.maximum(mu[k] + d, -0.99)
            dev[k] = g - mu[k]
            growth[k] = g
            level[k] = level[k] * (1 + g)
            metrics[(f"{k}.growth", year)] = g
            metrics[(f"{k}.level", year)] = level[k]
        if inflation_spec:
            metrics[("prices.inflation", year)] = infl
    for name, prog in sc.get("programme", {}).items():
        planned = p(prog["planned"])
        spec = prog["delivery"]
        if isinstance(spec, dict) and spec.get("dist") == "binomial":
            n = int(spec_of(prog["planned"])["value"])
            ratio = rng.binomial(n, spec["p"], paths) / n
        else:
            ratio = draw(rng, spec_of(spec), paths)
        effect = p(prog.get("downturn_effect", 0.0))
        ratio = np.where(downturn_by_year[prog["year"]], ratio * (1 + effect), ratio)
        metrics[(f"{name}.ratio", prog["year"])] = ratio
        metrics[(f"{name}.delivered", prog["year"])] = planned * ratio
    # The same statistics xuhui-sim reports for every metric and year.
    levels = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99]
    statistics = {
        f"{name}@{year}": {
            "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "quantiles": [float(q) for q in np.quantile(v, levels)],
        }
        for (name, year), v in metrics.items()
    }
    results = {}
    for target in sc.get("target", []):
        values = metrics[(target["metric"], target["year"])]
        met = values >= target["at_least"] if "at_least" in target else values <= target["at_most"]
        results[target["name"]] = float(met.mean())
    gdp = metrics.get(("gdp.growth", base_year + 1))
    summary = {"targets": results, "metrics": statistics}
    if gdp is not None:
        summary["gdp_growth_mean"] = float(gdp.mean())
        summary["gdp_growth_p5"] = float(np.quantile(gdp, 0.05))
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scenario = load(args.scenario)
    started = time.perf_counter()
    summary = simulate(scenario, args.paths, args.seed)
    summary["seconds"] = time.perf_counter() - started
    summary["paths"] = args.paths
    if args.json:
        print(json.dumps(summary))
    else:
        for name, prob in summary["targets"].items():
            print(f"{name:40s} {prob:.4f}")
        print(f"{args.paths} paths in {summary['seconds']:.2f} s")


if __name__ == "__main__":
    main()
