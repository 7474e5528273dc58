"""Forecast speed and peak memory on synthetic weekly panels of 1k, 10k and 100k series.

Usage (from the repository root)::

    .venv/bin/python benchmarks/speed.py                       # 1k, 10k, 100k + Prophet on 20 series
    .venv/bin/python benchmarks/speed.py --sizes 1000 --no-docs

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
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, markdown_table, update_docs_section  # noqa: E402

WEEKS = 260
HORIZON = 13


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
    ds = pd.date_range("2019-01-07", periods=weeks, freq="W-MON")
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


def run_sub(n: int, model: str, seed: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--n", str(n), "--model", model, "--seed", str(seed)]
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
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.n, args.model, args.seed)))
        return 0

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


if __name__ == "__main__":
    raise SystemExit(main())
