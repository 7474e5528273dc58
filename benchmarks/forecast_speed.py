"""Speed of foresight.forecast on a large synthetic weekly panel (default 100k series x 5 years).

    .venv/bin/python benchmarks/forecast_speed.py [--areas 1000] [--categories 100] [--weeks 260]

Prints wall time and peak memory (ru_maxrss) of forecast(panel, 13) with quantiles and appends a row
to benchmarks/results/forecast_speed.csv.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from foresight.forecasting import forecast


def make_panel(n_areas: int, n_cats: int, weeks: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2019-01-07", periods=weeks, freq="W-MON")
    n = n_areas * n_cats
    base = rng.gamma(0.6, 2.0, n)  # mostly sparse series
    season = 1 + 0.5 * np.sin(2 * np.pi * (ds.dayofyear.to_numpy() / 365.25 + rng.random(n_cats)[:, None]))
    mu = base.reshape(n_areas, n_cats)[:, :, None] * season[None, :, :]
    y = rng.poisson(mu.reshape(n, weeks)).astype("int64")
    area = pd.Categorical.from_codes(np.repeat(np.arange(n_areas), n_cats * weeks),
                                     [f"A{i:05d}" for i in range(n_areas)])
    cat = pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_cats), weeks), n_areas),
                                    [f"C{j:03d}" for j in range(n_cats)])
    p = pd.DataFrame({"area": area, "category": cat, "ds": np.tile(ds.to_numpy(), n), "y": y.ravel()})
    p.attrs.update(freq="W", country="CN")
    return p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=1000)
    ap.add_argument("--categories", type=int, default=100)
    ap.add_argument("--weeks", type=int, default=260)
    a = ap.parse_args()
    panel = make_panel(a.areas, a.categories, a.weeks)
    n = a.areas * a.categories
    t = time.perf_counter()
    fc = forecast(panel, 13)
    el = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"{n} series x {a.weeks} weeks: forecast(13) {el:.1f}s, {len(fc)} rows, peak RSS {rss:.2f} GB")
    out = Path(__file__).resolve().parent / "results" / "forecast_speed.csv"
    out.parent.mkdir(exist_ok=True)
    row = pd.DataFrame([{"series": n, "weeks": a.weeks, "seconds": round(el, 2), "peak_gb": round(rss, 2),
                         "when": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")}])
    row.to_csv(out, mode="a", header=not out.exists(), index=False)


if __name__ == "__main__":
    main()
