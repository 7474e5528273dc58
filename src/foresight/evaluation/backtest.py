"""Rolling-origin backtest of forecast models on a counts panel, scored at four levels.

For each origin the model sees only the panel rows dated before the origin (``attrs["as_of"]`` is set
to the origin), forecasts ``horizon`` periods, and is scored against the actual counts of the series
that were active (non-zero volume) in the ``window`` periods before the origin. Scores are computed at
the levels ``area x category`` (each series), ``area``, ``category`` and ``total``; see
:mod:`foresight.evaluation.metrics` for the metric definitions and
:mod:`foresight.evaluation._aggregate` for how aggregate quantiles are formed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError, ModelError
from foresight.evaluation._aggregate import _LEVEL_KEYS, ALL, LEVELS, aggregate_level
from foresight.evaluation._result import Backtest
from foresight.evaluation.metrics import qcol
from foresight.evaluation.scores import series_scales
from foresight.periods import panel_freq, period_index, period_offset, period_start
from foresight.schemas import check_panel

__all__ = ["LEVELS", "Backtest", "backtest"]

ModelLike = str | Callable[..., pd.DataFrame]


def _resolve(models: Sequence[ModelLike] | Mapping[str, ModelLike]) -> dict[str, ModelLike]:
    if isinstance(models, Mapping):
        return dict(models)
    if isinstance(models, str) or callable(models):
        models = [models]
    out: dict[str, ModelLike] = {}
    for m in models:
        name = m if isinstance(m, str) else getattr(m, "__name__", None) or repr(m)
        if name in out:
            raise ConfigError(f"model {name!r} is given twice; pass a dict of name -> model")
        out[name] = m
    return out


def _hierarchy_runner() -> Callable[..., pd.DataFrame]:
    """The default model with its own coherent aggregates (``forecast_hierarchy``)."""
    from foresight.forecasting import forecast_hierarchy

    def run(panel: pd.DataFrame, *, horizon: int, freq: str, quantiles: tuple[float, ...],
            seed: int = 0) -> pd.DataFrame:
        h = forecast_hierarchy(panel, horizon, quantiles=quantiles, freq=freq)
        if "level" in h.columns:
            h = h[h["level"].isin(LEVELS)].drop(columns="level")
        return h

    run.__name__ = "auto"
    return run


def _runner(model: ModelLike) -> Callable[..., pd.DataFrame]:
    if callable(model):
        return model
    if model in ("auto", "nbglm"):
        return _hierarchy_runner()
    from foresight.forecasting.models import get_model

    return get_model(model)


def _horizon_index(ds: pd.Series, origin: pd.Timestamp, freq: str) -> np.ndarray:
    return period_index(ds, origin, freq) + 1


def backtest(
    panel: pd.DataFrame,
    *,
    origins: Sequence[str | pd.Timestamp] | None = None,
    horizon: int = 13,
    n_windows: int | None = None,
    step_size: int | None = None,
    models: Sequence[ModelLike] | Mapping[str, ModelLike] = ("auto",),
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    freq: str | None = None,
    window: int = 52,
    seed: int = 0,
    aggregate: str = "independent",
    progress: bool = False,
) -> Backtest:
    """Rolling-origin backtest: fit before each origin, forecast ``horizon`` periods, score.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts panel ``area, category, ds, y`` (see docs/architecture.md), zero-filled.
    origins : sequence of date-like, optional
        Forecast origins (the first forecast period); each must be a period start (a Monday for
        weekly panels). Give either ``origins`` or ``n_windows``.
    horizon : int
        Periods forecast from each origin.
    n_windows, step_size : int, optional
        As Nixtla's ``cross_validation``: ``n_windows`` origins ``step_size`` periods apart (default
        ``horizon``: windows that do not overlap), the last one ``horizon`` periods before the end of
        the panel, so that the last window ends with the panel's last period.
    models : sequence or mapping
        Model names (looked up in ``foresight.forecasting.models.MODELS``, else run through
        ``foresight.forecasting.forecast``) or callables with the model signature; a mapping gives the
        names to report. ``"auto"`` and ``"nbglm"`` run ``foresight.forecasting.forecast_hierarchy`` so
        their own coherent area, category and total forecasts are scored. A callable may likewise
        return aggregate rows (``ALL`` = ``"(all)"`` in ``area`` and/or ``category``); levels it does not
        return are aggregated from its series forecasts (see ``foresight.evaluation._aggregate``).
        The panel's ``attrs`` (e.g. ``country``) reach the model, with ``as_of`` set to the origin.
    quantiles : sequence of float
        Quantile levels asked of each model; include 0.1 and 0.9 for the 80% coverage.
    freq : str, optional
        ``"W"`` or ``"M"``; defaults to ``panel.attrs["freq"]`` or the spacing of ``ds``.
    window : int
        Periods before the origin that define active series and their weights (52 weeks).
    seed : int
        Passed to every model.
    aggregate : {"independent", "comonotonic"}
        How aggregate quantiles are formed for models that return no aggregate rows (see
        :func:`foresight.evaluation.aggregate_forecasts`); :meth:`Backtest.reaggregate` switches
        afterwards without refitting.
    progress : bool
        Show a tqdm progress bar over (model, origin).

    Returns
    -------
    Backtest
        Forecasts joined with actuals at the four levels, with ``.scores()`` and ``.plot()``.

    Raises
    ------
    DataError
        When the panel lacks columns, or no series is active before an origin.
    ConfigError
        For an origin that is not a period start or leaves no actuals, or an unknown model.
    ModelError
        When a model returns a frame without the forecast columns.

    Examples
    --------
    >>> ds = pd.date_range("2023-01-02", periods=80, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": 3})
    >>> def last_value(p, *, horizon, freq, quantiles, seed=0):
    ...     last = p.sort_values("ds").groupby(["area", "category"]).tail(1)
    ...     rows = [dict(area=r.area, category=r.category, ds=r.ds + pd.Timedelta(weeks=k + 1),
    ...                  mean=float(r.y), p10=r.y, p50=r.y, p90=r.y) for r in last.itertuples()
    ...             for k in range(horizon)]
    ...     return pd.DataFrame(rows)
    >>> bt = backtest(panel, origins=["2024-03-04"], horizon=4, models=[last_value])
    >>> bt.scores()["wape"].tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    panel = check_panel(panel)
    if horizon < 1:
        raise ConfigError(f"horizon must be at least 1, got {horizon}")
    if aggregate not in ("independent", "comonotonic"):
        raise ConfigError(f"unknown aggregate {aggregate!r}; use 'independent' or 'comonotonic'")
    quantiles = tuple(float(q) for q in quantiles)
    freq = panel_freq(panel, freq)
    off = period_offset(freq)
    origins = _window_origins(panel, origins, n_windows=n_windows, step_size=step_size,
                              horizon=horizon, off=off)
    runners = {name: _runner(m) for name, m in _resolve(models).items()}
    attrs = dict(panel.attrs)
    panel = panel[["area", "category", "ds", "y"]].copy()
    panel.attrs = attrs
    origins_ts = sorted(pd.Timestamp(o) for o in origins)
    for o in origins_ts:
        if o != period_start(o, freq):
            raise ConfigError(f"origin {o.date()} is not a period start for freq {freq!r}")
        if not (panel["ds"] >= o).any():
            raise ConfigError(
                f"the panel has no actuals on or after origin {o.date()} (its last period is "
                f"{panel['ds'].max().date()}); choose origins before the end of the data"
            )

    fc_parts, ser_parts, timings = [], [], []
    jobs = [(o, n) for o in origins_ts for n in runners]
    it: Any = jobs
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(jobs, desc="backtest")
    prepared: dict[pd.Timestamp, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = {}
    for origin, name in it:
        if origin not in prepared:
            prepared[origin] = _prepare(panel, origin, horizon=horizon, off=off, window=window, freq=freq)
            ser_parts.append(prepared[origin][2])
        train, actual, _ = prepared[origin]
        t0 = time.perf_counter()
        out = runners[name](
            train.copy(), horizon=horizon, freq=freq, quantiles=quantiles, seed=seed
        )
        timings.append(
            {"model": name, "origin": origin, "seconds": time.perf_counter() - t0,
             "n_series": int(train[["area", "category"]].drop_duplicates().shape[0])}
        )
        fc_parts.append(_score_frame(out, actual, name=name, origin=origin, quantiles=quantiles,
                                     freq=freq, aggregate=aggregate))
    forecasts = pd.concat(fc_parts, ignore_index=True)
    series = pd.concat(ser_parts, ignore_index=True)
    return Backtest(forecasts, series, quantiles, horizon, freq, pd.DataFrame(timings))


def _window_origins(panel: pd.DataFrame, origins, *, n_windows: int | None, step_size: int | None,
                    horizon: int, off: pd.DateOffset) -> list[pd.Timestamp]:
    """The origins given, or ``n_windows`` of them ``step_size`` apart ending at the panel's end."""
    if (origins is None) == (n_windows is None):
        raise ConfigError("give either origins=[...] or n_windows=N (with step_size), not both or neither")
    if origins is not None:
        if step_size is not None:
            raise ConfigError("step_size goes with n_windows; with origins=[...] leave it out")
        return list(origins)
    step = horizon if step_size is None else int(step_size)
    if int(n_windows) < 1 or step < 1:
        raise ConfigError(f"n_windows={n_windows} and step_size={step_size} must be at least 1")
    last = pd.Timestamp(pd.to_datetime(panel["ds"]).max())
    return [last + (1 - horizon - (int(n_windows) - 1 - i) * step) * off for i in range(int(n_windows))]


def _prepare(
    panel: pd.DataFrame, origin: pd.Timestamp, *, horizon: int, off: pd.DateOffset, window: int,
    freq: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training panel (active series, before origin), actuals (all levels) and scales (all levels)."""
    end = origin + horizon * off
    wstart = origin - window * off
    hist = panel[panel["ds"] < origin]
    vol = hist[hist["ds"] >= wstart].groupby(["area", "category"], observed=True)["y"].sum()
    active = vol[vol > 0].index
    if len(active) == 0:
        raise DataError(
            f"no series has a case in the {window} periods before origin {origin.date()}; "
            "choose a later origin"
        )
    idx = pd.MultiIndex.from_frame(panel[["area", "category"]])
    keep = idx.isin(active)
    train = panel[keep & (panel["ds"] < origin).to_numpy()].reset_index(drop=True)
    train.attrs = {**panel.attrs, "freq": freq, "as_of": origin}
    fut = panel[keep & ((panel["ds"] >= origin) & (panel["ds"] < end)).to_numpy()]
    if fut.empty:
        raise ConfigError(
            f"the panel has no actuals on or after origin {origin.date()}; choose origins at least "
            "one period before the end of the data"
        )
    hist_act = panel[keep & (panel["ds"] < origin).to_numpy()]
    actual_parts, scale_parts = [], []
    for level, keys in _LEVEL_KEYS.items():
        a = _sum_level(fut, keys)
        h = _sum_level(hist_act, keys)
        s = series_scales(h, origin=origin, window_start=wstart)
        a["level"], s["level"] = level, level
        actual_parts.append(a)
        scale_parts.append(s)
    actual = pd.concat(actual_parts, ignore_index=True)
    scales = pd.concat(scale_parts, ignore_index=True)
    scales.insert(0, "origin", origin)
    return train, actual, scales


def _sum_level(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    if keys == ("area", "category"):
        return frame[["area", "category", "ds", "y"]].copy()
    out = frame.groupby([*keys, "ds"], observed=True)["y"].sum().reset_index()
    for k in ("area", "category"):
        if k not in keys:
            out[k] = ALL
    return out[["area", "category", "ds", "y"]]


def _score_frame(
    out: pd.DataFrame, actual: pd.DataFrame, *, name: str, origin: pd.Timestamp,
    quantiles: tuple[float, ...], freq: str, aggregate: str = "independent",
) -> pd.DataFrame:
    """Check a model's output, add aggregate rows it lacks, and join the actuals."""
    cols = ["area", "category", "ds", "mean", *(qcol(q) for q in quantiles)]
    missing = [c for c in cols if c not in out.columns]
    if missing:
        raise ModelError(f"model {name!r} returned no column(s) {missing}; see docs/architecture.md")
    out = out[cols].copy()
    out["ds"] = pd.to_datetime(out["ds"])
    if (out["ds"] < origin).any():
        raise ModelError(f"model {name!r} returned periods before the origin {origin.date()}")
    is_agg = (out["area"] == ALL) | (out["category"] == ALL)
    bottom, own = out[~is_agg], out[is_agg]
    parts = [bottom.assign(level="area x category", source="model")]
    for level, keys in _LEVEL_KEYS.items():
        if level == "area x category":
            continue
        mask = pd.Series(True, index=own.index)
        for k in ("area", "category"):
            mask &= (own[k] == ALL) if k not in keys else (own[k] != ALL)
        if mask.any():  # the model's own coherent aggregate
            parts.append(own[mask].assign(level=level, source="model"))
            continue
        parts.append(aggregate_level(bottom, level, quantiles, aggregate))
    f = pd.concat(parts, ignore_index=True)
    j = f.merge(actual, on=["level", "area", "category", "ds"], how="inner")
    j.insert(0, "origin", origin)
    j.insert(0, "model", name)
    j["h"] = _horizon_index(j["ds"], origin, freq)
    return j
