"""foresight._glm.fit_poisson, the one batched Poisson IRLS, against statsmodels.GLM on small cases:
plain, with an offset, with prior weights and missing counts, and with a ridge penalty."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from foresight._glm import fit_poisson


def _problem(seed: int, n: int = 60, p: int = 3, rows: int = 4):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    beta = np.column_stack([rng.uniform(0.5, 2.5, rows), rng.normal(0, 0.4, (rows, p - 1))])
    offset = rng.normal(0, 0.3, (rows, n))
    Y = rng.poisson(np.exp(offset + beta @ X.T)).astype(float)
    return X, Y, offset


def test_matches_statsmodels_with_offset():
    X, Y, offset = _problem(1)
    fit = fit_poisson(Y, X, offset=offset, tol=1e-10, diagnostics=True)
    for g in range(len(Y)):
        ref = sm.GLM(Y[g], X, family=sm.families.Poisson(), offset=offset[g]).fit(tol=1e-12)
        np.testing.assert_allclose(fit.beta[g], ref.params, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(fit.mu[g], ref.mu, rtol=1e-6)
        # the unscaled covariance is statsmodels' with scale 1 (Poisson)
        np.testing.assert_allclose(fit.cov_unscaled[g], ref.cov_params(), rtol=1e-5)
        np.testing.assert_allclose(fit.hat[g], ref.get_hat_matrix_diag(), rtol=1e-5, atol=1e-10)
        # quasi-Poisson dispersion: Pearson chi-square over the residual degrees of freedom, floored at 1
        assert fit.phi[g] == pytest.approx(max(ref.pearson_chi2 / ref.df_resid, 1.0), rel=1e-6)


def test_missing_counts_and_prior_weights_match_statsmodels():
    X, Y, _ = _problem(2)
    rng = np.random.default_rng(5)
    W = rng.uniform(0.2, 2.0, Y.shape)
    Y[:, :7] = np.nan  # a series that starts late
    fit = fit_poisson(Y, X, weights=W, tol=1e-10)
    for g in range(len(Y)):
        ok = ~np.isnan(Y[g])
        ref = sm.GLM(Y[g, ok], X[ok], family=sm.families.Poisson(), var_weights=W[g, ok]).fit(tol=1e-12)
        np.testing.assert_allclose(fit.beta[g], ref.params, rtol=1e-6, atol=1e-8)


def test_ridge_matches_statsmodels_penalized_fit():
    X, Y, _ = _problem(3, n=25)
    pen = np.array([0.0, 5.0, 20.0])
    fit = fit_poisson(Y, X, penalty=pen, tol=1e-12, max_iter=100)
    for g in range(len(Y)):
        # statsmodels minimises -loglike / n + alpha_j / 2 * beta_j**2 (L1_wt=0: ridge)
        ref = sm.GLM(Y[g], X, family=sm.families.Poisson()).fit_regularized(
            alpha=pen / len(X), L1_wt=0.0, cnvrg_tol=1e-12, maxiter=1000)
        np.testing.assert_allclose(fit.beta[g], ref.params, rtol=1e-5, atol=1e-6)
    # and the penalty did something: the penalised slopes are smaller than the free ones
    free = fit_poisson(Y, X, tol=1e-12)
    assert np.all(np.abs(fit.beta[:, 2]) < np.abs(free.beta[:, 2]))


def test_prior_is_the_centre_of_the_ridge():
    X, Y, _ = _problem(4, n=10)
    prior = np.tile([0.0, 1.0, -1.0], (len(Y), 1))
    fit = fit_poisson(Y, X, penalty=np.array([0.0, 1e8, 1e8]), prior=prior)
    np.testing.assert_allclose(fit.beta[:, 1:], prior[:, 1:], atol=1e-5)


def test_a_level_never_seen_stays_finite():
    # a factor column that is 1 only where the series has no cases: the fit drifts to -inf without the
    # clip; the mean stays finite and the other coefficient is the plain mean
    X = np.column_stack([np.ones(20), np.r_[np.zeros(10), np.ones(10)]])
    Y = np.r_[np.full(10, 4.0), np.zeros(10)][None, :]
    fit = fit_poisson(Y, X, max_iter=200)
    assert np.isfinite(fit.beta).all() and np.isfinite(fit.mu).all()
    assert np.exp(fit.beta[0, 0]) == pytest.approx(4.0, rel=1e-6)
    assert fit.mu[0, 10:].max() < 1e-6
