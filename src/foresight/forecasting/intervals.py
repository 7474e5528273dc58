"""Intervals that cover what they say: the quantiles' distances from the median scaled by a factor learned
on past origins, per level (and band of horizon steps).

The quantiles ``p_q`` and ``p_(1-q)`` of a forecast (``q < 0.5``) bound a central interval of nominal
coverage ``1 - 2q`` (``p10``-``p90``: 80%). :func:`learn_interval_scales` takes forecasts made at past
origins joined with what then happened (the ``forecasts`` of :func:`foresight.evaluation.backtest`) and,
per level, band and pair of quantiles, picks the factor ``c`` (grid of
:class:`foresight.settings.IntervalSettings`) for which the intervals

    ``[floor(p50 - c (p50 - p_q)), ceil(p50 + c (p_(1-q) - p50))]`` (lower bound at least 0)

held the actuals of those origins in the share closest to ``1 - 2q`` (ties: the factor closest to 1):
split-conformal calibration with a one-parameter family of intervals around the median. With
``rule="pinball"`` the lower and the upper bound get a factor each, the one with the lowest pinball
loss at their own level on those actuals. :func:`apply_interval_scales` puts the factors on a new
forecast, and ``forecast_hierarchy(..., calibrate_intervals=N)`` does both on ``N`` past origins of the
panel itself (:func:`past_forecasts`). ``mean`` and ``p50`` never change.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError
from foresight.forecasting.combine import ORIGIN_STEP
from foresight.panel import ALL
from foresight.periods import panel_freq, period_range, periods_per_year
from foresight.schemas import check_panel
from foresight.settings import IntervalSettings

__all__ = ["LEVEL_KEYS", "apply_interval_scales", "learn_interval_scales", "past_forecasts"]

#: The levels a scale is learned for, and the keys that name a node of each.
LEVEL_KEYS = {"area x category": ("area", "category"), "area": ("area",), "category": ("category",), "total": ()}
SCALE_COLUMNS = ["level", "h_from", "h_to", "lower", "upper", "nominal", "scale_lower", "scale_upper", "coverage",
                 "coverage_scaled", "n_origins", "n_obs", "note"]
_QCOL = re.compile(r"^p(\d+)$")
_EPS = 1e-9


def _pairs(columns: pd.Index) -> list[tuple[str, str, float]]:
    """``(lower, upper, lower level)`` of every ``pNN`` column below 50 whose mirror ``p(100-NN)`` exists."""
    pct = {int(m.group(1)): c for c in columns if (m := _QCOL.match(str(c)))}
    return [(pct[k], pct[100 - k], k / 100) for k in sorted(pct) if k < 50 and 100 - k in pct]


def _scaled(p50: np.ndarray, lo: np.ndarray, hi: np.ndarray, c_lo: float | np.ndarray,
            c_hi: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval's bounds with their distances from ``p50`` times ``c_lo`` and ``c_hi``, rounded out
    to whole counts (the lower one at least 0)."""
    new_lo = np.maximum(np.floor(p50 - c_lo * (p50 - lo) + _EPS), 0.0)
    return new_lo, np.ceil(p50 + c_hi * (hi - p50) - _EPS)


def _best(loss: np.ndarray, grid: np.ndarray) -> int:
    """Index of the lowest ``loss`` on ``grid`` (ties: the factor closest to 1)."""
    best = np.flatnonzero(loss <= loss.min() + _EPS)
    return int(best[np.argmin(np.abs(grid[best] - 1.0))])


def _choose(y: np.ndarray, p50: np.ndarray, lo: np.ndarray, hi: np.ndarray, pair: tuple[float, float],
            grid: np.ndarray, rule: str) -> tuple[float, float]:
    """The factors of the lower and upper bound on ``grid`` by ``rule`` (module notes)."""
    if rule == "coverage":
        cov = np.array([float(((y >= a) & (y <= b)).mean()) for a, b in (_scaled(p50, lo, hi, c, c) for c in grid)])
        k = _best(np.abs(cov - (pair[1] - pair[0])), grid)
        return float(grid[k]), float(grid[k])
    loss_lo, loss_hi = [], []
    for c in grid:
        a, b = _scaled(p50, lo, hi, c, c)
        loss_lo.append(float(np.mean(np.maximum(pair[0] * (y - a), (pair[0] - 1) * (y - a)))))
        loss_hi.append(float(np.mean(np.maximum(pair[1] * (y - b), (pair[1] - 1) * (y - b)))))
    return float(grid[_best(np.array(loss_lo), grid)]), float(grid[_best(np.array(loss_hi), grid)])


def _band_starts(h: pd.Series, bands: tuple[int, ...]) -> np.ndarray:
    """First horizon step of each row's band (bands end at the steps in ``bands``)."""
    starts = np.array([1, *(b + 1 for b in bands)])
    return starts[np.searchsorted(starts, h.to_numpy(int), side="right") - 1]


def learn_interval_scales(past: pd.DataFrame, *, settings: IntervalSettings | None = None) -> pd.DataFrame:
    """Per level, band of horizon steps and pair of quantiles: the factor of the half-widths whose
    intervals covered the past origins' actuals closest to nominal (module notes).

    Parameters
    ----------
    past : DataFrame
        Forecasts at past origins joined with their actuals, as the ``forecasts`` of
        :func:`foresight.evaluation.backtest` for one model (or :func:`past_forecasts`):
        ``origin, level, h, y, p50`` and pairs of quantile columns (``p10`` and ``p90``, ...); ``h``
        is the horizon step (1 = the origin's period), ``y`` the actual count.
    settings : IntervalSettings, optional
        Factor grid, horizon bands, the fewest origins and the rule (default ``IntervalSettings()``).

    Returns
    -------
    DataFrame
        One row per level, band and pair: ``level``, ``h_from``/``h_to`` (the band's horizon steps),
        ``lower``/``upper`` (the quantile columns), ``nominal`` (their nominal coverage, a share),
        ``scale_lower``/``scale_upper`` (the factors of the two distances from ``p50``, equal under
        ``rule="coverage"``; 1 with fewer than ``settings.min_origins`` origins), ``coverage`` and
        ``coverage_scaled`` (shares of the past actuals inside the intervals before and after),
        ``n_origins``, ``n_obs`` (rows) and ``note`` (why the scale is 1, else empty).

    Raises
    ------
    DataError
        ``past`` lacks a column.
    ConfigError
        ``past`` holds several models, or no pair of quantiles around ``p50``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> past = pd.DataFrame({"origin": np.repeat(pd.date_range("2020-01-06", periods=8, freq="13W-MON"), n // 8),
    ...                      "level": "total", "h": 1, "y": rng.poisson(100, n), "p50": 100,
    ...                      "p10": 90, "p90": 110})  # too narrow: Poisson(100)'s 80% interval is 100 +- 13
    >>> s = learn_interval_scales(past).iloc[0]
    >>> bool(1.2 <= s["scale_lower"] <= 1.4), bool(s["coverage"] < 0.75), bool(abs(s["coverage_scaled"] - 0.8) < 0.02)
    (True, True, True)
    """
    s = settings or IntervalSettings()
    missing = [c for c in ("origin", "level", "h", "y", "p50") if c not in past.columns]
    if missing:
        raise DataError(f"past forecasts lack column(s) {missing}: pass the forecasts of "
                        "foresight.evaluation.backtest(...) (bt.forecasts) or of past_forecasts(...)")
    if "model" in past.columns and past["model"].nunique() > 1:
        raise ConfigError(f"past forecasts hold {past['model'].nunique()} models; keep the one to calibrate, "
                          "e.g. bt.forecasts[bt.forecasts['model'] == 'auto']")
    pairs = _pairs(past.columns)
    if not pairs:
        raise ConfigError("past forecasts have no pair of quantiles around p50 (e.g. p10 and p90): "
                          "forecast with quantiles=(0.1, 0.5, 0.9)")
    grid = np.asarray(s.grid())
    d = past[past["y"].notna()]
    if d.empty:  # nothing to learn from: scale 1 at every level, and say so
        note = f"0 past origins, fewer than the {s.min_origins} needed: scale 1"
        return pd.DataFrame([dict(level=lev, h_from=1, h_to=1, lower=a, upper=b, nominal=1 - 2 * q, scale_lower=1.0,
                                  scale_upper=1.0, coverage=np.nan, coverage_scaled=np.nan, n_origins=0, n_obs=0,
                                  note=note) for lev in LEVEL_KEYS for a, b, q in pairs], columns=SCALE_COLUMNS)
    band = _band_starts(d["h"], s.bands)
    rows = []
    for (level, h_from), g in d.groupby([d["level"].astype(str).to_numpy(), band], sort=True):
        n_or = int(g["origin"].nunique())
        y, p50 = g["y"].to_numpy(float), g["p50"].to_numpy(float)
        for lo_c, hi_c, q in pairs:
            lo, hi = g[lo_c].to_numpy(float), g[hi_c].to_numpy(float)
            c_lo, c_hi, note = 1.0, 1.0, ""
            if n_or < s.min_origins:
                note = f"{n_or} past origin(s), fewer than the {s.min_origins} needed: scale 1"
            else:
                c_lo, c_hi = _choose(y, p50, lo, hi, (q, 1 - q), grid, s.rule)
            a, b = _scaled(p50, lo, hi, c_lo, c_hi) if note == "" else (lo, hi)
            rows.append(dict(level=level, h_from=int(h_from), h_to=int(g["h"].max()), lower=lo_c, upper=hi_c,
                             nominal=1 - 2 * q, scale_lower=c_lo, scale_upper=c_hi,
                             coverage=float(((y >= lo) & (y <= hi)).mean()),
                             coverage_scaled=float(((y >= a) & (y <= b)).mean()), n_origins=n_or, n_obs=len(g),
                             note=note))
    return pd.DataFrame(rows, columns=SCALE_COLUMNS)


def _monotone(out: pd.DataFrame, cols: list[str]) -> None:
    """Quantiles non-decreasing in their level, moving only the ones away from ``p50`` (in place)."""
    pct = sorted((int(_QCOL.match(c).group(1)), c) for c in cols)
    below = [c for k, c in pct if k < 50][::-1]
    above = [c for k, c in pct if k > 50]
    for side, fn in ((below, np.minimum), (above, np.maximum)):
        prev = out["p50"].to_numpy(float)
        for c in side:
            prev = fn(out[c].to_numpy(float), prev)
            out[c] = prev


def apply_interval_scales(forecast: pd.DataFrame, scales: pd.DataFrame) -> pd.DataFrame:
    """A forecast with its quantiles' distances from ``p50`` scaled as ``scales`` says, per level and band.

    Parameters
    ----------
    forecast : DataFrame
        :func:`foresight.forecasting.forecast_hierarchy`'s frame (``level``, ``ds``, ``p50`` and the
        quantile columns; a frame without ``level``, such as :func:`foresight.forecasting.forecast`'s,
        counts as ``area x category``). Its periods are consecutive: the first is horizon step 1.
    scales : DataFrame
        :func:`learn_interval_scales`'s table; a step beyond the last band takes the last band's
        factor, a level or pair it lacks keeps its quantiles.

    Returns
    -------
    DataFrame
        ``forecast`` with the scaled quantiles, rounded out to whole counts (lower bounds down and at
        least 0, upper bounds up), non-decreasing in their level; ``mean`` and ``p50`` unchanged;
        ``attrs["intervals"]``: the scale table's rows as records.

    Raises
    ------
    ConfigError
        ``forecast`` has no ``p50``, or ``scales`` is no scale table.

    Examples
    --------
    >>> fc = pd.DataFrame({"level": "total", "area": "(all)", "category": "(all)",
    ...                    "ds": pd.date_range("2024-01-01", periods=2, freq="W-MON"),
    ...                    "mean": 10.0, "p10": [6, 5], "p50": [10, 10], "p90": [14, 16]})
    >>> sc = pd.DataFrame({"level": ["total"], "h_from": [1], "lower": ["p10"], "upper": ["p90"],
    ...                    "scale_lower": [1.5], "scale_upper": [1.5]})
    >>> out = apply_interval_scales(fc, sc)
    >>> out["p10"].tolist(), out["p90"].tolist()
    ([4, 2], [16, 19])
    """
    if "p50" not in forecast.columns:
        raise ConfigError("the forecast has no p50 to scale its intervals around: forecast with 0.5 in quantiles")
    missing = [c for c in ("level", "h_from", "lower", "upper", "scale_lower", "scale_upper") if c not in scales.columns]
    if missing:
        raise ConfigError(f"scales lack column(s) {missing}: pass the table of learn_interval_scales(...)")
    out = forecast.copy()
    level = (out["level"] if "level" in out.columns else pd.Series("area x category", index=out.index)).astype(str)
    days = np.sort(pd.unique(pd.to_datetime(out["ds"])))
    h = np.searchsorted(days, pd.to_datetime(out["ds"]).to_numpy()) + 1
    p50 = out["p50"].to_numpy(float)
    cols = [c for c in out.columns if _QCOL.match(str(c)) and c != "p50"]
    for (lo_c, hi_c), sc in scales.groupby(["lower", "upper"], sort=False):
        if lo_c not in out.columns or hi_c not in out.columns:
            continue
        c_lo, c_hi = np.ones(len(out)), np.ones(len(out))
        for lev, g in sc.groupby("level", sort=False):
            g = g.sort_values("h_from")
            rows = np.flatnonzero(level.to_numpy() == lev)
            k = np.clip(np.searchsorted(g["h_from"].to_numpy(int), h[rows], side="right") - 1, 0, None)
            c_lo[rows], c_hi[rows] = g["scale_lower"].to_numpy(float)[k], g["scale_upper"].to_numpy(float)[k]
        new_lo, new_hi = _scaled(p50, out[lo_c].to_numpy(float), out[hi_c].to_numpy(float), c_lo, c_hi)
        out[lo_c] = np.where(c_lo == 1.0, out[lo_c].to_numpy(float), new_lo)
        out[hi_c] = np.where(c_hi == 1.0, out[hi_c].to_numpy(float), new_hi)
    _monotone(out, [*cols, "p50"])
    for c in cols:
        if pd.api.types.is_integer_dtype(forecast[c].dtype):
            out[c] = out[c].round().astype(forecast[c].dtype)
    out.attrs = {**forecast.attrs, "intervals": scales.to_dict("records")}
    return out


def _level_actuals(panel: pd.DataFrame) -> pd.DataFrame:
    """``level, area, category, ds, y``: the panel's counts summed to every level of :data:`LEVEL_KEYS`."""
    parts = []
    for level, keys in LEVEL_KEYS.items():
        a = panel.groupby([*keys, "ds"], observed=True)["y"].sum().reset_index()
        for k in ("area", "category"):
            a[k] = a[k].astype(str) if k in keys else ALL
        parts.append(a.assign(level=level)[["level", "area", "category", "ds", "y"]])
    return pd.concat(parts, ignore_index=True)


def past_forecasts(panel: pd.DataFrame, horizon: int, *, n_origins: int,
                   forecaster: Callable[[pd.DataFrame], pd.DataFrame], freq: str | None = None,
                   spacing: int | None = None) -> pd.DataFrame:
    """The forecaster's forecasts at past origins of the panel, joined with what then happened.

    The origins are ``spacing`` periods apart, the last one ``horizon`` periods before the panel's
    end (so its whole horizon has actuals); each has at least two years of history before it, as
    in :mod:`foresight.forecasting.combine`.

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y``.
    horizon : int
        Periods forecast from each origin.
    n_origins : int
        Past origins wanted (fewer when the history is short).
    forecaster : callable
        Panel -> ``forecast_hierarchy``-like frame (``level``, ``area``, ``category``, ``ds``, ``mean``,
        quantiles); it gets the panel before the origin, with ``attrs["as_of"]`` set to the origin.
    freq : {"W", "M"}, optional
        Period; defaults to what the panel shows.
    spacing : int, optional
        Periods between origins; default a quarter (13 weeks or 3 months).

    Returns
    -------
    DataFrame
        ``origin, level, area, category, ds, h, y`` and the forecaster's columns, for the levels of
        :data:`LEVEL_KEYS` (the layout of the ``forecasts`` of :func:`foresight.evaluation.backtest`);
        empty when no origin has two years before it.

    Examples
    --------
    >>> from foresight.forecasting import forecast_hierarchy
    >>> ds = pd.date_range("2020-01-06", periods=140, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": np.arange(140) % 7})
    >>> past = past_forecasts(panel, 4, n_origins=2, forecaster=lambda p: forecast_hierarchy(p, 4, country="CN"))
    >>> past["origin"].nunique(), int(past["h"].max())
    (2, 4)
    """
    p = check_panel(panel, allow_empty=False)
    f = panel_freq(p, freq)
    starts = period_range(p["ds"].min(), p["ds"].max(), f)
    step = spacing or ORIGIN_STEP[f]
    parts = []
    for j in range(n_origins):
        o = len(starts) - horizon - j * step
        if o < 2 * periods_per_year(f):
            break
        origin = starts[o]
        hist = p[p["ds"] < origin]
        hist.attrs = {**p.attrs, "freq": f, "as_of": origin}
        fc = forecaster(hist)
        fc = fc.assign(area=fc["area"].astype(str), category=fc["category"].astype(str),
                       ds=pd.to_datetime(fc["ds"]))
        actual = _level_actuals(p[p["ds"].isin(starts[o:o + horizon])])
        j_ = fc.merge(actual, on=["level", "area", "category", "ds"], how="inner")
        j_.insert(0, "origin", origin)
        j_["h"] = starts.get_indexer(pd.DatetimeIndex(j_["ds"])) - o + 1
        parts.append(j_)
    if not parts:
        return pd.DataFrame(columns=["origin", "level", "area", "category", "ds", "h", "y"])
    return pd.concat(parts, ignore_index=True)
