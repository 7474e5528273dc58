"""Batched quasi-Poisson GLM fitting (internal): one design matrix, thousands of series at once.

Every series shares the design ``X`` (n x p) and has its own response row ``Y[b]`` and prior weights
``W[b]`` (0 where the response is missing). Iteratively reweighted least squares runs on all rows
together with batched ``numpy.linalg.solve``: no Python loop per series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GLMFit", "fit_poisson", "anscombe_residuals"]

_ETA_MIN, _ETA_MAX = -20.0, 20.0


@dataclass(frozen=True)
class GLMFit:
    beta: np.ndarray  # (B, p)
    mu: np.ndarray  # (B, n) fitted means
    phi: np.ndarray  # (B,) quasi-Poisson dispersion, floored at 1
    cov_unscaled: np.ndarray  # (B, p, p) inverse of X'WX (multiply by phi for the covariance)
    hat: np.ndarray  # (B, n) leverages


def fit_poisson(X: np.ndarray, Y: np.ndarray, W: np.ndarray, *, ridge: float = 1e-6,
                max_iter: int = 30, tol: float = 1e-6, start: np.ndarray | None = None) -> GLMFit:
    """Fit ``log E[Y] = X beta`` by IRLS for every row of ``Y`` at once.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Design shared by all rows; column 0 is the intercept.
    Y : ndarray, shape (B, n)
        Counts; entries with zero weight are ignored (they may hold anything finite).
    W : ndarray, shape (B, n)
        Prior weights (0 = not observed).
    ridge : float
        Small ridge on the non-intercept coefficients, so that factor levels a short series never
        observed get coefficient 0 instead of a singular system.
    start : ndarray, shape (B, p), optional
        Starting coefficients (a warm start from a previous fit on the same rows).

    Returns
    -------
    GLMFit
    """
    B, n = Y.shape
    p = X.shape[1]
    R = np.eye(p) * ridge
    R[0, 0] = 0.0
    wsum = W.sum(axis=1)
    ybar = (W * Y).sum(axis=1) / np.maximum(wsum, 1e-12)
    if start is None:
        eta = np.log(np.clip(0.5 * (Y + ybar[:, None]), 0.05, None))
        beta = np.zeros((B, p))
    else:
        beta = start
        eta = np.clip(beta @ X.T, _ETA_MIN, _ETA_MAX)
    XX = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)  # x_n x_n' flattened: X'WX = w @ XX
    ridge_b = R[None, :, :] * np.maximum(wsum, 1.0)[:, None, None]
    for _ in range(max_iter):
        mu = np.exp(eta)
        w = W * mu
        A = (w @ XX).reshape(B, p, p) + ridge_b
        rhs = (w * eta + W * (Y - mu)) @ X  # w * z with z = eta + (y - mu) / mu
        new = np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
        eta = np.clip(new @ X.T, _ETA_MIN, _ETA_MAX)
        delta = np.max(np.abs(new - beta)) if B else 0.0
        beta = new
        if delta < tol:
            break
    mu = np.exp(eta)
    w = W * mu
    cov = np.linalg.inv((w @ XX).reshape(B, p, p) + ridge_b)
    hat = w * (cov.reshape(B, p * p) @ XX.T)
    nobs = (W > 0).sum(axis=1)
    pearson = (W * (Y - mu) ** 2 / mu).sum(axis=1)
    # prior weights are normalised to sum to the number of observations, so this is Farrington's phi
    phi = np.maximum(pearson / np.maximum(nobs - p, 1), 1.0)
    return GLMFit(beta=beta, mu=mu, phi=phi, cov_unscaled=cov, hat=hat)


def anscombe_residuals(Y: np.ndarray, fit: GLMFit) -> np.ndarray:
    """Standardised Anscombe residuals of a quasi-Poisson fit (Farrington et al. 1996, eq. 3)."""
    mu = fit.mu
    denom = mu ** (1.0 / 6.0) * np.sqrt(fit.phi[:, None] * np.clip(1.0 - fit.hat, 1e-6, None))
    return 1.5 * (np.cbrt(Y) ** 2 - np.cbrt(mu) ** 2) / denom
