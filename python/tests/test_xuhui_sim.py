"""The Python package against the command line: same numbers, clear errors,
files the CLI reads, and runs that let the interpreter go on."""

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import xuhui_sim as xs

ROOT = Path(__file__).resolve().parents[2]
PATHS = 16_384


def cli():
    """The command-line binary of this checkout (built by `cargo build --release`)."""
    for candidate in (os.environ.get("XUHUI_SIM_BIN"), ROOT / "target/release/xuhui-sim", shutil.which("xuhui-sim")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.skip("the xuhui-sim binary is not built (cargo build --release)")


def cli_run(tmp_path, *args):
    out = tmp_path / "cli"
    subprocess.run([cli(), "run", *args, "--out", str(out), "--quiet"], check=True)
    return json.loads((out / "summary.json").read_text()), out


def without_timing(summary):
    s = json.loads(json.dumps(summary))
    s["run"].pop("seconds", None)
    s["run"].pop("threads", None)
    s.pop("files", None)
    return s


def test_the_baseline_gives_the_cli_numbers_bit_for_bit(tmp_path):
    result = xs.run(paths=PATHS, seed=7)
    summary, out = cli_run(tmp_path, "--paths", str(PATHS), "--seed", "7")
    assert without_timing(result.summary) == without_timing(summary)
    # targets.csv and metrics.csv byte for byte.
    for name in ("targets.csv", "metrics.csv"):
        assert (result.dir / name).read_bytes() == (out / name).read_bytes()
    assert result.probability("gdp_growth_2024") == next(
        t["probability"] for t in summary["targets"] if t["name"] == "gdp_growth_2024")


def test_a_scenario_file_with_set_gives_the_cli_numbers(tmp_path):
    file = ROOT / "scenarios/downturn.toml"
    result = xs.run(file, paths=PATHS, set={"regime.downturn_probability": 0.25})
    summary, _ = cli_run(tmp_path, str(file), "--paths", str(PATHS), "--set", "regime.downturn_probability=0.25")
    assert without_timing(result.summary) == without_timing(summary)
    scenario = xs.Scenario.from_file(file).set("regime.downturn_probability", 0.25)
    again = xs.run(scenario, paths=PATHS)
    assert [t["probability"] for t in again.summary["targets"]] == [t["probability"] for t in summary["targets"]]
    assert "downturn_probability = 0.25" in scenario.toml


def test_tables_have_the_csv_columns():
    pd = pytest.importorskip("pandas")
    result = xs.run(paths=4096)
    targets = result.targets
    assert isinstance(targets, pd.DataFrame)
    assert len(targets) == len(result.summary["targets"])
    for column in ("name", "metric", "year", "probability"):
        assert column in targets.columns
    metrics = result.metrics
    assert {"metric", "year", "mean", "sd"} <= set(metrics.columns)
    # The frames are the CLI's files as pandas reads them.
    pd.testing.assert_frame_equal(targets, pd.read_csv(result.dir / "targets.csv"))
    paths = result.paths
    assert paths.shape == (4096, len(result.columns))
    assert "series.other_sectors.mean_growth" in result.inputs
    arrays = result.paths_arrays(["gdp.growth@2024"])
    assert arrays["gdp.growth@2024"].dtype.name == "float64"
    assert (paths["gdp.growth@2024"].to_numpy() == arrays["gdp.growth@2024"]).all()
    table = result.paths_arrow(["gdp.growth@2024"])
    assert table.num_rows == 4096
    assert len(result.targets_met) == len(result.summary["targets_met"])


def test_errors_carry_the_cli_message(tmp_path):
    with pytest.raises(xs.ScenarioError, match="did you mean"):
        xs.run(paths=1024, set={"series.digital_economy.mean_grwth": 0.1})
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "builtin:baseline"\n[series.digital_economy]\nmean_growth = "fast"\n')
    with pytest.raises(xs.ScenarioError, match="bad.toml"):
        xs.run(bad, paths=1024)
    with pytest.raises(xs.ScenarioError):
        xs.Scenario.from_str("[scenario]\nname = 'x'\nbogus = 1\n", name="inline.toml")


def test_save_gives_a_result_set_the_cli_compares(tmp_path):
    base = xs.run(paths=PATHS).save(tmp_path / "base")
    other = xs.run(paths=PATHS, set={"regime.downturn_probability": 0.3}).save(tmp_path / "other")
    shown = subprocess.run([cli(), "compare", str(base), str(other), "--json"], check=True,
                           capture_output=True, text=True).stdout
    from_cli = json.loads(shown)
    assert xs.compare(base, other) == from_cli
    table = xs.compare_table(base, other)
    rows = table.to_dict("records") if hasattr(table, "to_dict") else table
    assert {r["other"] for r in rows} == {str(other)}
    assert len(rows) == len(from_cli["others"][0]["targets"])
    with pytest.raises(xs.ScenarioError, match="exists"):
        xs.load(base).save(tmp_path / "base")
    assert xs.load(other).summary["run"]["paths"] == PATHS


def test_discover_reads_like_the_cli(tmp_path):
    saved = xs.run(paths=PATHS).save(tmp_path / "base")
    found = xs.discover(saved, target="fiscal_revenue_growth_2024", resamples=4)
    shown = subprocess.run([cli(), "discover", str(saved), "--target", "fiscal_revenue_growth_2024",
                            "--resamples", "4", "--json"], check=True, capture_output=True, text=True).stdout
    assert dict(found) == json.loads(shown)
    assert "regime.downturn@2024" in found.sentence


def test_a_run_in_a_thread_leaves_the_interpreter_free():
    done = {}

    def work():
        done["result"] = xs.run(paths=400_000, no_paths=True)

    worker = threading.Thread(target=work)
    started = time.perf_counter()
    worker.start()
    ticks = 0
    while worker.is_alive():
        ticks += 1  # the main thread keeps running Python while the engine works
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - started
    assert done["result"].summary["run"]["paths"] == 400_000
    # With the GIL held for the whole run, the loop would tick about once.
    assert ticks > 20, f"{ticks} ticks in {elapsed:.2f} s"


def test_studies_give_the_cli_json(tmp_path):
    vary = {"series.digital_economy.mean_growth": (0.08, 0.14)}
    swept = xs.sweep(vary=vary, steps=3, paths=4096)
    shown = subprocess.run([cli(), "sweep", "--vary", "series.digital_economy.mean_growth=0.08..0.14",
                            "--steps", "3", "--paths", "4096", "--json", "--out", str(tmp_path / "sweep")],
                           check=True, capture_output=True, text=True).stdout
    assert dict(swept) == json.loads(shown)
    assert len(swept.table) == 3 * len(swept["points"][0]["targets"])
    sought = xs.goal_seek(vary="series.fiscal_revenue.mean_growth", target="fiscal_revenue_growth_2024",
                          probability=0.6, paths=4096)
    assert sought["range"][0] <= sought["value"] <= sought["range"][1]
    with pytest.raises(xs.ScenarioError, match="sweep|vary"):
        xs.sweep(vary="nonsense", paths=1024)


def test_ctrl_c_stops_a_run(tmp_path):
    script = tmp_path / "long.py"
    script.write_text(
        "import xuhui_sim as xs, sys\n"
        "try:\n"
        "    xs.run(paths=50_000_000, no_paths=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted'); sys.exit(7)\n"
    )
    import signal
    import sys

    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    time.sleep(2.0)
    child.send_signal(signal.SIGINT)
    started = time.perf_counter()
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 7, out
    assert "interrupted" in out
    assert time.perf_counter() - started < 5.0


def test_without_pandas_tables_are_lists_of_dicts(monkeypatch):
    result = xs.run(paths=1024)
    monkeypatch.setattr(xs, "_pandas", lambda: None)
    targets = result.targets
    assert isinstance(targets, list) and isinstance(targets[0], dict)
    assert targets[0]["name"] == result.summary["targets"][0]["name"]
    assert "pip install" in repr(targets)
    assert isinstance(result.paths, dict)
