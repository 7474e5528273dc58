"""Surges: rises in the latest weeks that the seasonal pattern does not explain.

The detector is the improved Farrington method of Noufaily et al. (2013), the algorithm public-health
agencies (UKHSA, ECDC, RKI) run every week on thousands of weekly count series by region and pathogen,
and the one R's ``surveillance::farringtonFlexible`` implements. For each series and each week ``t``
tested:

1. Baseline: every week from ``years`` years before ``t`` (plus ``window`` weeks) up to 26 weeks
   before ``t`` (the most recent half year is left out so a current rise cannot hide itself).
2. A quasi-Poisson GLM ``log mu = a + b * time + season`` with a 10-level seasonal factor: the
   ``2 * window + 1`` weeks around the same week of each past year, and 9 blocks for the rest of the
   year.
3. Past outbreaks are down-weighted: baseline weeks whose standardised Anscombe residual exceeds 2.58
   get weight ``s ** -2`` and the model is refitted.
4. The time trend is kept only when significant (p < 0.05) and when it does not push the expected
   count above the largest baseline count.
5. The alarm threshold is the ``1 - alpha`` quantile of a negative binomial with the fitted mean and
   the fitted dispersion (Noufaily's threshold), its variance widened by the estimation error of the
   fitted mean (``mu^2 Var(log mu)``; the plain plug-in alarms too often, see below). A week alarms
   when its count is above the threshold and the last 4 weeks hold at least 5 cases (Farrington's
   ``limit54`` rule, configurable).

False alarms. A series with no surge alarms in about ``1000 * alpha`` of 1,000 series-weeks: with
the default ``alpha = 0.005``, 5 to 6 per 1,000 (measured on seasonal negative-binomial noise with
five years of baseline: 5.6 expected from the thresholds set, 6.4 realised; the down-weighting of
high baseline weeks pulls the baseline mean down a little). Sparse series alarm less (their discrete
counts rarely reach the exact level) and the ``limit54`` rule removes more. Across many series at
once the expected number of false alarms is ``alpha * series * weeks``; pass ``fdr=q`` to replace the
per-test level by the Benjamini-Hochberg procedure over every (series, week) tested, which bounds the
expected share of false alarms among the alarms at ``q``.

Everything is batched: one design matrix serves every series and week, and the GLM is fitted for all
of them at once (see :mod:`foresight._glm`), each row starting at the seasonal factor's closed-form
estimate and stopping when its own coefficients have converged; the model without trend is fitted
only for the rows that drop the trend.

References
----------
Noufaily A, Enki DG, Farrington P, Garthwaite P, Andrews N, Charlett A (2013). An improved algorithm
for outbreak detection in multiple surveillance systems. Statistics in Medicine 32(7):1206-1222.
Farrington CP, Andrews NJ, Beale AD, Catchpole MA (1996). A statistical algorithm for the early
detection of outbreaks of infectious disease. JRSS A 159(3):547-563.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from foresight._glm import PoissonFit, fit_poisson
from foresight.errors import ConfigError
from foresight.matrix import SeriesMatrix, to_matrix
from foresight.periods import panel_freq, periods_per_year
from foresight.schemas import check_panel

__all__ = ["surges", "SURGE_COLUMNS"]

SURGE_COLUMNS = [
    "area", "category", "ds", "y", "expected", "threshold", "p_value", "score", "excess", "alarm",
    "trend", "dispersion", "baseline_periods",
]

_CHUNK = 2048  # rows fitted per batch: bounds the memory of the (rows x baseline periods) arrays
#: Ridge on the non-intercept coefficients per observation: factor levels a short baseline never saw
#: get coefficient 0 instead of a singular system (small enough not to move any other estimate).
RIDGE = 1e-6


def _design(*, years: int, window: int, guard: int, periods: int, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Lags ``d`` (periods before the tested one) of the baseline and the design matrix over them."""
    d = np.arange(guard, years * periods + window + 1)
    r = d % periods
    circ = np.minimum(r, periods - r)
    rest = periods - 2 * window - 1
    level = np.where(circ <= window, 0, 1 + ((r - window - 1) * (n_levels - 1)) // max(rest, 1))
    dummies = (level[:, None] == np.arange(1, n_levels)[None, :]).astype(float)
    dummies = dummies[:, dummies.sum(axis=0) > 0]
    X = np.column_stack([np.ones(len(d)), -d / periods, dummies])
    return d, X


def surges(
    panel: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    weeks: int = 2,
    alpha: float = 0.005,
    fdr: float | None = None,
    years: int = 5,
    window: int | None = None,
    n_periods: int = 10,
    guard: int | None = None,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    trend: bool = True,
    limit: tuple[int, int] | None = (5, 4),
    min_baseline: int | None = None,
    estimation_error: bool = True,
    pool_dispersion: float | None = 100.0,
    freq: str | None = None,
    alarms_only: bool = True,
    matrix: SeriesMatrix | None = None,
) -> pd.DataFrame:
    """Detect surges in the latest periods before ``as_of`` (Noufaily et al. 2013, batched).

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y`` (see ``foresight.panel.to_panel``).
    as_of : str or Timestamp
        Exclusive end: periods starting on or after it are ignored. The periods tested are the
        ``weeks`` last complete periods before it.
    weeks : int
        How many of the latest periods to test (each against its own baseline).
    alpha : float
        Per-test false-alarm level: the threshold is the ``1 - alpha`` negative-binomial quantile.
        Expected false alarms per 1,000 series-weeks with no surge: about ``1000 * alpha``.
    fdr : float, optional
        If given, alarm by Benjamini-Hochberg over every tested (series, period) at this level
        instead of the per-test ``alpha`` (control across many series at once).
    years : int
        Years of history in the baseline (``b``).
    window : int, optional
        Half-width of the same-season window in each past year (``w``): 3 weeks or 1 month.
    n_periods : int
        Levels of the seasonal factor (10 in Noufaily et al.; 1 = window-only, like Farrington 1996).
    guard : int, optional
        Most recent periods left out of the baseline: 26 weeks or 6 months.
    reweight : bool
        Down-weight past outbreaks in the baseline (Anscombe residuals above ``weights_threshold``).
    weights_threshold : float
        Residual above which a baseline period is down-weighted (2.58 in Noufaily et al.).
    trend : bool
        Allow a log-linear time trend (kept only when significant and not over-extrapolating).
    limit : (int, int) or None
        No alarm unless the last ``limit[1]`` periods hold at least ``limit[0]`` cases.
    min_baseline : int, optional
        Fewest observed baseline periods needed to test a series (default: one year).
    estimation_error : bool
        Widen the threshold by the estimation error of the baseline mean (default). ``False`` gives
        Noufaily's plain plug-in threshold, whose false-alarm rate runs about 20-50% above ``alpha``
        with five years of baseline.
    pool_dispersion : float or None
        Shrink each series' dispersion toward its category's (the median over the category's series
        fitted for the same period, on the log scale), with weight ``n / (n + pool_dispersion)`` on
        its own, ``n`` being the cases in its baseline: a sparse series' own dispersion rests on a
        handful of cases and is mostly 1 (Poisson), which lets 3-5 clumped cases alarm. ``None``
        keeps each series' own.
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    alarms_only : bool
        Return only the alarms (ranked by score); ``False`` returns every tested series-period.
    matrix : SeriesMatrix, optional
        The panel's series matrix before ``as_of`` (:func:`foresight.matrix.to_matrix` with
        ``before=as_of, gaps="missing"``), when another step built it already (e.g. for
        :func:`~foresight.warning.waves`); checked against the panel, not rebuilt.

    Returns
    -------
    DataFrame
        Columns ``area, category, ds, y, expected, threshold, p_value, score, excess, alarm, trend,
        dispersion, baseline_periods``. ``expected`` is the baseline mean, ``threshold`` the alarm
        level (an alarm is ``y > threshold``), ``p_value`` is ``P(Y >= y)`` under the baseline,
        ``score = (y - expected) / (threshold - expected)`` (> 1 for an alarm), ``excess = y -
        expected``.

    Raises
    ------
    DataError
        If the panel is malformed or has no periods before ``as_of``, or ``matrix`` was built
        otherwise or from another panel.
    ConfigError
        If an option is out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2018-01-01", periods=300, freq="W-MON")
    >>> y = np.random.default_rng(1).poisson(10, len(ds))
    >>> y[-1] = 40
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": y})
    >>> out = surges(panel, ds[-1] + pd.Timedelta(days=7), weeks=1)
    >>> out[["ds", "y", "alarm"]].to_string(index=False)
    '        ds  y  alarm\\n2023-09-25 40   True'
    """
    panel = check_panel(panel)
    f = panel_freq(panel, freq)
    periods = periods_per_year(f)
    window = (1 if f == "M" else 3) if window is None else int(window)
    guard = (6 if f == "M" else 26) if guard is None else int(guard)
    min_baseline = periods if min_baseline is None else int(min_baseline)
    if not 0 < alpha < 0.5:
        raise ConfigError(f"alpha={alpha} must be between 0 and 0.5 (e.g. 0.005).")
    if pool_dispersion is not None and not pool_dispersion >= 0:
        raise ConfigError(f"pool_dispersion={pool_dispersion} must be >= 0 (cases), or None.")
    if fdr is not None and not 0 < fdr < 1:
        raise ConfigError(f"fdr={fdr} must be between 0 and 1 (e.g. 0.05).")
    if weeks < 1 or years < 1 or window < 0 or guard < 1 or n_periods < 1:
        raise ConfigError("weeks, years, guard and n_periods must be >= 1 and window >= 0.")
    if 2 * window + 1 >= periods:
        raise ConfigError(f"window={window} is too wide for {periods} periods a year.")
    as_of = pd.Timestamp(as_of)
    grid = to_matrix(panel, f, before=as_of, gaps="missing", reuse=matrix)
    V = grid.y
    S, T = V.shape
    d, X = _design(years=years, window=window, guard=guard, periods=periods, n_levels=n_periods)
    targets = np.arange(max(T - weeks, 0), T)

    # one row per (target period, series); the baseline is V[s, t - d] (built chunk by chunk)
    tt = np.repeat(targets, S)
    ss = np.tile(np.arange(S), len(targets))
    y_now = V[ss, tt]
    # observed baseline periods, from cumulative counts: lags d.min() .. d.max()
    seen = np.concatenate([np.zeros((S, 1)), np.cumsum(np.isfinite(V), axis=1)], axis=1)
    hi = np.clip(tt - d.min() + 1, 0, T)
    lo = np.clip(tt - d.max(), 0, T)
    nbase = (seen[ss, hi] - seen[ss, lo]).astype(np.int64)
    ok = np.isfinite(y_now) & (nbase >= min_baseline)
    if limit is not None:
        k = int(limit[1])
        csum = np.concatenate([np.zeros((S, 1)), np.cumsum(np.nan_to_num(V), axis=1)], axis=1)
        enough = (csum[ss, tt + 1] - csum[ss, np.clip(tt + 1 - k, 0, None)]) >= limit[0]
    else:
        enough = np.ones(len(tt), dtype=bool)
    # when only alarms are wanted, rows that cannot alarm (no case, or too few cases for the limit
    # rule) need no fit; Benjamini-Hochberg needs every p-value, so it fits them all
    fit_rows = ok & enough & (y_now > 0) if (alarms_only and fdr is None) else ok
    rows = np.flatnonzero(fit_rows)

    expected = np.full(len(tt), np.nan)
    phi = np.full(len(tt), np.nan)
    var_eta = np.full(len(tt), np.nan)
    use_trend = np.zeros(len(tt), dtype=bool)
    bsum = np.zeros(len(tt))
    # the fits are many small products and solves: BLAS threads cost more CPU than they save (at
    # 26k series, 3.1 s of CPU with two threads, 1.4-1.5 s with one, on the shared 2-core machine)
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, len(rows), _CHUNK):
            r = rows[start:start + _CHUNK]
            lag_idx = tt[r, None] - d[None, :]
            Ybase = np.where(lag_idx >= 0, V[ss[r, None], np.clip(lag_idx, 0, None)], np.nan)
            e, ph, tr, ve = _fit_rows(Ybase, X, reweight=reweight, weights_threshold=weights_threshold,
                                      trend=trend)
            expected[r], phi[r], use_trend[r], var_eta[r] = e, ph, tr, ve
            bsum[r] = np.nansum(Ybase, axis=1)
    if pool_dispersion is not None and len(rows):
        # partial pooling of the dispersion within category and tested period (log scale)
        cat = pd.factorize(grid.keys["category"].to_numpy())[0][ss[rows]]
        key = cat.astype(np.int64) * (T + 1) + tt[rows]
        lphi = np.log(phi[rows])
        pooled = pd.Series(lphi).groupby(key).transform("median").to_numpy()
        w = bsum[rows] / (bsum[rows] + pool_dispersion) if pool_dispersion > 0 else np.ones(len(rows))
        phi[rows] = np.exp(w * lphi + (1 - w) * pooled)

    # predictive dispersion: the count's own (phi * mu) plus the baseline's estimation error
    # (mu^2 * Var(log mu)), so the false-alarm rate holds with a few years of baseline
    pred_phi = phi + expected * np.nan_to_num(var_eta) if estimation_error else phi
    threshold, p_value = _nb_threshold(expected, pred_phi, y_now, alpha)
    if fdr is None:
        alarm = ok & (y_now > threshold) & enough
    else:
        alarm = ok & enough & _bh(np.where(ok, p_value, 1.0), fdr)
    span = threshold - expected
    score = np.where(span > 0, (y_now - expected) / np.where(span > 0, span, 1.0),
                     np.where(y_now > threshold, np.inf, 0.0))
    out = pd.DataFrame({
        "area": grid.keys["area"].to_numpy()[ss],
        "category": grid.keys["category"].to_numpy()[ss],
        "ds": grid.starts[tt],
        "y": y_now,
        "expected": expected,
        "threshold": threshold,
        "p_value": p_value,
        "score": score,
        "excess": y_now - expected,
        "alarm": alarm,
        "trend": use_trend,
        "dispersion": phi,
        "baseline_periods": nbase,
    })[ok]
    out["y"] = out["y"].astype("int64")
    out["baseline_periods"] = out["baseline_periods"].astype("int64")
    if alarms_only:
        out = out[out["alarm"]].sort_values(["score", "excess"], ascending=False, kind="stable")
    else:
        out = out.sort_values(["area", "category", "ds"], kind="stable")
    out = out.reset_index(drop=True)
    # tested: series-periods with a baseline; eligible: those that could alarm (enough recent cases)
    out.attrs.update(freq=f, as_of=as_of, alpha=alpha, fdr=fdr, tested=int(ok.sum()),
                     eligible=int((ok & enough).sum()))
    return out


def _fit_rows(Ybase: np.ndarray, X: np.ndarray, *, reweight: bool, weights_threshold: float,
              trend: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Noufaily steps 2-4 for a batch of rows.

    Returns the expected count at the tested period, the dispersion, whether the trend was kept and
    the variance of the fitted log-mean (the estimation error of the baseline).
    """
    W = np.isfinite(Ybase).astype(float)
    Y = np.nan_to_num(Ybase, nan=0.0)
    nobs = W.sum(axis=1)
    Xf = X if trend else np.delete(X, 1, axis=1)
    fit = _fit(Xf, Y, W, start=_level_start(Xf, Y, W, trend=trend))
    if reweight:
        s = _anscombe_residuals(Y, fit)
        w = np.where(s > weights_threshold, 1.0 / np.maximum(s, 1e-12) ** 2, 1.0) * W
        W = w * (nobs / np.maximum(w.sum(axis=1), 1e-12))[:, None]
        fit = _fit(Xf, Y, W, start=fit.beta)
    if not trend:
        return (np.exp(fit.beta[:, 0]), fit.phi, np.zeros(len(Y), dtype=bool),
                fit.phi * fit.cov_unscaled[:, 0, 0])
    se = np.sqrt(fit.phi * fit.cov_unscaled[:, 1, 1])
    pval = 2 * stats.norm.sf(np.abs(fit.beta[:, 1]) / np.maximum(se, 1e-12))
    expected = np.exp(fit.beta[:, 0])
    ymax = np.max(np.where(W > 0, Y, -np.inf), axis=1)
    keep = (pval < 0.05) & (expected <= ymax)
    phi = fit.phi.copy()
    var_eta = fit.phi * fit.cov_unscaled[:, 0, 0]
    # the model without trend, fitted only for the rows that drop the trend
    drop = np.flatnonzero(~keep)
    if drop.size:
        X0 = np.delete(X, 1, axis=1)
        fit0 = _fit(X0, Y[drop], W[drop], start=_level_start(X0, Y[drop], W[drop], trend=False))
        expected[drop] = np.exp(fit0.beta[:, 0])
        phi[drop] = fit0.phi
        var_eta[drop] = fit0.phi * fit0.cov_unscaled[:, 0, 0]
    return expected, phi, keep, var_eta


def _level_start(X: np.ndarray, Y: np.ndarray, W: np.ndarray, *, trend: bool) -> np.ndarray:
    """Starting coefficients: the seasonal model's own estimate without trend (and trend 0).

    The season is a factor (an intercept for the reference level and 0/1 dummies for the others), so
    without trend the weighted Poisson estimate is the log of each level's weighted mean: IRLS
    starts next to the optimum instead of at the overall mean. A level without cases starts at half
    a case (IRLS lowers it from above); one with no observed period starts at the reference.
    """
    k = 2 if trend else 1
    D = X[:, k:]
    levels = np.column_stack([1.0 - D.sum(axis=1), D])  # (T, L) membership, level 0 the reference
    cases = (W * Y) @ levels
    weight = W @ levels
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mean = np.log(np.maximum(cases, 0.5) / weight)
    base = np.where(weight[:, 0] > 0, log_mean[:, 0],
                    np.log(np.maximum(cases.sum(axis=1), 0.5) / np.maximum(weight.sum(axis=1), 1e-12)))
    start = np.zeros((len(Y), X.shape[1]))
    start[:, 0] = base
    start[:, k:] = np.where(weight[:, 1:] > 0, log_mean[:, 1:] - base[:, None], 0.0)
    return start


def _fit(X: np.ndarray, Y: np.ndarray, W: np.ndarray, *, start: np.ndarray | None = None) -> PoissonFit:
    """Quasi-Poisson fit of every row, with a tiny ridge (RIDGE x observations) on all but the
    intercept, so that factor levels a short series never observed get coefficient 0."""
    pen = np.full(X.shape[1], RIDGE)
    pen[0] = 0.0
    return fit_poisson(Y, X, weights=W, penalty=np.maximum(W.sum(axis=1), 1.0)[:, None] * pen, start=start,
                       max_iter=30, tol=1e-6, each_row=True, diagnostics=True)


def _anscombe_residuals(Y: np.ndarray, fit: PoissonFit) -> np.ndarray:
    """Standardised Anscombe residuals of a quasi-Poisson fit (Farrington et al. 1996, eq. 3)."""
    mu = fit.mu
    denom = mu ** (1.0 / 6.0) * np.sqrt(fit.phi[:, None] * np.clip(1.0 - fit.hat, 1e-6, None))
    return 1.5 * (np.cbrt(Y) ** 2 - np.cbrt(mu) ** 2) / denom


def _nb_threshold(mu: np.ndarray, phi: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Upper ``1 - alpha`` quantile and ``P(Y >= y)`` of NB(mean mu, variance phi * mu)."""
    mu = np.where(np.isfinite(mu), np.maximum(mu, 1e-12), np.nan)
    phi = np.where(np.isfinite(phi), phi, 1.0)
    nb = phi > 1.0 + 1e-9
    size = mu / np.where(nb, phi - 1.0, 1.0)
    prob = size / (size + mu)
    yk = np.nan_to_num(y, nan=0.0) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        thr = np.where(nb, stats.nbinom.ppf(1 - alpha, size, prob), stats.poisson.ppf(1 - alpha, mu))
        pv = np.where(nb, stats.nbinom.sf(yk, size, prob), stats.poisson.sf(yk, mu))
    return thr.astype(float), pv.astype(float)


def _bh(p: np.ndarray, q: float) -> np.ndarray:
    """Benjamini-Hochberg rejections at level ``q``."""
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p, kind="stable")
    passed = p[order] <= q * np.arange(1, m + 1) / m
    k = np.flatnonzero(passed).max() + 1 if passed.any() else 0
    out = np.zeros(m, dtype=bool)
    out[order[:k]] = True
    return out
