"""The product's own short list on the real logs, and ways to fill it (``benchmarks/skill.py --product``).

What ``foresight flags`` shows by default: the wave model learned at every run from the log's own
history (:func:`foresight.warning.own_history.learned_wave_p`: one past origin in four, 100 boosting
iterations, seed 0), every series with ``p_wave >= learned_floor`` (0.15) a wave candidate, ordered
by ``wave_rank="rank_avg"`` against the default forecast, top ``max_flags`` (20) shown. It is scored
here at every development origin of ``skill.py`` (``kinds=("wave",)``, the history of the series
active at the origin, as every other list of ``skill.py``), beside the lists ``skill.py`` reports,
with these variants of the short list built from the same probabilities:

* ``own_f0.15`` (the product as shipped) and ``own_f0`` (no floor: every scored series a candidate);
* ``own_fill``: the flags at the floor first, then the list filled up to 20 with the next series of
  the floor-0 list (their order), which the product would mark as lower confidence; F1 is that of
  the flags at the floor (the fill-up is not a flag set of its own);
* ``own_q<Q>``: a floor relative to the log, ``min(learned_floor, the Q-quantile of p_wave over the
  scored series)``, so that at least a share ``1 - Q`` of the series are candidates.

Only the development origins (horizon ending before the blind year) are scored; the blind years are
not looked at.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import atomic_write
from foresight.settings import FlagSettings
from foresight.warning import flags
from foresight.warning.own_history import learned_wave_p
from foresight.warning.waves import waves as find_waves
from skill import MIN, RATIO, RESULTS, _cached, _history, score

FLOOR = FlagSettings().learned_floor
QUANTILES = (0.9, 0.95)
TOP = 20


def _keys(fl: pd.DataFrame) -> pd.Index:
    return pd.MultiIndex.from_arrays([fl["area"], fl["category"]])


def product_lists(name: str, panel: pd.DataFrame, tr: pd.DataFrame, o: pd.Timestamp, h: int,
                  cache: Path | None) -> tuple[dict[str, tuple[pd.Index, pd.Index]], dict]:
    """Ranked list and flag set of every product variant at one origin, and the model's info."""
    hist = _history(panel, tr, o)
    fc = _cached(cache, f"{name}_h{h}_{o.date()}_default", lambda: None)
    if fc is None:
        raise RuntimeError(f"no cached default forecast for {name} h{h} {o.date()}: run skill.py first")
    wp, info = _cached(cache, f"{name}_h{h}_{o.date()}_product_p",
                       lambda: learned_wave_p(hist, o, horizon=h, wave_ratio=RATIO, wave_min=MIN, freq="W", seed=0))
    waves = find_waves(hist, freq="W", **FlagSettings().waves.kwargs())
    kw = dict(forecasts=fc, waves=waves, kinds=("wave",), max_flags=None, wave_ratio=RATIO, wave_min=MIN)
    if wp is None:  # the product falls back to the rule; every variant is that list
        idx = _keys(flags(hist, o, h, wave_model="rule", **kw))
        return {v: (idx, idx) for v in (f"own_f{FLOOR}", "own_f0", "own_fill", *(f"own_q{q}" for q in QUANTILES))}, info
    at = {f: _keys(flags(hist, o, h, wave_p=wp, learned_floor=f, **kw)) for f in (FLOOR, 0.0)}
    out = {f"own_f{FLOOR}": (at[FLOOR], at[FLOOR]), "own_f0": (at[0.0], at[0.0])}
    fill = at[FLOOR].append(at[0.0][~at[0.0].isin(at[FLOOR])])
    out["own_fill"] = (fill, at[FLOOR])
    for q in QUANTILES:
        f = min(FLOOR, float(np.quantile(wp["p_wave"], q)))
        idx = at[FLOOR] if f == FLOOR else _keys(flags(hist, o, h, wave_p=wp, learned_floor=f, **kw))
        out[f"own_q{q}"] = (idx, idx)
    info = {k: v for k, v in info.items() if k != "text"}
    info["listed"] = {v: len(flagged) for v, (_, flagged) in out.items()}
    return out, info


def product_rows(name: str, panel: pd.DataFrame, res: dict, h: int, cache: Path | None) -> pd.DataFrame:
    """Per development origin: hits at 10 / 20 and F1 of the product's variants and of ``skill.py``'s lists."""
    truth, probs = res["truth"], res["probs"]
    rows = [r for r in res["rows"] if r["phase"] == "dev"]  # the anchors of run_log
    t0 = time.perf_counter()
    for o, g in probs[probs["phase"] == "dev"].groupby("origin"):
        tr = truth.at(o)
        lists, info = product_lists(name, panel, tr, o, h, cache)
        for variant, (ranked, flagged) in lists.items():
            rows.append(dict(origin=str(o.date()), phase="dev", method=variant, model=info["model"],
                             listed=len(ranked), **score(ranked, flagged, tr, truth)))
        for variant, v in g.groupby("variant"):  # skill.py's yearly-refitted models, flagged at FLOOR
            v = v.set_index(["area", "category"]).reindex(tr.index)
            p = v["p_wave"].fillna(0.0)
            rows.append(dict(origin=str(o.date()), phase="dev", method=f"{variant}:p_wave",
                             **score(p.sort_values(ascending=False, kind="stable").index, tr.index[p >= FLOOR],
                                     tr, truth)))
        print(f"{name} h{h} {o.date()} product {info['model']} listed={info.get('listed')} "
              f"({time.perf_counter() - t0:.0f}s)", flush=True)
    rank = RESULTS / f"ranking_{name}_h{h}.json"  # the second round's rank_avg_default (hits only)
    if rank.exists():
        r = pd.DataFrame(json.loads(rank.read_text(encoding="utf-8"))["per_origin"])
        r = r[(r["phase"] == "dev") & (r["rule"] == "rank_avg_default")]
        rows += [dict(origin=x.origin, phase="dev", method=f"{x.variant}:rank_avg_default", hits10=x.hits10,
                      hits20=x.hits20) for x in r.itertuples()]
    return pd.DataFrame(rows)


def product_table(per: pd.DataFrame) -> pd.DataFrame:
    """Means per origin (F1 pooled over origins) and per-origin wins/ties/losses against the TSB rule."""
    ref = per[per["method"] == "tsb_rule"].set_index("origin")
    out = []
    for m, g in per.groupby("method", sort=False):
        g = g.set_index("origin")
        scored = g["flags"].notna().all()  # rank_avg_default of the second round: hits only
        row = dict(method=m, origins=len(g), hits10=g["hits10"].mean(), hits20=g["hits20"].mean(),
                   ratio20=g["hits20"].mean() / ref["hits20"].mean(), flags=g["flags"].mean(),
                   short=int((g["listed"] < TOP).sum()) if "listed" in g and g["listed"].notna().all() else np.nan,
                   f1=2 * g["tp"].sum() / (g["flags"].sum() + g["waves"].sum()) if scored else np.nan,
                   precision=g["tp"].sum() / g["flags"].sum() if scored and g["flags"].sum() else np.nan)
        for k in ("hits20", "hits10", "f1"):
            d = g[k] - ref[k].reindex(g.index)
            row[f"wtl_{k}"] = (f"{int((d > 0).sum())}/{int((d == 0).sum())}/{int((d < 0).sum())}"
                               if d.notna().all() else "")
        out.append(row)
    return pd.DataFrame(out)


def product_report(name: str, h: int, res: dict, panel: pd.DataFrame, cache: Path | None, *, record: bool) -> None:
    """Print (and record in ``product_<log>_h<H>_dev.csv``) the product's list on the development origins."""
    per = product_rows(name, panel, res, h, cache)
    tab = product_table(per)
    print(f"== {name} h{h} dev: the product's list (wtl: origins won/tied/lost against the TSB rule)")
    print(tab.to_string(index=False, float_format="%.3f"), flush=True)
    if record:
        f = RESULTS / f"product_{name}_h{h}_dev.csv"
        atomic_write(f, lambda p: per.to_csv(p, index=False))
        product_summary()
        print(f"recorded {f} and product_dev_summary.csv")


def product_summary() -> pd.DataFrame:
    """The tables of every recorded ``product_<log>_h<H>_dev.csv`` in one frame (``product_dev_summary.csv``)."""
    tabs = []
    for f in sorted(RESULTS.glob("product_*_h*_dev.csv")):
        _, log, h, _ = f.stem.split("_")
        tabs.append(product_table(pd.read_csv(f)).assign(log=log, horizon=int(h[1:])))
    out = pd.concat(tabs, ignore_index=True)
    out = out[["log", "horizon", *[c for c in out.columns if c not in ("log", "horizon")]]]
    atomic_write(RESULTS / "product_dev_summary.csv", lambda p: out.to_csv(p, index=False, float_format="%.4g"))
    return out


if __name__ == "__main__":  # pragma: no cover
    print(product_summary().to_string(index=False))
