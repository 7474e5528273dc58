"""Did an outreach campaign work? Actual cases against the forecast made before it began.

The counterfactual is the forecast with origin at the campaign start, from the history before it
(so the campaign cannot influence it); the effect is actual minus counterfactual over the campaign
window, with the interval the forecast's spread implies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError
from foresight.periods import panel_freq, period_offset, period_start, periods_per_year
from foresight.schemas import check_panel
from foresight.warning.flags import _Z80, expected_totals

__all__ = ["evaluate_campaign", "CAMPAIGN_COLUMNS"]

CAMPAIGN_COLUMNS = [
    "area", "category", "start", "end", "periods", "actual", "expected", "lower", "upper", "effect",
    "effect_lower", "effect_upper", "prevented", "relative", "placebo_years",
]


def evaluate_campaign(
    panel: pd.DataFrame,
    *,
    area: str,
    category: str,
    start,
    end,
    model: str = "auto",
    interval: float = 0.8,
    forecasts: pd.DataFrame | None = None,
    placebo_years: int = 2,
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Effect of an outreach campaign: actual minus the counterfactual forecast made at its start.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y`` covering the history before ``start`` and the campaign
        window.
    area, category : str
        The series the campaign targeted.
    start, end : date
        First and last day of the campaign window (both inclusive; periods are those whose start falls
        inside the window, ``start`` is moved back to its period's start).
    model : str
        Forecast model for the counterfactual (``foresight.forecasting.forecast``).
    interval : float
        Coverage of the interval: 0.8 uses the forecast's p10..p90.
    forecasts : DataFrame, optional
        A counterfactual forecast already made at ``start`` (columns ``area, category, ds, mean`` and
        ``p10``/``p90``); made here when absent.
    placebo_years : int
        Widen the interval by the relative error of the same forecast made 1..``placebo_years`` years
        earlier over a window of the same length (years without enough history are skipped; 0 keeps
        the forecast's own spread, which treats the weeks as independent and is too narrow over long
        windows).
    freq, country, subdiv, seed
        Passed to ``foresight.forecasting.forecast``.

    Returns
    -------
    DataFrame
        One row: ``area, category, start, end, periods, actual, expected, lower, upper`` (the
        counterfactual total and its interval), ``effect = actual - expected`` with ``effect_lower``,
        ``effect_upper``, ``prevented = -effect``, ``relative = effect / expected`` and
        ``placebo_years`` (how many placebo years widened the interval).

    Raises
    ------
    DataError
        If the series is not in the panel, or has no history before ``start`` or no periods in the
        window.
    ConfigError
        If ``end`` is before ``start`` or ``interval`` is not 0.8.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2022-01-03", periods=120, freq="W-MON")
    >>> y = np.full(120, 20)
    >>> y[110:] = 10  # the campaign halves the cases
    >>> panel = pd.DataFrame({"area": "T1", "category": "school", "ds": ds, "y": y})
    >>> fc = pd.DataFrame({"area": "T1", "category": "school", "ds": ds[110:], "mean": 20.0,
    ...                    "p10": 15, "p90": 25})
    >>> out = evaluate_campaign(panel, area="T1", category="school", start=ds[110], end=ds[-1],
    ...                         forecasts=fc, placebo_years=0)
    >>> out[["actual", "expected", "prevented"]].to_dict("records")
    [{'actual': 100, 'expected': 200.0, 'prevented': 100.0}]
    """
    panel = check_panel(panel)
    if abs(interval - 0.8) > 1e-9:
        raise ConfigError("interval: only 0.8 (the forecast's p10..p90) is supported.")
    f = panel_freq(panel, freq)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ConfigError(f"end {end.date()} is before start {start.date()}.")
    start = period_start(start, f)
    ds = pd.to_datetime(panel["ds"])
    series = panel[(panel["area"].astype(str) == str(area)) & (panel["category"].astype(str) == str(category))]
    if series.empty:
        raise DataError(f"no series area={area!r}, category={category!r} in the panel.")
    s_ds = pd.to_datetime(series["ds"])
    window = series[(s_ds >= start) & (s_ds <= end)]
    if window.empty:
        raise DataError(f"the panel has no periods of {area}/{category} between {start.date()} and "
                        f"{end.date()}; extend the panel to cover the campaign.")
    if not (s_ds < start).any():
        raise DataError(f"{area}/{category} has no history before {start.date()}: no counterfactual.")
    periods = len(window)

    def counterfactual(origin: pd.Timestamp) -> pd.DataFrame:
        from foresight.forecasting import forecast

        # the category's series in every area: the model learns the category's season from them
        hist = panel[(ds < origin) & (panel["category"].astype(str) == str(category))]
        hist.attrs.update({**panel.attrs, "freq": f, "as_of": origin})
        # A campaign spans a season: base the counterfactual level on the past year, not on the last
        # few (often off-season) weeks that a short-horizon forecast would weigh most.
        year_level = (float(periods_per_year(f)),)
        out = forecast(hist, periods, model=model, freq=f, country=country, subdiv=subdiv, seed=seed,
                       half_lives=year_level)
        return out[(out["area"].astype(str) == str(area)) & (out["category"].astype(str) == str(category))]

    fc = counterfactual(start) if forecasts is None else forecasts
    fc = fc[(fc["area"].astype(str) == str(area)) & (fc["category"].astype(str) == str(category))]
    fc = fc[pd.to_datetime(fc["ds"]).isin(pd.to_datetime(window["ds"]))]
    if len(fc) != periods:
        raise DataError(f"the counterfactual forecast covers {len(fc)} of the {periods} campaign periods; "
                        "pass forecasts made at the campaign start for the whole window.")
    tot = expected_totals(fc).iloc[0]
    sd = (tot["expected_hi"] - tot["expected_lo"]) / (2 * _Z80)
    # placebo years: the same forecast made one and two years before, where no campaign ran, measures
    # how far such a forecast misses over a window this long (errors across weeks are correlated, which
    # the per-week spread ignores); their mean squared relative error widens the interval
    year = periods_per_year(f) * period_offset(f)
    rel = []
    for k in range(1, placebo_years + 1):
        origin = start - k * year
        past = series[(s_ds >= origin) & (s_ds < origin + periods * period_offset(f))]
        if len(past) < periods or (s_ds < origin - year).sum() == 0:
            continue
        pf = counterfactual(origin)
        pf = pf[pd.to_datetime(pf["ds"]).isin(pd.to_datetime(past["ds"]))]
        e = float(pf["mean"].sum())
        if len(pf) == periods and e > 0:
            rel.append((float(past["y"].sum()) - e) / e)
    if rel:
        sd = float(np.sqrt(sd ** 2 + np.mean(np.square(rel)) * tot["expected"] ** 2))
    lower = max(tot["expected"] - _Z80 * sd, 0.0)
    upper = tot["expected"] + _Z80 * sd
    actual = int(window["y"].sum())
    effect = actual - tot["expected"]
    return pd.DataFrame([{
        "area": str(area), "category": str(category), "start": start, "end": end, "periods": periods,
        "actual": actual, "expected": float(tot["expected"]), "lower": float(lower),
        "upper": float(upper), "effect": float(effect), "effect_lower": float(actual - upper),
        "effect_upper": float(actual - lower), "prevented": float(-effect), "placebo_years": len(rel),
        "relative": float(effect / tot["expected"]) if tot["expected"] > 0 else np.nan,
    }])[CAMPAIGN_COLUMNS]
