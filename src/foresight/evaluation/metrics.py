"""Accuracy metrics for count forecasts: WAPE, RMSSE, scaled pinball loss and interval coverage.

Definitions (``y`` actuals, ``f`` point forecast = the ``mean`` column, ``Q_u`` the forecast
quantile at level ``u``, ``h`` the number of periods scored):

* WAPE = sum|y - f| / sum|y| (Hyndman & Koehler 2006 call it the MAD/mean ratio).
* RMSSE_i = sqrt( mean_t (y_t - f_t)^2 / s2_i ), with the scale
  s2_i = mean of squared one-step naive differences (y_t - y_{t-1})^2 over the series' history before
  the origin, starting at the series' first non-zero observation (the M5 rule; Makridakis, Spiliotis &
  Assimakopoulos 2022, "M5 accuracy competition", IJF 38(4); M5 competitor's guide 2020).
* SPL_i (scaled pinball loss) = mean over quantiles u and periods t of the pinball loss
  L_u(y, Q_u) = u (y - Q_u) if y >= Q_u else (1 - u)(Q_u - y), divided by the scale
  s1_i = mean absolute one-step naive difference over the same history (M5 uncertainty competition).
* Series weights = the series' volume (sum of ``y``) in the ``window`` periods (52 weeks) before the
  origin; weighted RMSSE / SPL = sum_i w_i RMSSE_i / sum_i w_i.
* Coverage = share of actuals with p10 <= y <= p90 (the nominal 80% interval).

Zero or undefined scales: a series whose history from its first non-zero value has fewer than two
observations, or is constant (every naive difference is 0), has no scale. Such series are left out
of the scaled metrics (RMSSE, SPL: value NaN, weight dropped from the weighted mean) and counted in
the ``n_unscaled`` column; WAPE and coverage still include them. Scaled metrics are undefined for
them, not infinite, and dropping them keeps one degenerate series from dominating a level.

References
----------
Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy. IJF 22(4).
Makridakis, S., Spiliotis, E. & Assimakopoulos, V. (2022). M5 accuracy competition: results, findings
and conclusions. IJF 38(4). The M5 Competitor's Guide (2020), sections on WRMSSE and WSPL.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from foresight.errors import DataError
from foresight.forecasting._frame import qcol

__all__ = [
    "coverage",
    "naive_scales",
    "pinball_loss",
    "qcol",
    "rmsse",
    "scaled_pinball",
    "wape",
]


def wape(y: Sequence[float] | np.ndarray, f: Sequence[float] | np.ndarray) -> float:
    """Weighted absolute percentage error, ``sum|y - f| / sum|y|``.

    Parameters
    ----------
    y, f : array-like
        Actuals and point forecasts of the same length.

    Returns
    -------
    float
        The WAPE; ``nan`` when every actual is zero (the ratio is undefined).

    Raises
    ------
    DataError
        When ``y`` and ``f`` differ in length.

    Examples
    --------
    >>> wape([2, 0, 4], [1, 1, 4])
    0.3333333333333333
    >>> wape([1, 2], [1, 2])
    0.0
    """
    y, f = _pair(y, f)
    den = np.abs(y).sum()
    return float(np.abs(y - f).sum() / den) if den > 0 else float("nan")


def pinball_loss(
    y: Sequence[float] | np.ndarray, qf: Sequence[float] | np.ndarray, q: float
) -> np.ndarray:
    """Element-wise pinball (quantile) loss of forecast quantile ``qf`` at level ``q``.

    ``L = q (y - qf)`` when ``y >= qf``, else ``(1 - q)(qf - y)``.

    Parameters
    ----------
    y, qf : array-like
        Actuals and the forecast quantiles.
    q : float
        Quantile level in (0, 1).

    Returns
    -------
    numpy.ndarray
        One loss per element.

    Raises
    ------
    DataError
        When the lengths differ or ``q`` is outside (0, 1).

    Examples
    --------
    >>> pinball_loss([10, 0], [8, 2], 0.9).round(6).tolist()
    [1.8, 0.2]
    """
    if not 0 < q < 1:
        raise DataError(f"quantile level {q} is outside (0, 1); pass levels such as 0.1, 0.5, 0.9")
    y, qf = _pair(y, qf)
    d = y - qf
    return np.where(d >= 0, q * d, (q - 1) * d)


def coverage(
    y: Sequence[float] | np.ndarray,
    lo: Sequence[float] | np.ndarray,
    hi: Sequence[float] | np.ndarray,
) -> float:
    """Share of actuals inside the closed interval ``[lo, hi]``.

    Parameters
    ----------
    y, lo, hi : array-like
        Actuals and the interval bounds (for the 80% interval: p10 and p90).

    Returns
    -------
    float
        Coverage in [0, 1]; ``nan`` for empty input.

    Raises
    ------
    DataError
        When the lengths differ.

    Examples
    --------
    >>> coverage([1, 5, 9, 3], [0, 0, 0, 3], [4, 4, 10, 3])
    0.75
    """
    y, lo = _pair(y, lo)
    _, hi = _pair(y, hi)
    if y.size == 0:
        return float("nan")
    return float(((y >= lo) & (y <= hi)).mean())


def naive_scales(history: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """M5 scales of one series: mean squared and mean absolute one-step naive differences.

    Differences are taken from the first non-zero observation on (the M5 rule), so leading zeros
    before a series starts do not shrink its scale.

    Parameters
    ----------
    history : array-like
        The series before the forecast origin, in time order.

    Returns
    -------
    (float, float)
        ``(s2, s1)``: the RMSSE scale and the SPL scale; ``nan`` when fewer than two observations
        follow the first non-zero one, ``0.0`` when the series is constant from there on.

    Examples
    --------
    >>> naive_scales([0, 0, 1, 3, 2])
    (2.5, 1.5)
    >>> naive_scales([0, 0, 4])
    (nan, nan)
    """
    h = np.asarray(history, dtype=float)
    nz = np.flatnonzero(h)
    if nz.size == 0 or h.size - nz[0] < 2:
        return float("nan"), float("nan")
    d = np.diff(h[nz[0] :])
    return float(np.mean(d**2)), float(np.mean(np.abs(d)))


def rmsse(
    y: Sequence[float] | np.ndarray, f: Sequence[float] | np.ndarray, scale: float
) -> float:
    """Root mean squared scaled error of one series, ``sqrt(mean((y - f)^2) / scale)``.

    Parameters
    ----------
    y, f : array-like
        Actuals and point forecasts over the horizon.
    scale : float
        The series' ``s2`` from :func:`naive_scales`.

    Returns
    -------
    float
        RMSSE; ``nan`` when the scale is 0 or undefined (see the module notes).

    Raises
    ------
    DataError
        When the lengths differ.

    Examples
    --------
    >>> rmsse([3, 5], [1, 5], 2.0)
    1.0
    """
    y, f = _pair(y, f)
    if not scale > 0:
        return float("nan")
    return float(np.sqrt(np.mean((y - f) ** 2) / scale))


def scaled_pinball(
    y: Sequence[float] | np.ndarray,
    qf: dict[float, Sequence[float] | np.ndarray],
    scale: float,
) -> float:
    """Scaled pinball loss of one series: mean pinball loss over quantiles and periods / ``s1``.

    Parameters
    ----------
    y : array-like
        Actuals over the horizon.
    qf : dict
        Quantile level -> forecast quantiles over the horizon.
    scale : float
        The series' ``s1`` from :func:`naive_scales`.

    Returns
    -------
    float
        SPL; ``nan`` when the scale is 0 or undefined.

    Raises
    ------
    DataError
        When lengths differ or a level is outside (0, 1).

    Examples
    --------
    >>> round(scaled_pinball([10, 0], {0.1: [8, 0], 0.9: [12, 2]}, 0.5), 6)
    0.3
    """
    if not scale > 0:
        return float("nan")
    losses = [pinball_loss(y, v, q).mean() for q, v in qf.items()]
    return float(np.mean(losses) / scale)


def _pair(a: object, b: object) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(a, dtype=float)
    z = np.asarray(b, dtype=float)
    if x.shape != z.shape:
        raise DataError(f"actuals and forecasts differ in length ({x.shape} vs {z.shape})")
    return x, z
