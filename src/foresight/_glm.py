"""Batched Poisson regression (IRLS): thousands of series that share one design matrix, fitted at once.

Every series ``g`` has counts ``Y[g, t]`` over the same periods and the same regressors ``X[t, :]``:

    log E[Y[g, t]] = offset[g, t] + X[t] @ beta[g]

Iteratively reweighted least squares runs on all rows together, one matrix product (``w @ XX`` over
the distinct products of regressors) and one batched ``numpy.linalg.solve`` per iteration, so
thousands of series cost about as much as a handful of Python calls. A ridge penalty
``penalty[g, j] * (beta[g, j] - prior[g, j])**2 / 2`` keeps short or sparse series near a prior. The forecasting engine (seasonal shapes) and the surge detector
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
    each_row: bool = False,
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
    each_row : bool
        Stop each row on its own once its coefficients moved less than ``tol`` (the rows still
        moving iterate on alone), instead of iterating every row until all have converged (default;
        a converged row then only refines further). Faster when a few rows need many iterations.
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
    b0 = np.zeros((G, p)) if prior is None else np.asarray(prior, float)
    pen = np.zeros(p) if penalty is None else np.asarray(penalty, float)
    lam = np.broadcast_to(pen if pen.ndim == 2 else pen[None, :], (G, p))
    gram = _Gram(X)
    eye = np.eye(p)[None, :, :]
    data = _Rows(Y, weights, offset)
    # start at the prior, with the intercept moved to the observed mean rate
    beta = b0.copy() if start is None else np.array(start, float)
    const = np.flatnonzero(np.all(X == X[0], axis=0) & (X[0] != 0))
    if const.size and start is None:
        for r in _blocks(G):
            W, yy, off = data.get(r)
            fit0 = (W * np.exp(_eta(b0[r], X, off))).sum(1)
            beta[r, const[0]] += np.log(np.maximum(((W * yy).sum(1) + 0.5) / (fit0 + 0.5), 1e-8)) / X[0, const[0]]
    # the rows still iterating (fewer when rows stop, with ``each_row``); the work goes a block of
    # rows at a time (every step is row by row: the blocks change no number, the convergence test
    # is still over all rows)
    rows = np.arange(G)
    it = 0
    for it in range(1, max_iter + 1):
        full = len(rows) == G
        new = np.empty((len(rows), p))
        for r in _blocks(len(rows)):
            at = r if full else rows[r]
            W, yy, off = data.get(at)
            new[r] = _irls_step(W, yy, off, X, gram, eye, beta[at], lam[at], b0[at])
        moved = np.max(np.abs(new - beta[rows]), axis=1) if len(rows) else np.zeros(0)
        beta[rows] = new
        going = ~(moved < tol) if each_row else np.full(len(rows), bool(len(rows)) and not moved.max() < tol)
        if not going.any():
            break
        rows = rows[going]
    mu = np.empty((G, T))
    for r in _blocks(G):
        mu[r] = np.exp(_eta(beta[r], X, data.get(r)[2]))
    if not diagnostics:
        return PoissonFit(beta=beta, mu=mu, iterations=it)
    cov = np.empty((G, p, p))
    hat = np.empty((G, T))
    phi = np.empty(G)
    for r in _blocks(G):
        W, yy, _ = data.get(r)
        w = W * mu[r]
        cov[r] = np.linalg.inv(gram.matrices(w) + eye * (lam[r][:, None, :] + _JITTER))
        hat[r] = w * gram.quadratic_forms(cov[r])
        n_obs = (W > 0).sum(axis=1)
        pearson = (W * (yy - mu[r]) ** 2 / np.maximum(mu[r], 1e-300)).sum(axis=1)
        phi[r] = np.maximum(pearson / np.maximum(n_obs - p, 1), 1.0)
    return PoissonFit(beta=beta, mu=mu, iterations=it, phi=phi, cov_unscaled=cov, hat=hat)


#: Rows per working block of :func:`fit_poisson`: every step works row by row, so the blocks change
#: no number; blocks of a few thousand rows keep the (rows x periods) temporaries small (at 20,000
#: rows a block the fresh memory of each temporary made the local-season fit about 5 times slower).
BLOCK = 2048


def _blocks(n: int):
    """Slices of ``BLOCK`` rows covering ``range(n)``."""
    return [slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


class _Rows:
    """The prior weights (0 where a count is NaN), counts (0 there) and offsets of a block of rows."""

    def __init__(self, Y: np.ndarray, weights: np.ndarray | None, offset: np.ndarray | None):
        self.Y = Y
        self.weights = None if weights is None else np.broadcast_to(weights, Y.shape)
        self.offset = None if offset is None else np.broadcast_to(offset, Y.shape)

    def get(self, r) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        Y = self.Y[r]
        obs = ~np.isnan(Y)
        W = obs.astype(float) if self.weights is None else np.where(obs, self.weights[r], 0.0)
        yy = np.where(obs, Y, 0.0)
        off = None if self.offset is None else np.where(W > 0, self.offset[r], 0.0)
        return W, yy, off


def _irls_step(W, yy, off, X, gram, eye, b, lam, b0) -> np.ndarray:
    """One IRLS update of the coefficients ``b`` of a block of rows."""
    eta = _eta(b, X, off)
    mu = np.exp(eta)
    w = W * mu
    A = gram.matrices(w) + eye * (lam[:, None, :] + _JITTER)
    # X'w z with z = eta - off + (y - mu) / mu, in place
    z = eta if off is None else np.subtract(eta, off, out=eta)
    z *= w
    mu -= yy
    mu *= W
    z -= mu
    rhs = z @ X + lam * b0
    return np.linalg.solve(A, rhs[:, :, None])[:, :, 0]


def _eta(beta: np.ndarray, X: np.ndarray, off: np.ndarray | None) -> np.ndarray:
    """The linear predictor ``off + X @ beta`` of every row, clipped to +-ETA_BOUND."""
    eta = beta @ X.T
    if off is not None:
        eta += off
    return np.clip(eta, -ETA_BOUND, ETA_BOUND, out=eta)


class _Gram:
    """``X' diag(w) X`` for many weight rows ``w`` at once, from the distinct products ``x_ti x_tj``.

    ``X'WX = w @ XX`` with ``XX[t] = x_t x_t'`` flattened; the ``p * p`` columns of ``XX`` repeat
    (the matrix is symmetric, and a design of 0/1 dummies has many equal or zero products), so only
    the distinct non-zero columns are multiplied and the rest are copied: a surge baseline's design
    (intercept, trend, 9 disjoint season dummies) has 21 distinct products instead of 121.
    """

    def __init__(self, X: np.ndarray):
        T, p = X.shape
        self.p = p
        XX = (X[:, :, None] * X[:, None, :]).reshape(T, p * p)
        U, inverse = np.unique(XX, axis=1, return_inverse=True)
        inverse = inverse.ravel()
        nonzero = np.any(U != 0, axis=0)
        self.U = np.ascontiguousarray(U[:, nonzero])  # (T, m) distinct non-zero products
        # position of each of the p * p entries among the distinct columns; m (a zero column) if none
        slot = np.full(U.shape[1], nonzero.sum())
        slot[nonzero] = np.arange(nonzero.sum())
        self.slot = slot[inverse]
        # (p * p, m) sums the entries of a p x p matrix that share a product column
        self.M = (self.slot[:, None] == np.arange(self.U.shape[1])[None, :]).astype(float)

    def matrices(self, w: np.ndarray) -> np.ndarray:
        """``X' diag(w[g]) X`` for every row ``g`` of ``w``, shape (G, p, p)."""
        prods = w @ self.U
        full = np.concatenate([prods, np.zeros((len(w), 1))], axis=1)
        return full[:, self.slot].reshape(len(w), self.p, self.p)

    def quadratic_forms(self, C: np.ndarray) -> np.ndarray:
        """``x_t' C[g] x_t`` for every row ``g`` and period ``t``, shape (G, T)."""
        return (C.reshape(len(C), -1) @ self.M) @ self.U.T
