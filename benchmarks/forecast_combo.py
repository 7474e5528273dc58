"""The default combined with robust baselines by weights learned on earlier origins, per volume group.

Reads the cached backtests of ``benchmarks/forecast_skill.py --cache DIR`` through
``forecast_blend.load_origin`` (the default per horizon; TSB, the trailing 52-week mean and Croston from
the fast anchors' 26-week run, cut to the horizon) and scores, without refitting anything:

* ``combo_<parts>_<groups>``: at the bottom level (area x category) the mean is ``sum_k w_gk x mean_k``
  over the default and the baselines in ``<parts>`` (``tsb``, ``mean`` = trailing 52-week mean,
  ``croston``, ``all`` = the three), with weights ``w_g`` on the simplex (grid step ``GRID_STEP``) per
  volume group ``g``. ``<groups>``: ``one`` (one set of weights), ``vol2`` (52-week mean weekly count
  below 2 or not) or ``vol4`` (the engine's four volume groups, ``foresight.forecasting._core.
  volume_groups``). The weights used at origin ``k`` are those that minimise the volume-weighted RMSSE
  of the bottom series over every earlier origin whose horizon had ended by origin ``k`` (expanding
  window; at the first origin, with nothing to learn from, the default alone). Aggregates (area,
  category, total) are the sums of the combined bottom means (coherent), i.e. the default's
  aggregate plus the summed bottom changes. Quantiles: the default's quantiles of each row (every
  level) times the ratio of the combined mean to the default's mean (a scale family around the
  default's spread); a bottom row whose default mean is 0 takes Poisson quantiles of the combined mean.
* Intervals: moved to ``benchmarks/forecast_intervals.py`` (the library's
  ``foresight.forecasting.intervals``, refitted, no cache needed).

The candidate is chosen on the development origins of both logs (``--phase dev``). Only a candidate
that is no worse than the default at every level (ratio <= 1.002) on both logs, both horizons, RMSSE
and SPL, may be scored on the blind years (``--phase blind --candidate NAME``), once.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_combo.py --cache DIR --phase dev

Writes ``benchmarks/results/forecast_combo_<phase>.csv``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from _common import LOGS, RESULTS, log_origins, markdown_table, phase  # noqa: E402
from forecast_blend import compare, load_origin, score_frame  # noqa: E402
from foresight._io import atomic_write  # noqa: E402
from foresight.evaluation._aggregate import count_quantiles  # noqa: E402
from foresight.forecasting._core import volume_groups  # noqa: E402

PARTS = {"tsb": ("tsb",), "mean": ("mean52",), "all": ("tsb", "mean52", "croston")}
GROUPINGS = ("one", "vol4")
#: (name suffix, raked to the default's area and category sums, bottom quantiles "scale" or "qavg")
VARIANTS = (("", False, "scale"), ("_rake", True, "scale"), ("_rakeq", True, "qavg"), ("_rakek", True, "keep"),
            ("_raken", True, "nb"))
GRID_STEP = 0.05
QCOLS = ("p10", "p50", "p90")
BOTTOM = "area x category"
KEY = ["area", "category", "ds"]
TOL = 1.002


def simplex(k: int, step: float = GRID_STEP) -> np.ndarray:
    """Every weight vector of ``k`` parts on the grid ``step`` that sums to 1 (rows)."""
    n = int(round(1 / step))
    pts = [c for c in itertools.product(range(n + 1), repeat=k - 1) if sum(c) <= n]
    return np.array([[*c, n - sum(c)] for c in pts], dtype=float)[:, ::-1] / n  # default first


@dataclass
class Origin:
    """One origin's bottom series: component means (series x h x parts), actuals, scales, groups."""

    o: pd.Timestamp
    end: pd.Timestamp
    F: dict[str, np.ndarray]
    y: np.ndarray
    s2: np.ndarray
    weight: np.ndarray
    rate: np.ndarray
    bt: object
    fast: pd.DataFrame


def origin_data(cache: Path, name: str, h: int, o: pd.Timestamp) -> Origin:
    a, fast = load_origin(cache, name, h, o)
    d = a.forecasts[a.forecasts["level"] == BOTTOM].sort_values(KEY)
    keys = d[["area", "category"]].drop_duplicates()
    n = len(keys)
    F = {"auto": d["mean"].to_numpy(float).reshape(n, h)}
    for m in ("tsb", "mean52", "croston"):
        f = fast[(fast["model"] == m) & (fast["level"] == BOTTOM)]
        F[m] = d[KEY].merge(f[[*KEY, "mean"]], on=KEY, how="left")["mean"].fillna(0.0).to_numpy(float).reshape(n, h)
    s = keys.merge(a.series[a.series["level"] == BOTTOM], on=["area", "category"], how="left")
    end = o + pd.Timedelta(weeks=h)
    return Origin(o, end, F, d["y"].to_numpy(float).reshape(n, h), s["s2"].to_numpy(float),
                  s["weight"].to_numpy(float), s["weight"].to_numpy(float) / 52.0, a, fast)


def groups_of(rate: np.ndarray, how: str) -> np.ndarray:
    if how == "one":
        return np.zeros(len(rate), dtype=int)
    if how == "vol2":
        return (rate >= 2.0).astype(int)
    return volume_groups(rate)


def fit_weights(past: list[Origin], parts: tuple[str, ...], how: str, grid: np.ndarray) -> dict[int, np.ndarray]:
    """Per group, the grid weights with the lowest volume-weighted RMSSE over the past origins."""
    score: dict[int, np.ndarray] = {}
    names = ("auto", *parts)
    for p in past:
        ok = np.isfinite(p.s2) & (p.weight > 0)
        X = np.stack([p.F[k][ok] for k in names], axis=-1)  # n x h x K
        err = p.y[ok][..., None] - X  # residual of each part
        G = np.einsum("ntk,ntl->nkl", err, err) / p.y.shape[1]  # mean cross-products of residuals
        mse = np.einsum("pk,nkl,pl->np", grid, G, grid)  # residual of a combination: sum_k w_k err_k
        r = p.weight[ok, None] * np.sqrt(np.maximum(mse, 0) / p.s2[ok, None])
        g = groups_of(p.rate[ok], how)
        for gg in np.unique(g):
            score[gg] = score.get(gg, 0.0) + r[g == gg].sum(0)
    return {gg: grid[int(np.argmin(sc))] for gg, sc in score.items()}


def rake(comb: np.ndarray, target: np.ndarray, area: np.ndarray, cat: np.ndarray, iters: int = 30) -> np.ndarray:
    """``comb`` (series x h) scaled so that its sums per area and per category match those of ``target``
    (iterative proportional fitting, ending on the areas: area and total sums exact)."""
    out = comb.copy()
    for _ in range(iters):
        for idx in (cat, area):
            k = idx.max() + 1
            want = np.stack([np.bincount(idx, target[:, t], k) for t in range(target.shape[1])], 1)
            have = np.stack([np.bincount(idx, out[:, t], k) for t in range(out.shape[1])], 1)
            out *= np.where(have > 0, want / np.where(have > 0, have, 1.0), 1.0)[idx]
    return out


def combined(cur: Origin, parts: tuple[str, ...], how: str, w: dict[int, np.ndarray], name: str,
             *, raked: bool, qmode: str) -> pd.DataFrame:
    """The default's forecast rows with the combined means and their quantiles, every level."""
    names = ("auto", *parts)
    g = groups_of(cur.rate, how)
    W = np.array([w.get(gg, np.eye(len(names))[0]) for gg in g])  # series x K
    comb = np.einsum("ntk,nk->nt", np.stack([cur.F[k] for k in names], axis=-1), W)
    fc = cur.bt.forecasts
    bot = fc[fc["level"] == BOTTOM].sort_values(KEY).copy()
    n, h = comb.shape
    pre = comb
    if raked:
        keys = bot[["area", "category"]].iloc[::h]
        comb = rake(comb, cur.F["auto"], pd.factorize(keys["area"])[0], pd.factorize(keys["category"])[0])
    bot["_d"] = comb.ravel() - bot["mean"].to_numpy(float)
    bot["_skip"] = False
    if qmode == "qavg":  # bottom quantiles: the weighted average of the parts' quantiles, raked alike
        fast = cur.fast[cur.fast["level"] == BOTTOM]
        for q in QCOLS:
            Q = [bot[q].to_numpy(float).reshape(n, h)]
            for k in parts:
                f = fast[fast["model"] == k]
                Q.append(bot[KEY].merge(f[[*KEY, q]], on=KEY, how="left")[q].fillna(0.0).to_numpy(float).reshape(n, h))
            qa = np.einsum("ntk,nk->nt", np.stack(Q, axis=-1), W)
            bot[q] = (qa * np.where(pre > 0, comb / np.where(pre > 0, pre, 1.0), 1.0)).ravel()
    elif qmode == "keep":  # bottom quantiles: the default's, as they were
        pass
    elif qmode == "nb":  # NB quantiles of the new mean, with the dispersion the default's interval implies
        m0 = bot["mean"].to_numpy(float)
        sd = (bot["p90"].to_numpy(float) - bot["p10"].to_numpy(float)) / (2 * stats.norm.ppf(0.9))
        a = np.maximum(sd**2 - m0, 0.0) / np.where(m0 > 0, m0, 1.0) ** 2
        m1 = comb.ravel()
        qs = count_quantiles(m1, m1 + a * m1**2, [float(q[1:]) / 100 for q in QCOLS])
        for q in QCOLS:
            bot[q] = qs[float(q[1:]) / 100].astype(float)
    bot["_skip"] = qmode != "scale"
    parts_ = [bot]
    for level, keys in (("area", ["area", "ds"]), ("category", ["category", "ds"]), ("total", ["ds"])):
        agg = bot.groupby(keys)["_d"].sum().rename("_d").reset_index()
        rows = fc[fc["level"] == level]
        parts_.append(rows.merge(agg, on=keys, how="left"))
    out = pd.concat(parts_, ignore_index=True)
    skip = (out["_skip"] == True).to_numpy(bool)  # noqa: E712 (NaN on the aggregate rows)
    old = out["mean"].to_numpy(float)
    new = np.maximum(old + out["_d"].fillna(0.0).to_numpy(), 0.0)
    ratio = np.where(old > 0, new / np.where(old > 0, old, 1.0), 1.0)
    for q in QCOLS:
        v = out[q].to_numpy(float) * ratio
        pois = stats.poisson.ppf(float(q[1:]) / 100, np.where(new > 0, new, 1.0))
        out[q] = np.where(skip, out[q].to_numpy(float), np.where((old <= 0) & (new > 0), pois, v))
    out["mean"] = new
    return out.drop(columns=[c for c in ("_d", "_skip") if c in out]).assign(model=name)


def run_combos(cache: Path, want: str, only: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, wrows = [], []
    for name in LOGS:
        for h in (13, 26):
            hist: list[Origin] = []
            for o in log_origins(name, h):
                cur = origin_data(cache, name, h, o)
                if phase(name, o, h) == want:
                    fcs = [cur.bt.forecasts]
                    past = [p for p in hist if p.end <= o]
                    for pk, parts in PARTS.items():
                        grid = simplex(1 + len(parts), GRID_STEP if len(parts) < 3 else 0.1)
                        for how in GROUPINGS:
                            w = fit_weights(past, parts, how, grid) if past else {}
                            for suffix, raked, qmode in VARIANTS:
                                cand = f"combo_{pk}_{how}{suffix}"
                                if only and not re.fullmatch(only, cand):
                                    continue
                                fcs.append(combined(cur, parts, how, w, cand, raked=raked, qmode=qmode))
                            wrows += [dict(log=name, horizon=h, origin=o.date(), model=f"combo_{pk}_{how}", group=int(g),
                                           **{f"w_{k}": float(x) for k, x in zip(("auto", *parts), wv)})
                                      for g, wv in w.items()]
                    fast = cur.fast[cur.fast["model"].isin(["tsb", "mean52", "croston"])]
                    rows.append(score_frame(cur.bt, pd.concat([*fcs, fast], ignore_index=True))
                                .assign(log=name, horizon=h))
                cur.bt = None  # keep the arrays only
                cur.fast = pd.DataFrame()
                hist.append(cur)
    return pd.concat(rows, ignore_index=True), pd.DataFrame(wrows)


def library_model(panel: pd.DataFrame, *, horizon: int, freq: str, quantiles: tuple[float, ...],
                  seed: int = 0) -> pd.DataFrame:
    """The shipped option: ``forecast_hierarchy``'s rows with the bottom ones from ``forecast(combine=True)``
    (its aggregates are the default's, which the combination keeps)."""
    from foresight.forecasting import forecast, forecast_hierarchy

    hier = forecast_hierarchy(panel, horizon, quantiles=quantiles, freq=freq)
    bottom = forecast(panel, horizon, quantiles=quantiles, freq=freq, combine=True, seed=seed)
    library_model.weights.append((panel.attrs.get("as_of"), bottom.attrs["combine"]["weight_default"]))
    return pd.concat([hier[hier["level"] != BOTTOM].drop(columns="level"), bottom], ignore_index=True)


library_model.weights = []


def run_library(cache: Path, want: str, h: int) -> pd.DataFrame:
    """Scores of the shipped ``combine=True`` against the cached default at the ``want`` origins."""
    from _common import load_log

    from foresight.evaluation import backtest

    rows = []
    for name in LOGS:
        panel = load_log(name)
        for o in log_origins(name, h):
            if phase(name, o, h) != want:
                continue
            a, _ = load_origin(cache, name, h, o)
            bt = backtest(panel, origins=[o], horizon=h, models={"combine_lib": library_model})
            fc = pd.concat([a.forecasts, bt.forecasts], ignore_index=True)
            rows.append(score_frame(a, fc).assign(log=name, horizon=h))
            print(name, o.date(), library_model.weights[-1], flush=True)
    return pd.concat(rows, ignore_index=True)


def ranges_md(m: pd.DataFrame) -> str:
    """Per candidate and log x horizon: the range of its RMSSE and SPL ratios over the four levels, the
    worst ratio and the geometric mean (a markdown table, best geometric mean first)."""
    c = m[m["model"] != "auto"]
    out = []
    for model, g in c.groupby("model"):
        row = {"candidate": model}
        for (log, h), gg in g.groupby(["log", "horizon"]):
            row[f"{log} h{h} RMSSE / SPL"] = (f"{gg['ratio_rmsse'].min():.3f}-{gg['ratio_rmsse'].max():.3f} / "
                                              f"{gg['ratio_spl'].min():.3f}-{gg['ratio_spl'].max():.3f}")
        r = g[["ratio_rmsse", "ratio_spl"]].to_numpy()
        row["worst"] = float(r.max())
        row["geometric mean"] = float(np.exp(np.log(r).mean()))
        out.append(row)
    return markdown_table(pd.DataFrame(out).sort_values(["geometric mean", "candidate"]), "{:.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--phase", choices=("dev", "blind"), required=True)
    ap.add_argument("--candidate", default=None, help="with --phase blind: the candidate chosen on dev (with dev: a regex of the candidates to run)")
    ap.add_argument("--library", type=int, default=None, metavar="H",
                    help="score the shipped forecast(combine=True) at horizon H instead (refits)")
    args = ap.parse_args(argv)
    if args.library:
        m = compare(run_library(args.cache, args.phase, args.library))
        print(m.to_string(index=False, float_format="%.4f"))
        atomic_write(RESULTS / f"forecast_combo_library_{args.phase}_h{args.library}.csv",
                     lambda p: m.to_csv(p, index=False))
        return 0
    if args.phase == "blind" and not args.candidate:
        ap.error("--phase blind needs --candidate (chosen on --phase dev)")
    s, w = run_combos(args.cache, args.phase, args.candidate)
    m = compare(s)
    worst = m[m["model"] != "auto"].groupby("model")[["ratio_rmsse", "ratio_spl"]].max()
    geo = (m[m["model"] != "auto"].groupby("model")[["ratio_rmsse", "ratio_spl"]]
           .apply(lambda g: float(np.exp(np.log(g.to_numpy()).mean()))))
    table = worst.assign(geo=geo, every_level=(worst.max(axis=1) <= TOL)).sort_values("geo")
    print(m.to_string(index=False, float_format="%.3f"))
    print(ranges_md(m))
    print("worst and geometric-mean ratio to the default (log x horizon x level):")
    print(table.to_string(float_format="%.3f"))
    atomic_write(RESULTS / f"forecast_combo_{args.phase}.csv", lambda p: m.to_csv(p, index=False))
    atomic_write(RESULTS / f"forecast_combo_weights_{args.phase}.csv", lambda p: w.to_csv(p, index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
