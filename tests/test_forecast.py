"""Tests of the forecast engine: contract, small counts, coherence, level shifts, seasons, calendar."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError, DataError
from foresight.forecasting import ALL, forecast, forecast_hierarchy
from foresight.forecasting.models import MODELS


def weekly(start: str = "2019-01-07", end: str = "2024-12-30") -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="W-MON")


def make_panel(rates: dict[tuple[str, str], np.ndarray], ds: pd.DatetimeIndex, seed: int = 1,
               dispersion: float = 0.05) -> pd.DataFrame:
    """NB counts around the given weekly rates (one array per series)."""
    rng = np.random.default_rng(seed)
    frames = []
    for (area, cat), mu in rates.items():
        lam = rng.gamma(1 / dispersion, dispersion * np.asarray(mu, float)) if dispersion else mu
        frames.append(pd.DataFrame({"area": area, "category": cat, "ds": ds, "y": rng.poisson(lam)}))
    p = pd.concat(frames, ignore_index=True)
    p.attrs.update(freq="W", country="CN")
    return p


@pytest.fixture(scope="module")
def district() -> pd.DataFrame:
    ds = weekly()
    doy = ds.day_of_year.to_numpy()
    wave = 1 + 1.5 * ((doy > 60) & (doy < 150))  # March-May wave
    rates = {}
    for i, area in enumerate(["A1", "A2", "A3", "B1"]):
        rates[(area, "edu")] = (2 + i) * wave
        rates[(area, "wage")] = np.full(len(ds), 3.0 + i)
        rates[(area, "rare")] = np.full(len(ds), 0.3)
    return make_panel(rates, ds)


def test_contract_nonnegative_integer_quantiles(district):
    fc = forecast(district, 13, quantiles=(0.05, 0.5, 0.95))
    assert list(fc.columns) == ["area", "category", "ds", "mean", "p5", "p50", "p95", "model", "note"]
    assert len(fc) == 12 * 13
    assert fc["ds"].min() == district["ds"].max() + pd.Timedelta(days=7)
    assert (fc[["mean", "p5", "p50", "p95"]] >= 0).all().all()
    for c in ("p5", "p50", "p95"):
        assert fc[c].dtype.kind == "i"
    assert ((fc["p5"] <= fc["p50"]) & (fc["p50"] <= fc["p95"])).all()
    assert fc["mean"].dtype.kind == "f"
    assert set(fc["model"]) <= set(MODELS)


def test_small_counts_get_small_intervals(district):
    fc = forecast(district, 13)
    rare = fc[fc["category"] == "rare"]
    assert rare["mean"].between(0.1, 0.6).all()
    assert (rare["p10"] == 0).all()
    assert rare["p90"].max() <= 2


def test_hierarchy_is_coherent_with_its_own_quantiles(district):
    tree = {"A1": "A", "A2": "A", "A3": "A", "B1": "B"}
    h = forecast_hierarchy(district, 8, tree=tree)
    bottom = h[h["level"] == "area x category"]
    areas = h[h["level"].isin(["area", "parent area"])].set_index(["area", "ds"])["mean"]
    by_area = bottom.groupby(["area", "ds"])["mean"].sum()
    np.testing.assert_allclose(areas.loc[by_area.index], by_area, rtol=1e-9)
    parent_a = areas.loc["A"]
    child_sum = bottom[bottom["area"].isin(["A1", "A2", "A3"])].groupby("ds")["mean"].sum()
    np.testing.assert_allclose(parent_a.loc[child_sum.index], child_sum, rtol=1e-9)
    cats = h[(h["level"] == "category") & (h["area"] == ALL)].set_index(["category", "ds"])["mean"]
    by_cat = bottom.groupby(["category", "ds"])["mean"].sum()
    np.testing.assert_allclose(cats.loc[by_cat.index], by_cat, rtol=1e-9)
    total = h[h["level"] == "total"].set_index("ds")["mean"]
    np.testing.assert_allclose(total, bottom.groupby("ds")["mean"].sum().loc[total.index], rtol=1e-9)
    # aggregate quantiles are the node's own, narrower than the sum of the children's quantiles
    tot_p90 = h[h["level"] == "total"].set_index("ds")["p90"]
    assert (tot_p90 < bottom.groupby("ds")["p90"].sum().loc[tot_p90.index]).all()
    # the bottom rows of forecast() are the same coherent forecasts
    fc = forecast(district, 8, tree=tree).set_index(["area", "category", "ds"])["mean"]
    np.testing.assert_allclose(fc.loc[bottom.set_index(["area", "category", "ds"]).index],
                               bottom["mean"].to_numpy(), rtol=1e-9)


def test_reconciliation_moves_bottom_toward_aggregates(district):
    raw = forecast(district, 4, reconcile=False)
    rec = forecast(district, 4)
    assert not np.allclose(raw["mean"], rec["mean"])
    # totals of raw vs reconciled stay close: reconciliation adjusts, it does not re-forecast
    assert abs(rec["mean"].sum() / raw["mean"].sum() - 1) < 0.15


def test_level_shift_detected_and_forecast_from_new_level():
    ds = weekly("2020-01-06", "2024-12-30")
    shift_at = len(ds) - 20
    mu = np.where(np.arange(len(ds)) < shift_at, 12.0, 2.0)
    steady = np.full(len(ds), 8.0)
    panel = make_panel({("X", "c1"): mu, ("Y", "c1"): steady}, ds)
    fc = forecast(panel, 8)
    x = fc[fc["area"] == "X"]
    note = x["note"].iloc[0]
    assert note.startswith("level shift"), note
    when = pd.Timestamp(note.split()[2])
    assert abs((when - ds[shift_at]).days) <= 21
    assert x["mean"].mean() < 4.0
    assert fc.loc[fc["area"] == "Y", "note"].iloc[0] == ""


def test_annual_wave_forecast_in_the_right_weeks():
    ds = weekly("2019-01-07", "2025-01-27")
    woy = ds.isocalendar().week.to_numpy()
    mu = np.where((woy >= 14) & (woy <= 22), 12.0, 3.0)  # April-May wave
    panel = make_panel({("A", "edu"): mu, ("B", "edu"): mu * 0.5, ("A", "x"): np.full(len(ds), 4.0)}, ds)
    fc = forecast(panel, 30)
    a = fc[(fc["area"] == "A") & (fc["category"] == "edu")].set_index("ds")["mean"]
    w = a.index.isocalendar().week
    inside, outside = a[(w >= 15) & (w <= 21)], a[(w <= 11) | (w >= 25)]
    assert inside.mean() > 2.5 * outside.mean()
    assert a.idxmax().isocalendar().week in range(13, 24)


def test_spring_festival_week_dips():
    ds = weekly("2019-01-07", "2025-01-13")
    from foresight.forecasting._calendar import calendar_design

    sf = calendar_design(ds, "W", country="CN")["spring_festival"].to_numpy()
    mu = 10.0 * np.exp(-0.25 * sf)  # each Spring Festival holiday day cuts the week's count
    panel = make_panel({("A", "c"): mu, ("B", "c"): mu}, ds, dispersion=0.0)
    fc = forecast(panel, 6, country="CN").query("area == 'A'").set_index("ds")["mean"]
    sf_week = pd.Timestamp("2025-01-27")  # Spring Festival 2025-01-29, holiday 01-28 .. 02-04
    assert fc[sf_week] < 0.6 * fc[pd.Timestamp("2025-01-20")]
    assert fc[pd.Timestamp("2025-02-10")] > 0.8 * fc[pd.Timestamp("2025-01-20")]


def test_reproducible_with_seed(district):
    a = forecast(district, 6, seed=3)
    b = forecast(district, 6, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_short_and_empty_series_are_noted():
    ds = weekly("2023-01-02", "2024-12-30")
    panel = make_panel({("A", "c"): np.full(len(ds), 5.0)}, ds)
    young = pd.DataFrame({"area": "A", "category": "new", "ds": ds[-10:], "y": [0, 1, 0, 2, 1, 0, 1, 1, 0, 2]})
    never = pd.DataFrame({"area": "A", "category": "none", "ds": ds, "y": 0})
    fc = forecast(pd.concat([panel, young, never]), 4, country="CN")
    notes = fc.groupby("category")["note"].first()
    assert notes["new"].startswith("short history")
    assert notes["none"] == "no cases yet"
    assert (fc.loc[fc["category"] == "none", ["mean", "p90"]] == 0).all().all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.drop(columns="category"), "lacks column"),
        (lambda p: p.assign(y=p["y"] - 100), "counts must be >= 0"),
        (lambda p: p.assign(y=p["y"].astype(float).where(p.index != 3)), "use 0 for periods"),
        (lambda p: pd.concat([p, p.head(1)]), "duplicate"),
        (lambda p: p.iloc[0:0], "no rows"),
    ],
)
def test_bad_panel_errors_say_the_fix(district, change, message):
    with pytest.raises(DataError, match=message):
        forecast(change(district), 4)


def test_bad_options_raise_config_errors(district):
    with pytest.raises(ConfigError, match="strictly between 0 and 1"):
        forecast(district, 4, quantiles=(0.1, 1.5))
    with pytest.raises(ConfigError, match="horizon"):
        forecast(district, 0)
    with pytest.raises(ConfigError, match="unknown model"):
        forecast(district, 4, model="nope")


def test_baselines_registry(district):
    assert {"auto", "nbglm", "snaive", "swa", "mean", "prophet", "tsb", "croston", "autoets"} <= set(MODELS)
    sn = forecast(district, 3, model="snaive")
    one = district[(district["area"] == "A1") & (district["category"] == "wage")]
    expect = one["y"].iloc[-52:-49].to_numpy(float)
    got = sn[(sn["area"] == "A1") & (sn["category"] == "wage")]["mean"].to_numpy()
    np.testing.assert_allclose(got, expect)
    mean = forecast(district, 2, model="mean")
    assert (mean["model"] == "mean").all() and (mean["p10"] <= mean["p90"]).all()


def test_import_does_not_load_optional_comparators():
    code = "import foresight.forecasting, sys; print('prophet' in sys.modules, 'statsforecast' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_components_multiply_to_the_forecast(district):
    from foresight.forecasting import forecast_components

    comp = forecast_components(district, 13, area="A1", category="edu")
    fut = comp[comp["part"] == "forecast"]
    fc = forecast(district, 13).query("area == 'A1' and category == 'edu'")
    np.testing.assert_allclose(fut["mean"].to_numpy(), fc["mean"].to_numpy(), rtol=1e-9)
    factors = comp[["level", "trend", "season", "holiday", "window", "reconciliation"]].prod(axis=1)
    np.testing.assert_allclose(comp["mean"], factors, rtol=1e-9)
    hist = comp[comp["part"] == "history"]
    assert len(hist) == district.query("area == 'A1' and category == 'edu'").shape[0]
    # the March-May wave shows in the season component, not in the level
    spring = hist[hist["ds"].dt.month.isin([3, 4, 5])]["season"].mean()
    autumn = hist[hist["ds"].dt.month.isin([9, 10, 11])]["season"].mean()
    assert spring > 1.5 * autumn
    with pytest.raises(ConfigError, match="no series matches"):
        forecast_components(district, 4, area="nowhere")


def test_plot_components_returns_a_figure(district):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from foresight.forecasting import forecast_components, plot_components

    comp = forecast_components(district, 8, area="A2")
    fig = plot_components(comp, area="A2", category="edu")
    assert len(fig.axes) == 4
    _, ax = plt.subplots()
    assert plot_components(comp, area="A2", category="wage", ax=ax) is ax.figure
    plt.close("all")


def test_auto_records_the_chosen_model_per_series(district):
    fc = forecast(district, 4, model="auto")
    assert fc.groupby(["area", "category"])["model"].nunique().eq(1).all()
    assert set(fc["model"]) <= {"nbglm", "snaive", "swa", "mean"}


def test_as_of_after_the_last_row_forecasts_from_as_of():
    ds = weekly("2022-01-03", "2024-06-24")
    panel = make_panel({("A", "c"): np.full(len(ds), 4.0)}, ds)
    panel.attrs["as_of"] = pd.Timestamp("2024-08-05")  # five empty weeks after the last row
    fc = forecast(panel, 2, country="CN")
    assert fc["ds"].min() == pd.Timestamp("2024-08-05")


def test_monthly_panel():
    ds = pd.date_range("2019-01-01", "2024-12-01", freq="MS")
    mu = np.where(ds.month.isin([3, 4]), 40.0, 15.0)
    panel = make_panel({("A", "c"): mu, ("B", "c"): mu / 2}, ds)
    panel.attrs["freq"] = "M"
    fc = forecast(panel, 6, country="CN")
    a = fc[fc["area"] == "A"].set_index("ds")["mean"]
    assert list(a.index) == list(pd.date_range("2025-01-01", periods=6, freq="MS"))
    assert a[pd.Timestamp("2025-03-01")] > 1.8 * a[pd.Timestamp("2025-01-01")]


def test_level_shifts_table():
    from foresight.forecasting import level_shifts

    ds = weekly("2021-01-04", "2024-12-30")
    n = len(ds)
    panel = make_panel({("A", "c"): np.where(np.arange(n) < n - 30, 3.0, 15.0),  # a new estate fills
                        ("B", "c"): np.full(n, 6.0)}, ds)
    shifts = level_shifts(panel, country="CN")
    assert shifts["area"].tolist() == ["A"]
    assert shifts["ratio"].iloc[0] > 3
    assert abs((shifts["ds"].iloc[0] - ds[n - 30]).days) <= 21


@pytest.mark.requires_nyc
@pytest.mark.slow
def test_nyc_beats_trailing_mean_and_seasonal_naive():
    from _support import NYC_CASES

    cases = pd.read_csv(NYC_CASES, usecols=["account", "opendate", "complaint_type"], parse_dates=["opendate"])
    cases["ds"] = cases["opendate"] - pd.to_timedelta(cases["opendate"].dt.day_of_week, unit="D")
    counts = (cases.fillna({"complaint_type": "(none)"})
              .groupby(["account", "complaint_type", "ds"]).size().rename("y").reset_index()
              .rename(columns={"account": "area", "complaint_type": "category"}))
    origin = pd.Timestamp("2019-04-01")
    hist = counts[counts["ds"] < origin]
    wide = hist.pivot_table(index=["area", "category"], columns="ds", values="y", fill_value=0, aggfunc="sum")
    wide = wide.reindex(columns=pd.date_range(wide.columns.min(), origin - pd.Timedelta(days=7), freq="7D"),
                        fill_value=0)
    wide = wide[wide.iloc[:, -52:].sum(axis=1) > 0]
    panel = wide.stack().rename("y").reset_index().rename(columns={"level_2": "ds"})
    panel.attrs.update(freq="W", country="US", subdiv="NY")
    fut = pd.date_range(origin, periods=13, freq="7D")
    fc = forecast(panel, 13).pivot_table(index=["area", "category"], columns="ds", values="mean")
    actual = (counts[counts["ds"].isin(fut)].pivot_table(index=["area", "category"], columns="ds", values="y",
                                                         aggfunc="sum")
              .reindex(index=wide.index, columns=fut).fillna(0))
    snaive = pd.DataFrame(wide.iloc[:, -52:-39].to_numpy(), index=wide.index, columns=fut)
    mean52 = pd.DataFrame(np.repeat(wide.iloc[:, -52:].mean(axis=1).to_numpy()[:, None], 13, 1),
                          index=wide.index, columns=fut)

    def rmsse(f: pd.DataFrame, by: str | None) -> float:
        def agg(x):
            return x.groupby(level=by).sum() if by else x.sum().to_frame().T
        h, a, ff = agg(wide).to_numpy(float), agg(actual).to_numpy(float), agg(f.reindex(wide.index)).to_numpy(float)
        scale = np.mean(np.diff(h, axis=1) ** 2, axis=1)
        w = h[:, -52:].sum(1)
        ok = scale > 0
        r = np.sqrt(((a - ff) ** 2).mean(1)[ok] / scale[ok])
        return float((r * w[ok]).sum() / w[ok].sum())

    for by in ("area", "category", None):
        ours = rmsse(fc, by)
        assert ours < rmsse(mean52, by), by
        assert ours < rmsse(snaive, by), by


def test_area_tree_frame_adds_every_ancestor(small_areas):
    ds = weekly("2022-01-03", "2024-12-30")
    panel = make_panel({(g, c): np.full(len(ds), r) for g, r in (("G1", 2.0), ("G2", 1.0), ("G3", 4.0))
                        for c in ("edu", "wage")}, ds)
    h = forecast_hierarchy(panel, 4, tree=small_areas)
    parents = h[h["level"] == "parent area"]
    assert set(parents["area"]) == {"C1", "C2", "C3", "T1", "T2", "D"}
    d = parents[parents["area"] == "D"].set_index("ds")["mean"]
    total = h[h["level"] == "total"].set_index("ds")["mean"]
    np.testing.assert_allclose(d, total.loc[d.index], rtol=1e-9)
    t1 = parents[parents["area"] == "T1"].set_index("ds")["mean"]
    grids = h[(h["level"] == "area") & h["area"].isin(["G1", "G2"])].groupby("ds")["mean"].sum()
    np.testing.assert_allclose(t1, grids.loc[t1.index], rtol=1e-9)
    split = h[(h["level"] == "parent area x category") & (h["area"] == "T1")]
    assert set(split["category"]) == {"edu", "wage"}


@pytest.mark.filterwarnings("ignore::foresight.calendar.CalendarWarning")  # the horizon reaches 2027
def test_a_burst_that_ended_is_not_a_level_shift():
    """The sample district's D01T02C005 x environment pattern: ~0.1 cases a week, a five-week surge
    of ~30 extra cases, then back to ~0 for four weeks before the origin."""
    from foresight.forecasting import level_shifts

    ds = weekly("2022-01-03", "2026-11-16")
    rng = np.random.default_rng(7)
    y = rng.poisson(0.1, len(ds))
    y[-10:] = [1, 8, 9, 6, 7, 2, 0, 0, 0, 0]
    burst = pd.DataFrame({"area": "C005", "category": "environment", "ds": ds, "y": y})
    steady = make_panel({("C006", "environment"): np.full(len(ds), 2.0)}, ds)
    panel = pd.concat([burst, steady], ignore_index=True)
    panel.attrs.update(freq="W", country="CN")
    assert "C005" not in set(level_shifts(panel, country="CN")["area"])
    fc = forecast(panel, 13, country="CN").query("area == 'C005'")
    assert not fc["note"].iloc[0].startswith("level shift")
    assert fc["mean"].mean() < 1.0, fc["mean"].round(2).tolist()  # not the burst's ~6 a week
    # the same burst still going on at the origin is a new level
    y2 = y.copy()
    y2[-10:] = [1, 8, 9, 6, 7, 8, 9, 7, 8, 6]
    live = pd.concat([burst.assign(y=y2), steady], ignore_index=True)
    live.attrs.update(freq="W", country="CN")
    shifts = level_shifts(live, country="CN")
    assert "C005" in set(shifts["area"])
    assert abs((shifts.set_index("area").loc["C005", "ds"] - ds[-9]).days) <= 14


def test_real_shifts_still_found_when_they_hold_to_the_origin():
    """A drop to a tenth (an office that stopped logging) and a new estate filling up."""
    from foresight.forecasting import level_shifts

    ds = weekly("2020-01-06", "2024-12-30")
    n = len(ds)
    panel = make_panel({("drop", "c"): np.where(np.arange(n) < n - 40, 75.0, 7.0),
                        ("estate", "c"): np.where(np.arange(n) < n - 30, 0.3, 0.3 + 4.0 * np.clip(
                            (np.arange(n) - (n - 30)) / 15, 0, 1)),
                        ("steady", "c"): np.full(n, 5.0)}, ds)
    shifts = level_shifts(panel, country="CN").set_index("area")
    assert set(shifts.index) == {"drop", "estate"}
    assert shifts.loc["drop", "ratio"] < 0.2 and shifts.loc["estate", "ratio"] > 3


def test_sparse_and_new_series_raise_no_runtime_warning():
    import warnings

    ds = weekly("2023-01-02", "2024-12-30")
    panel = pd.concat([
        make_panel({("A", "c"): np.full(len(ds), 3.0)}, ds),
        pd.DataFrame({"area": "A", "category": "one_week", "ds": ds[-1:], "y": [2]}),
        pd.DataFrame({"area": "A", "category": "five_weeks", "ds": ds[-5:], "y": [2, 0, 1, 0, 3]}),
    ], ignore_index=True)
    panel.attrs.update(freq="W", country="CN")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for model in ("auto", "mean", "swa"):
            fc = forecast(panel, 4, model=model)
            assert np.isfinite(fc["mean"]).all()


def test_all_label_is_the_panels():
    from foresight.panel import ALL as PANEL_ALL

    assert ALL == PANEL_ALL
    ds = weekly("2022-01-03", "2024-12-30")
    h = forecast_hierarchy(make_panel({("A", "c"): np.full(len(ds), 3.0), ("B", "c"): np.full(len(ds), 2.0)},
                                      ds), 2)
    assert set(h.loc[h["level"] == "total", ["area", "category"]].stack()) == {PANEL_ALL}
    assert "*" not in set(h["area"]) | set(h["category"])


def test_one_category_panel_reconciles_each_aggregate_once():
    """With one category the category total is the grand total and an area total is its series:
    the forecast must be the same as if each aggregate were given once."""
    from scipy import sparse

    from foresight.forecasting.reconcile import reconcile_wls

    A = sparse.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))  # the same total twice
    b = np.array([[1.0], [1.0]])
    once = reconcile_wls(b, np.array([[4.0]]), A[:1], np.ones((2, 1)), np.ones((1, 1)))
    twice = reconcile_wls(b, np.array([[4.0], [4.0]]), A, np.ones((2, 1)), np.ones((2, 1)))
    np.testing.assert_allclose(once, twice)


def test_calendar_regressors_come_from_foresight_calendar():
    from foresight.calendar import CalendarWarning, period_features
    from foresight.forecasting._calendar import calendar_design

    st = pd.date_range("2024-01-01", "2025-12-29", freq="W-MON")
    cal = calendar_design(st, "W", country="CN")
    pf = period_features(st, freq="W", country="CN").set_index("ds")
    np.testing.assert_array_equal(cal["makeup"].to_numpy(), pf["makeup_days"].to_numpy())
    np.testing.assert_array_equal(cal["spring_festival"].to_numpy(), pf["spring_festival_days"].to_numpy())
    # weekday days off outside the Spring Festival break are days off outside it
    assert (cal["holiday"] <= pf["holidays"] - pf["spring_festival_days"]).all()
    assert cal["holiday"].sum() > 0 and (cal["holiday"] < pf["holidays"]).any()  # weekend days left out
    # a year chinesecalendar does not cover is estimated, with a warning
    with pytest.warns(CalendarWarning):
        calendar_design(pd.date_range("2027-01-04", periods=8, freq="W-MON"), "W", country="CN")
