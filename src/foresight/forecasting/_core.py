"""The global-local negative-binomial model, vectorized over all series.

1. Shape: a penalized Poisson regression (trend spline + annual Fourier + calendar + known windows) is
   fitted once on each dense aggregate (the grand total first, whose calendar effects become the prior of
   every category and area fit). Seasonality is held near flat for a node with under ~2 years of
   data. A bottom series takes its category's seasonal and calendar shape, corrected by its own
   low-order Fourier deviation, shrunk toward zero where the series is sparse (``local_shape``).
2. Level: a series' current level is the exponentially weighted ratio sum(w*y) / sum(w*shape) over its
   recent history, starting after a detected level shift; the half-life is chosen per volume group by a
   rolling-origin check on the series' own last periods.
3. Spread: negative-binomial dispersion per series from those out-of-sample errors, shrunk toward its
   volume group, then scaled per volume group to minimize the out-of-sample pinball loss of the 10%
   and 90% quantiles (``calibrate_dispersion``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from foresight import periods
from foresight._glm import fit_poisson
from foresight.forecasting._design import Design
from foresight.forecasting.breaks import detect_breaks

__all__ = ["ShapeFit", "LevelFit", "fit_shapes", "fit_levels", "local_shape", "volume_groups",
           "calibrate_dispersion"]

SHAPE_GROUPS = ("season", "holiday", "window")

# Tuning constants of the engine. Source: set by hand in the first version of the engine (commit
# bcf12e9) and kept since; docs/benchmarks.md measures the model with exactly these values (NYC
# Council cases, 7 origins), so change one only with a rerun of benchmarks/accuracy_nyc.py.
#: Years of data after which a node's own season is free; below, its season ridge is multiplied by
#: up to SEASON_HOLD (at 1 year or less) so that one year is not read as a season.
SEASON_YEARS = 2.0
SEASON_HOLD = 1e4
#: Prior sd of a bottom series' own Fourier deviation from its category's season (log scale), its
#: order and IRLS iterations (a cheap, partly converged shrinkage step).
LOCAL_SEASON_SD = 0.15
LOCAL_SEASON_ORDER = 3
LOCAL_SEASON_ITERATIONS = 2
#: Counts above level + CAP_SD sd (negative binomial with dispersion CAP_DISPERSION) are capped
#: before levels and local seasons are estimated, so one burst does not carry them.
CAP_SD = 2.0
CAP_DISPERSION = 0.25
#: Half-life (periods) of the rough level the caps are measured from.
CAP_HALF_LIFE = 26.0
#: A level shift counts at a holdout origin only if it was already this many periods old there.
BREAK_MIN_AGE = 6
#: Volume classes by recent mean count per period: sparse < 0.5 <= low < 2 <= mid < 8 <= dense.
VOLUME_BREAKS = (0.5, 2.0, 8.0)
#: Shrinkage of a series' dispersion toward its volume group: the group counts as SHRINK_WEIGHT
#: times an average series' information; dispersions are capped at MAX_DISPERSION.
SHRINK_WEIGHT = 2.0
MAX_DISPERSION = 10.0


@dataclass
class ShapeFit:
    """Fitted coefficients of the aggregate regressions and the log-shape they imply."""

    beta: np.ndarray  # n_nodes x p
    design: Design

    def log_parts(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Log contribution of each shape group (and the trend) per node, over history + horizon."""
        b = self.beta if rows is None else self.beta[rows]
        out = {}
        for g in ("trend", *SHAPE_GROUPS):
            m = self.design.cols(g)
            out[g] = b[:, m] @ self.design.X[:, m].T if m.any() else np.zeros((len(b), len(self.design.X)))
        return out

    def log_shape(self, rows: np.ndarray | None = None) -> np.ndarray:
        parts = self.log_parts(rows)
        return parts["season"] + parts["holiday"] + parts["window"]


def history_years(y_nodes: np.ndarray, design: Design) -> np.ndarray:
    """Years of history of each row, counted from the period by which a tenth of its volume had
    arrived (a few stray early cases do not count)."""
    per_year = periods.periods_per_year(design.freq)
    yh = np.nan_to_num(y_nodes[:, : design.n_hist])
    cum = np.cumsum(yh, axis=1)
    t10 = np.argmax(cum >= 0.1 * np.maximum(cum[:, -1:], 1e-9), axis=1)
    return (design.n_hist - t10) / per_year


def _node_penalty(y_nodes: np.ndarray, design: Design) -> np.ndarray:
    """Ridge weights per node: seasonality is held near flat until a node has about two years of data."""
    years = history_years(y_nodes, design)
    pen = np.broadcast_to(design.penalty, (len(y_nodes), len(design.penalty))).copy()
    boost = np.where(years >= SEASON_YEARS, 1.0, SEASON_HOLD * np.clip(SEASON_YEARS - years, 0, 1) ** 2 + 1.0)
    pen[:, design.cols("season")] *= boost[:, None]
    return pen


def per_period(penalty: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge precisions (rows x columns) from weights in units of "periods of average data".

    A weight of 1 on a coefficient counts as much as one period of the series' own average count,
    so the same weight shrinks a sparse and a dense series alike relative to their information.
    """
    obs = ~np.isnan(y)
    scale = np.maximum(np.where(obs, y, 0.0).sum(1) / np.maximum(obs.sum(1), 1), 1e-3)
    pen = np.asarray(penalty, float)
    return scale[:, None] * (pen if pen.ndim == 2 else pen[None, :])


def fit_shapes(y_nodes: np.ndarray, design: Design, *, total_row: int = 0) -> ShapeFit:
    """Fit the regression on every aggregate node; calendar effects shrink toward the total's."""
    X = design.X[: design.n_hist]
    pen = _node_penalty(y_nodes, design)
    y_tot = y_nodes[[total_row]]
    tot = fit_poisson(y_tot, X, penalty=per_period(pen[[total_row]], y_tot)).beta
    prior = np.zeros_like(np.broadcast_to(tot, (len(y_nodes), tot.shape[1]))).copy()
    cal = design.cols("holiday", "window")
    prior[:, cal] = tot[0, cal]
    beta = fit_poisson(y_nodes, X, penalty=per_period(pen, y_nodes), prior=prior).beta
    beta[total_row] = tot[0]
    return ShapeFit(beta=beta, design=design)


def local_shape(y: np.ndarray, log_shape: np.ndarray, design: Design, *, tau: float = LOCAL_SEASON_SD,
                order: int = LOCAL_SEASON_ORDER, iterations: int = LOCAL_SEASON_ITERATIONS) -> np.ndarray:
    """Each series' own seasonal deviation from its category's shape, shrunk toward zero where the
    series is sparse (ridge with an absolute prior sd ``tau`` per Fourier coefficient).

    The series' slowly moving level is held by a centred one-year ratio estimate, so a level change
    is not read as season; counts far above that level are capped (:func:`_local_inputs`), so a
    burst is not read as season either. The IRLS runs on ``CHUNK`` series at a time (its ``iterations``
    stop early only when every series of the chunk has settled); the inputs are built a block of
    ``BLOCK`` series at a time. Returns the corrected log shape over history + horizon.
    """
    T = design.n_hist
    cols = [c for c in range(len(design.names)) if design.names[c] in
            {f"{f}{k}" for k in range(1, order + 1) for f in ("sin", "cos")}]
    X = design.X[:, cols]
    out = np.empty_like(log_shape, dtype=float)
    for i in range(0, len(y), CHUNK):
        j = min(i + CHUNK, len(y))
        parts = [_local_inputs(y[k:min(k + BLOCK, j)], log_shape[k:min(k + BLOCK, j)], design)
                 for k in range(i, j, BLOCK)]
        yy, off = (np.concatenate(x) for x in zip(*parts))
        gamma = fit_poisson(yy, X[:T], penalty=np.full(len(cols), 1.0 / tau**2), offset=off,
                            max_iter=iterations, tol=1e-4).beta
        out[i:j] = log_shape[i:j] + gamma @ X.T
    return out


def _local_inputs(y: np.ndarray, log_shape: np.ndarray, design: Design, *, cap_sd: float = CAP_SD,
                  cap_passes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The counts (capped; NaN where not used) and log offsets of :func:`local_shape`'s fit.

    The level is a centred one-year ratio estimate; counts more than ``cap_sd`` standard deviations
    (NB, dispersion 0.25) plus one case above it are capped (``cap_passes`` times, the level
    re-estimated from the capped counts each time).
    """
    T = design.n_hist
    per = periods.periods_per_year(design.freq)
    half = per // 2
    obs = ~np.isnan(y[:, :T])
    yv = np.where(obs, y[:, :T], 0.0)
    pv = np.where(obs, np.exp(log_shape[:, :T]), 0.0)
    cp = np.concatenate([np.zeros((len(y), 1)), np.cumsum(pv, 1)], 1)
    t = np.arange(T)
    lo, hi = np.maximum(t - half, 0), np.minimum(t + half + 1, T)
    den = cp[:, hi] - cp[:, lo]
    yc = yv
    for _ in range(cap_passes + 1):
        # centred one-year level; then counts capped above it, so a burst of a few weeks (a surge,
        # a project) is not read as this series' own season and repeated every year
        cy = np.concatenate([np.zeros((len(y), 1)), np.cumsum(yc, 1)], 1)
        level_t = np.where(den > 0, (cy[:, hi] - cy[:, lo] + 0.1) / np.maximum(den, 1e-12), 0.0)
        mu = level_t * pv
        yc = np.minimum(yv, mu + cap_sd * np.sqrt(mu + CAP_DISPERSION * mu**2) + 1.0)
    keep = obs & (level_t > 0)
    return np.where(keep, yc, np.nan), np.log(np.maximum(level_t, 1e-12)) + log_shape[:, :T]


def volume_groups(rate: np.ndarray) -> np.ndarray:
    """Volume class of each series from its recent mean rate per period (0: sparse .. 3: dense)."""
    return np.digitize(rate, list(VOLUME_BREAKS))


def _ew_level(y: np.ndarray, shape: np.ndarray, end: int, start: np.ndarray, half_lives: np.ndarray) -> np.ndarray:
    """Exponentially weighted level per series (rows) and half-life (columns), from data in [start, end)."""
    T = end
    t = np.arange(T)
    yy = np.nan_to_num(y[:, :T])
    use = (t[None, :] >= start[:, None]) & ~np.isnan(y[:, :T])
    w = 0.5 ** ((T - 1 - t)[None, :] / half_lives[:, None])  # n_h x T
    num = (yy * use) @ w.T
    den = (shape[:, :T] * use) @ w.T
    return np.where(den > 0, num / np.maximum(den, 1e-300), 0.0)


ALPHA_GRID = np.array([0.0, 0.15, 0.3, 0.5, 0.75, 1.0, 1.4])


def calibrate_dispersion(mu: np.ndarray, y: np.ndarray, alpha: np.ndarray, groups: np.ndarray,
                         *, max_series: int = 400, seed: int = 0) -> np.ndarray:
    """Multiplier of each series' dispersion that minimizes the out-of-sample pinball loss of the
    10% and 90% quantiles in its volume group (moment estimates are inflated by a few outliers)."""
    from foresight.forecasting._dist import nb_quantiles

    rng = np.random.default_rng(seed)
    mult = np.ones(len(mu))
    for g in np.unique(groups):
        members = np.flatnonzero((groups == g) & (np.nan_to_num(mu).sum(1) > 0))
        if members.size < 5:
            continue
        if members.size > max_series:
            members = rng.choice(members, max_series, replace=False)
        m, yy = mu[members], y[members]
        ok = ~np.isnan(m) & ~np.isnan(yy)
        mm, yv = m[ok], yy[ok]
        aa = np.broadcast_to(alpha[members][:, None], m.shape)[ok]
        losses = []
        for c in ALPHA_GRID:
            q = nb_quantiles(mm, aa * c, (0.1, 0.9))
            e1, e9 = yv - q[:, 0], yv - q[:, 1]
            losses.append(np.maximum(0.1 * e1, -0.9 * e1).sum() + np.maximum(0.9 * e9, -0.1 * e9).sum())
        mult[groups == g] = ALPHA_GRID[int(np.argmin(losses))]
    return mult


@dataclass
class LevelFit:
    level: np.ndarray  # n
    half_life: np.ndarray  # n
    alpha: np.ndarray  # n, NB dispersion
    break_at: np.ndarray  # n, period index of a level shift or -1
    break_ratio: np.ndarray  # n
    holdout_sse: dict[str, np.ndarray] = field(default_factory=dict)


#: Series per chunk of the local-season IRLS (its early stop is decided per chunk).
CHUNK = 20_000
#: Series per block of the row-by-row statistics: blocks change no number, and blocks of a few
#: thousand series keep the (series x periods) temporaries small (at 20,000 series a block, fresh
#: memory for every temporary made the step several times slower per series).
BLOCK = 2048


def _series_stats(y: np.ndarray, shape: np.ndarray, T: int, season: int, val: int, hl: np.ndarray,
                  breaks: bool, cap_sd: float | None = CAP_SD) -> dict[str, np.ndarray]:
    """Per-series statistics of one block of series (independent of the other series).

    Levels are estimated from counts capped at ``cap_sd`` standard deviations (NB with dispersion
    0.25) above a half-year level, so one burst week does not carry the level; level shifts are
    found on the raw counts, and errors are measured against the raw counts.
    """
    n = len(y)
    first = np.argmax(~np.isnan(y[:, :T]), axis=1)
    recent = np.nan_to_num(y[:, max(0, T - season):T]).sum(1)
    # M5 scale: root mean squared one-step change over the history
    if T > 1:
        d = np.diff(y[:, :T], axis=1)
        n_d = (~np.isnan(d)).sum(1)  # a series active for one period has no change yet
        scale = np.sqrt(np.nansum(d**2, axis=1) / np.maximum(n_d, 1))
        scale[n_d == 0] = np.nan
        del d
    else:
        scale = np.ones(n)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    if breaks:
        start_T, ratio = detect_breaks(y, shape, end=T)
    else:
        start_T, ratio = first.copy(), np.ones(n)
    y_raw = y
    if cap_sd is not None:
        l0 = _ew_level(y, shape, T, np.maximum(start_T, first), np.array([CAP_HALF_LIFE]))[:, 0]
        mu0 = l0[:, None] * shape[:, : y.shape[1]]
        y = np.where(np.isnan(y), y, np.minimum(y, mu0 + cap_sd * np.sqrt(mu0 + CAP_DISPERSION * mu0**2) + 2.0))
        del mu0
    # rolling-origin check at T - val and T - 2 val (a shift found now counts there if it was
    # already 6 periods old)
    k = len(hl)
    sse, num_a, den_a = np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, k))
    hold_mu, hold_y = [], []
    for o in (T - val, T - 2 * val):
        if o < max(season // 2, 4):
            continue
        st = np.where(start_T <= o - BREAK_MIN_AGE, start_T, first)
        lv = _ew_level(y, shape, o, st, hl)  # n x k
        act = y_raw[:, o:o + val]
        mu = lv[:, :, None] * shape[:, None, o:o + val]
        ok = ~np.isnan(act) & (o > first)[:, None]
        r = np.where(ok[:, None, :], act[:, None, :] - mu, 0.0)
        sse += (r**2).sum(2)
        hold_mu.append(np.where(ok[:, None, :], mu, np.nan))
        hold_y.append(np.where(ok, act, np.nan))
        num_a += np.where(ok[:, None, :], r**2 - mu, 0.0).sum(2)
        den_a += np.where(ok[:, None, :], mu**2, 0.0).sum(2)
    start = np.maximum(start_T, first)
    out = {
        "first": first, "recent": recent, "scale": scale, "start": start, "ratio": ratio, "sse": sse,
        "num": num_a, "den": den_a, "level": _ew_level(y, shape, T, start, hl),
    }
    if hold_mu:
        out["hold_mu"] = np.concatenate(hold_mu, axis=2)
        out["hold_y"] = np.concatenate(hold_y, axis=1)
    return out


def fit_levels(
    y: np.ndarray,
    shape: np.ndarray,
    *,
    n_hist: int,
    season: int,
    val: int,
    half_lives: tuple[float, ...],
    weight: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    breaks: bool = True,
) -> LevelFit:
    """Levels, half-lives, dispersion and level shifts of every series (vectorized, in blocks).

    ``shape`` is the multiplicative seasonal/calendar shape over history + horizon (n x (T+H)).
    """
    n = len(y)
    T = n_hist
    hl = np.asarray(half_lives, float)
    blocks = [_series_stats(y[i:i + BLOCK], shape[i:i + BLOCK], T, season, val, hl, breaks)
              for i in range(0, max(n, 1), BLOCK)]
    st = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
    first, recent, scale, sse = st["first"], st["recent"], st["scale"], st["sse"]
    rate = recent / np.maximum(np.minimum(T - first, season), 1)
    if groups is None:
        groups = volume_groups(rate)
    if weight is None:
        weight = recent
    best = np.zeros(n, dtype=int)
    for g in np.unique(groups):
        m = groups == g
        score = (weight[m, None] * np.sqrt(sse[m] / scale[m, None] ** 2)).sum(0)
        best[m] = int(np.argmin(score)) if np.any(sse[m]) else int(np.argmin(np.abs(hl - 13)))
    idx = np.arange(n)
    num = st["num"][idx, best]
    den = st["den"][idx, best]
    alpha = np.zeros(n)
    for g in np.unique(groups):
        m = groups == g
        pool = max(num[m].sum(), 0.0) / max(den[m].sum(), 1e-9)
        kappa = SHRINK_WEIGHT * max(den[m].mean(), 1e-9)
        alpha[m] = (num[m] + kappa * pool) / (den[m] + kappa)
    alpha = np.clip(alpha, 0.0, MAX_DISPERSION)
    if "hold_mu" in st:
        alpha = alpha * calibrate_dispersion(st["hold_mu"][idx, best], st["hold_y"], alpha, groups)
    start = st["start"]
    brk = np.where(start > first, start, -1)
    return LevelFit(level=st["level"][idx, best], half_life=hl[best], alpha=alpha, break_at=brk,
                    break_ratio=st["ratio"], holdout_sse={"sse": sse[idx, best], "scale": scale})
