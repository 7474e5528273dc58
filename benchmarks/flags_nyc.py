"""Wave flags on the NYC council cases against two simple rules, at seven origins, horizon 13 weeks.

A *wave* (the truth) is an area x category whose next-13-week total is at least 1.5 x its trailing
52-week weekly mean x 13 and at least 10 cases. Compared, in the same run and on the same series
(every area x category with a case in the 52 weeks before the origin):

* ``flags``: the ``wave`` flags of :func:`foresight.warning.flags` (default options: flag when the
  gamma-Poisson horizon total gives the wave at least a 20% chance, ``level_cv=0.22``,
  ``level_cases=20``, chosen on
  seven 2017-2018 origins; ``flags_no_season``: the seasonal lead-time trigger off;
  ``flags_expected``: ``wave_prob=None``, the expected total must reach the wave level (the default
  before); ``flags_p25``: ``wave_prob=0.25``; ``flags_tuned``: ``wave_prob`` chosen again by pooled
  F1 on the 2017-2018 origins, none of them a test origin);
* ``last_year``: the same 13 weeks last year were a wave (against the trailing mean of that time);
* ``tsb``: statsforecast's TSB forecast passes the same rule (``forecast(..., model="tsb")``).

Prints precision, recall and F1 pooled over the origins, per origin, and records them in
``benchmarks/results/flags_nyc.json``. Usage::

    .venv/bin/python benchmarks/flags_nyc.py [--origins 2019-01-07,...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from foresight._io import atomic_write
from foresight.forecasting import forecast
from foresight.panel import to_panel
from foresight.warning import flags

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/nyc-council-cases/cases_2015_2021.csv.gz"
RESULTS = ROOT / "benchmarks" / "results" / "flags_nyc.json"
TUNE = ["2017-04-03", "2017-07-03", "2017-10-02", "2018-01-08", "2018-04-02", "2018-07-02", "2018-10-01"]
GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
ORIGINS = ["2019-01-07", "2019-04-01", "2019-07-01", "2019-10-07", "2021-04-05", "2021-07-05", "2021-10-04"]
H, RATIO, MIN = 13, 1.5, 10


def load_panel() -> pd.DataFrame:
    d = pd.read_csv(DATA, usecols=["account", "opendate", "complaint_type"])
    cases = pd.DataFrame({"received": pd.to_datetime(d["opendate"]), "area": d["account"],
                          "category": d["complaint_type"].fillna("(none)")})
    return to_panel(cases, freq="W", as_of="2022-01-03")


def wide(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.pivot_table(index=["area", "category"], columns="ds", values="y", aggfunc="sum")


def is_wave(W: pd.DataFrame, origin: pd.Timestamp) -> pd.Series:
    """Truth at ``origin``: next-13-week total vs the trailing 52-week mean (NaN = not in span)."""
    cols = W.columns
    past = W.loc[:, (cols < origin) & (cols >= origin - pd.Timedelta(weeks=52))]
    fut = W.loc[:, (cols >= origin) & (cols < origin + pd.Timedelta(weeks=H))]
    normal = past.mean(axis=1)
    total = fut.fillna(0).sum(axis=1)
    return (total >= RATIO * normal * H) & (total >= MIN)


def active(W: pd.DataFrame, origin: pd.Timestamp) -> pd.Index:
    cols = W.columns
    past = W.loc[:, (cols < origin) & (cols >= origin - pd.Timedelta(weeks=52))]
    return W.index[(past.fillna(0).sum(axis=1) > 0).to_numpy()]


def prf(pred: set, truth: set) -> dict:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else float("nan")
    r = tp / len(truth) if truth else float("nan")
    f1 = 2 * p * r / (p + r) if pred and truth and (p + r) > 0 else 0.0
    return dict(flags=len(pred), waves=len(truth), tp=tp, precision=p, recall=r, f1=f1)


def history(panel: pd.DataFrame, W: pd.DataFrame, o: pd.Timestamp) -> tuple[pd.DataFrame, pd.Index]:
    keys = active(W, o)
    hist = panel[panel["ds"] < o]
    hist = hist.merge(pd.DataFrame(list(keys), columns=["area", "category"]), on=["area", "category"])
    hist.attrs.update(freq="W", as_of=o)
    return hist, keys


def tune(panel: pd.DataFrame, W: pd.DataFrame, origins: list[pd.Timestamp]) -> tuple[float, pd.DataFrame]:
    """Pick ``wave_prob`` on earlier origins (none of the test origins), by pooled F1."""
    pooled = {p: (set(), set()) for p in GRID}
    for o in origins:
        hist, keys = history(panel, W, o)
        truth = {(a, c, o) for (a, c), v in is_wave(W.loc[keys], o).items() if v}
        fc = forecast(hist, H, country="US", subdiv="NY")
        for p in GRID:
            fl = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                       wave_min=MIN, wave_prob=p)
            pooled[p][0].update((a, c, o) for a, c in zip(fl.area, fl.category))
            pooled[p][1].update(truth)
    table = pd.DataFrame([dict(wave_prob=p, **prf(*pooled[p])) for p in GRID])
    best = float(table.loc[table["f1"].idxmax(), "wave_prob"])
    return best, table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--origins", default=",".join(ORIGINS))
    ap.add_argument("--tune-origins", default=",".join(TUNE),
                    help="origins used to choose wave_prob (kept apart from --origins)")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    origins = [pd.Timestamp(o) for o in args.origins.split(",")]
    panel = load_panel()
    W = wide(panel)
    best_p, tune_table = tune(panel, W, [pd.Timestamp(o) for o in args.tune_origins.split(",")])
    print("wave_prob chosen on the tuning origins:", best_p)
    print(tune_table.to_string(index=False, float_format="%.3f"))
    pooled: dict[str, tuple[set, set]] = {k: (set(), set()) for k in ("flags", "flags_no_season",
                                                                       "flags_expected",
                                                                       "flags_p25", "flags_tuned",
                                                                       "last_year", "tsb")}
    per_origin = []
    timing = {"flags": 0.0, "tsb": 0.0}
    for o in origins:
        hist, keys = history(panel, W, o)
        truth = {(a, c, o) for (a, c), v in is_wave(W.loc[keys], o).items() if v}
        t0 = time.perf_counter()
        fc = forecast(hist, H, country="US", subdiv="NY")
        ours = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                     wave_min=MIN)
        ours_ns = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                        wave_min=MIN, seasonal=False)
        ours_e = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                       wave_min=MIN, wave_prob=None)
        pred_e = {(a, c, o) for a, c in zip(ours_e.area, ours_e.category)}
        ours_p = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                       wave_min=MIN, wave_prob=0.25)
        ours_t = flags(hist, o, H, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO,
                       wave_min=MIN, wave_prob=best_p)
        pred_t = {(a, c, o) for a, c in zip(ours_t.area, ours_t.category)}
        timing["flags"] += time.perf_counter() - t0
        pred_p = {(a, c, o) for a, c in zip(ours_p.area, ours_p.category)}
        pred = {(a, c, o) for a, c in zip(ours.area, ours.category)}
        pred_ns = {(a, c, o) for a, c in zip(ours_ns.area, ours_ns.category)}
        last = is_wave(W.loc[keys], o - pd.Timedelta(weeks=52))
        pred_last = {(a, c, o) for (a, c), v in last.items() if v}
        t0 = time.perf_counter()
        tsb = forecast(hist, H, model="tsb")
        timing["tsb"] += time.perf_counter() - t0
        tot = tsb.groupby(["area", "category"])["mean"].sum()
        normal = W.loc[keys, (W.columns < o) & (W.columns >= o - pd.Timedelta(weeks=52))].mean(axis=1)
        tot = tot.reindex(normal.index).fillna(0)
        pred_tsb = {(a, c, o) for (a, c), v in ((tot >= RATIO * normal * H) & (tot >= MIN)).items() if v}
        for name, pr in (("flags", pred), ("flags_no_season", pred_ns), ("flags_expected", pred_e),
                         ("flags_p25", pred_p),
                         ("flags_tuned", pred_t),
                         ("last_year", pred_last),
                         ("tsb", pred_tsb)):
            pooled[name][0].update(pr)
            pooled[name][1].update(truth)
            per_origin.append(dict(origin=str(o.date()), rule=name, series=len(keys), **prf(pr, truth)))
    table = pd.DataFrame([dict(rule=k, **prf(p, t)) for k, (p, t) in pooled.items()])
    per = pd.DataFrame(per_origin)
    best_other = table.set_index("rule").loc[["last_year", "tsb"], "f1"].max()
    ours_f1 = table.set_index("rule").loc["flags", "f1"]
    ours_p_f1 = table.set_index("rule").loc["flags_p25", "f1"]
    ours_t_f1 = table.set_index("rule").loc["flags_tuned", "f1"]
    summary = dict(origins=[str(o.date()) for o in origins], horizon=H, ratio=RATIO, min_cases=MIN,
                   f1_flags=ours_f1, f1_flags_p25=ours_p_f1, f1_best_rule=best_other,
                   f1_ratio=ours_f1 / best_other if best_other else None,
                   f1_ratio_p25=ours_p_f1 / best_other if best_other else None,
                   floor_met=bool(ours_f1 >= 1.5 * best_other), floor_met_p25=bool(ours_p_f1 >= 1.5 * best_other),
                   wave_prob_tuned=best_p, f1_flags_tuned=ours_t_f1,
                   f1_ratio_tuned=ours_t_f1 / best_other if best_other else None,
                   floor_met_tuned=bool(ours_t_f1 >= 1.5 * best_other), seconds={k: round(v, 1) for k, v in timing.items()})
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format="%.3f"))
    print(per.to_string(index=False, float_format="%.3f"))
    print(json.dumps(summary, indent=1))
    if not args.no_record:
        rec = dict(summary=summary, tuning=json.loads(tune_table.to_json(orient="records")),
                   pooled=json.loads(table.to_json(orient="records")),
                   per_origin=json.loads(per.to_json(orient="records")))
        atomic_write(RESULTS, lambda p: p.write_text(json.dumps(rec, indent=1), encoding="utf-8"))
        print(f"recorded {RESULTS}")


if __name__ == "__main__":
    main()
