"""Skill of the learned wave probability against simple rules, on two real logs, rolling origins.

Logs: the NYC council cases 2015-2021 and the Zurich city reports 2016-2023, weekly, every area x
category. Origins every 13 weeks from the first Monday of the log's third year until the horizon runs
out. A *wave* (the truth) is an area x category whose next-``H``-week total is at least 1.5 x its
trailing 52-week weekly mean x ``H`` and at least 10 cases (the definition of ``foresight.warning``);
the series scored at an origin are those with a case in the 52 weeks before it.

Methods, on the same series and origins:

* ``learned_own`` / ``learned_pooled``: :func:`foresight.warning.learned.wave_probability`, trained on
  the log's own origins whose horizon ended before the origin (``_pooled``: plus the other log's,
  cut at the same date), isotonic calibration on the latest quarter of the training origins; refitted
  at the first origin of each calendar year (origins later in the year use that model);
* ``tsb_rule``: statsforecast TSB forecast; the ranked list is the top series by forecast total /
  normal total among those whose forecast total is at least 10; flagged when it reaches the wave level;
* ``seasonal_naive``: the same weeks last year as the forecast, ranked and flagged the same way;
* ``trailing_mean``: the trailing 52-week mean as the forecast: it never reaches 1.5 x itself, so it
  flags nothing (listed so that the anchor set is complete);
* ``default_flags``: ``foresight.warning.flags`` with the rule trigger (``wave_model="rule"``, the
  default until issue 13; otherwise default options, ``kinds=("wave",)``, ``max_flags=None``): ranked by
  its score, all its wave flags for F1.

Per origin: hits at 10 and 20 (true waves among the first 10 / 20 of the ranked list), precision,
recall and F1 of the whole flag set, median lead of the hits in the top 20 (weeks from the origin to
the first week at or above 1.5 x normal). Everything the learned model's output depends on (own or
pooled training; the flag threshold on
``p_wave``) is chosen on the origins whose horizon ends before the last year of the log; the last year
(NYC 2021, Zurich 2023) is the blind period, scored with those choices. ``--synth`` instead scores
the sample district against its ground truth (``benchmarks/warning_synth.py``'s flag scoring: weekly
origins 2024-06-03 .. 2025-06-30, town and district level), the default flags (the learned wave model,
refitted at every origin) against the rule's (``wave_model="rule"``). Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/skill.py [--logs nyc,zurich] [--horizons 13,26]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/skill.py --rank [--dev-only] [--flags] --cache benchmarks/results/cache
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/skill.py --product --horizons 13,26 --cache <cache>

``--rank`` compares the ranking rules of the short list instead (``benchmarks/_skill_rank.py``);
``--product`` scores the list ``foresight flags`` shows by default, refitted at every development origin
(``benchmarks/_skill_product.py``; a cached run of all origins is filtered to the development ones);
``--cache`` keeps the anchors' forecasts and the models fitted per year between runs (not committed).
    OMP_NUM_THREADS=1 PYTHONPATH=benchmarks .venv/bin/python benchmarks/skill.py --synth
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # a shared machine: OpenMP spin-waiting costs 5-10x

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from _common import LOGS, RESULTS, load_log, log_origins  # noqa: E402
from _skill_report import docs_section  # noqa: E402
from foresight._io import atomic_write  # noqa: E402
from foresight.forecasting import forecast  # noqa: E402
from foresight.warning import flags  # noqa: E402
from foresight.warning._features import examples  # noqa: E402
from foresight.matrix import to_matrix  # noqa: E402
from foresight.warning.learned import fit_wave_model, wave_probability  # noqa: E402

RATIO, MIN = 1.5, 10.0
EVERY = 2  # train on every second past week (half the examples; the CPU is shared)
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


class Truth:
    """Wave labels, normal rates and weekly outcomes of every active series at the origins."""

    def __init__(self, panel: pd.DataFrame, origins_: list[pd.Timestamp], h: int):
        self.grid = to_matrix(panel, "W", gaps="missing")
        self.h = h
        t = np.array([(o - self.grid.starts[0]).days // 7 for o in origins_])
        ex = examples(self.grid, t, horizon=h, ratio=RATIO, min_cases=MIN)
        keys = self.grid.keys.iloc[ex.series]
        self.frame = pd.DataFrame({"origin": self.grid.starts[0] + pd.to_timedelta(7 * ex.origin, unit="D"),
                                   "area": keys["area"].to_numpy(), "category": keys["category"].to_numpy(),
                                   "row": ex.series, "t": ex.origin, "normal": ex.normal,
                                   "wave": ex.label.astype(bool)})

    def at(self, o: pd.Timestamp) -> pd.DataFrame:
        return self.frame[self.frame["origin"] == o].set_index(["area", "category"])

    def lead(self, row: int, t: int, normal: float) -> float:
        y = np.nan_to_num(self.grid.y[row, t:t + self.h])
        hot = np.flatnonzero(y >= RATIO * normal)
        return float(hot[0]) if len(hot) else np.nan


def _history(panel: pd.DataFrame, truth: pd.DataFrame, o: pd.Timestamp) -> pd.DataFrame:
    hist = panel[panel["ds"] < o].merge(truth.reset_index()[["area", "category"]], on=["area", "category"])
    hist.attrs.update(freq="W", as_of=o)
    return hist


def _cached(cache: Path | None, key: str, make):
    if cache is None:
        return make()
    f = cache / f"{key}.pkl"
    if f.exists():
        return pickle.loads(f.read_bytes())
    out = make()
    cache.mkdir(parents=True, exist_ok=True)
    f.write_bytes(pickle.dumps(out))
    return out


def score(ranked: pd.Index, flagged: pd.Index, tr: pd.DataFrame, truth: Truth) -> dict:
    """Hits at 10 / 20 of a ranked list, F1 of a flag set, median lead of the top-20 hits."""
    wave = tr["wave"]
    top = list(ranked[:20])
    hits = [k for k in top if wave.get(k, False)]
    leads = [truth.lead(int(tr.at[k, "row"]), int(tr.at[k, "t"]), float(tr.at[k, "normal"])) for k in hits]
    tp = int(wave.reindex(flagged).fillna(False).sum())
    n, w = len(flagged), int(wave.sum())
    p = tp / n if n else np.nan
    r = tp / w if w else np.nan
    f1 = 2 * tp / (n + w) if n + w else 0.0
    return dict(hits10=int(sum(wave.get(k, False) for k in top[:10])), hits20=len(hits), flags=n, waves=w,
                tp=tp, precision=p, recall=r, f1=f1,
                lead=float(np.nanmedian(leads)) if leads and not np.all(np.isnan(leads)) else np.nan)


def rule_lists(total: pd.Series, tr: pd.DataFrame, h: int) -> tuple[pd.Index, pd.Index]:
    """A forecast total's ranked list (ratio to normal, total >= MIN) and flag set (wave level)."""
    total = total.reindex(tr.index).fillna(0.0)
    base = tr["normal"] * h
    ratio = total / base.where(base > 0, np.nan)
    ranked = ratio[total >= MIN].sort_values(ascending=False, kind="stable").index
    flagged = tr.index[(total >= RATIO * base) & (total >= MIN)]
    return ranked, flagged


def anchors(name: str, panel: pd.DataFrame, truth: Truth, o: pd.Timestamp, cache: Path | None) -> dict:
    h = truth.h
    tr = truth.at(o)
    hist = _history(panel, tr, o)
    spec = LOGS[name]
    tsb = _cached(cache, f"{name}_h{h}_{o.date()}_tsb", lambda: forecast(hist, h, model="tsb"))
    fc = _cached(cache, f"{name}_h{h}_{o.date()}_default",
                 lambda: forecast(hist, h, country=spec["country"], subdiv=spec["subdiv"]))
    out = {}
    out["tsb_rule"] = rule_lists(tsb.groupby(["area", "category"])["mean"].sum(), tr, h)
    g = truth.grid
    t = int(tr["t"].iloc[0])
    ly = np.nansum(g.y[:, t - 52:t - 52 + h], axis=1)
    ly = pd.Series(ly, index=pd.MultiIndex.from_frame(g.keys)).reindex(tr.index)
    out["seasonal_naive"] = rule_lists(ly, tr, h)
    out["trailing_mean"] = rule_lists(tr["normal"] * h, tr, h)
    fl = flags(hist, o, h, forecasts=fc, kinds=("wave",), max_flags=None, wave_ratio=RATIO, wave_min=MIN,
               wave_model="rule")
    idx = pd.MultiIndex.from_arrays([fl["area"], fl["category"]])
    out["default_flags"] = (idx, idx)
    totals = pd.DataFrame({"tsb": tsb.groupby(["area", "category"])["mean"].sum(),
                           "default": fc.groupby(["area", "category"])["mean"].sum()})
    return out, totals.reindex(tr.index).fillna(0.0).assign(origin=o).reset_index()


def learned(name: str, panels: dict, o: pd.Timestamp, h: int, models: dict, pooled: bool,
            cache: Path | None = None) -> pd.DataFrame:
    """Probabilities at ``o`` from the model refitted at the first origin of ``o``'s year (kept in ``cache``)."""
    key = (name, pooled, o.year)
    if key not in models:
        use = [panels[name]] + ([p for n, p in panels.items() if n != name] if pooled else [])
        models[key] = _cached(cache, f"{name}_h{h}_{'pooled' if pooled else 'own'}_{o.date()}_model",
                              lambda: fit_wave_model(use, until=o, horizon=h, wave_ratio=RATIO, wave_min=MIN,
                                                     every=EVERY, expected=False, max_iter=100, seed=0))
    return wave_probability(panels[name], o, horizon=h, model=models[key], wave_ratio=RATIO,
                            wave_min=MIN).set_index(["area", "category"])


def run_log(name: str, panels: dict, h: int, cache: Path | None, *, dev_only: bool) -> dict:
    panel = panels[name]
    blind = pd.Timestamp(LOGS[name]["blind"])
    os_ = [o for o in log_origins(name, h) if not dev_only or o + pd.Timedelta(weeks=h) <= blind]
    truth = Truth(panel, os_, h)
    models: dict = {}
    rows, probs, totals = [], [], []
    t0 = time.perf_counter()
    for o in os_:
        phase = "blind" if o >= blind else ("dev" if o + pd.Timedelta(weeks=h) <= blind else "gap")
        tr = truth.at(o)
        for pooled in (False, True):
            pr = learned(name, panels, o, h, models, pooled, cache).reindex(tr.index)
            variant = "learned_pooled" if pooled else "learned_own"
            probs.append(pr.assign(origin=o, phase=phase, variant=variant, wave=tr["wave"]).reset_index())
        lists, tot = anchors(name, panel, truth, o, cache)
        totals.append(tot)
        for method, (ranked, flagged) in lists.items():
            rows.append(dict(origin=str(o.date()), phase=phase, method=method, **score(ranked, flagged, tr, truth)))
        print(f"{name} h{h} {o.date()} {phase} waves={int(tr['wave'].sum())} "
              f"({time.perf_counter() - t0:.0f}s)", flush=True)
    return dict(truth=truth, rows=rows, probs=pd.concat(probs, ignore_index=True),
                totals=pd.concat(totals, ignore_index=True))


def choose(probs: pd.DataFrame, truth: Truth) -> dict:
    """Variant, ranking key and flag threshold of the learned model, by the dev origins only."""
    dev = probs[probs["phase"] == "dev"]
    best = None
    for variant, d in dev.groupby("variant"):
        for rank_by in ("p_wave",):
            h20 = np.mean([_learned_score(g, rank_by, 0.5, truth)["hits20"] for _, g in d.groupby("origin")])
            if best is None or h20 > best[0]:
                best = (h20, variant, rank_by)
    d = dev[dev["variant"] == best[1]]
    f1 = {}
    for th in THRESHOLDS:
        tp = int((d["wave"] & (d["p_wave"] >= th)).sum())
        f1[th] = 2 * tp / (int((d["p_wave"] >= th).sum()) + int(d["wave"].sum()))
    th = max(f1, key=f1.get)
    return dict(variant=best[1], rank_by=best[2], threshold=th, dev_hits20=best[0], dev_f1_by_threshold=f1)


def _learned_score(g: pd.DataFrame, rank_by: str, th: float, truth: Truth) -> dict:
    tr = truth.at(g["origin"].iloc[0])
    g = g.set_index(["area", "category"])
    key = g["p_wave"] if rank_by == "p_wave" else g["p_wave"] * g["expected_excess"]
    ranked = key.sort_values(ascending=False, kind="stable").index
    return score(ranked, g.index[g["p_wave"] >= th], tr, truth)


def reliability(probs: pd.DataFrame) -> list[dict]:
    bins = np.array([0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0001])
    b = np.digitize(probs["p_wave"], bins) - 1
    out = []
    for (phase, k), g in probs.assign(bin=b).groupby(["phase", "bin"]):
        out.append(dict(phase=phase, bin=f"{bins[k]:.2f}-{min(bins[k + 1], 1):.2f}", n=len(g),
                        mean_p=float(g["p_wave"].mean()), observed=float(g["wave"].mean())))
    return out


class _Stale(pickle.Unpickler):
    """Unpickles a cached run whose truth grid was pickled from a module since renamed (it is rebuilt)."""

    def find_class(self, module: str, name: str):
        try:
            return super().find_class(module, name)
        except (ModuleNotFoundError, AttributeError):
            return type(name, (), {"__setstate__": lambda self, state: None})


def dev_run(name: str, panels: dict, h: int, cache: Path | None) -> dict:
    """``run_log``'s result on the development origins: a cached run of all origins filtered to them (its
    wave labels rebuilt with the current code and checked equal; its anchors' rows and probabilities as
    recorded), or a new development-only run."""
    f = cache / f"{name}_h{h}_run.pkl" if cache else None
    if f is None or not f.exists():
        return _cached(cache, f"{name}_h{h}_run_dev", lambda: run_log(name, panels, h, cache, dev_only=True))
    res = _Stale(f.open("rb")).load()
    probs = res["probs"][res["probs"]["phase"] == "dev"]
    truth = Truth(panels[name], sorted(probs["origin"].unique()), h)
    old = res["truth"].frame.merge(truth.frame, on=["origin", "area", "category"], suffixes=("", "_new"))
    if len(old) != len(truth.frame) or not (old["wave"] == old["wave_new"]).all():
        raise RuntimeError(f"the cached run {f} has other wave labels than the current code; rerun without it")
    keep = {str(o.date()) for o in probs["origin"].unique()}
    return dict(truth=truth, probs=probs, rows=[r for r in res["rows"] if r["origin"] in keep])


def summarise(name: str, h: int, res: dict) -> dict:
    truth, probs = res["truth"], res["probs"]
    ch = choose(probs, truth)
    rows = list(res["rows"])
    for (variant, o), g in probs.groupby(["variant", "origin"]):
        s = _learned_score(g, ch["rank_by"], ch["threshold"], truth)
        rows.append(dict(origin=str(o.date()), phase=g["phase"].iloc[0], method=variant, **s))
    per = pd.DataFrame(rows)
    chosen = ch["variant"]
    summary = {}
    for phase in sorted(set(per["phase"]) & {"dev", "blind"}):
        p = per[per["phase"] == phase]
        tab = p.groupby("method").agg(origins=("origin", "size"), hits10=("hits10", "mean"),
                                      hits20=("hits20", "mean"), lead=("lead", "median"),
                                      flags=("flags", "sum"), tp=("tp", "sum"), waves=("waves", "sum"))
        tab["f1"] = 2 * tab["tp"] / (tab["flags"] + tab["waves"])
        mine = p[p["method"] == chosen].set_index("origin")
        for m in tab.index:
            other = p[p["method"] == m].set_index("origin").reindex(mine.index)
            tab.loc[m, "won_hits20"] = float((mine["hits20"] > other["hits20"]).mean())
            tab.loc[m, "tied_hits20"] = float((mine["hits20"] == other["hits20"]).mean())
            tab.loc[m, "won_f1"] = float((mine["f1"] > other["f1"]).mean())
        anchors_ = [m for m in tab.index if not m.startswith("learned")]
        best_f1 = float(tab.loc[anchors_, "f1"].max())
        summary[phase] = dict(
            table=json.loads(tab.reset_index().to_json(orient="records")),
            hits20_ratio_vs_tsb=float(tab.loc[chosen, "hits20"] / tab.loc["tsb_rule", "hits20"]),
            f1_ratio_vs_best_anchor=float(tab.loc[chosen, "f1"] / best_f1) if best_f1 else None,
            best_anchor_f1=best_f1,
            floors_met=dict(hits20=bool(tab.loc[chosen, "hits20"] >= 1.15 * tab.loc["tsb_rule", "hits20"]),
                            f1=bool(tab.loc[chosen, "f1"] >= 1.15 * best_f1)))
    chosen_probs = probs[probs["variant"] == chosen]
    return dict(log=name, horizon=h, choice=ch, summary=summary, reliability=reliability(chosen_probs),
                per_origin=json.loads(per.to_json(orient="records")))


def synth() -> dict:
    """The sample district against its ground truth: the product's default flags (the learned wave model,
    refitted at every origin on the history before it) and the rule's, same scoring."""
    from foresight.synth import generate_district
    from warning_synth import flag_scores

    district = generate_district()
    first, last = pd.Timestamp("2024-06-03"), pd.Timestamp("2025-06-30")
    out = {}
    for name, kw in (("learned_default", {}), ("rule_flags", {"wave_model": "rule"})):
        _, out[name] = flag_scores(district, first=first, last=last, **kw)
        print(name, out[name], flush=True)
    return dict(origins=f"{first.date()} .. {last.date()} weekly", **out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--logs", default="nyc,zurich")
    ap.add_argument("--horizons", default="13")
    ap.add_argument("--cache", default=None, help="folder to keep the anchors' forecasts between runs")
    ap.add_argument("--dev-only", action="store_true",
                    help="only the origins before the blind year (for choosing; nothing is recorded)")
    ap.add_argument("--synth", action="store_true",
                    help="only the sample district against its ground truth: the default (learned) flags and the "
                         "rule's")
    ap.add_argument("--rank", action="store_true",
                    help="compare the ranking rules of the short list (RULES) instead of the anchors; with "
                         "--dev-only the development origins only")
    ap.add_argument("--flags", nargs="?", const="0.15", default=None, metavar="F[,F]",
                    help="with --rank: also score the wave list foresight.warning.flags shows with the chosen "
                         "model's probabilities at learned_floor F (default 0.15, the flags' default)")
    ap.add_argument("--product", action="store_true",
                    help="score the list foresight flags shows by default (own model learned at every origin, "
                         "learned_floor, rank_avg) and ways to fill it, on the development origins only "
                         "(benchmarks/_skill_product.py; needs the run and the default forecasts in --cache)")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    if args.synth:
        res = synth()
        if not args.no_record:
            f = RESULTS / "skill_synth.json"
            atomic_write(f, lambda p: p.write_text(json.dumps(res, indent=1, default=str), encoding="utf-8"))
            print(f"recorded {f}")
        return
    names = args.logs.split(",")
    cache = Path(args.cache) if args.cache else None
    panels = {n: load_log(n) for n in LOGS}
    for h in (int(x) for x in args.horizons.split(",")):
        for name in names:
            t0 = time.perf_counter()
            if args.product:  # development origins only; a cached run of all origins is filtered to them
                from _skill_product import product_report

                product_report(name, h, dev_run(name, panels, h, cache), panels[name], cache,
                               record=not args.no_record)
                continue
            res = _cached(cache, f"{name}_h{h}_run{'_dev' if args.dev_only else ''}",
                          lambda n=name: run_log(n, panels, h, cache, dev_only=args.dev_only))
            if args.rank:
                from _skill_rank import rank_report

                rank_report(name, h, res, record=not args.no_record, panel=panels[name] if args.flags else None,
                            cache=cache, floors=tuple(float(x) for x in (args.flags or "0.15").split(",")))
                continue
            out = summarise(name, h, res)
            out["seconds"] = round(time.perf_counter() - t0, 1)
            for phase in out["summary"]:
                print(f"== {name} h{h} {phase}: chosen {out['choice']}")
                print(pd.DataFrame(out["summary"][phase]["table"]).to_string(index=False, float_format="%.3f"))
                print({k: v for k, v in out["summary"][phase].items() if k != "table"})
            if not (args.no_record or args.dev_only):
                f = RESULTS / f"skill_{name}_h{h}.json"
                atomic_write(f, lambda p, o=out: p.write_text(json.dumps(o, indent=1, default=str),
                                                               encoding="utf-8"))
                print(f"recorded {f}")
                docs_section()


if __name__ == "__main__":
    main()
