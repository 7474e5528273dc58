"""Speed and peak memory on synthetic weekly panels: the forecast, the whole pipeline, the panel from Parquet.

Usage (from the repository root)::

    .venv/bin/python benchmarks/speed.py                       # 1k, 10k, 100k + Prophet on 20 series
    .venv/bin/python benchmarks/speed.py --sizes 1000 --no-docs
    .venv/bin/python benchmarks/speed.py --pipeline --sizes 100000 --prophet-series 0   # every step
    .venv/bin/python benchmarks/speed.py --pipeline --sizes 10000 --profile             # + where the steps spend it
    .venv/bin/python benchmarks/speed.py --cases 20000000 --sizes 100000                # 20M cases -> panel

``--pipeline`` times panel -> forecast -> waves -> surges -> flags (``flags`` given the forecasts,
waves and surges, as the report passes them), each step with its wall time, plus the process' peak
RSS; the panel is counted by ``to_panel`` from ``--cases-per-series`` cases per series in Parquet
(written first by a separate process; ``0``: the synthetic panel built in memory); ``--profile`` adds a cProfile of the steps after the panel
(``benchmarks/results/profile_pipeline_<n>.txt``). ``--cases N`` writes N cases spread over the panel's
series as Parquet, then times ``to_panel(path)`` (DuckDB counts, the zero-fill in NumPy).

Each measurement runs in its own subprocess (so peak memory is that run's alone): the worker builds a
panel of ``n`` weekly series with 5 years (260 weeks) of negative-binomial counts with a yearly season
(``numpy.random.default_rng(seed)``), then times ``foresight.forecasting.forecast(panel, 13,
quantiles=(0.1, 0.5, 0.9))`` (fit + 13-week forecast with quantiles). Peak memory is the subprocess'
``ru_maxrss`` (it includes building the panel; the panel's own size is reported beside it). Prophet is
timed the same way on a sample of ``--prophet-series`` series (one process).

Writes benchmarks/results/speed.csv and the forecasting-speed section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, markdown_table, update_docs_section  # noqa: E402

WEEKS = 260
HORIZON = 13
START = pd.Timestamp("2019-01-07")
AS_OF = START + pd.Timedelta(weeks=WEEKS)  # the first forecast week of the synthetic panels


def synthetic_panel(n: int, *, seed: int = 0, weeks: int = WEEKS) -> pd.DataFrame:
    """``n`` weekly series (areas x 20 categories), NB counts, yearly season, some sparse."""
    rng = np.random.default_rng(seed)
    n_cat = 20
    n_area = int(np.ceil(n / n_cat))
    level = rng.lognormal(mean=0.0, sigma=1.2, size=n)  # many sparse series, a few busy ones
    phase = rng.uniform(0, 2 * np.pi, size=n)
    amp = rng.uniform(0, 0.8, size=n)
    t = np.arange(weeks)
    mu = level[:, None] * (1 + amp[:, None] * np.sin(2 * np.pi * t[None, :] / 52 + phase[:, None]))
    disp = 2.0
    y = rng.negative_binomial(disp, disp / (disp + mu)).astype("int64")
    ds = pd.date_range(START, periods=weeks, freq="W-MON")
    idx = np.arange(n)
    areas = np.array([f"A{i:05d}" for i in range(n_area)], dtype=object)
    cats = np.array([f"C{j:02d}" for j in range(n_cat)], dtype=object)
    panel = pd.DataFrame(
        {
            "area": np.repeat(areas[idx // n_cat], weeks),
            "category": np.repeat(cats[idx % n_cat], weeks),
            "ds": np.tile(ds.to_numpy(), n),
            "y": y.ravel(),
        }
    )
    panel.attrs.update(freq="W", as_of=ds[-1] + pd.Timedelta(weeks=1), country="CN")
    return panel


def synthetic_cases(n: int, n_cases: int, *, seed: int = 0):
    """About ``n_cases`` cases (a pyarrow table) spread over the series of ``synthetic_panel(n)``."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    panel = synthetic_panel(n, seed=seed)
    y = panel["y"].to_numpy(dtype=float)
    counts = rng.poisson(y * (n_cases / y.sum()))  # the panel's shape, rescaled to n_cases in total
    rows = np.repeat(np.arange(len(panel)), counts)
    areas, a_idx = np.unique(panel["area"].to_numpy(dtype=str), return_inverse=True)
    cats, c_idx = np.unique(panel["category"].to_numpy(dtype=str), return_inverse=True)
    day = (panel["ds"].to_numpy()[rows].astype("datetime64[D]")
           + rng.integers(0, 7, len(rows)).astype("timedelta64[D]"))
    return pa.table({
        "case_id": pa.array(np.arange(len(rows))).cast(pa.string()),
        "received": pa.array(day),
        "area": pa.DictionaryArray.from_arrays(pa.array(a_idx[rows].astype(np.int32)), pa.array(areas)),
        "category": pa.DictionaryArray.from_arrays(pa.array(c_idx[rows].astype(np.int32)), pa.array(cats)),
        "collective": pa.array(rng.random(len(rows)) < 0.02),  # for the escalation flags
        "repeat": pa.array(rng.random(len(rows)) < 0.05),
        "level": pa.nulls(len(rows), pa.string()),
    })


def worker(n: int, model: str, seed: int) -> dict:
    """Build the panel, time one fit + forecast, report peak RSS (runs inside a subprocess)."""
    panel = synthetic_panel(n, seed=seed)
    panel_mb = panel.memory_usage(deep=True).sum() / 2**20
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if model == "prophet":
        from foresight.forecasting.models.prophet import predict_prophet

        t0 = time.perf_counter()
        fc = predict_prophet(panel, horizon=HORIZON, freq="W", quantiles=(0.1, 0.5, 0.9), seed=seed)
    else:
        from foresight.forecasting import forecast

        t0 = time.perf_counter()
        fc = forecast(panel, HORIZON, model=model, quantiles=(0.1, 0.5, 0.9), seed=seed)
    secs = time.perf_counter() - t0
    assert len(fc) == n * HORIZON, (len(fc), n)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"model": model, "n_series": n, "seconds": secs, "series_per_s": n / secs,
            "peak_rss_mb": peak_mb, "rss_before_fit_mb": rss_before, "panel_mb": panel_mb}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def pipeline_worker(n: int, seed: int, profile: bool, parquet: str | None = None, n_cases: int = 0) -> dict:
    """Time panel -> forecast -> waves -> surges -> flags on one synthetic panel (inside a subprocess)."""
    import cProfile
    import io
    import pstats

    from foresight.forecasting import forecast
    from foresight.report._steps import warning_matrix
    from foresight.warning import flags, surges, waves
    from foresight.warning.own_history import learned_wave_p

    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    if parquet is None:  # the benchmark's own generator (not foresight code)
        panel = synthetic_panel(n, seed=seed)
    else:  # the cases in Parquet counted into the panel, as the store does (DuckDB)
        from foresight.panel import to_panel

        panel = to_panel(parquet, freq="W", as_of=AS_OF)
        panel.attrs.update(country="CN")
    out = {"n_series": n, "panel_s": time.perf_counter() - t0, "panel_mb": panel.memory_usage(deep=True).sum() / 2**20,
           "panel_from": "parquet" if parquet else "memory", "cases": n_cases}
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    out["panel_cpu_s"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    out["panel_sys_s"] = r1.ru_stime - r0.ru_stime
    as_of = panel.attrs["as_of"]
    prof = cProfile.Profile() if profile else None
    grid = warning_matrix(panel, freq="W", as_of=as_of)
    steps = {
        "forecast": lambda: forecast(panel, HORIZON, quantiles=(0.1, 0.5, 0.9), seed=seed),
        # waves and surges share one series matrix, built in the waves step (as the report does)
        "waves": lambda: waves(panel, as_of=as_of, matrix=grid()),
        "surges": lambda: surges(panel, as_of, matrix=grid()),
        # the learned wave model the flags use by default (FlagSettings.wave_model), timed on its own
        "learn": lambda: learned_wave_p(panel, as_of, horizon=HORIZON, seed=seed, prior=False)[0],
        "flags": lambda: flags(panel, as_of, HORIZON, forecasts=res["forecast"], waves=res["waves"],
                               surges=res["surges"], wave_p=res["learn"], seed=seed),
    }
    res: dict = {}
    for name, step in steps.items():
        t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        if prof is not None:
            prof.enable()
        res[name] = step()
        if prof is not None:
            prof.disable()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        out[f"{name}_s"] = time.perf_counter() - t0
        # this process' CPU (the machine is shared); system time is mostly fresh memory being faulted in
        out[f"{name}_cpu_s"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        out[f"{name}_sys_s"] = r1.ru_stime - r0.ru_stime
        out[f"rss_after_{name}_mb"] = _rss_mb()
    out["pipeline_s"] = sum(out[f"{k}_s"] for k in ("panel", *steps))
    out["warning_s"] = out["waves_s"] + out["surges_s"] + out["learn_s"] + out["flags_s"]
    out["steps_cpu_s"] = sum(out[f"{k}_cpu_s"] for k in steps)
    out["steps_sys_s"] = sum(out[f"{k}_sys_s"] for k in steps)
    out["peak_rss_mb"] = _rss_mb()
    out["flags"] = len(res["flags"])
    out["series"] = int(panel.groupby(["area", "category"], sort=False, observed=True).ngroups)
    if prof is not None:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(40)
        from foresight._io import atomic_write

        atomic_write(RESULTS / f"profile_pipeline_{n}.txt", lambda p: p.write_text(buf.getvalue()))
    return out


def write_cases(n: int, n_cases: int, seed: int, path: Path) -> int:
    """Write :func:`synthetic_cases` to one Parquet file; returns the number of cases."""
    import pyarrow.parquet as pq

    table = synthetic_cases(n, n_cases, seed=seed)
    pq.write_table(table, path, row_group_size=1 << 20)
    return table.num_rows


def cases_worker(n: int, n_cases: int, seed: int) -> dict:
    """Write ``n_cases`` cases over ``n`` series as Parquet, then time ``to_panel`` on it (in a subprocess)."""
    import tempfile

    from foresight.panel import to_panel

    folder = Path(tempfile.mkdtemp(prefix="foresight-bench-"))
    path = folder / "cases.parquet"
    n_rows = write_cases(n, n_cases, seed, path)
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    p = to_panel(path, freq="W")
    secs = time.perf_counter() - t0
    out = {"n_series": int(p.groupby(["area", "category"], sort=False).ngroups), "cases": n_rows,
           "panel_rows": len(p), "seconds": secs, "cases_per_s": n_rows / secs, "rss_before_mb": rss_before,
           "peak_rss_mb": _rss_mb(), "parquet_mb": path.stat().st_size / 2**20}
    path.unlink()
    folder.rmdir()
    return out


def run_sub(n: int, model: str, seed: int, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--n", str(n), "--model", model, "--seed", str(seed), *extra]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker n={n} model={model} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--model", default="auto", help="foresight model to time (default: auto)")
    ap.add_argument("--prophet-series", type=int, default=20, help="0 to skip Prophet")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--pipeline", action="store_true", help="time forecast, waves, surges and flags")
    ap.add_argument("--profile", action="store_true", help="with --pipeline: cProfile the steps after the panel")
    ap.add_argument("--cases", type=int, default=0, help="time to_panel on this many cases in Parquet")
    ap.add_argument("--cases-per-series", type=int, default=200,
                    help="with --pipeline: the panel is counted from this many cases per series in Parquet "
                         "(20M for 100k series; 0: the panel built in memory by the benchmark's generator)")
    ap.add_argument("--parquet", help=argparse.SUPPRESS)
    ap.add_argument("--write-cases", help=argparse.SUPPRESS)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        if args.write_cases:
            print(json.dumps({"cases": write_cases(args.n, args.cases, args.seed, Path(args.write_cases))}))
        elif args.cases and not args.pipeline:
            print(json.dumps(cases_worker(args.n, args.cases, args.seed)))
        elif args.pipeline:
            print(json.dumps(pipeline_worker(args.n, args.seed, args.profile, args.parquet, args.cases)))
        else:
            print(json.dumps(worker(args.n, args.model, args.seed)))
        return 0
    if args.pipeline:
        return _main_pipeline(args)
    if args.cases:
        return _main_cases(args)

    load = os.getloadavg()
    rows = []
    for n in args.sizes:
        r = run_sub(n, args.model, args.seed)
        print(r, flush=True)
        rows.append(r)
    if args.prophet_series:
        r = run_sub(args.prophet_series, "prophet", args.seed)
        print(r, flush=True)
        rows.append(r)
    res = pd.DataFrame(rows)
    from foresight._io import atomic_write

    atomic_write(RESULTS / "speed.csv", lambda p: res.to_csv(p, index=False))

    checks = []
    big = res[(res["model"] == args.model) & (res["n_series"] == 100000)]
    if len(big):
        b = big.iloc[0]
        checks.append((f"100k series in {b['seconds']:.1f} s (< 60 s)", b["seconds"] < 60))
        checks.append((f"100k series peak RSS {b['peak_rss_mb'] / 1024:.2f} GB (< 6 GB)",
                       b["peak_rss_mb"] < 6 * 1024))
    pr = res[res["model"] == "prophet"]
    if len(pr):
        p_rate = pr.iloc[0]["series_per_s"]
        ours = res[res["model"] == args.model]["series_per_s"]
        ratio = ours.min() / p_rate
        checks.append((f"{args.model} at least 100x Prophet per series: slowest size {ratio:.0f}x "
                       f"({ours.min():.0f} vs {p_rate:.2f} series/s)", ratio >= 100))
    check_md = "\n".join(f"- {'PASS' if ok else 'FAIL'}: {txt}" for txt, ok in checks)
    show = res.assign(peak_rss_gb=res["peak_rss_mb"] / 1024,
                      rss_before_fit_gb=res["rss_before_fit_mb"] / 1024)[
        ["model", "n_series", "seconds", "series_per_s", "peak_rss_gb", "rss_before_fit_gb"]]
    md = markdown_table(show, floatfmt="{:.2f}")
    print(md)
    print(check_md)
    if not args.no_docs:
        body = f"""
Command: `.venv/bin/python benchmarks/speed.py` ({time.strftime('%Y-%m-%d')}, {platform.machine()},
{os.cpu_count()} cores shared with other jobs, load average {load[0]:.1f} at the start,
Python {platform.python_version()}).

Synthetic weekly panels (20 categories x areas, 260 weeks of negative-binomial counts with a yearly
season, `numpy.random.default_rng({args.seed})`); `forecast(panel, 13, quantiles=(0.1, 0.5, 0.9))`
with the default model, fit + forecast timed, each size in its own subprocess. Peak RSS is the
subprocess' `ru_maxrss` and includes the panel itself (string `area`/`category` columns as
`to_panel` makes them); `rss_before_fit_gb` is the process' peak after building the panel, before the
fit.
Prophet (`predict_prophet`, 500 posterior samples, one process) is timed on {args.prophet_series} series.

{md}

{check_md}

Raw numbers: `benchmarks/results/speed.csv`.
"""
        update_docs_section("forecast-speed", body, title="Forecast speed and memory")
    return 0 if all(ok for _, ok in checks) else 3


def _header(cmd: str, load: tuple[float, float, float]) -> str:
    return (f"Command: `{cmd}` ({time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, {os.cpu_count()} cores "
            f"shared with other jobs, load average {load[0]:.1f} at the start, Python {platform.python_version()}).")


def _main_pipeline(args: argparse.Namespace) -> int:
    """Forecast -> waves -> surges -> flags per size, each size in its own subprocess."""
    from foresight._io import atomic_write

    load = os.getloadavg()
    rows = []
    for n in args.sizes:
        extra = ["--pipeline"] + (["--profile"] if args.profile else [])
        with tempfile.TemporaryDirectory(prefix="foresight-bench-") as tmp:
            if args.cases_per_series:  # written by its own process: not in the pipeline's peak memory
                path = str(Path(tmp) / "cases.parquet")
                n_cases = args.cases_per_series * n
                run_sub(n, args.model, args.seed, "--write-cases", path, "--cases", str(n_cases))
                extra += ["--parquet", path, "--cases", str(n_cases)]
            r = run_sub(n, args.model, args.seed, *extra)
        print(r, flush=True)
        rows.append(r)
    res = pd.DataFrame(rows)
    atomic_write(RESULTS / "speed_pipeline.csv", lambda p: res.to_csv(p, index=False))
    checks = []
    big = res[res["n_series"] == 100000]
    if len(big):
        b = big.iloc[0]
        steps_s = b["pipeline_s"] - b["panel_s"]  # the 45 s: forecast -> flags, the panel given
        checks.append((f"100k series forecast -> flags (panel given) in {steps_s:.1f} s (<= 45 s)", steps_s <= 45))
        if b.get("panel_from") == "parquet" and b.get("cases", 0) >= 19_000_000:
            checks.append((f"{int(b['cases']):,} cases -> weekly panel in {b['panel_s']:.1f} s (<= 10 s)",
                           b["panel_s"] <= 10))
        checks.append((f"100k series peak RSS {b['peak_rss_mb'] / 1024:.2f} GB (<= 4 GB)", b["peak_rss_mb"] <= 4096))
        checks.append((f"early warning {b['warning_s']:.1f} s vs forecast {b['forecast_s']:.1f} s "
                       "(as fast as forecasting)", b["warning_s"] <= b["forecast_s"]))
    show = res.assign(peak_rss_gb=res["peak_rss_mb"] / 1024)[
        ["n_series", "series", "panel_s", "forecast_s", "waves_s", "surges_s", "learn_s", "flags_s", "pipeline_s",
         "steps_cpu_s", "peak_rss_gb"]]
    md = markdown_table(show, floatfmt="{:.2f}")
    check_md = "\n".join(f"- {'PASS' if ok else 'FAIL'}: {txt}" for txt, ok in checks)
    print(md)
    print(check_md)
    if not args.no_docs:
        cmd = "python benchmarks/speed.py --pipeline --sizes " + " ".join(map(str, args.sizes))
        if args.cases_per_series:
            panel_text = (f"The cases: {args.cases_per_series} per series of the forecast benchmark's synthetic panel "
                          "(20 categories x areas, 260 weeks; Poisson around its counts, a random weekday each), "
                          "written to one Parquet file by a separate process; `panel_s` is `to_panel(path)` "
                          "(DuckDB counts, as the case store does); `series` counts the series with a case.")
        else:
            cmd += " --cases-per-series 0"
            panel_text = ("The synthetic panel of the forecast benchmark (20 categories x areas, 260 weeks); "
                          "`panel_s` builds it in memory (the benchmark's generator, not foresight code).")
        body = f"""
{_header(cmd, load)}

{panel_text}
Then `forecast(panel, 13)`, `waves(panel)`, `surges(panel, as_of)` (the two sharing one series matrix, built in the waves step, as the report does), `learned_wave_p(panel,
as_of, horizon=13)` (`learn_s`: the wave model the flags use by default, fitted on the panel's history,
every 4th week, at most 4,000 series, its own history only as the product does by default) and
`flags(panel, as_of, 13, forecasts=..., waves=..., surges=..., wave_p=...)` (given the four, as the
weekly report passes them: flags then only checks, ranks and words), each timed; `steps_cpu_s` is the CPU time the process spent in
the five steps (user + system, `getrusage`; on a shared machine the wall times grow with the load, this much
less; the system part, mostly fresh memory faulted in, is in `steps_sys_s` of the raw numbers); peak RSS is
the subprocess' `ru_maxrss` over the panel and all steps.

{md}

{check_md}

Raw numbers: `benchmarks/results/speed_pipeline.csv`.
"""
        update_docs_section("pipeline-speed", body, title="Whole pipeline: speed and memory")
    return 0 if all(ok for _, ok in checks) else 3


def _main_cases(args: argparse.Namespace) -> int:
    """Cases in Parquet -> weekly panel, one subprocess per size."""
    from foresight._io import atomic_write

    load = os.getloadavg()
    rows = []
    for n in args.sizes:
        r = run_sub(n, args.model, args.seed, "--cases", str(args.cases))
        print(r, flush=True)
        rows.append(r)
    res = pd.DataFrame(rows)
    atomic_write(RESULTS / "panel_parquet.csv", lambda p: res.to_csv(p, index=False))
    checks = [(f"{int(r.cases):,} cases -> weekly panel in {r.seconds:.1f} s (<= 10 s for 20M)", r.seconds <= 10)
              for r in res.itertuples() if r.cases >= 19_000_000]
    show = res.assign(peak_rss_gb=res["peak_rss_mb"] / 1024)[
        ["cases", "n_series", "panel_rows", "seconds", "cases_per_s", "peak_rss_gb", "parquet_mb"]]
    md = markdown_table(show, floatfmt="{:.2f}")
    check_md = "\n".join(f"- {'PASS' if ok else 'FAIL'}: {txt}" for txt, ok in checks)
    print(md)
    print(check_md)
    if not args.no_docs:
        cmd = f"python benchmarks/speed.py --cases {args.cases} --sizes " + " ".join(map(str, args.sizes))
        body = f"""
{_header(cmd, load)}

Cases spread over the synthetic panel's series (Poisson around its counts, a random weekday each),
written to one Parquet file (`area`, `category` dictionary-encoded); timed: `to_panel(path, freq="W")`,
DuckDB counting per area x category x week and NumPy zero-filling every series' span.

{md}

{check_md}

Raw numbers: `benchmarks/results/panel_parquet.csv`.
"""
        update_docs_section("panel-parquet", body, title="Cases in Parquet to the weekly panel")
    return 0 if all(ok for _, ok in checks) else 3


if __name__ == "__main__":
    raise SystemExit(main())
