"""Level shifts: a series whose level changed (an office stopped logging, a village merged, a new estate
filled) is found by a two-segment likelihood-ratio scan, vectorized over all series and candidate dates.

For every candidate date tau in the last ``max_back`` periods, the counts before and after tau are
modelled as Poisson with a constant rate times the known seasonal/calendar shape; the log-likelihood
ratio against one constant rate is divided by an over-dispersion factor (quasi-likelihood). A shift is
kept when that ratio is large, the rate changed by at least ``min_ratio`` fold and by at least
``min_cases`` cases since tau, and the change still holds at the origin: the last ``persist``
periods (and the last ``2 persist``) fit the new rate better than the old one. A burst that has
ended (a surge of a few weeks, then back to the old level) is therefore not a new level.
"""

from __future__ import annotations

import numpy as np

__all__ = ["detect_breaks"]


def _xlog(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * np.log(np.maximum(y, 1e-300) / np.maximum(p, 1e-300)), 0.0)


def detect_breaks(
    y: np.ndarray,
    shape: np.ndarray,
    *,
    end: int,
    min_post: int = 6,
    min_pre: int = 13,
    max_back: int = 104,
    pre_window: int = 78,
    threshold: float = 12.0,
    min_ratio: float = 1.6,
    min_cases: float = 6.0,
    persist: int = 4,
    step: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Start of each series' current regime (its first period when there is no shift) and the ratio.

    Parameters
    ----------
    y : ndarray
        Counts, series x periods, NaN before a series starts.
    shape : ndarray
        Multiplicative seasonal/calendar shape on the same grid (at least ``end`` columns).
    end : int
        Periods ``[0, end)`` are history.
    min_post, min_pre : int
        Periods required after and before a shift.
    max_back : int
        Latest ``max_back`` periods are scanned for a shift.
    pre_window : int
        Periods before the earliest candidate also used for the old level.
    threshold : float
        Dispersion-scaled log-likelihood ratio needed.
    min_ratio, min_cases : float
        Smallest fold change of the rate and smallest change in cases since the shift.
    persist : int
        The last ``persist`` periods, and the last ``2 * persist``, must each be more likely (Poisson,
        after the shape) under the new rate than under the old one: the shift still holds at the
        origin. Two windows, so neither a burst that ended a few weeks ago nor one that ended two
        months ago followed by a stray case passes.
    step : int
        Scan every ``step``-th candidate date, then refine around the best one.

    Returns
    -------
    start : ndarray of int
        Index of the first period of the current level.
    ratio : ndarray of float
        New rate / old rate (1.0 where no shift was found).

    Examples
    --------
    >>> y = np.r_[np.full(60, 10.0), np.full(20, 2.0)][None, :]
    >>> start, ratio = detect_breaks(y, np.ones_like(y), end=80)
    >>> int(start[0]), round(float(ratio[0]), 2)
    (60, 0.2)

    A burst that is over is not a shift:

    >>> y = np.r_[np.full(60, 1.0), np.full(6, 8.0), np.full(6, 1.0)][None, :]
    >>> int(detect_breaks(y, np.ones_like(y), end=72)[0][0])
    0
    """
    n = len(y)
    first = np.argmax(~np.isnan(y[:, :end]), axis=1)
    lo = max(0, end - max_back - pre_window)
    ys = y[:, lo:end]
    act = ~np.isnan(ys)
    yv = np.where(act, ys, 0.0)
    pv = np.where(act, shape[:, lo:end], 0.0)
    L = end - lo
    cy = np.concatenate([np.zeros((n, 1)), np.cumsum(yv, 1)], 1)
    cp = np.concatenate([np.zeros((n, 1)), np.cumsum(pv, 1)], 1)
    ca = np.concatenate([np.zeros((n, 1)), np.cumsum(act, 1)], 1)
    taus = np.arange(max(1, L - max_back), L - min_post + 1)[::-1][::step][::-1]
    start = first.copy()
    ratio = np.ones(n)
    if taus.size == 0:
        return start, ratio
    Y, P = cy[:, -1:], cp[:, -1:]
    Y1, P1, A1 = cy[:, taus], cp[:, taus], ca[:, taus]
    Y2, P2 = Y - Y1, P - P1
    llr = _xlog(Y1, P1) + _xlog(Y2, P2) - _xlog(Y, P)
    dy = np.diff(ys, axis=1)
    ssd = np.nansum(dy**2, axis=1)
    phi = np.maximum(1.0, ssd / np.maximum(2.0 * yv.sum(1), 1e-9))
    r1 = Y1 / np.maximum(P1, 1e-12)
    r2 = Y2 / np.maximum(P2, 1e-12)
    r1s = r1 + 0.5 / np.maximum(P1, 1e-9)  # rates with half a case added: no log of zero
    r2s = r2 + 0.5 / np.maximum(P2, 1e-9)
    log_fold = np.log(r2s / r1s)
    fold = np.abs(log_fold)
    # the last `persist` and 2 `persist` periods each fit the new rate better than the old one
    # (Poisson log-likelihood difference): a shift still holds at the origin
    holds = np.ones(Y1.shape, dtype=bool)
    for k in {min(max(int(persist), 1), L), min(2 * max(int(persist), 1), L)}:
        Yl, Pl = cy[:, -1:] - cy[:, L - k:L - k + 1], cp[:, -1:] - cp[:, L - k:L - k + 1]
        holds &= Yl * log_fold - (r2s - r1s) * Pl >= 0
    ok = (
        (A1 >= min_pre)
        & (llr / phi[:, None] >= threshold)
        & (fold >= np.log(min_ratio))
        & (np.abs(Y2 - r1 * P2) >= min_cases)
        & holds
    )
    score = np.where(ok, llr, -np.inf)
    best = np.argmax(score, axis=1)
    has = np.isfinite(score[np.arange(n), best])
    idx = np.arange(n)[has]
    tau = taus[best[has]]
    if step > 1 and idx.size:  # refine: the neighbouring dates skipped by the coarse scan
        cand = np.clip(tau[:, None] + np.arange(-(step - 1), step)[None, :], taus[0], L - min_post)
        y1, p1 = cy[idx[:, None], cand], cp[idx[:, None], cand]
        y2, p2 = cy[idx, -1][:, None] - y1, cp[idx, -1][:, None] - p1
        tot = _xlog(cy[idx, -1], cp[idx, -1])[:, None]
        ll = _xlog(y1, p1) + _xlog(y2, p2) - tot
        tau = cand[np.arange(idx.size), np.argmax(ll, axis=1)]
    y1, p1 = cy[idx, tau], cp[idx, tau]
    b1 = y1 / np.maximum(p1, 1e-12)
    b2 = (cy[idx, -1] - y1) / np.maximum(cp[idx, -1] - p1, 1e-12)
    start[has] = lo + tau
    ratio[has] = np.where(b1 > 0, b2 / np.maximum(b1, 1e-12), np.inf)
    return start, ratio
