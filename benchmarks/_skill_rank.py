"""The ranking rules of the short list, compared by ``benchmarks/skill.py --rank`` (issue 13).

Every rule ranks the same series at the same origins with the same refitted models as the rest of
``skill.py`` (its ``run_log`` result); hits at 10 / 20 and per-origin wins/ties/losses against the TSB
rule are reported per phase (development origins, blind year). ``CHOSEN`` was fixed on the
development origins of both logs at both horizons; the blind years scored with it afterwards are a
second look, not a blind result.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from _skill_report import ranking_section
from foresight._io import atomic_write
from foresight.forecasting import forecast
from foresight.warning import flags
from skill import LOGS, MIN, RATIO, RESULTS, _cached, _history, rule_lists, score

#: Ranking rules of the short list compared by ``--rank`` (all on the same series, origins and models).
RULES = ("p_wave", "p_wave+p_raw", "p_x_excess_tsb", "p_x_excess_default", "tsb_ratio", "rank_avg_tsb",
         "rank_avg_default")


def rank_orders(g: pd.DataFrame, tr: pd.DataFrame, tot: pd.DataFrame, h: int) -> dict[str, pd.Index]:
    """The ranked list of every rule in :data:`RULES` at one origin (``g``: one variant's probabilities).

    ``p_wave``: the calibrated probability (ties in the frame's order, as before); ``p_wave+p_raw``:
    ties broken by the classifier's own probability; ``p_x_excess_*``: probability x expected cases
    above normal over the horizon (``max(forecast total - normal total, 0)``, TSB's or the default
    forecast's), ties by ``p_raw``; ``tsb_ratio``: the TSB rule itself; ``rank_avg_*``: the mean of the
    series' rank by ``p_raw`` (the order of ``p_wave`` with ties broken) and its rank by the forecast
    ratio.
    """
    g = g.reindex(tr.index)
    base = tr["normal"] * h
    p, raw = g["p_wave"].fillna(0.0), g["p_raw"].fillna(0.0)

    def order(*keys: pd.Series) -> pd.Index:  # descending, first key first
        return tr.index[np.lexsort([-k.to_numpy(dtype=float) for k in reversed(keys)])]

    out = {"p_wave": p.sort_values(ascending=False, kind="stable").index, "p_wave+p_raw": order(p, raw)}
    for src in ("tsb", "default"):
        total = tot[src].reindex(tr.index).fillna(0.0)
        out[f"p_x_excess_{src}"] = order(p * np.maximum(total - base, 0.0), raw)
        ratio = total / base.where(base > 0, np.nan)
        r = (raw.rank(ascending=False) + ratio.fillna(0.0).rank(ascending=False)) / 2
        out[f"rank_avg_{src}"] = order(-r, raw)
    out["tsb_ratio"] = rule_lists(tot["tsb"], tr, h)[0]
    return out


#: The rule and variant chosen on the development origins of both logs at both horizons (``--rank --dev-only``,
#: 2026-12-01): the highest mean hits-at-20 ratio to the TSB rule (1.18) and the only one above it on all four.
CHOSEN = ("learned_pooled", "rank_avg_default")


def rank_rules(res: dict, h: int) -> pd.DataFrame:
    """Hits at 10 / 20 of every ranking rule, variant and origin of a run (``run_log``'s result)."""
    truth, probs = res["truth"], res["probs"]
    totals = res["totals"].set_index(["area", "category"])
    rows = []
    for (variant, o), g in probs.groupby(["variant", "origin"]):
        tr = truth.at(o)
        tot = totals[totals["origin"] == o]
        for rule, ranked in rank_orders(g.set_index(["area", "category"]), tr, tot, h).items():
            sc = score(ranked, pd.Index([]), tr, truth)
            rows.append(dict(variant=variant, rule=rule, origin=str(o.date()), phase=g["phase"].iloc[0],
                             hits10=sc["hits10"], hits20=sc["hits20"]))
    return pd.DataFrame(rows)


def flag_rows(name: str, panel: pd.DataFrame, res: dict, h: int, cache: Path | None, *,
              floor: float = 0.15) -> pd.DataFrame:
    """Hits of ``foresight.warning.flags``' own wave list given the chosen model's probabilities.

    What the product shows with a learned probability: every series with ``p_wave >= floor``
    (``FlagSettings.learned_floor``) and a forecast total of at least ``MIN`` cases (or a recurring season
    starting), at least ``min_excess`` cases above usual, ranked by ``FlagSettings.wave_rank`` (default
    settings otherwise, ``kinds=("wave",)``); compared with ``rank_avg_default`` on the same origins.
    """
    truth, probs, spec = res["truth"], res["probs"], LOGS[name]
    rows = []
    for o, g in probs[probs["variant"] == CHOSEN[0]].groupby("origin"):
        tr = truth.at(o)
        hist = _history(panel, tr, o)
        fc = _cached(cache, f"{name}_h{h}_{o.date()}_default",
                     lambda: forecast(hist, h, country=spec["country"], subdiv=spec["subdiv"]))
        fl = flags(hist, o, h, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO, wave_min=MIN,
                   wave_p=g, learned_floor=floor)
        idx = pd.MultiIndex.from_arrays([fl["area"], fl["category"]])
        sc = score(idx, idx, tr, truth)
        rows.append(dict(variant=CHOSEN[0], rule=f"flags_f{floor}", origin=str(o.date()), phase=g["phase"].iloc[0],
                         hits10=sc["hits10"], hits20=sc["hits20"], listed=len(fl)))
    return pd.DataFrame(rows)


def rank_table(per: pd.DataFrame, phase: str) -> pd.DataFrame:
    """Means of hits at 10 / 20 per variant and rule, and per-origin wins/ties/losses against the TSB rule."""
    p = per[per["phase"] == phase]
    ref = p[p["rule"] == "tsb_ratio"].drop_duplicates("origin").set_index("origin")
    out = []
    for (variant, rule), g in p.groupby(["variant", "rule"], sort=False):
        g = g.set_index("origin")
        row = dict(variant=variant, rule=rule, origins=len(g), hits10=g["hits10"].mean(), hits20=g["hits20"].mean(),
                   ratio20=g["hits20"].mean() / ref["hits20"].mean())
        for k in ("hits20", "hits10"):
            d = g[k] - ref[k].reindex(g.index)
            row[f"wtl{k[4:]}"] = f"{int((d > 0).sum())}/{int((d == 0).sum())}/{int((d < 0).sum())}"
        out.append(row)
    return pd.DataFrame(out)


def rank_report(name: str, h: int, res: dict, *, record: bool, panel: pd.DataFrame | None = None,
                cache: Path | None = None, floors: tuple[float, ...] = (0.15,)) -> None:
    """Print (and record in ``ranking_<log>_h<H>.json``) the ranking rules' table per phase.

    With ``panel``, also the list ``foresight.warning.flags`` itself shows with the chosen probabilities
    at each ``FlagSettings.learned_floor`` of ``floors`` (rules ``flags_f<F>``; ``listed``: its number of
    wave flags).
    """
    per = rank_rules(res, h)
    if panel is not None:
        fr = pd.concat([flag_rows(name, panel, res, h, cache, floor=p) for p in floors])
        print(fr.groupby(["rule", "phase"])["listed"].describe().to_string(), flush=True)
        per = pd.concat([per, fr.drop(columns="listed")], ignore_index=True)
    out = dict(log=name, horizon=h, per_origin=json.loads(per.to_json(orient="records")), tables={})
    for phase in ("dev", "blind"):
        if (per["phase"] == phase).any():
            tab = rank_table(per, phase)
            out["tables"][phase] = json.loads(tab.to_json(orient="records"))
            print(f"== {name} h{h} {phase}: ranking rules (wtl: origins won/tied/lost against the TSB rule)")
            print(tab.to_string(index=False, float_format="%.3f"), flush=True)
    if (per["phase"] == "blind").any():  # the chosen rule on the blind year: a second look, not a blind result
        mine = per[(per["variant"] == CHOSEN[0]) & (per["rule"] == CHOSEN[1]) & (per["phase"] == "blind")]
        out["second_look"] = dict(variant=CHOSEN[0], rule=CHOSEN[1],
                                  per_origin=json.loads(mine.to_json(orient="records")))
        print("second look (blind year, rule chosen on the development origins):", out["second_look"])
    if record:
        f = RESULTS / f"ranking_{name}_h{h}.json"
        atomic_write(f, lambda q: q.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8"))
        print(f"recorded {f}")
        ranking_section()
