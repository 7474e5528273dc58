"""Intervals calibrated on past origins (``foresight.forecasting.intervals``): coverage and scaled pinball loss
per level, before and after, on rolling origins of the two real logs.

For each log and horizon (13, 26 weeks) the default model (``backtest(models=("auto",))``: its own
coherent area, category and total forecasts) is fitted once at every origin of the phase (every 13
weeks from the log's third year; ``benchmarks/_common.py``). The calibrated variants then rescale each
origin's quantiles with :func:`learn_interval_scales` on the earlier origins whose horizon had ended by
that origin, without refitting:

* ``expanding``: every such origin, one factor per level;
* ``last4`` / ``last8``: the 4 / 8 latest of them, one factor per level (what
  ``forecast_hierarchy(..., calibrate_intervals=4 / 8)`` learns from: the origins are a quarter apart);
* ``expanding_band``: every such origin, one factor per level and horizon band (steps 1-4, 5-13, 14-26);
* ``expanding_pinball``, ``last4_pinball``, ``last8_pinball``: as above with ``rule="pinball"`` (a factor
  per quantile, the one with the lowest pinball loss on the past origins).

All use ``IntervalSettings()`` otherwise (fewer than 4 past origins: scale 1). Scores are
``Backtest.scores()``: coverage of the 80% interval (rows pooled), scaled pinball loss (``spl``,
volume-weighted, each origin weighing the same) and the mean width ``p90 - p10``; per origin, the
variant's SPL against the default's (wins / ties / losses, and the mean per-origin ratio with its
standard error).

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/forecast_intervals.py --phase dev
    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/forecast_intervals.py --phase blind

Writes ``benchmarks/results/forecast_intervals_<phase>.csv`` (and ``..._origins.csv``, per origin).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from _common import LOGS, RESULTS, load_log, log_origins, markdown_table, phase  # noqa: E402
from foresight._io import atomic_write  # noqa: E402
from foresight.evaluation import Backtest, backtest  # noqa: E402
from foresight.forecasting import apply_interval_scales, learn_interval_scales  # noqa: E402
from foresight.settings import IntervalSettings  # noqa: E402

#: name -> (latest past origins used or None for all, settings)
VARIANTS = {
    "expanding": (None, IntervalSettings()),
    "last4": (4, IntervalSettings()),
    "last8": (8, IntervalSettings()),
    "expanding_band": (None, IntervalSettings(bands=(4, 13))),
    "expanding_pinball": (None, IntervalSettings(rule="pinball")),
    "last4_pinball": (4, IntervalSettings(rule="pinball")),
    "last8_pinball": (8, IntervalSettings(rule="pinball")),
}
BASE = "default"


def calibrated(bt: Backtest, want: list[pd.Timestamp]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backtest's forecasts at the ``want`` origins, as forecast and rescaled by each variant."""
    f = bt.forecasts
    ends = {o: o + pd.Timedelta(weeks=bt.horizon) for o in f["origin"].unique()}
    parts, scales = [f[f["origin"].isin(want)].assign(model=BASE)], []
    for o in want:
        cur = f[f["origin"] == o]
        done = sorted(p for p, e in ends.items() if e <= o)
        for name, (last, settings) in VARIANTS.items():
            use = done if last is None else done[-last:]
            sc = learn_interval_scales(f[f["origin"].isin(use)], settings=settings)
            parts.append(apply_interval_scales(cur, sc).assign(model=name))
            scales.append(sc.assign(model=name, origin=o))
    return pd.concat(parts, ignore_index=True), pd.concat(scales, ignore_index=True)


def score(bt: Backtest, fc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pooled scores per model and level, and per origin."""
    b = Backtest(fc, bt.series, bt.quantiles, bt.horizon, bt.freq)
    pooled = b.scores(by=("model", "level"))
    width = fc.assign(width=fc["p90"] - fc["p10"]).groupby(["model", "level"])["width"].mean().reset_index()
    return pooled.merge(width, on=["model", "level"]), b.scores(by=("model", "level", "origin"))


def compare(pooled: pd.DataFrame, per: pd.DataFrame, scales: pd.DataFrame) -> pd.DataFrame:
    """Each variant against the default per level: pooled figures and per-origin SPL wins."""
    base = per[per["model"] == BASE].set_index(["level", "origin"])["spl"]
    p0 = pooled[pooled["model"] == BASE].set_index("level")
    sc = scales[scales["lower"] == "p10"].groupby(["model", "level"])[["scale_lower", "scale_upper"]].mean()
    rows = []
    for (model, level), g in per[per["model"] != BASE].groupby(["model", "level"]):
        r = g.set_index("origin")["spl"] / base.loc[level].reindex(g["origin"]).to_numpy()
        pl = pooled[(pooled["model"] == model) & (pooled["level"] == level)].iloc[0]
        rows.append(dict(variant=model, level=level, coverage80=p0.loc[level, "coverage80"],
                         coverage80_cal=pl["coverage80"], spl=p0.loc[level, "spl"], spl_cal=pl["spl"],
                         spl_ratio=pl["spl"] / p0.loc[level, "spl"], ratio_mean=float(r.mean()),
                         ratio_se=float(r.std(ddof=1) / np.sqrt(len(r))), wins=int((r < 1 - 1e-12).sum()),
                         ties=int((np.abs(r - 1) <= 1e-12).sum()), losses=int((r > 1 + 1e-12).sum()),
                         scale_lower=float(sc.loc[(model, level), "scale_lower"]),
                         scale_upper=float(sc.loc[(model, level), "scale_upper"]), width=p0.loc[level, "width"],
                         width_cal=pl["width"]))
    return pd.DataFrame(rows)


def run(want_phase: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, per_origin = [], []
    for name in LOGS:
        panel = load_log(name)
        for h in (13, 26):
            origins = log_origins(name, h)
            want = [o for o in origins if phase(name, o, h) == want_phase]
            fit = origins[: origins.index(want[-1]) + 1]  # every earlier origin too (for the blind phase)
            t0 = time.process_time()
            bt = backtest(panel, origins=fit, horizon=h, models=("auto",))
            fc, scales = calibrated(bt, want)
            pooled, per = score(bt, fc)
            c = compare(pooled, per, scales).assign(log=name, horizon=h, n_origins=len(want))
            out.append(c)
            per_origin.append(per.assign(log=name, horizon=h))
            print(f"{name} h={h}: {len(fit)} fits, {len(want)} scored, cpu {time.process_time() - t0:.0f} s",
                  flush=True)
    cols = ["log", "horizon", "variant", "level"]
    res = pd.concat(out, ignore_index=True)
    return res[cols + [c for c in res.columns if c not in cols]], pd.concat(per_origin, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phase", choices=("dev", "blind"), default="dev")
    args = ap.parse_args(argv)
    res, per = run(args.phase)
    atomic_write(RESULTS / f"forecast_intervals_{args.phase}.csv", lambda p: res.to_csv(p, index=False))
    atomic_write(RESULTS / f"forecast_intervals_{args.phase}_origins.csv", lambda p: per.to_csv(p, index=False))
    show = res.assign(spl_ratio=res["spl_ratio"].round(4), wins=res["wins"].astype(str) + "/" +
                      res["ties"].astype(str) + "/" + res["losses"].astype(str))
    print(markdown_table(show[["log", "horizon", "variant", "level", "coverage80", "coverage80_cal", "spl",
                               "spl_cal", "spl_ratio", "ratio_se", "wins", "scale_lower", "scale_upper", "width",
                               "width_cal"]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
