"""The result of a backtest: forecasts joined with actuals at every level, scored on demand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from foresight.errors import ConfigError
from foresight.evaluation._aggregate import LEVELS, aggregate_level
from foresight.evaluation.scores import score_series, summarise_scores

__all__ = ["Backtest"]


@dataclass
class Backtest:
    """Result of :func:`backtest`: forecasts with actuals at every level, and their scores.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        ``model, origin, level, area, category, ds, h, y, mean, pNN..., source`` (``ALL`` in
        ``area`` or ``category`` on aggregate rows; ``source`` is ``model`` for rows the model
        returned, else the aggregation method that built them).
    series : pandas.DataFrame
        ``origin, level, area, category, s2, s1, weight, n_obs``: scales and weights of scored units.
    quantiles, horizon, freq
        The options of the run.
    timings : pandas.DataFrame
        ``model, origin, seconds, n_series``: fit + forecast time per model and origin.

    Examples
    --------
    >>> import pandas as pd
    >>> from foresight.evaluation import backtest
    >>> ds = pd.date_range("2022-01-03", periods=120, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "x", "ds": ds, "y": [i % 5 for i in range(120)]})
    >>> bt = backtest(panel, origins=["2024-01-01"], horizon=4, models=("snaive",))
    >>> sorted(bt.scores()["level"].unique())
    ['area', 'area x category', 'category', 'total']
    """

    forecasts: pd.DataFrame
    series: pd.DataFrame
    quantiles: tuple[float, ...]
    horizon: int
    freq: str
    timings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def _per_series(self, extra: Sequence[str] = ()) -> pd.DataFrame:
        j = self.forecasts.merge(self.series, on=["origin", "level", "area", "category"], how="left")
        keys = ["model", "origin", "level", "area", "category", *extra]
        return score_series(j, keys=keys, quantiles=self.quantiles)

    def scores(self, *, by: Sequence[str] = ("model", "level")) -> pd.DataFrame:
        """WAPE, weighted RMSSE, weighted scaled pinball loss and 80% coverage per group.

        Parameters
        ----------
        by : sequence of str
            Any of ``model``, ``level``, ``origin``, ``h`` (horizon step).

        Returns
        -------
        pandas.DataFrame
            ``by`` + ``wape, rmsse, spl, coverage80, n_series, n_unscaled, n_obs``, levels in the
            order of :data:`LEVELS`.

        Raises
        ------
        ConfigError
            When ``by`` names an unknown column.
        """
        by = list(by)
        bad = set(by) - {"model", "level", "origin", "h"}
        if bad:
            raise ConfigError(f"cannot group scores by {sorted(bad)}; use model, level, origin, h")
        per = self._per_series(["h"] if "h" in by else [])
        out = summarise_scores(per, by=by)
        if "level" in out:
            out["level"] = pd.Categorical(out["level"], categories=list(LEVELS), ordered=True)
            out = out.sort_values(by).reset_index(drop=True)
            out["level"] = out["level"].astype(str)
        return out

    def by_horizon(self, *, level: str = "total") -> pd.DataFrame:
        """Scores per model and horizon step at one level (the data behind :meth:`plot`)."""
        if level not in LEVELS:
            raise ConfigError(f"unknown level {level!r}; use one of {LEVELS}")
        s = self.scores(by=("model", "level", "h"))
        return s[s["level"] == level].drop(columns="level").reset_index(drop=True)

    def plot(self, *, metric: str = "wape", level: str = "total", ax: Any = None) -> Any:
        """Plot a metric by horizon step, one line per model; returns the matplotlib Figure.

        Parameters
        ----------
        metric : {"wape", "rmsse", "spl", "coverage80"}
            The metric on the y axis.
        level : str
            One of :data:`LEVELS`.
        ax : matplotlib Axes, optional
            Axes to draw on; a new figure when omitted.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ConfigError
            For an unknown metric or level.
        """
        if metric not in ("wape", "rmsse", "spl", "coverage80"):
            raise ConfigError(f"unknown metric {metric!r}; use wape, rmsse, spl or coverage80")
        import matplotlib.pyplot as plt

        d = self.by_horizon(level=level)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        for name, g in d.groupby("model", sort=True):
            ax.plot(g["h"], g[metric], marker="o", label=str(name))
        ax.set_xlabel(f"horizon ({self.freq} periods ahead)")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} by horizon, level {level}")
        ax.legend()
        return fig

    def reaggregate(self, method: str) -> Backtest:
        """The same backtest with derived aggregate rows rebuilt by ``method`` (no refitting).

        Rows a model returned itself (``source == "model"``) are kept.

        Parameters
        ----------
        method : {"independent", "comonotonic"}
            See :func:`foresight.evaluation.aggregate_forecasts`.

        Returns
        -------
        Backtest

        Raises
        ------
        ConfigError
            For an unknown method.
        """
        if method not in ("independent", "comonotonic"):
            raise ConfigError(f"unknown aggregate {method!r}; use 'independent' or 'comonotonic'")
        f = self.forecasts
        keep = f[f["source"] == "model"]
        derived = f[f["source"] != "model"]
        parts = [keep]
        qs = self.quantiles
        key = ["model", "origin", "level", "area", "category", "ds"]
        for (model, origin, level), _ in derived.groupby(["model", "origin", "level"], sort=False):
            bottom = f[(f["model"] == model) & (f["origin"] == origin)
                       & (f["level"] == "area x category")]
            agg = aggregate_level(bottom, level, qs, method)
            agg.insert(0, "origin", origin)
            agg.insert(0, "model", model)
            old = derived[(derived["model"] == model) & (derived["origin"] == origin)
                          & (derived["level"] == level)][[*key, "y", "h"]]
            parts.append(old.merge(agg, on=key, how="left"))
        new = pd.concat(parts, ignore_index=True)[list(f.columns)]
        return Backtest(new, self.series, self.quantiles, self.horizon, self.freq, self.timings)

    def _repr_html_(self) -> str:
        origins = sorted(self.forecasts["origin"].unique())
        head = (
            f"<p><b>Backtest</b>: {len(origins)} origin(s) "
            f"{pd.Timestamp(origins[0]).date() if origins else ''} .. "
            f"{pd.Timestamp(origins[-1]).date() if origins else ''}, horizon {self.horizon} "
            f"({self.freq}), quantiles {list(self.quantiles)}</p>"
        )
        return head + self.scores().to_html(index=False, float_format=lambda v: f"{v:.3f}")

    def __repr__(self) -> str:
        return f"Backtest(horizon={self.horizon}, freq={self.freq!r})\n{self.scores().to_string()}"
