"""Tests of surge detection ``foresight.warning.surges`` (Noufaily et al. 2013, batched)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from foresight.errors import ConfigError, DataError
from foresight.warning import surges

DS = pd.date_range("2017-01-02", periods=52 * 7, freq="W-MON")  # seven years of Mondays
AS_OF = DS[-1] + pd.Timedelta(days=7)
WOY = np.minimum(np.asarray(DS.day_of_year) - 1, 363) // 7
PHI = 2.0


def _nb(rng, mu, phi=PHI):
    size = mu / (phi - 1)
    return rng.negative_binomial(size, size / (size + mu))


def _seasonal_means(rng, n: int) -> np.ndarray:
    """``n`` series: levels 3..25 a week, a yearly cycle of +-50% with a random phase."""
    level = rng.uniform(3, 25, n)[:, None]
    phase = rng.uniform(0, 2 * np.pi, n)[:, None]
    return level * (1 + 0.5 * np.sin(2 * np.pi * WOY[None, :] / 52 + phase))


def _panel(Y: np.ndarray) -> pd.DataFrame:
    n = Y.shape[0]
    return pd.DataFrame({"area": np.repeat([f"A{i:03d}" for i in range(n)], len(DS)), "category": "c",
                         "ds": np.tile(DS, n), "y": Y.ravel().astype("int64")})


@pytest.fixture(scope="module")
def noise():
    """150 seasonal negative-binomial series (phi = 2), no surge anywhere."""
    rng = np.random.default_rng(2013)
    mu = _seasonal_means(rng, 150)
    return mu, _nb(rng, mu)


@pytest.fixture(scope="module")
def noise_scan(noise):
    mu, Y = noise
    return surges(_panel(Y), AS_OF, weeks=52, limit=None, alarms_only=False)


def test_false_alarm_rate_matches_documented_rate_on_pure_noise(noise, noise_scan):
    mu, _ = noise
    out = noise_scan
    n = len(out)
    assert n == 150 * 52, "every series-week of the last year is tested"
    alarms = int(out["alarm"].sum())
    # the true chance that each tested week exceeds the threshold the method set, under the true NB
    i = out["area"].str[1:].astype(int).to_numpy()
    m = mu[i, DS.get_indexer(out["ds"])]
    size = m / (PHI - 1)
    p_true = stats.nbinom.sf(out["threshold"].to_numpy(), size, size / (size + m))
    expected = p_true.sum()
    # realised alarms agree with the exceedance probabilities (Poisson-binomial sampling error) ...
    assert abs(alarms - expected) <= 3 * np.sqrt(expected) + 1
    # ... and the rate is the documented one: 5 to 6 per 1,000 series-weeks at alpha = 0.005
    assert 4.0 <= 1000 * expected / n <= 6.5
    se = 1000 * np.sqrt(0.006 / n)
    assert 5 - 3 * se <= 1000 * alarms / n <= 6 + 3 * se


def test_expected_count_tracks_the_seasonal_mean(noise, noise_scan):
    mu, _ = noise
    out = noise_scan
    i = out["area"].str[1:].astype(int).to_numpy()
    m = mu[i, DS.get_indexer(out["ds"])]
    ratio = out["expected"].to_numpy() / m
    assert np.median(ratio) == pytest.approx(1.0, abs=0.05)
    assert np.quantile(np.abs(np.log(ratio)), 0.9) < 0.3
    assert out["dispersion"].median() == pytest.approx(PHI, rel=0.2)


def test_planted_surges_are_detected_within_two_weeks():
    rng = np.random.default_rng(7)
    mu = _seasonal_means(rng, 60)
    Y = _nb(rng, mu)
    start = len(DS) - 4
    Y[:30, start:] = _nb(rng, 3.0 * mu[:30, start:])  # triple the rate for 4 weeks in 30 series
    out = surges(_panel(Y), AS_OF, weeks=6, alarms_only=False)
    out["series"] = out["area"].str[1:].astype(int)
    out["week"] = DS.get_indexer(out["ds"])
    first = out[out.alarm & (out.week >= start)].groupby("series")["week"].min()
    detected = first[first.index < 30]
    assert len(detected) >= 27, "at least 90% of the surges are caught"
    assert (detected - start).median() <= 1
    assert (detected - start).max() <= 2 or (detected - start <= 2).mean() >= 0.9
    # the 30 quiet series: no more alarms than the false-alarm rate allows
    quiet = out[(out.series >= 30)]
    assert quiet["alarm"].sum() <= 4


def test_a_past_outbreak_in_the_baseline_does_not_hide_a_new_one():
    rng = np.random.default_rng(21)
    mu = np.full((40, len(DS)), 10.0)
    Y = _nb(rng, mu)
    now = len(DS) - 1
    lag = 52  # a big outbreak (5x for 5 weeks) at the same time of year, one year ago
    Y[:, now - lag - 2:now - lag + 3] = _nb(rng, 50.0 * np.ones((40, 5)))
    Y[:, now] = 40  # a new surge, 4x the normal level
    with_rw = surges(_panel(Y), AS_OF, weeks=1, alarms_only=False)
    without = surges(_panel(Y), AS_OF, weeks=1, alarms_only=False, reweight=False)
    assert with_rw["alarm"].mean() >= 0.9
    assert without["alarm"].mean() <= 0.2, "without down-weighting the old outbreaks mask the new one"
    assert (with_rw["threshold"].to_numpy() < without["threshold"].to_numpy()).all()
    assert with_rw["expected"].median() == pytest.approx(10, rel=0.2)


def test_a_recurring_seasonal_wave_is_not_a_surge():
    rng = np.random.default_rng(4)
    wave = np.where((WOY >= 9) & (WOY <= 38), 40.0, 8.0)
    Y = _nb(rng, np.tile(wave, (30, 1)))
    out = surges(_panel(Y), AS_OF, weeks=52, alarms_only=False)
    in_wave = out[(out.ds.dt.day_of_year // 7).between(10, 30)]
    assert len(in_wave) > 0 and in_wave["alarm"].mean() < 0.02
    assert in_wave["expected"].median() == pytest.approx(40, rel=0.2)


def test_limit_rule_and_fdr_control():
    rng = np.random.default_rng(9)
    Y = rng.poisson(0.05, (20, len(DS)))
    Y[:, -1] = 3  # 3 cases where there are almost never any
    Y[:, -4:-1] = 0
    strict = surges(_panel(Y), AS_OF, weeks=1)
    loose = surges(_panel(Y), AS_OF, weeks=1, limit=None)
    assert strict.empty, "fewer than 5 cases in 4 weeks never alarm by default"
    assert strict.attrs["tested"] == 20 and strict.attrs["eligible"] == 0
    assert len(loose) == 20
    # FDR: on pure noise, hardly any alarm; planted surges still found
    mu = _seasonal_means(rng, 80)
    Z = _nb(rng, mu)
    Z[:10, -1] = _nb(rng, 4 * mu[:10, -1])
    out = surges(_panel(Z), AS_OF, weeks=4, fdr=0.05, alarms_only=False)
    alarms = out[out.alarm]
    false = alarms[alarms["area"].str[1:].astype(int) >= 10]
    assert len(alarms[alarms["area"].str[1:].astype(int) < 10]) >= 8
    assert len(false) <= 0.2 * max(len(alarms), 1)


def test_output_is_ranked_and_respects_as_of():
    rng = np.random.default_rng(1)
    Y = _nb(rng, np.full((10, len(DS)), 10.0))
    Y[3, -2] = 60
    Y[5, -2] = 40
    cut = DS[-1]  # the last week is after as_of and must be ignored
    Y[7, -1] = 500
    out = surges(_panel(Y), cut, weeks=2)
    assert out["area"].tolist()[:2] == ["A003", "A005"]
    assert out["score"].is_monotonic_decreasing
    assert (out["ds"] < cut).all() and (out["score"] > 1).all()
    assert list(out.columns) == ["area", "category", "ds", "y", "expected", "threshold", "p_value",
                                 "score", "excess", "alarm", "trend", "dispersion", "baseline_periods"]


def test_short_histories_are_skipped_and_errors_explain():
    rng = np.random.default_rng(2)
    panel = _panel(_nb(rng, np.full((2, len(DS)), 5.0)))
    young = panel[(panel.area == "A001") & (panel.ds >= DS[-30])]
    both = pd.concat([panel[panel.area == "A000"], young])
    out = surges(both, AS_OF, weeks=1, alarms_only=False)
    assert out["area"].tolist() == ["A000"], "a series with 30 weeks of history is not tested"
    with pytest.raises(DataError):
        surges(panel.drop(columns="ds"), AS_OF)
    with pytest.raises(DataError, match="before as_of"):
        surges(panel, "2000-01-03")
    with pytest.raises(ConfigError):
        surges(panel, AS_OF, alpha=0.9)


def test_sparse_series_borrow_their_categorys_dispersion():
    """A sparse series in a category of clumpy (over-dispersed) series gets a dispersion pulled toward
    the category's, so its alarm line rises; a busy series keeps (almost) its own."""
    rng = np.random.default_rng(11)
    busy = _nb(rng, np.full((40, len(DS)), 8.0), phi=4.0)  # clumpy category: phi 4
    sparse = rng.poisson(0.3, (1, len(DS)))
    Y = np.vstack([busy, sparse])
    Y[-1, -1] = 3  # a small cluster in the sparse series' last week
    Y[-1, -4:-1] = [1, 1, 0]
    panel = _panel(Y)
    own = surges(panel, AS_OF, weeks=1, limit=None, alarms_only=False, pool_dispersion=None)
    pooled = surges(panel, AS_OF, weeks=1, limit=None, alarms_only=False)
    last = f"A{len(Y) - 1:03d}"
    o, p = own.set_index("area").loc[last], pooled.set_index("area").loc[last]
    assert o.dispersion < 1.6 < p.dispersion
    assert p.threshold > o.threshold
    b_own, b_pool = own.set_index("area").loc["A000"], pooled.set_index("area").loc["A000"]
    assert b_pool.dispersion == pytest.approx(b_own.dispersion, rel=0.1)
    with pytest.raises(ConfigError):
        surges(panel, AS_OF, pool_dispersion=-1)


def _fit_rows_reference(Ybase, X, *, reweight, weights_threshold, trend):
    """The unoptimised Noufaily steps 2-4: every row iterated until all converge, and the model without
    trend fitted for every row (the batched path stops rows one by one and fits it only where needed)."""
    from foresight._glm import fit_poisson

    def fit(Xf, Y, W, start=None):
        pen = np.full(Xf.shape[1], surges_module.RIDGE)
        pen[0] = 0.0
        return fit_poisson(Y, Xf, weights=W, penalty=np.maximum(W.sum(axis=1), 1.0)[:, None] * pen,
                           start=start, max_iter=30, tol=1e-6, diagnostics=True)

    W = np.isfinite(Ybase).astype(float)
    Y = np.nan_to_num(Ybase, nan=0.0)
    Xf = X if trend else np.delete(X, 1, axis=1)
    f = fit(Xf, Y, W)
    if reweight:
        s = surges_module._anscombe_residuals(Y, f)
        w = np.where(s > weights_threshold, 1.0 / np.maximum(s, 1e-12) ** 2, 1.0) * W
        W = w * (W.sum(axis=1) / np.maximum(w.sum(axis=1), 1e-12))[:, None]
        f = fit(Xf, Y, W, start=f.beta)
    if not trend:
        return np.exp(f.beta[:, 0]), f.phi, np.zeros(len(Y), dtype=bool), f.phi * f.cov_unscaled[:, 0, 0]
    pval = 2 * stats.norm.sf(np.abs(f.beta[:, 1]) / np.sqrt(f.phi * f.cov_unscaled[:, 1, 1]))
    keep = (pval < 0.05) & (np.exp(f.beta[:, 0]) <= np.max(np.where(W > 0, Y, -np.inf), axis=1))
    f0 = fit(np.delete(X, 1, axis=1), Y, W, start=np.delete(f.beta, 1, axis=1))
    pick = lambda a, b: np.where(keep, a, b)  # noqa: E731
    return (pick(np.exp(f.beta[:, 0]), np.exp(f0.beta[:, 0])), pick(f.phi, f0.phi), keep,
            pick(f.phi * f.cov_unscaled[:, 0, 0], f0.phi * f0.cov_unscaled[:, 0, 0]))


surges_module = __import__("importlib").import_module("foresight.warning.surges")


@pytest.mark.parametrize("trend", [True, False])
def test_batched_fit_gives_the_unoptimised_fits_results(monkeypatch, trend):
    # a mixed panel: seasonal noise, sparse series, trends up and down, short histories, past
    # outbreaks in the baseline and surges in the tested weeks
    rng = np.random.default_rng(7)
    mu = _seasonal_means(rng, 160)
    mu[:40] *= 0.08  # sparse
    mu[40:70] *= np.exp(np.linspace(-0.8, 0.8, len(DS)))[None, :]  # rising
    mu[70:90] *= np.exp(np.linspace(0.8, -0.8, len(DS)))[None, :]  # falling
    Y = _nb(rng, mu).astype(float)
    Y[90:100, :150] = np.nan  # starts late
    Y[100:120, rng.integers(0, len(DS) - 40, 20)] += 60  # a past outbreak
    Y[120:160, -3:] += rng.integers(5, 40, (40, 3))  # surges now
    panel = _panel(np.nan_to_num(Y, nan=-1)).query("y >= 0").reset_index(drop=True)
    opts = dict(weeks=3, trend=trend, alarms_only=False)
    new = surges(panel, AS_OF, **opts)
    monkeypatch.setattr(surges_module, "_fit_rows", _fit_rows_reference)
    ref = surges(panel, AS_OF, **opts)
    assert len(new) == len(ref) > 400 and new["alarm"].sum() >= 20
    assert new["alarm"].tolist() == ref["alarm"].tolist()
    assert new["trend"].tolist() == ref["trend"].tolist()
    if trend:
        assert 0 < new["trend"].sum() < len(new), "both kinds of rows, with and without the trend"
    for col in ("expected", "threshold", "dispersion", "p_value"):
        np.testing.assert_allclose(new[col], ref[col], rtol=1e-6, err_msg=col)


def test_a_shared_series_matrix_gives_the_same_surges_and_a_wrong_one_is_refused():
    from foresight.matrix import to_matrix

    rng = np.random.default_rng(3)
    Y = _nb(rng, np.full((6, len(DS)), 8.0))
    Y[2, -2] = 50
    panel, cut = _panel(Y), DS[-1]
    shared = to_matrix(panel, "W", before=cut, gaps="missing")
    pd.testing.assert_frame_equal(surges(panel, cut, matrix=shared), surges(panel, cut))
    with pytest.raises(DataError, match="before"):  # built with another cut
        surges(panel, cut, matrix=to_matrix(panel, "W", before=DS[-3], gaps="missing"))
    other = _panel(Y + 1)
    with pytest.raises(DataError, match="another panel"):
        surges(other, cut, matrix=shared)
