"""Scores of many series at once: the scales and weights of every series, per-series metrics of a joined
forecast/actuals frame, and their volume-weighted summary per level.

The definitions (RMSSE and SPL scales, weights, undefined scales) are those of
:mod:`foresight.evaluation.metrics`; this module applies them to long frames, vectorised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from foresight.errors import DataError
from foresight.evaluation.metrics import pinball_loss, qcol

__all__ = ["score_series", "series_scales", "summarise_scores"]


def series_scales(
    history: pd.DataFrame,
    *,
    origin: pd.Timestamp | str,
    window_start: pd.Timestamp | str,
    keys: Sequence[str] = ("area", "category"),
) -> pd.DataFrame:
    """Scales and weights of every series in a long history frame, vectorised.

    Parameters
    ----------
    history : pandas.DataFrame
        Long frame with ``keys``, ``ds`` and ``y``; one row per series and period, zero-filled.
        Rows on or after ``origin`` are ignored.
    origin : Timestamp or str
        The forecast origin (exclusive end of the history).
    window_start : Timestamp or str
        Start of the weighting window (52 weeks before ``origin`` for weekly data).
    keys : sequence of str
        Columns naming a series.

    Returns
    -------
    pandas.DataFrame
        ``keys`` + ``s2`` (RMSSE scale), ``s1`` (SPL scale), ``weight`` (volume in
        ``[window_start, origin)``), ``n_obs`` (periods from the first non-zero value on). ``s1`` and
        ``s2`` are NaN when undefined or zero (see the module notes).

    Raises
    ------
    DataError
        When a required column is missing.

    Examples
    --------
    >>> h = pd.DataFrame({"area": "a", "category": "c",
    ...                   "ds": pd.date_range("2024-01-01", periods=5, freq="W-MON"),
    ...                   "y": [0, 0, 1, 3, 2]})
    >>> series_scales(h, origin="2024-02-05", window_start="2024-01-15")[["s2", "s1", "weight"]]
        s2   s1  weight
    0  2.5  1.5       6
    """
    keys = list(keys)
    missing = [c for c in [*keys, "ds", "y"] if c not in history.columns]
    if missing:
        raise DataError(f"history frame lacks column(s) {missing}; pass a panel with {keys} ds y")
    origin, window_start = pd.Timestamp(origin), pd.Timestamp(window_start)
    h = history.loc[history["ds"] < origin, [*keys, "ds", "y"]].sort_values([*keys, "ds"])
    y = h["y"].to_numpy(dtype=float)
    g = h.groupby(keys, sort=False, observed=True)
    started = g["y"].cumsum().to_numpy() > 0  # at or after the first non-zero value
    prev_started = np.r_[False, started[:-1]]
    same = np.r_[False, (g.ngroup().to_numpy()[1:] == g.ngroup().to_numpy()[:-1])]
    valid = started & prev_started & same
    d = np.where(valid, y - np.r_[np.nan, y[:-1]], np.nan)
    ids = g.ngroup().to_numpy()
    inwin = (h["ds"] >= window_start).to_numpy()
    tmp = pd.DataFrame(
        {"_g": ids, "d2": d**2, "d1": np.abs(d), "w": np.where(inwin, y, 0.0), "st": started}
    )
    agg = tmp.groupby("_g", sort=True).agg(
        s2=("d2", "mean"), s1=("d1", "mean"), weight=("w", "sum"), n_obs=("st", "sum")
    )
    first = h.groupby(keys, sort=False, observed=True).head(1)[keys].reset_index(drop=True)
    out = pd.concat([first, agg.reset_index(drop=True)], axis=1)
    for c in ("s2", "s1"):
        out[c] = out[c].where(out[c] > 0)
    out["weight"] = out["weight"].astype("int64")
    out["n_obs"] = out["n_obs"].astype("int64")
    return out


def score_series(
    joined: pd.DataFrame,
    *,
    keys: Sequence[str],
    quantiles: Sequence[float],
) -> pd.DataFrame:
    """Per-series error sums and scaled metrics from forecasts joined with actuals and scales.

    Parameters
    ----------
    joined : pandas.DataFrame
        One row per series and period with ``keys``, ``y``, ``mean``, one ``pNN`` column per quantile,
        and the series' ``s2``, ``s1`` and ``weight`` (constant within a series).
    keys : sequence of str
        Columns naming a scored unit (e.g. ``model, origin, level, area, category``).
    quantiles : sequence of float
        Quantile levels whose columns enter the pinball loss.

    Returns
    -------
    pandas.DataFrame
        ``keys`` + ``abs_err``, ``abs_y``, ``n``, ``n_in80`` (sums for WAPE and coverage), ``rmsse``,
        ``spl``, ``weight``.

    Raises
    ------
    DataError
        When a required column is missing.

    Examples
    --------
    >>> j = pd.DataFrame({"k": ["a", "a"], "y": [3, 5], "mean": [1.0, 5.0], "p10": [0, 4],
    ...                   "p50": [1, 5], "p90": [2, 6], "s2": 2.0, "s1": 1.0, "weight": 8})
    >>> r = score_series(j, keys=["k"], quantiles=(0.1, 0.5, 0.9))
    >>> float(r["rmsse"].iloc[0]), int(r["n_in80"].iloc[0])
    (1.0, 1)
    """
    keys = list(keys)
    cols = [qcol(q) for q in quantiles]
    need = [*keys, "y", "mean", *cols, "s2", "s1", "weight"]
    missing = [c for c in need if c not in joined.columns]
    if missing:
        raise DataError(f"forecast/actuals frame lacks column(s) {missing}")
    y = joined["y"].to_numpy(dtype=float)
    f = joined["mean"].to_numpy(dtype=float)
    pin = np.zeros_like(y)
    for q, c in zip(quantiles, cols, strict=True):
        pin += pinball_loss(y, joined[c].to_numpy(dtype=float), q)
    pin /= max(len(cols), 1)
    tmp = joined[keys].copy()
    tmp["abs_err"] = np.abs(y - f)
    tmp["abs_y"] = np.abs(y)
    tmp["sq_err"] = (y - f) ** 2
    tmp["pin"] = pin
    tmp["n"] = 1
    if "p10" in joined and "p90" in joined:
        tmp["n_in80"] = ((y >= joined["p10"].to_numpy()) & (y <= joined["p90"].to_numpy())).astype(
            int
        )
    else:
        tmp["n_in80"] = np.nan
    tmp["s2"], tmp["s1"], tmp["weight"] = joined["s2"], joined["s1"], joined["weight"]
    g = tmp.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(
        abs_err=("abs_err", "sum"),
        abs_y=("abs_y", "sum"),
        sq_err=("sq_err", "mean"),
        pin=("pin", "mean"),
        n=("n", "sum"),
        n_in80=("n_in80", "sum"),
        s2=("s2", "first"),
        s1=("s1", "first"),
        weight=("weight", "first"),
    ).reset_index()
    out["rmsse"] = np.sqrt(out["sq_err"] / out["s2"])
    out["spl"] = out["pin"] / out["s1"]
    return out.drop(columns=["sq_err", "pin", "s2", "s1"])


def summarise_scores(per_series: pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """Combine per-series scores (from :func:`score_series`) into one row per ``by`` group.

    WAPE and coverage pool the error sums. RMSSE and SPL are volume-weighted means over series with a
    defined scale; when ``origin`` is a column but not in ``by``, weights are first normalised within
    each origin so every origin counts equally, as in a rolling-origin evaluation.

    Parameters
    ----------
    per_series : pandas.DataFrame
        Output of :func:`score_series`.
    by : sequence of str
        Grouping columns of the summary (e.g. ``model, level``).

    Returns
    -------
    pandas.DataFrame
        ``by`` + ``wape``, ``rmsse``, ``spl``, ``coverage80``, ``n_series``, ``n_unscaled``, ``n_obs``.

    Examples
    --------
    >>> s = pd.DataFrame({"m": ["x", "x"], "abs_err": [1.0, 3.0], "abs_y": [4.0, 4.0], "n": [2, 2],
    ...                   "n_in80": [2, 1], "rmsse": [1.0, 2.0], "spl": [0.5, float("nan")],
    ...                   "weight": [3, 1]})
    >>> summarise_scores(s, by=["m"])[["wape", "rmsse", "spl", "coverage80"]].iloc[0].tolist()
    [0.5, 1.25, 0.5, 0.75]
    """
    by = list(by)
    d = per_series.copy()
    w = d["weight"].astype(float)
    if "origin" in d.columns and "origin" not in by:
        tot = w.groupby([*(d[c] for c in by), d["origin"]], dropna=False).transform("sum")
        w = w / tot.where(tot > 0)
    for m in ("rmsse", "spl"):
        ok = d[m].notna() & np.isfinite(d[m]) & (w > 0)
        d[f"_w_{m}"] = np.where(ok, w, 0.0)
        d[f"_wx_{m}"] = np.where(ok, w * d[m].fillna(0.0), 0.0)
    d["_unscaled"] = d["rmsse"].isna().astype(int)
    d["_one"] = 1
    g = d.groupby(by, sort=True, dropna=False)
    out = g.agg(
        abs_err=("abs_err", "sum"),
        abs_y=("abs_y", "sum"),
        n_obs=("n", "sum"),
        n_in80=("n_in80", "sum"),
        wr=("_wx_rmsse", "sum"),
        w_r=("_w_rmsse", "sum"),
        ws=("_wx_spl", "sum"),
        w_s=("_w_spl", "sum"),
        n_series=("_one", "sum"),
        n_unscaled=("_unscaled", "sum"),
    ).reset_index()
    out["wape"] = out["abs_err"] / out["abs_y"].where(out["abs_y"] > 0)
    out["rmsse"] = out["wr"] / out["w_r"].where(out["w_r"] > 0)
    out["spl"] = out["ws"] / out["w_s"].where(out["w_s"] > 0)
    out["coverage80"] = out["n_in80"] / out["n_obs"].where(out["n_obs"] > 0)
    return out[[*by, "wape", "rmsse", "spl", "coverage80", "n_series", "n_unscaled", "n_obs"]]
