"""Comparator adapters: Prophet and statsforecast (AutoETS, TSB, Croston)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

QS = (0.1, 0.5, 0.9)
COLS = ["area", "category", "ds", "mean", "p10", "p50", "p90", "model", "note"]

requires_prophet = pytest.mark.requires_prophet  # skipped by conftest when prophet is absent
requires_statsforecast = pytest.mark.requires_statsforecast


def make_panel(weeks: int = 120, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=weeks, freq="W-MON")
    t = np.arange(weeks)
    season = 1 + 0.8 * np.sin(2 * np.pi * t / 52)
    series = {
        ("A1", "wage"): rng.poisson(6 * season),
        ("A1", "rare"): rng.poisson(0.15, weeks),  # intermittent: mostly zeros
        ("A2", "wage"): rng.negative_binomial(1, 1 / (1 + 4.0), weeks),  # over-dispersed, mean 4
        ("A2", "flat"): rng.poisson(4.0, weeks),  # Poisson, mean 4
    }
    parts = [pd.DataFrame({"area": a, "category": c, "ds": ds, "y": y}) for (a, c), y in series.items()]
    p = pd.concat(parts, ignore_index=True)
    p["y"] = p["y"].astype("int64")
    p.attrs.update(freq="W", as_of=ds[-1] + pd.Timedelta(weeks=1))
    return p


def check_contract(f: pd.DataFrame, panel: pd.DataFrame, horizon: int, name: str) -> None:
    assert f.columns.tolist() == COLS
    assert len(f) == horizon * panel.groupby(["area", "category"]).ngroups
    first = panel["ds"].max() + pd.Timedelta(weeks=1)
    assert (f.groupby(["area", "category"])["ds"].min() == first).all()
    assert (f["ds"].dt.day_of_week == 0).all()
    assert (f[["mean", "p10", "p50", "p90"]] >= 0).all().all()
    for c in ("p10", "p50", "p90"):
        assert pd.api.types.is_integer_dtype(f[c])
    assert ((f["p10"] <= f["p50"]) & (f["p50"] <= f["p90"])).all()
    assert np.isfinite(f["mean"]).all()
    assert (f["model"] == name).all()


@requires_statsforecast
@pytest.mark.parametrize("name", ["tsb", "croston", "autoets"])
def test_statsforecast_adapters_contract(name):
    from foresight.forecasting.models import statsforecast as sfa

    fn = {"tsb": sfa.predict_tsb, "croston": sfa.predict_croston, "autoets": sfa.predict_autoets}[name]
    p = make_panel()
    f = fn(p, horizon=13, freq="W", quantiles=QS, seed=0)
    check_contract(f, p, 13, name)


@requires_statsforecast
def test_tsb_intervals_follow_in_sample_dispersion():
    from foresight.forecasting.models.statsforecast import predict_tsb

    p = make_panel(weeks=200)
    f = predict_tsb(p, horizon=4, freq="W", quantiles=QS).set_index(["area", "category"])
    over, pois = f.loc[("A2", "wage")].iloc[0], f.loc[("A2", "flat")].iloc[0]
    # both means near 4; the over-dispersed series must get a clearly wider 80% interval
    assert 2 < over["mean"] < 7 and 2 < pois["mean"] < 7
    assert (over["p90"] - over["p10"]) > (pois["p90"] - pois["p10"]) + 2
    # a mostly-zero series: median 0, small mean
    rare = f.loc[("A1", "rare")].iloc[0]
    assert rare["p50"] == 0 and rare["mean"] < 1


@requires_statsforecast
def test_tsb_interval_covers_about_80_percent_of_poisson_draws():
    from foresight.forecasting.models.statsforecast import predict_tsb

    rng = np.random.default_rng(7)
    weeks, n = 160, 60
    ds = pd.date_range("2020-01-06", periods=weeks + 1, freq="W-MON")
    y = rng.poisson(5.0, (n, weeks + 1))
    p = pd.DataFrame({"area": np.repeat([f"a{i}" for i in range(n)], weeks), "category": "c",
                      "ds": np.tile(ds[:-1], n), "y": y[:, :-1].ravel()})
    f = predict_tsb(p, horizon=1, freq="W", quantiles=QS).sort_values("area", key=lambda s: s.str[1:].astype(int))
    nxt = y[:, -1]
    inside = (nxt >= f["p10"].to_numpy()) & (nxt <= f["p90"].to_numpy())
    assert 0.7 <= inside.mean() <= 0.98


@requires_prophet
def test_prophet_contract_and_seeded():
    from foresight.forecasting.models.prophet import predict_prophet

    p = make_panel()
    p = p[p["category"].isin(["wage", "rare"]) & (p["area"] == "A1")]
    f1 = predict_prophet(p, horizon=6, freq="W", quantiles=QS, seed=3, uncertainty_samples=200)
    f2 = predict_prophet(p, horizon=6, freq="W", quantiles=QS, seed=3, uncertainty_samples=200)
    check_contract(f1, p, 6, "prophet")
    pd.testing.assert_frame_equal(f1, f2)
    # the seasonal series is forecast near its level, not at zero
    wage = f1[f1["category"] == "wage"]
    assert wage["mean"].between(1, 15).all()


@requires_prophet
def test_prophet_falls_back_for_all_zero_series():
    from foresight.forecasting.models.prophet import predict_prophet

    ds = pd.date_range("2023-01-02", periods=30, freq="W-MON")
    p = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": 0})
    f = predict_prophet(p, horizon=3, freq="W", quantiles=QS)
    assert (f["mean"] == 0).all() and (f["p90"] == 0).all()
    assert f["note"].str.contains("trailing mean").all()


@requires_prophet
def test_prophet_holidays_on_period_starts():
    from foresight.forecasting.models.prophet import prophet_holidays

    h = prophet_holidays("2023-09-25", "2023-10-15", freq="W", country="CN")
    # National Day 2023: Sep 29 - Oct 6 -> weeks starting Sep 25 and Oct 2
    nd = h[h["holiday"].str.contains("National Day|Mid-autumn", regex=True)]
    assert set(nd["ds"].dt.strftime("%Y-%m-%d")) == {"2023-09-25", "2023-10-02"}
    us = prophet_holidays("2019-07-01", "2019-07-07", freq="W", country="US", subdiv="NY")
    assert us["holiday"].tolist() == ["Independence Day"]


def test_moment_dispersion_is_zero_for_poisson_and_recovers_nb():
    from foresight.forecasting.models.statsforecast import moment_dispersion

    rng = np.random.default_rng(3)
    n, m, a = 104, 4.0, 0.5  # NB2: Var = m + a m^2
    nb = rng.negative_binomial(1 / a, 1 / (1 + a * m), n)
    f = pd.DataFrame({"unique_id": ["pois"] * n + ["nb"] * n, "ds": list(range(n)) * 2,
                      "y": np.r_[rng.poisson(m, n), nb].astype(float), "fit": m})
    d = moment_dispersion(f, "fit")
    assert d["pois"] < 0.05
    assert 0.3 < d["nb"] < 0.8
