"""Rolling-origin backtest (foresight.evaluation.backtest)."""

from __future__ import annotations


import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError, ModelError
from foresight.evaluation import ALL, LEVELS, Backtest, backtest

QS = (0.1, 0.5, 0.9)


def make_panel(seed: int = 0, weeks: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=weeks, freq="W-MON")
    parts = []
    for a in ("A1", "A2", "A3"):
        for c, lam in (("wage", 3.0), ("school", 1.0), ("noise", 0.3)):
            y = rng.poisson(lam * (1 + 0.5 * np.sin(np.arange(weeks) / 8.0)))
            parts.append(pd.DataFrame({"area": a, "category": c, "ds": ds, "y": y}))
    # a series that went silent long before the origins: must not be scored
    y = np.zeros(weeks, dtype=int)
    y[:10] = 5
    parts.append(pd.DataFrame({"area": "A1", "category": "dead", "ds": ds, "y": y}))
    p = pd.concat(parts, ignore_index=True)
    p.attrs["freq"] = "W"
    return p


def _future_rows(train: pd.DataFrame, horizon: int) -> pd.DataFrame:
    keys = train[["area", "category"]].drop_duplicates()
    start = train["ds"].max() + pd.Timedelta(weeks=1)
    ds = pd.DataFrame({"ds": pd.date_range(start, periods=horizon, freq="W-MON")})
    return keys.merge(ds, how="cross")


def mean_model(panel, *, horizon, freq, quantiles, seed=0):
    """Trailing 26-week mean with Poisson quantiles."""
    from scipy import stats

    recent = panel[panel["ds"] > panel["ds"].max() - pd.Timedelta(weeks=26)]
    m = recent.groupby(["area", "category"])["y"].mean().rename("mean").reset_index()
    out = _future_rows(panel, horizon).merge(m, on=["area", "category"])
    for q in quantiles:
        out[f"p{round(q * 100):02d}"] = stats.poisson.ppf(q, out["mean"].clip(lower=1e-9)).astype(int)
    return out


def oracle_for(full: pd.DataFrame, *, with_aggregates: bool):
    """A stand-in model that knows the future (from a closure, not from its input)."""

    def oracle(panel, *, horizon, freq, quantiles, seed=0):
        fut = _future_rows(panel, horizon).merge(full, on=["area", "category", "ds"])
        rows = [fut]
        if with_aggregates:
            for keys in (["area"], ["category"], []):
                g = fut.groupby([*keys, "ds"])["y"].sum().reset_index()
                for k in ("area", "category"):
                    if k not in keys:
                        g[k] = ALL
                rows.append(g)
        out = pd.concat(rows, ignore_index=True)
        out["mean"] = out["y"].astype(float)
        for q in quantiles:
            out[f"p{round(q * 100):02d}"] = out["y"]
        return out.drop(columns="y")

    return oracle


ORIGINS = ["2022-06-06", "2022-09-05"]


def test_perfect_forecast_scores_zero_at_every_level():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS, horizon=8,
                  models={"oracle": oracle_for(p, with_aggregates=True)}, quantiles=QS)
    s = bt.scores()
    assert s["level"].tolist() == list(LEVELS)
    assert np.allclose(s[["wape", "rmsse", "spl"]].to_numpy(), 0.0)
    assert (s["coverage80"] == 1.0).all()


def test_aggregation_keeps_totals_and_sums_means():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS, horizon=8, models=[mean_model], quantiles=QS)
    f = bt.forecasts
    bottom = f[f["level"] == "area x category"].groupby(["origin", "ds"])[["y", "mean"]].sum()
    for level in ("area", "category", "total"):
        agg = f[f["level"] == level].groupby(["origin", "ds"])[["y", "mean"]].sum()
        pd.testing.assert_frame_equal(agg, bottom, check_dtype=False)
    # totals match the panel itself over the scored window (active series only)
    o = pd.Timestamp(ORIGINS[0])
    win = p[(p["ds"] >= o) & (p["ds"] < o + pd.Timedelta(weeks=8)) & (p["category"] != "dead")]
    assert f[(f["level"] == "total") & (f["origin"] == o)]["y"].sum() == win["y"].sum()


def test_aggregate_quantiles_narrower_than_summed_quantiles():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS[:1], horizon=4, models=[mean_model], quantiles=QS)
    f = bt.forecasts
    bottom = f[f["level"] == "area x category"].groupby("ds")[["p10", "p90", "mean"]].sum()
    tot = f[f["level"] == "total"].set_index("ds")
    width_sum = bottom["p90"] - bottom["p10"]
    assert ((tot["p90"] - tot["p10"]) < width_sum).all()
    assert ((tot["p10"] <= tot["mean"]) & (tot["mean"] <= tot["p90"])).all()


def test_model_own_aggregates_are_scored_instead_of_summed():
    p = make_panel()
    base = oracle_for(p, with_aggregates=False)

    def bad_total(panel, **kw):
        out = base(panel, **kw)
        tot = out.groupby("ds")[["mean"]].sum().reset_index()
        tot["mean"] *= 2  # a deliberately wrong coherent total
        for c in ("p10", "p50", "p90"):
            tot[c] = tot["mean"].round().astype(int)
        tot["area"], tot["category"] = ALL, ALL
        return pd.concat([out, tot], ignore_index=True)

    s = backtest(p, origins=ORIGINS, horizon=4, models=[bad_total]).scores().set_index("level")
    assert s.loc["total", "wape"] == pytest.approx(1.0)
    assert s.loc["area", "wape"] == pytest.approx(0.0)


def test_no_data_on_or_after_origin_reaches_the_model():
    p = make_panel()
    seen = []

    def cheat(panel, *, horizon, freq, quantiles, seed=0):
        # would score perfectly if the backtest leaked future rows into its input
        seen.append((panel["ds"].max(), panel.attrs.get("as_of")))
        fut = _future_rows(panel, horizon).merge(panel, on=["area", "category", "ds"], how="left")
        fut["mean"] = fut["y"].fillna(0.0)
        for q in quantiles:
            fut[f"p{round(q * 100):02d}"] = fut["mean"].astype(int)
        return fut.drop(columns="y")

    bt = backtest(p, origins=ORIGINS, horizon=6, models=[cheat])
    assert [pd.Timestamp(a) for _, a in seen] == [pd.Timestamp(o) for o in ORIGINS]
    assert all(mx < pd.Timestamp(a) for mx, a in seen)
    assert (bt.scores()["wape"] > 0.5).all()


def test_only_series_active_before_origin_are_scored():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS[:1], horizon=4, models=[mean_model])
    bottom = bt.forecasts[bt.forecasts["level"] == "area x category"]
    assert "dead" not in set(bottom["category"])
    assert sorted(bottom["h"].unique()) == [1, 2, 3, 4]


def test_weights_are_trailing_window_volume():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS[:1], horizon=4, models=[mean_model], window=52)
    o = pd.Timestamp(ORIGINS[0])
    s = bt.series[(bt.series["level"] == "area x category")].set_index(["area", "category"])
    hist = p[(p["ds"] < o) & (p["ds"] >= o - pd.Timedelta(weeks=52))]
    vol = hist.groupby(["area", "category"])["y"].sum()
    assert s.loc[("A2", "wage"), "weight"] == vol.loc[("A2", "wage")]
    tot = bt.series[bt.series["level"] == "total"]["weight"].iloc[0]
    assert tot == vol.drop(("A1", "dead")).sum()


def test_model_by_registered_name(monkeypatch):
    from foresight.forecasting.models import MODELS

    monkeypatch.setitem(MODELS, "_test_mean", mean_model)
    bt = backtest(make_panel(), origins=ORIGINS[:1], horizon=4, models=["_test_mean"])
    assert bt.scores()["model"].unique().tolist() == ["_test_mean"]


def test_errors_say_what_is_wrong():
    p = make_panel()
    with pytest.raises(ConfigError, match="period start"):
        backtest(p, origins=["2022-06-07"], horizon=4, models=[mean_model])
    with pytest.raises(ConfigError, match="no actuals"):
        backtest(p, origins=["2030-01-07"], horizon=4, models=[mean_model])

    def broken(panel, **kw):
        return mean_model(panel, **kw).drop(columns="p90")

    with pytest.raises(ModelError, match="p90"):
        backtest(p, origins=ORIGINS[:1], horizon=4, models=[broken])


def test_results_show_in_jupyter_and_plot_by_horizon():
    import matplotlib.figure

    p = make_panel()
    bt = backtest(p, origins=ORIGINS, horizon=5, models=[mean_model, oracle_for(p, with_aggregates=False)])
    assert isinstance(bt, Backtest)
    html = bt._repr_html_()
    assert "<table" in html and "rmsse" in html and "oracle" in html
    fig = bt.plot(metric="rmsse", level="area")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes[0].lines) == 2
    h = bt.by_horizon(level="total")
    assert sorted(h["h"].unique()) == [1, 2, 3, 4, 5]
    # the oracle is perfect at every step; the mean model is not
    assert (h[h["model"] == "oracle"]["wape"] == 0).all()
    assert (h[h["model"] == "mean_model"]["wape"] > 0).all()


def test_reaggregate_comonotonic_sums_quantiles_and_keeps_actuals():
    p = make_panel()
    bt = backtest(p, origins=ORIGINS[:1], horizon=4, models=[mean_model])
    co = bt.reaggregate("comonotonic")
    f, g = bt.forecasts, co.forecasts
    assert len(f) == len(g)
    bottom = g[g["level"] == "area x category"].groupby("ds")[["p10", "p90", "mean"]].sum()
    tot = g[g["level"] == "total"].set_index("ds")
    pd.testing.assert_series_equal(tot["p90"], bottom["p90"], check_names=False, check_dtype=False)
    pd.testing.assert_series_equal(tot["p10"], bottom["p10"], check_names=False, check_dtype=False)
    assert (g["source"].isin(["model", "comonotonic"])).all()
    key = ["level", "area", "category", "ds"]
    a = f.sort_values(key).reset_index(drop=True)
    b = g.sort_values(key).reset_index(drop=True)
    pd.testing.assert_series_equal(a["y"], b["y"])
    np.testing.assert_allclose(a["mean"], b["mean"])
    # a model's own aggregate rows are never rebuilt
    own = backtest(p, origins=ORIGINS[:1], horizon=4,
                   models={"oracle": oracle_for(p, with_aggregates=True)})
    assert (own.reaggregate("comonotonic").forecasts["source"] == "model").all()
    with pytest.raises(ConfigError):
        bt.reaggregate("sum")
