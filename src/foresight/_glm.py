"""Batched Poisson regression (IRLS): thousands of series that share one design matrix, fitted at once.

Every series ``g`` has counts ``Y[g, t]`` over the same periods and the same regressors ``X[t, :]``:

    log E[Y[g, t]] = offset[g, t] + X[t] @ beta[g]

Iteratively reweighted least squares runs on all rows together, one matrix product (``w @ XX``) and
one batched ``numpy.linalg.solve`` per iteration, so thousands of series cost about as much as a
handful of Python calls. A ridge penalty ``penalty[g, j] * (beta[g, j] - prior[g, j])**2 / 2`` keeps
short or sparse series near a prior. The forecasting engine (seasonal shapes) and the surge detector
(Noufaily baselines) both fit with this module; ``tests/test_glm.py`` checks it against
``statsmodels.GLM``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ETA_BOUND", "PoissonFit", "fit_poisson"]

#: The linear predictor is clipped to +-ETA_BOUND: e^20 (5e8 cases a period) and e^-20 are beyond any
#: count a petition office sees, and the bound keeps exp() finite while a factor level with no cases
#: drifts toward -inf.
ETA_BOUND = 20.0
_JITTER = 1e-9  # added to the diagonal so a column that is zero in every observed period solves to its prior


@dataclass(frozen=True)
class PoissonFit:
    """The fitted coefficients and means of every row; the diagnostics when asked for.

    Attributes
    ----------
    beta : ndarray, shape (G, p)
        Coefficients.
    mu : ndarray, shape (G, T)
        Fitted means (the offset included).
    iterations : int
        IRLS iterations run.
    phi : ndarray, shape (G,) or None
        Quasi-Poisson dispersion (Pearson chi-square over ``n_obs - p``), floored at 1.
    cov_unscaled : ndarray, shape (G, p, p) or None
        Inverse of the penalized ``X'WX`` (times ``phi``: the covariance of ``beta``).
    hat : ndarray, shape (G, T) or None
        Leverages.

    Examples
    --------
    >>> fit = fit_poisson(np.array([[1.0, 3.0, 2.0]]), np.ones((3, 1)), diagnostics=True)
    >>> round(float(np.exp(fit.beta[0, 0])), 6), fit.hat.round(3).tolist()
    (2.0, [[0.333, 0.333, 0.333]])
    """

    beta: np.ndarray
    mu: np.ndarray
    iterations: int
    phi: np.ndarray | None = None
    cov_unscaled: np.ndarray | None = None
    hat: np.ndarray | None = None


def fit_poisson(
    Y: np.ndarray,
    X: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    penalty: np.ndarray | None = None,
    prior: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 30,
    tol: float = 1e-7,
    diagnostics: bool = False,
) -> PoissonFit:
    """Fit ``log E[Y[g]] = offset[g] + X @ beta[g]`` for every row ``g`` of ``Y`` at once.

    Parameters
    ----------
    Y : ndarray, shape (G, T)
        Counts; NaN where a series is not observed.
    X : ndarray, shape (T, p)
        The design all rows share.
    weights : ndarray, shape (G, T), optional
        Prior weights (default 1; 0 or a NaN count: not observed).
    offset : ndarray, shape (G, T), optional
        Known part of the log mean.
    penalty : ndarray, shape (p,) or (G, p), optional
        Ridge precision on ``beta - prior`` per coefficient (default none).
    prior : ndarray, shape (G, p), optional
        Centre of the ridge (default 0).
    start : ndarray, shape (G, p), optional
        Starting coefficients, e.g. a previous fit of the same rows (default: the prior, with the
        intercept moved to each row's observed mean rate).
    max_iter : int
        Most IRLS iterations.
    tol : float
        Stop when no coefficient moved more than this.
    diagnostics : bool
        Also return ``phi``, ``cov_unscaled`` and ``hat``.

    Returns
    -------
    PoissonFit

    Examples
    --------
    >>> X = np.ones((100, 1))
    >>> y = np.full((2, 100), 3.0); y[1] = 7.0
    >>> np.round(np.exp(fit_poisson(y, X).beta), 3).ravel().tolist()
    [3.0, 7.0]
    """
    G, T = Y.shape
    p = X.shape[1]
    obs = ~np.isnan(Y)
    W = obs.astype(float) if weights is None else np.where(obs, weights, 0.0)
    yy = np.where(obs, Y, 0.0)
    off = np.zeros((G, T)) if offset is None else np.where(W > 0, offset, 0.0)
    b0 = np.zeros((G, p)) if prior is None else np.asarray(prior, float)
    pen = np.zeros(p) if penalty is None else np.asarray(penalty, float)
    lam = np.broadcast_to(pen if pen.ndim == 2 else pen[None, :], (G, p))
    XX = (X[:, :, None] * X[:, None, :]).reshape(T, p * p)  # x_t x_t' flattened: X'WX = w @ XX
    eye = np.eye(p)[None, :, :]
    # start at the prior, with the intercept moved to the observed mean rate
    beta = b0.copy() if start is None else np.array(start, float)
    const = np.flatnonzero(np.all(X == X[0], axis=0) & (X[0] != 0))
    if const.size and start is None:
        fit0 = (W * np.exp(np.clip(off + b0 @ X.T, -ETA_BOUND, ETA_BOUND))).sum(1)
        beta[:, const[0]] += np.log(np.maximum(((W * yy).sum(1) + 0.5) / (fit0 + 0.5), 1e-8)) / X[0, const[0]]
    it = 0
    for it in range(1, max_iter + 1):
        eta = np.clip(off + beta @ X.T, -ETA_BOUND, ETA_BOUND)
        mu = np.exp(eta)
        w = W * mu
        A = (w @ XX).reshape(G, p, p) + eye * (lam[:, None, :] + _JITTER)
        rhs = (w * (eta - off) + W * (yy - mu)) @ X + lam * b0  # X'w z, z = eta - off + (y - mu) / mu
        new = np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
        step = np.max(np.abs(new - beta)) if G else 0.0
        beta = new
        if step < tol:
            break
    mu = np.exp(np.clip(off + beta @ X.T, -ETA_BOUND, ETA_BOUND))
    if not diagnostics:
        return PoissonFit(beta=beta, mu=mu, iterations=it)
    w = W * mu
    cov = np.linalg.inv((w @ XX).reshape(G, p, p) + eye * (lam[:, None, :] + _JITTER))
    hat = w * (cov.reshape(G, p * p) @ XX.T)
    n_obs = (W > 0).sum(axis=1)
    pearson = (W * (yy - mu) ** 2 / np.maximum(mu, 1e-300)).sum(axis=1)
    phi = np.maximum(pearson / np.maximum(n_obs - p, 1), 1.0)
    return PoissonFit(beta=beta, mu=mu, iterations=it, phi=phi, cov_unscaled=cov, hat=hat)
