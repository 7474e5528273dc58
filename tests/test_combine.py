"""forecast(combine=True): the default model and the trailing mean combined by a weight learned on past origins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError
from foresight.forecasting import forecast
from foresight.forecasting.combine import learn_weight, rake


def _panel(seasonal: float, seed: int = 0, weeks: int = 182) -> pd.DataFrame:
    """3 areas x 3 categories of weekly Poisson counts; ``seasonal`` is the amplitude of a yearly wave."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2020-01-06", periods=weeks, freq="W-MON")
    wave = np.exp(seasonal * np.sin(2 * np.pi * np.arange(weeks) / 52.0))
    rows = []
    for a in "ABC":
        for c in "xyz":
            rate = rng.uniform(2.0, 8.0) * wave
            rows.append(pd.DataFrame({"area": a, "category": c, "ds": ds, "y": rng.poisson(rate)}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("good_first", [True, False])
def test_learn_weight_goes_to_the_better_forecast(good_first):
    rng = np.random.default_rng(3)
    truth = rng.uniform(2, 20, (300, 13))
    good = truth + rng.normal(0, 0.3, truth.shape)
    bad = truth + rng.normal(0, 4.0, truth.shape)
    a, b = (good, bad) if good_first else (bad, good)
    w = learn_weight(a, b, truth, np.ones(300), truth.sum(1))
    assert (w >= 0.9) if good_first else (w <= 0.1)


def test_learn_weight_splits_two_equal_independent_forecasts():
    rng = np.random.default_rng(4)
    truth = rng.uniform(2, 20, (400, 13))
    a = truth + rng.normal(0, 2.0, truth.shape)
    b = truth + rng.normal(0, 2.0, truth.shape)
    assert 0.35 <= learn_weight(a, b, truth, np.ones(400), np.ones(400)) <= 0.65


def test_learn_weight_without_scorable_series_keeps_the_default():
    z = np.zeros((3, 4))
    assert learn_weight(z, z + 1, z, np.full(3, np.nan), np.ones(3)) == 1.0


def test_rake_matches_area_and_category_sums():
    rng = np.random.default_rng(5)
    area, cat = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    target = rng.uniform(1, 10, (20, 6))
    out = rake(rng.uniform(1, 10, (20, 6)), target, area, cat)
    for idx in (area, cat):
        for g in np.unique(idx):
            np.testing.assert_allclose(out[idx == g].sum(0), target[idx == g].sum(0), rtol=1e-6)


def test_combined_forecast_is_coherent_with_the_default_and_reproducible():
    panel = _panel(0.2)
    base = forecast(panel, 8, country="US")
    fc = forecast(panel, 8, country="US", combine=True)
    again = forecast(panel, 8, country="US", combine=True)
    pd.testing.assert_frame_equal(fc, again)
    assert fc.attrs["combine"] == again.attrs["combine"]
    assert len(fc.attrs["combine"]["origins"]) == 4
    assert fc.columns.tolist() == base.columns.tolist()
    for keys in (["area", "ds"], ["category", "ds"], ["ds"]):
        np.testing.assert_allclose(fc.groupby(keys)["mean"].sum(), base.groupby(keys)["mean"].sum(), rtol=1e-6)
    assert (fc["mean"] >= 0).all()
    pd.testing.assert_frame_equal(fc.drop(columns="mean"), base.drop(columns="mean"))  # quantiles stay


def test_a_strong_season_keeps_the_weight_on_the_default_model():
    # the trailing mean cannot follow a yearly wave of +-170%; the default model's season can
    fc = forecast(_panel(1.0, seed=1), 13, country="US", combine=True)
    assert fc.attrs["combine"]["weight_default"] >= 0.7


def test_a_short_history_leaves_the_default_as_it_is():
    panel = _panel(0.2, weeks=90)
    fc = forecast(panel, 4, country="US", combine=True)
    assert fc.attrs["combine"] == {"weight_default": 1.0, "origins": []}
    np.testing.assert_allclose(fc["mean"], forecast(panel, 4, country="US")["mean"])


def test_combine_needs_the_default_model():
    with pytest.raises(ConfigError, match="combine"):
        forecast(_panel(0.0), 4, model="mean", combine=True)
