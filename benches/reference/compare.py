#!/usr/bin/env python3
"""Runs xuhui-sim and the NumPy reference on the same scenario and path count,
side by side, and prints the ratio of wall times and the agreement of every
target probability (in units of their combined Monte Carlo standard error).

usage: compare.py [SCENARIO] [--paths N] [--binary PATH]
(from the project root: python3 benches/reference/compare.py scenarios/baseline.toml --paths 1000000)
"""
import argparse, json, math, subprocess, sys, tempfile, time
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(root / "scenarios/baseline.toml"))
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--binary", default=str(root / "target/release/xuhui-sim"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        run = subprocess.run(
            [args.binary, "run", args.scenario, "--paths", str(args.paths), "--seed", str(args.seed),
             "--json", "--quiet", "--no-paths", "--out", str(Path(out) / "set")],
            check=True, capture_output=True, text=True)
        ours_seconds = time.perf_counter() - started
    ours = json.loads(run.stdout)

    started = time.perf_counter()
    ref = subprocess.run([sys.executable, str(here / "reference.py"), args.scenario, "--paths", str(args.paths),
                          "--seed", str(args.seed), "--json"], check=True, capture_output=True, text=True)
    numpy_seconds = time.perf_counter() - started
    reference = json.loads(ref.stdout)

    print(f"{args.paths} paths of {Path(args.scenario).name}")
    print(f"  xuhui-sim (whole command, {ours['run']['threads']} threads): {ours_seconds:.2f} s")
    print(f"  NumPy reference (whole command, 1 thread): {numpy_seconds:.2f} s (simulation alone {reference['seconds']:.2f} s)")
    print(f"  ratio: xuhui-sim is {numpy_seconds / ours_seconds:.1f}x faster\n")
    worst = 0.0
    print(f"{'target':40s} {'xuhui-sim':>10s} {'NumPy':>10s} {'z':>6s}")
    for t in ours["targets"]:
        p, q = t["probability"], reference["targets"][t["name"]]
        se = math.sqrt(p * (1 - p) / args.paths + q * (1 - q) / args.paths) or 1e-12
        z = (p - q) / se
        worst = max(worst, abs(z))
        print(f"{t['name']:40s} {p:10.4f} {q:10.4f} {z:6.2f}")
    gdp = next(m for m in ours["metrics"] if m["metric"] == "gdp.growth")
    z = (gdp["mean"] - reference["gdp_growth_mean"]) / (math.sqrt(2) * gdp["mean_se"])
    worst = max(worst, abs(z))
    print(f"{'gdp.growth mean':40s} {gdp['mean']:10.5f} {reference['gdp_growth_mean']:10.5f} {z:6.2f}")
    print(f"\nlargest disagreement: {worst:.2f} standard errors ({'agree' if worst < 4.5 else 'DISAGREE'} within Monte Carlo error)")
    sys.exit(0 if worst < 4.5 else 1)


if __name__ == "__main__":
    main()
