"""Tests of ``foresight.warning.learned``: features without look-ahead, labels, calibrated probabilities."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from foresight.errors import ConfigError, DataError  # noqa: E402
from foresight.warning import flags
from foresight.warning._features import FEATURES, examples
from foresight.matrix import to_matrix
from foresight.periods import period_of_year
from foresight.warning.learned import PROB_COLUMNS, fit_wave_model, training_examples, wave_probability

DS = pd.date_range("2018-01-01", "2023-12-25", freq="W-MON")
WOY = period_of_year(DS, "W")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Six areas: 'heat' has a winter wave (weeks 44-51, 5x), 'roads' is flat."""
    rng = np.random.default_rng(3)
    rows = []
    for area in "ABCDEF":
        heat = np.where((WOY >= 44), 20.0, 4.0)
        rows.append(pd.DataFrame({"area": area, "category": "heat", "ds": DS, "y": rng.poisson(heat)}))
        rows.append(pd.DataFrame({"area": area, "category": "roads", "ds": DS, "y": rng.poisson(np.full(len(DS), 6.0))}))
    p = pd.concat(rows, ignore_index=True)
    p.attrs["freq"] = "W"
    return p


@pytest.fixture(scope="module")
def model(panel):
    return fit_wave_model(panel, until="2023-01-02", horizon=13, max_iter=30)


def test_labels_follow_the_wave_definition(panel):
    grid = to_matrix(panel, "W", gaps="missing")
    t = np.array([200, 250])
    ex = examples(grid, t, horizon=13, ratio=1.5, min_cases=10)
    for i in range(len(ex.series)):
        y = grid.y[ex.series[i]]
        o = ex.origin[i]
        normal = y[o - 52:o].mean()
        total = y[o:o + 13].sum()
        assert ex.normal[i] == pytest.approx(normal)
        assert ex.label[i] == float(total >= 1.5 * normal * 13 and total >= 10)
    assert ex.X.shape == (len(ex.series), len(FEATURES))


def test_features_do_not_see_the_future(panel):
    grid = to_matrix(panel, "W", gaps="missing")
    t = np.array([150, 260])
    before = examples(grid, t, horizon=13, ratio=1.5, min_cases=10)
    changed = grid.y.copy()
    changed[:, 150:] *= 7  # everything from the first origin on
    after = examples(type(grid)(keys=grid.keys, starts=grid.starts, y=changed, freq="W"), t, horizon=13,
                     ratio=1.5, min_cases=10)
    first = before.origin == 150
    np.testing.assert_array_equal(before.X[first], after.X[first])
    assert not np.array_equal(before.total[first], after.total[first])


def test_training_uses_only_horizons_that_ended_before_until(panel):
    ex = training_examples(panel, horizon=13, until="2021-01-04")
    last = pd.Timestamp("2018-01-01") + pd.Timedelta(weeks=int(ex.origin.max()) + 13)
    assert last <= pd.Timestamp("2021-01-04")
    assert not np.isnan(ex.label).any()


def test_the_wave_ahead_is_likelier_than_the_off_season(panel, model):
    pre = wave_probability(panel, "2023-10-30", horizon=13, model=model)  # winter wave starts next week
    off = wave_probability(panel, "2023-03-06", horizon=13, model=model)
    assert list(pre.columns) == PROB_COLUMNS
    heat_pre = pre.loc[pre.category == "heat", "p_wave"]
    assert heat_pre.min() > 0.5
    assert off["p_wave"].max() < 0.2
    assert pre.loc[pre.category == "roads", "p_wave"].max() < 0.2
    # calibration keeps the classifier's order (ties broken by p_raw)
    both = pd.concat([pre, off]).sort_values("p_raw")
    assert both["p_wave"].is_monotonic_increasing


def test_probabilities_are_calibrated_on_held_out_origins(panel, model):
    assert model.calibrator is not None and model.info["calibration_examples"] > 0
    ex = training_examples(panel, horizon=13, until="2023-12-25")
    p = model.predict(ex.X)
    assert ((p >= 0) & (p <= 1)).all()
    # over all origins the mean probability matches the wave rate within a few points
    assert abs(p.mean() - ex.label.mean()) < 0.05


def test_model_pickles_and_predicts_the_same(panel, model):
    again = pickle.loads(pickle.dumps(model))
    a = wave_probability(panel, "2023-10-30", model=model)
    b = wave_probability(panel, "2023-10-30", model=again)
    pd.testing.assert_frame_equal(a, b)


def test_pooled_logs_and_errors(panel):
    other = panel.assign(area=panel["area"] + "x")
    m = fit_wave_model([panel, other], until="2021-01-04", max_iter=10, expected=False)
    assert m.info["logs"] == 2
    assert np.isnan(wave_probability(panel, "2021-01-04", model=m)["expected"]).all()
    with pytest.raises(ConfigError, match="horizon=13"):
        wave_probability(panel, "2021-01-04", horizon=26, model=m)
    with pytest.raises(ConfigError, match="calibration"):
        fit_wave_model(panel, until="2021-01-04", calibration="beta")
    with pytest.raises(DataError, match="too short"):
        fit_wave_model(panel[panel.ds < "2018-06-01"], until="2018-06-04")


def test_flags_take_probabilities_from_the_caller(panel):
    as_of = pd.Timestamp("2023-03-06")
    hist = panel[panel.ds < as_of]
    fut = pd.date_range(as_of, periods=13, freq="W-MON")
    fc = pd.concat([pd.DataFrame({"area": a, "category": c, "ds": fut, "mean": 30.0})
                    for a in "ABCDEF" for c in ("heat", "roads")])
    p = pd.DataFrame({"area": ["A", "B"], "category": ["roads", "roads"], "p_wave": [0.9, 0.1]})
    f = flags(hist, as_of, forecasts=fc, kinds=("wave",), seasonal=False, wave_p=p, learned_floor=0.5)
    assert list(zip(f.area, f.category)) == [("A", "roads")]
    with pytest.raises(DataError, match="p_wave"):
        flags(hist, as_of, forecasts=fc, kinds=("wave",), wave_p=p.drop(columns="p_wave"))


def test_large_panels_train_on_a_seeded_sample_of_series(panel):
    a = training_examples(panel, horizon=13, until="2021-01-04", max_series=5, seed=1)
    b = training_examples(panel, horizon=13, until="2021-01-04", max_series=5, seed=1)
    full = training_examples(panel, horizon=13, until="2021-01-04")
    assert len(np.unique(a.series)) == 5 and np.array_equal(a.series, b.series)
    # the sampled rows carry exactly the features they have in the full table
    key = np.isin(full.series, np.unique(a.series))
    np.testing.assert_array_equal(full.X[key], a.X)


def test_learned_flags_rank_by_the_mean_of_probability_and_forecast_ratio_ranks(panel):
    as_of = pd.Timestamp("2023-03-06")
    hist = panel[panel.ds < as_of]
    fut = pd.date_range(as_of, periods=13, freq="W-MON")
    level = {"A": 12.0, "B": 40.0, "C": 25.0, "D": 15.0}  # roads run at about 6 a week
    fc = pd.concat([pd.DataFrame({"area": a, "category": "roads", "ds": fut, "mean": m}) for a, m in level.items()])
    p = pd.DataFrame({"area": list("ABCD"), "category": "roads", "p_wave": [0.9, 0.9, 0.9, 0.1],
                      "p_raw": [0.95, 0.6, 0.7, 0.1]})
    kw = dict(forecasts=fc, kinds=("wave",), seasonal=False, wave_p=p, learned_floor=0.5)
    # ranks by p_raw A1 C2 B3 D4, by forecast ratio B1 C2 D3 A4: means B 2, C 2 (C's p_raw wins), A 2.5
    assert list(flags(hist, as_of, **kw)["area"]) == ["C", "B", "A"]
    assert list(flags(hist, as_of, wave_rank="score", **kw)["area"]) == ["B", "C", "A"]  # most cases above usual
    # without p_raw the calibrated probabilities tie and the forecast ratio decides
    assert list(flags(hist, as_of, **{**kw, "wave_p": p.drop(columns="p_raw")})["area"]) == ["B", "C", "A"]
    with pytest.raises(ConfigError, match="wave_rank"):
        flags(hist, as_of, wave_rank="p_wave", **kw)


def test_a_series_matrix_gives_the_same_model_and_probabilities_as_its_panel(panel):
    """``learned_wave_p`` builds the matrix once and passes it to the fit and the scoring."""
    as_of = pd.Timestamp("2023-03-06")
    grid = to_matrix(panel, "W", before=as_of, gaps="missing")
    a = wave_probability(panel, as_of, every=4)
    b = wave_probability(grid, as_of, every=4)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    m_grid = fit_wave_model(grid, until=as_of, every=2, max_iter=20, max_series=7)
    m_panel = fit_wave_model(panel, until=as_of, every=2, max_iter=20, max_series=7)
    assert m_grid.info == m_panel.info
    pd.testing.assert_frame_equal(wave_probability(panel, as_of, model=m_grid),
                                  wave_probability(panel, as_of, model=m_panel), check_exact=True)
