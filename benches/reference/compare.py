#!/usr/bin/env python3
"""Runs xuhui-sim and the NumPy reference on the same scenario and path count,
side by side, and prints the ratio of wall times and the agreement of every
target probability and of the count of targets met (docs/model.md 2.6), in units
of their combined Monte Carlo standard error. Exits 1 if any figure differs by
more than 4 standard errors (or one side reports a figure the other lacks).

usage: compare.py [SCENARIO...] [--all] [--paths N] [--seed S] [--binary PATH] [--metrics]
(from the project root: python3 benches/reference/compare.py scenarios/baseline.toml --paths 1000000;
 --all runs every scenarios/*.toml; --metrics also compares the mean of every metric)
"""
import argparse, json, math, subprocess, sys, tempfile, time
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent.parent
LIMIT = 4.0  # |z| beyond this is a disagreement


def z_score(difference, se):
    if se > 0:
        return difference / se
    return 0.0 if difference == 0 else math.inf


def run_engine(binary, scenario, paths, seed):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set"
        started = time.perf_counter()
        run = subprocess.run(
            [binary, "run", scenario, "--paths", str(paths), "--seed", str(seed),
             "--out", str(out), "--force", "--quiet", "--no-paths"],
            capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            raise RuntimeError(f"xuhui-sim failed (exit {run.returncode}): {run.stderr.strip()}")
        return json.loads((out / "summary.json").read_text(encoding="utf-8")), seconds


def run_reference(scenario, paths, seed):
    started = time.perf_counter()
    ref = subprocess.run([sys.executable, str(here / "reference.py"), scenario, "--paths", str(paths),
                          "--seed", str(seed), "--json"], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if ref.returncode != 0:
        raise RuntimeError(f"the reference failed (exit {ref.returncode}): {ref.stderr.strip()}")
    return json.loads(ref.stdout), seconds


def compare(scenario, args):
    """Prints the comparison of one scenario; returns the largest |z| (inf on a mismatch)."""
    try:
        ours, ours_seconds = run_engine(args.binary, scenario, args.paths, args.seed)
        reference, numpy_seconds = run_reference(scenario, args.paths, args.seed)
    except RuntimeError as e:
        print(f"{Path(scenario).name}: {e}")
        return math.inf
    n_ours, n_ref = ours["run"]["paths"], reference["paths"]

    print(f"{args.paths} paths of {Path(scenario).name}")
    print(f"  xuhui-sim (whole command, {ours['run']['threads']} threads): {ours_seconds:.2f} s")
    print(f"  NumPy reference (whole command, 1 thread): {numpy_seconds:.2f} s (simulation alone {reference['seconds']:.2f} s)")
    print(f"  ratio: xuhui-sim is {numpy_seconds / ours_seconds:.1f}x faster\n")
    if ours["run"].get("model") != "v2":
        print(f"  (xuhui-sim reports model {ours['run'].get('model', 'v1')!r}; the reference implements model v2)\n")

    worst = 0.0

    def row(label, p, q, se, digits=4):
        nonlocal worst
        z = z_score(p - q, se)
        worst = max(worst, abs(z))
        flag = "  <--" if abs(z) > LIMIT else ""
        print(f"{label:40s} {p:10.{digits}f} {q:10.{digits}f} {z:6.2f}{flag}")

    def missing(label, side):
        nonlocal worst
        worst = math.inf
        print(f"{label:40s} only in {side}  <--")

    print(f"{'target':40s} {'xuhui-sim':>10s} {'NumPy':>10s} {'z':>6s}")
    theirs = dict(reference["targets"])
    for t in ours["targets"]:
        if t["name"] not in theirs:
            missing(t["name"], "xuhui-sim")
            continue
        p, q = t["probability"], theirs.pop(t["name"])["probability"]
        row(t["name"], p, q, math.sqrt(p * (1 - p) / n_ours + q * (1 - q) / n_ref))
    for name in theirs:
        missing(name, "the reference")

    print(f"\n{'targets met (year, group)':40s} {'xuhui-sim':>10s} {'NumPy':>10s} {'z':>6s}")
    ours_met = {(m["year"], m["group"]): m for m in ours.get("targets_met", [])}
    ref_met = {(m["year"], m["group"]): m for m in reference["targets_met"]}
    if "targets_met" not in ours:
        missing("targets_met (docs/model.md 7)", "the reference")
    else:
        for key in sorted(set(ours_met) | set(ref_met)):
            label = f"{key[0]} {key[1]}"
            if key not in ours_met or key not in ref_met:
                missing(label, "xuhui-sim" if key in ours_met else "the reference")
                continue
            a, b = ours_met[key], ref_met[key]
            if a["targets"] != b["targets"]:
                missing(f"{label}: {a['targets']} targets against {b['targets']}", "neither")
                continue
            row(f"{label}: expected of {a['targets']}", a["expected"], b["expected"],
                math.hypot(a["expected_se"], b["expected_se"]), digits=3)
            p, q = a["all_met"], b["all_met"]
            row(f"{label}: all met", p, q, math.sqrt(p * (1 - p) / n_ours + q * (1 - q) / n_ref))

    year = reference.get("gdp_growth_year")
    gdp = next((m for m in ours["metrics"] if m["metric"] == "gdp.growth" and m["year"] == year), None)
    if gdp is not None and year is not None:
        print()
        row("gdp.growth mean", gdp["mean"], reference["gdp_growth_mean"],
            math.hypot(gdp["mean_se"], reference["gdp_growth_se"]), digits=5)

    if args.metrics:
        print(f"\n{'metric mean':40s} {'xuhui-sim':>10s} {'NumPy':>10s} {'z':>6s}")
        for m in ours["metrics"]:
            ref = reference["metrics"].get(f"{m['metric']}@{m['year']}")
            if ref is None:
                continue  # e.g. a base-year point the reference does not simulate
            row(f"{m['metric']}@{m['year']}", m["mean"], ref["mean"],
                math.hypot(m["mean_se"], ref["sd"] / math.sqrt(n_ref)), digits=5)

    print(f"\nlargest disagreement: {worst:.2f} standard errors ({'agree' if worst <= LIMIT else 'DISAGREE'} within Monte Carlo error)")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="*")
    parser.add_argument("--all", action="store_true", help="every scenarios/*.toml")
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--binary", default=str(root / "target/release/xuhui-sim"))
    parser.add_argument("--metrics", action="store_true", help="also compare the mean of every metric")
    args = parser.parse_args()
    if not Path(args.binary).exists():
        sys.exit(f"compare.py: no engine at {args.binary}: build it with `cargo build --release` or pass --binary")
    scenarios = sorted(str(p) for p in (root / "scenarios").glob("*.toml")) if args.all else args.scenario
    scenarios = scenarios or [str(root / "scenarios/baseline.toml")]

    results = {}
    for i, scenario in enumerate(scenarios):
        if i:
            print("\n" + "-" * 70 + "\n")
        results[scenario] = compare(scenario, args)
    if len(scenarios) > 1:
        print("\n" + "-" * 70)
        for scenario, worst in results.items():
            print(f"{Path(scenario).name:30s} largest |z| {worst:6.2f}  {'agree' if worst <= LIMIT else 'DISAGREE'}")
    sys.exit(0 if all(w <= LIMIT for w in results.values()) else 1)


if __name__ == "__main__":
    main()
