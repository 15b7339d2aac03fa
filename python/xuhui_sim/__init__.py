"""xuhui-sim from Python: Monte Carlo scenarios of the Xuhui District plan.

Runs go through the same engine and the same result-set writer as the
command line, so every number is the CLI's, bit for bit, for the same
scenario, paths and seed. Tables come back as pandas DataFrames when pandas
is installed (``pip install "xuhui-sim[pandas]"``), as lists of dicts
otherwise; per-path values as NumPy arrays.

    >>> import xuhui_sim as xs
    >>> result = xs.run(paths=20_000)           # the embedded baseline
    >>> result.targets[["name", "probability"]]  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _xuhui_sim as _engine

XuhuiSimError = _engine.XuhuiSimError
ScenarioError = _engine.ScenarioError

__version__ = _engine.version()

__all__ = [
    "run",
    "load",
    "compare",
    "discover",
    "sweep",
    "sensitivity",
    "goal_seek",
    "Scenario",
    "Result",
    "Discovery",
    "XuhuiSimError",
    "ScenarioError",
]

PathLike = Union[str, "os.PathLike[str]"]

_NO_PANDAS = (
    "pandas is not installed, so this is a list of dicts; "
    'pip install "xuhui-sim[pandas]" (pandas and pyarrow) to get DataFrames'
)


def _pandas():
    try:
        import pandas  # noqa: F401

        return pandas
    except ImportError:
        return None


def _table(rows: List[Dict[str, Any]]):
    """A DataFrame with pandas, else the rows themselves (a list of dicts)."""
    pd = _pandas()
    if pd is None:
        return _Rows(rows)
    return pd.DataFrame(rows)


class _Rows(list):
    """A list of dicts that says how to get a DataFrame instead."""

    def __repr__(self) -> str:  # pragma: no cover - display only
        return f"<{len(self)} rows; {_NO_PANDAS}>"


def _csv_table(path: Path):
    """A CSV file of the result set: read by pandas when it is there (the
    same frame as ``pd.read_csv`` of the CLI's file), as dicts otherwise."""
    pd = _pandas()
    if pd is not None:
        return pd.read_csv(path)
    return _Rows(_read_csv(path))


def _read_csv(path: Path) -> List[Dict[str, Any]]:
    """A CSV file as a list of dicts, numbers as floats where they parse."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out = {}
            for key, value in row.items():
                try:
                    out[key] = float(value) if value != "" else None
                except ValueError:
                    out[key] = value
            rows.append(out)
    return rows


def _sets(set: Optional[Mapping[str, Any]]) -> List[str]:
    """``{"series.x.mean_growth": 0.05}`` as ``--set`` arguments, in order."""
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError("set must be a dict of dotted keys to values, e.g. {'regime.downturn_probability': 0.2}")
    out = []
    for key, value in set.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = repr(value)
        elif isinstance(value, str):
            text = value
        elif isinstance(value, Mapping):
            # A whole distribution, written as an inline TOML table.
            parts = []
            for k, v in value.items():
                parts.append(f"{k} = {json.dumps(v) if isinstance(v, str) else repr(v)}")
            text = "{ " + ", ".join(parts) + " }"
        else:
            raise TypeError(f"set[{key!r}]: give a number, a string or a dict, not {type(value).__name__}")
        out.append(f"{key}={text}")
    return out


class Scenario:
    """A scenario to run: a file, TOML text or the embedded baseline, plus
    overrides by dotted key (as ``--set`` on the command line)."""

    def __init__(self, *, file: Optional[PathLike] = None, text: Optional[str] = None,
                 name: str = "scenario", overrides: Optional[Dict[str, Any]] = None):
        self._file = None if file is None else os.fspath(file)
        self._text = text
        self._name = name
        self._overrides: Dict[str, Any] = dict(overrides or {})
        # Load now, so that a bad file or key fails here with the CLI's message.
        self.toml

    @classmethod
    def from_file(cls, path: PathLike) -> "Scenario":
        """A scenario file (TOML, with ``extends`` resolved)."""
        return cls(file=path)

    @classmethod
    def from_str(cls, toml: str, name: str = "scenario") -> "Scenario":
        """A scenario from TOML text; ``name`` is what error messages call it."""
        return cls(text=toml, name=name)

    @classmethod
    def baseline(cls) -> "Scenario":
        """The baseline built into the engine."""
        return cls()

    def set(self, key: str, value: Any) -> "Scenario":
        """A copy with one more override (``key`` dotted, as ``--set``)."""
        overrides = dict(self._overrides)
        overrides[key] = value
        return Scenario(file=self._file, text=self._text, name=self._name, overrides=overrides)

    @property
    def toml(self) -> str:
        """The resolved scenario (after ``extends`` and overrides) as TOML."""
        return _engine.resolve(file=self._file, text=self._text, name=self._name,
                               sets=_sets(self._overrides))

    def describe(self) -> Dict[str, Any]:
        """The scenario's name, overrides and resolved TOML, for a notebook."""
        return {"source": self._file or ("text" if self._text else "builtin:baseline"),
                "overrides": dict(self._overrides), "toml": self.toml}

    def _run_args(self) -> Dict[str, Any]:
        return {"file": self._file, "text": self._text, "name": self._name,
                "sets": _sets(self._overrides)}

    def __repr__(self) -> str:
        source = self._file or ("<text>" if self._text else "builtin:baseline")
        extra = f", {len(self._overrides)} overrides" if self._overrides else ""
        return f"Scenario({source}{extra})"


class Result:
    """A result set: ``summary`` (the ``summary.json`` content), ``targets``
    and ``metrics`` (the rows of ``targets.csv`` and ``metrics.csv``),
    ``targets_met`` and the per-path values (``paths``, ``paths_arrays()``,
    ``paths_arrow()``). Made by :func:`run` (held in a temporary folder until
    :meth:`save`) or :func:`load`."""

    def __init__(self, dir: PathLike, *, _owned: Optional[tempfile.TemporaryDirectory] = None):
        self._dir = Path(dir)
        self._owned = _owned
        # The engine checks every file against summary.json; the summary itself
        # is read here, so each number is the file's, to the last bit.
        _engine.open_result_set(os.fspath(self._dir))
        with open(self._dir / "summary.json", encoding="utf-8") as f:
            self.summary: Dict[str, Any] = json.load(f)

    @property
    def dir(self) -> Path:
        """The folder the result set is in (temporary for a fresh run)."""
        return self._dir

    @property
    def targets(self):
        """One row per target, the columns of ``targets.csv``."""
        return _csv_table(self._dir / "targets.csv")

    @property
    def metrics(self):
        """One row per metric and year, the columns of ``metrics.csv``."""
        return _csv_table(self._dir / "metrics.csv")

    @property
    def targets_met(self):
        """Per year and group: the expected number of targets met and P(at least k)."""
        return _table([dict(row) for row in self.summary.get("targets_met", [])])

    @property
    def columns(self) -> List[str]:
        """The per-path columns kept (outcomes ``metric@year``, then inputs)."""
        per_path = self.summary.get("per_path") or {}
        return list(per_path.get("columns", []))

    @property
    def inputs(self) -> List[str]:
        """The per-path columns that are the paths' inputs (drawn parameters, deliveries, downturns)."""
        per_path = self.summary.get("per_path") or {}
        return list(per_path.get("inputs", []))

    def paths_arrays(self, columns: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """The per-path values as a dict of NumPy float64 arrays, one per
        column (all by default), in path order; read once from Parquet."""
        per_path = self.summary.get("per_path")
        if not per_path:
            why = ("it was run above the per-path file's default size; run it with keep_paths=True"
                   if self.summary["run"].get("per_path_omitted") else "it was run with no_paths=True")
            raise XuhuiSimError(f"this result set has no per-path values ({why})")
        wanted = list(columns) if columns is not None else self.columns
        return _engine.read_paths(os.fspath(self._dir / per_path["file"]), wanted)

    @property
    def paths(self):
        """The per-path values as a DataFrame (a dict of arrays without pandas)."""
        arrays = self.paths_arrays()
        pd = _pandas()
        if pd is None:
            return arrays
        return pd.DataFrame(arrays, copy=False)

    def paths_arrow(self, columns: Optional[Sequence[str]] = None):
        """The per-path values as a pyarrow Table (needs pyarrow)."""
        try:
            import pyarrow as pa
        except ImportError as e:
            raise ImportError('paths_arrow needs pyarrow: pip install "xuhui-sim[pandas]"') from e
        return pa.table(self.paths_arrays(columns))

    def probability(self, target: str) -> float:
        """P(target met), by target name."""
        for t in self.summary["targets"]:
            if t["name"] == target:
                return t["probability"]
        names = ", ".join(t["name"] for t in self.summary["targets"])
        raise KeyError(f"no target {target!r}; its targets are {names}")

    def save(self, dir: PathLike) -> Path:
        """Copies the result set to a new folder ``dir`` (which must not
        exist), whole or not at all; the CLI's ``compare`` and ``report`` read it."""
        dest = Path(dir)
        if dest.exists():
            raise ScenarioError(f"{dest} exists; choose a new folder (save never replaces one)")
        staging = dest.with_name(f".{dest.name}.saving-{os.getpid()}")
        try:
            shutil.copytree(self._dir, staging)
            os.rename(staging, dest)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return dest

    def __repr__(self) -> str:
        s = self.summary
        run = s["run"]
        lines = [f"Result({s['scenario']['name']}: {run['paths']} paths, seed {run['seed']}, {run['sampling']})"]
        for t in s["targets"][:8]:
            lo, hi = t["ci95"]
            lines.append(f"  {t['name']:<36} P(met) {t['probability'] * 100:5.1f} %  [{lo * 100:.1f}, {hi * 100:.1f}]")
        if len(s["targets"]) > 8:
            lines.append(f"  … {len(s['targets']) - 8} more targets (result.targets)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks only
        import html

        rows = "".join(
            f"<tr><td>{html.escape(t['label'])}</td><td>{t['year']}</td>"
            f"<td>{t['probability'] * 100:.1f} %</td><td>{t['ci95'][0] * 100:.1f} – {t['ci95'][1] * 100:.1f} %</td></tr>"
            for t in self.summary["targets"]
        )
        run = self.summary["run"]
        return (f"<p><b>{html.escape(self.summary['scenario']['name'])}</b>: {run['paths']} paths, seed {run['seed']}</p>"
                f"<table><tr><th>target</th><th>year</th><th>P(met)</th><th>Monte Carlo 95 %</th></tr>{rows}</table>")


def run(scenario: Union[None, PathLike, Scenario] = None, *, paths: Optional[int] = None,
        seed: Optional[int] = None, threads: Optional[int] = None, sampling: Optional[str] = None,
        set: Optional[Mapping[str, Any]] = None, keep_metrics: Iterable[str] = (),
        no_paths: bool = False, keep_paths: bool = False) -> Result:
    """Runs a scenario (a file path, a :class:`Scenario`, or ``None`` for the
    embedded baseline) as ``xuhui-sim run`` does: ``paths`` and ``seed``
    default to the scenario's ``[run]``; ``set`` is a dict of dotted keys
    (``--set``); ``sampling`` one of random, antithetic, lhs, sobol. The
    per-path values are kept while their file is expected under 1 GB (about
    2.4 million baseline paths); ``keep_paths=True`` keeps them at any size,
    ``no_paths=True`` never. The GIL
    is released while it runs; Ctrl-C stops it (KeyboardInterrupt)."""
    if isinstance(scenario, Scenario):
        base = scenario._run_args()
    elif scenario is None:
        base = {"file": None, "text": None, "name": "scenario", "sets": []}
    else:
        base = {"file": os.fspath(scenario), "text": None, "name": "scenario", "sets": []}
    sets = base["sets"] + _sets(set)
    owned = tempfile.TemporaryDirectory(prefix="xuhui-sim-")
    out = os.path.join(owned.name, "result")
    _engine.run(out, file=base["file"], text=base["text"], name=base["name"], paths=paths, seed=seed,
                threads=threads, sampling=sampling, sets=sets, keep_metrics=list(keep_metrics),
                no_paths=no_paths, keep_paths=keep_paths)
    return Result(out, _owned=owned)


def load(dir: PathLike) -> Result:
    """Opens a result set the CLI (or :meth:`Result.save`) wrote; its files
    are checked against ``summary.json`` first."""
    return Result(dir)


def _dir_of(x: Union[PathLike, Result]) -> str:
    return os.fspath(x.dir if isinstance(x, Result) else x)


def compare(base: Union[PathLike, Result], *others: Union[PathLike, Result], threshold: float = 0.005) -> Dict[str, Any]:
    """Paired comparison of result sets (``xuhui-sim compare``): the
    comparison as a dict; ``compare_table`` gives one row per target."""
    if not others:
        raise TypeError("compare needs a base and at least one other result set")
    return json.loads(_engine.compare(_dir_of(base), [_dir_of(o) for o in others], threshold))


def compare_table(base: Union[PathLike, Result], *others: Union[PathLike, Result], threshold: float = 0.005):
    """:func:`compare` as a table: one row per other set and target."""
    comparison = compare(base, *others, threshold=threshold)
    rows = []
    for other in comparison.get("others", []):
        for t in other.get("targets", []):
            row = {"other": other["set"]["dir"], "other_scenario": other["set"]["name"]}
            row.update({k: v for k, v in t.items() if not isinstance(v, (dict, list))})
            rows.append(row)
    return _table(rows)


class Discovery(dict):
    """``discover.json`` as a dict, with ``trajectory`` and ``limits`` as tables."""

    @property
    def trajectory(self):
        """The first box's peeling trajectory: one row per box."""
        return _table([{k: v for k, v in b.items() if k not in ("limits", "qp")} for b in self["trajectory"]])

    @property
    def limits(self):
        """The chosen box's limits with quasi-p-values and stability."""
        rows = []
        for i, found in enumerate(self["boxes"]):
            for limit in found["box"]["limits"]:
                row = {"box": i + 1}
                row.update({k: v for k, v in limit.items() if k != "qp"})
                row["qp_lower"], row["qp_upper"] = limit["qp"]
                rows.append(row)
        return _table(rows)

    @property
    def sentence(self) -> str:
        """The first box in words."""
        return self["sentence"]

    def __repr__(self) -> str:
        return f"Discovery({self['cases']} of {self['points']} cases): {self['sentence']}"


def discover(result: Union[None, PathLike, Result] = None, *, target: Optional[str] = None, met: bool = False,
             csv: Optional[PathLike] = None, outcome: Optional[str] = None, threshold: Optional[float] = None,
             inputs: Optional[Sequence[str]] = None, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
             mass_min: float = 0.05, box: Optional[int] = None, boxes: int = 1,
             min_coverage: Optional[float] = None, resamples: int = 20, seed: int = 2024) -> Discovery:
    """Scenario discovery (PRIM), as ``xuhui-sim discover``: on a result
    set's per-path inputs (``target``; the cases are the paths that miss it,
    ``met=True`` for those that meet it) or on a CSV table (``csv`` and
    ``outcome``)."""
    text = _engine.discover(
        result_set=None if result is None else _dir_of(result), target=target, met=met,
        csv=None if csv is None else os.fspath(csv), outcome=outcome, threshold=threshold,
        inputs=None if inputs is None else list(inputs), peel_alpha=peel_alpha, paste_alpha=paste_alpha,
        mass_min=mass_min, chosen=box, boxes=boxes, min_coverage=min_coverage, resamples=resamples, seed=seed)
    return Discovery(json.loads(text))


class Study(dict):
    """A study's JSON (as the CLI's ``--json`` prints it) as a dict, with
    ``table`` giving one row per point, bar or trial."""

    def __init__(self, data: Dict[str, Any], rows: List[Dict[str, Any]]):
        super().__init__(data)
        self._rows = rows

    @property
    def table(self):
        """The study's rows as a DataFrame (a list of dicts without pandas)."""
        return _table(self._rows)

    def __repr__(self) -> str:
        return f"Study({self.get('scenario')}: {len(self._rows)} rows; .table)"


def _study_source(scenario: Union[None, PathLike, Scenario], set: Optional[Mapping[str, Any]]):
    """A study's scenario file (or None: the baseline) and its overrides.
    A Scenario made from text is written to a temporary file first."""
    sets = _sets(set)
    if scenario is None:
        return None, sets, None
    if isinstance(scenario, Scenario):
        args = scenario._run_args()
        if args["file"] is not None:
            return args["file"], args["sets"] + sets, None
        if args["text"] is None:
            return None, args["sets"] + sets, None
        holder = tempfile.TemporaryDirectory(prefix="xuhui-sim-")
        stem = args["name"][:-5] if args["name"].endswith(".toml") else args["name"]
        path = os.path.join(holder.name, f"{stem}.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(args["text"])
        return path, args["sets"] + sets, holder
    return os.fspath(scenario), sets, None


def _ranges(vary: Union[str, Sequence[str], Mapping[str, Sequence[float]]]) -> List[str]:
    """``{"key": (lo, hi)}`` or ``"key=lo..hi"`` as the CLI's ``--vary``."""
    if isinstance(vary, str):
        return [vary]
    if isinstance(vary, Mapping):
        return [f"{k}={lo!r}..{hi!r}" for k, (lo, hi) in vary.items()]
    return list(vary)


def sweep(scenario: Union[None, PathLike, Scenario] = None, *, vary, steps: int = 5,
          metrics: Sequence[str] = (), paths: Optional[int] = None, seed: Optional[int] = None,
          threads: Optional[int] = None, set: Optional[Mapping[str, Any]] = None) -> Study:
    """``xuhui-sim sweep``: a grid over one or two assumptions
    (``vary={"series.digital_economy.mean_growth": (0.08, 0.14)}``), all runs on
    one seed. ``table``: one row per grid point and target."""
    file, sets, _holder = _study_source(scenario, set)
    data = json.loads(_engine.sweep(_ranges(vary), file=file, sets=sets, steps=steps,
                                    metrics=list(metrics), paths=paths, seed=seed, threads=threads))
    rows = []
    for point in data["points"]:
        at = dict(zip(data["keys"], point["values"]))
        for t in point["targets"]:
            row = dict(at)
            row.update({"target": t["name"], "label": t["label"], "probability": t["probability"],
                        "ci95_low": t["ci95"][0], "ci95_high": t["ci95"][1]})
            rows.append(row)
    return Study(data, rows)


def sensitivity(scenario: Union[None, PathLike, Scenario] = None, *, metrics: Sequence[str] = (),
                paths: Optional[int] = None, seed: Optional[int] = None, threads: Optional[int] = None,
                set: Optional[Mapping[str, Any]] = None) -> Study:
    """``xuhui-sim sensitivity`` (tornado): each uncertain parameter held at
    its p10 and p90. ``table``: one row per outcome and parameter, largest swing first."""
    file, sets, _holder = _study_source(scenario, set)
    data = json.loads(_engine.tornado(file=file, sets=sets, metrics=list(metrics), paths=paths,
                                      seed=seed, threads=threads))
    rows = []
    for outcome in data["outcomes"]:
        for bar in outcome["bars"]:
            rows.append({"kind": outcome["kind"], "outcome": outcome["name"], "label": outcome["label"],
                         "year": outcome["year"], "base": outcome["base"], **bar})
    return Study(data, rows)


def goal_seek(scenario: Union[None, PathLike, Scenario] = None, *, vary: str, target: str,
              probability: float, range: Optional[Sequence[float]] = None, paths: Optional[int] = None,
              seed: Optional[int] = None, threads: Optional[int] = None,
              set: Optional[Mapping[str, Any]] = None) -> Study:
    """``xuhui-sim goal-seek``: the value of ``vary`` at which ``target`` is
    met with ``probability``; ``["value"]`` and its ``["interval"]``;
    ``table``: the trials."""
    file, sets, _holder = _study_source(scenario, set)
    text_range = None if range is None else f"{range[0]!r}..{range[1]!r}"
    data = json.loads(_engine.goal_seek(vary, target, probability, file=file, sets=sets, range=text_range,
                                        paths=paths, seed=seed, threads=threads))
    rows = [{"value": v, "probability": p} for v, p in data["trials"]]
    return Study(data, rows)
