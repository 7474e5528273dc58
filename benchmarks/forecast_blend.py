"""Learning across series: the default combined with the global LightGBM, chosen on development origins.

Reads the per-origin backtests that ``benchmarks/forecast_skill.py --cache DIR`` left (the default's,
run per horizon, and the untuned LightGBM's 26-week run, truncated to 13 weeks), and scores candidate
combinations on the same origins and levels, without refitting anything:

* ``blend_W``: at every level, mean and quantiles ``W x default + (1 - W) x LightGBM`` (quantile
  averaging; both inputs are coherent in their means, so the blend's means are too), W in
  ``WEIGHTS``;
* ``levelfix``: the default with every row (all levels, means and quantiles) multiplied by the ratio of
  LightGBM's summed total to the default's total over the horizon at that origin (a level correction of
  the bottom series toward the global model; coherent).

The candidate is chosen on the development origins of both logs (``--phase dev``): the one with the
lowest geometric mean of its RMSSE and SPL ratios to the default over log x horizon x level. Only
then is it scored on the blind years (``--phase blind --candidate NAME``), once.

Usage::

    .venv/bin/python benchmarks/forecast_blend.py --cache DIR --phase dev
    .venv/bin/python benchmarks/forecast_blend.py --cache DIR --phase blind --candidate blend_0.5
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from _common import LOGS, RESULTS, log_origins, phase
from foresight._io import atomic_write
from foresight.evaluation import Backtest

WEIGHTS = (0.25, 0.5, 0.75)
QCOLS = ["mean", "p10", "p50", "p90"]
KEY = ["level", "area", "category", "ds"]


def candidates(auto: pd.DataFrame, lgbm: pd.DataFrame) -> pd.DataFrame:
    """The default, LightGBM and every candidate, rows as in ``Backtest.forecasts``."""
    j = auto.merge(lgbm[KEY + QCOLS], on=KEY, suffixes=("", "_l"), how="left")
    out = [auto, lgbm.assign(model="lgbm")]
    for w in WEIGHTS:
        b = auto.copy()
        for c in QCOLS:
            b[c] = w * j[c].to_numpy() + (1 - w) * j[f"{c}_l"].to_numpy()
        out.append(b.assign(model=f"blend_{w}"))
    tot = j[j["level"] == "total"]
    ratio = tot["mean_l"].sum() / tot["mean"].sum() if tot["mean"].sum() > 0 else 1.0
    fix = auto.copy()
    fix[QCOLS] = fix[QCOLS].to_numpy(dtype=float) * ratio
    out.append(fix.assign(model="levelfix"))
    return pd.concat(out, ignore_index=True)


def load_origin(cache: Path, name: str, h: int, o: pd.Timestamp) -> tuple[Backtest, pd.DataFrame]:
    """The default's cached backtest at one origin and horizon, and the fast anchors' forecasts (their
    26-week run) cut to the first ``h`` periods."""
    a: Backtest = pickle.loads((cache / f"{name}_auto_h{h}_{o.date()}.pkl").read_bytes())
    f: Backtest = pickle.loads((cache / f"{name}_fast_h26_{o.date()}.pkl").read_bytes())
    return a, f.forecasts[f.forecasts["h"] <= h]


def score_frame(a: Backtest, fc: pd.DataFrame) -> pd.DataFrame:
    """RMSSE / SPL / coverage per model, level and origin of forecasts ``fc`` on ``a``'s actuals."""
    return Backtest(fc, a.series, a.quantiles, a.horizon, a.freq).scores(by=("model", "level", "origin"))


def scores(cache: Path, want: str) -> pd.DataFrame:
    rows = []
    for name in LOGS:
        for h in (13, 26):
            for o in log_origins(name, h):
                if phase(name, o, h) != want:
                    continue
                a, fast = load_origin(cache, name, h, o)
                fc = candidates(a.forecasts, fast[fast["model"] == "lgbm"])
                rows.append(score_frame(a, fc).assign(log=name, horizon=h))
    return pd.concat(rows, ignore_index=True)


def compare(s: pd.DataFrame) -> pd.DataFrame:
    """Mean RMSSE / SPL per log, horizon, level, model; ratio to the default (lower is better)."""
    m = s.groupby(["log", "horizon", "level", "model"])[["rmsse", "spl"]].mean().reset_index()
    d = m[m["model"] == "auto"].set_index(["log", "horizon", "level"])
    idx = m.set_index(["log", "horizon", "level"]).index
    m["ratio_rmsse"] = m["rmsse"].to_numpy() / d["rmsse"].reindex(idx).to_numpy()
    m["ratio_spl"] = m["spl"].to_numpy() / d["spl"].reindex(idx).to_numpy()
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--phase", choices=("dev", "blind"), required=True)
    ap.add_argument("--candidate", default=None, help="with --phase blind: the candidate chosen on dev")
    args = ap.parse_args(argv)
    if args.phase == "blind" and not args.candidate:
        ap.error("--phase blind needs --candidate (chosen on --phase dev)")
    m = compare(scores(args.cache, args.phase))
    if args.candidate:
        m = m[m["model"].isin(["auto", "lgbm", args.candidate])]
    geo = (m[m["model"] != "auto"].groupby("model")[["ratio_rmsse", "ratio_spl"]]
           .apply(lambda g: float(np.exp(np.log(g.to_numpy()).mean()))).sort_values())
    print(m.to_string(index=False, float_format="%.3f"))
    print("geometric mean ratio to the default (RMSSE and SPL, log x horizon x level):")
    print(geo.to_string(float_format="%.3f"))
    atomic_write(RESULTS / f"forecast_blend_{args.phase}.csv", lambda p: m.to_csv(p, index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
