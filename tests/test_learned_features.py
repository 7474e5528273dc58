"""The learned wave model's features against a straightforward per-series, per-origin reference.

``foresight.warning._features.examples`` builds every feature from prefix sums at the windows' edges,
in blocks of rows, with the category, parent-area and whole-log totals from one sparse product; the
reference below reads each window of each series (and of each group's summed series) with plain
slices, one series and origin at a time, from the definitions in the module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foresight.matrix import SeriesMatrix, to_matrix
from foresight.periods import period_at, period_of_year
from foresight.warning._features import _EPS, FEATURES, examples, windows

RATIO, MIN, H = 1.5, 10.0, 13


@pytest.fixture(scope="module")
def grid() -> SeriesMatrix:
    """300 weekly series of mixed shapes: busy and sparse, seasonal, late starters, gaps, stopped, silent."""
    rng = np.random.default_rng(11)
    ds = pd.date_range("2019-01-07", periods=230, freq="W-MON")
    rows = []
    for i in range(300):
        level = rng.lognormal(0.0, 1.3)
        mu = level * (1 + rng.uniform(0, 0.9) * np.sin(2 * np.pi * np.arange(len(ds)) / 52 + rng.uniform(0, 6.3)))
        y = rng.poisson(mu)
        keep = rng.random(len(ds)) > (0.2 if i % 5 == 0 else 0.0)  # some series miss periods (NaN cells)
        if i % 7 == 0:
            keep &= np.arange(len(ds)) >= rng.integers(20, 150)  # late starters
        if i % 11 == 0:
            keep &= np.arange(len(ds)) < rng.integers(120, 200)  # stopped logging
        if i % 13 == 0:
            y = np.zeros_like(y)  # silent: never active
        rows.append(pd.DataFrame({"area": f"A{i // 12:02d}", "category": f"c{i % 12:02d}", "ds": ds[keep], "y": y[keep]}))
    return to_matrix(pd.concat(rows, ignore_index=True), "W", gaps="missing")


def _window(y: np.ndarray, a: int, b: int) -> np.ndarray:
    return y[max(a, 0):max(min(b, len(y)), 0)]


def _mean(y, a, b):
    seg = _window(y, a, b)
    seg = seg[~np.isnan(seg)]
    return seg.mean() if len(seg) else np.nan


def _sum(y, a, b):
    return np.nansum(_window(y, a, b))


def _lr(a, b):
    return np.log((a + _EPS) / (b + _EPS))


def _movement(y, t, ppy, w):
    m = _mean(y, t - ppy, t)
    ly = _mean(y, t - ppy, t - ppy + H)
    return {"ratio_w1": _lr(_mean(y, t - w[0], t), m), "ratio_w3": _lr(_mean(y, t - w[2], t), m),
            "ly_next": _lr(ly, m), "ly_ramp": _lr(ly, _mean(y, t - ppy - w[2], t - ppy)),
            "ly2_next": _lr(_mean(y, t - 2 * ppy, t - 2 * ppy + H), m)}


def _reference(grid: SeriesMatrix, t: int, i: int) -> tuple[dict, float] | None:
    """One series' features and label at one origin, or None if it had no case in the year before."""
    ppy, w = windows(grid.freq)
    Y, T = grid.y, grid.y.shape[1]
    y = Y[i]
    if not _sum(y, t - ppy, t) > 0:
        return None
    seg = _window(y, t - ppy, t)
    seg = seg[~np.isnan(seg)]
    m = seg.mean()
    f = {"level": np.log1p(m), "cv": np.sqrt(max(seg.var(), 0)) / (m + _EPS), "zero_share": np.mean(seg == 0),
         "observed_share": len(seg) / ppy, "age": np.log1p(np.sum(~np.isnan(_window(y, t - 10 * ppy, t))))}
    for k, wi in enumerate(w, 1):
        f[f"ratio_w{k}"] = _lr(_mean(y, t - wi, t), m)
    own = _movement(y, t, ppy, w)
    f.update({k: own[k] for k in ("ly_next", "ly_ramp", "ly2_next")})
    ly_total, ly_normal = _sum(y, t - ppy, t - ppy + H), _mean(y, t - 2 * ppy, t - ppy)
    f["ly_wave_ratio"] = _lr(ly_total / H, ly_normal)
    f["ly_was_wave"] = np.nan if np.isnan(ly_normal) else float(ly_total >= RATIO * ly_normal * H and ly_total >= MIN)
    need = max(RATIO * m * H, MIN)
    f["need_lift"], f["need"] = np.log(need / (RATIO * m * H + _EPS)), np.log1p(need)
    keys = grid.keys
    for name, col, keep in (("cat", "category", ("ratio_w1", "ratio_w3", "ly_next", "ly_ramp", "ly2_next")),
                            ("area", "area", ("ratio_w1", "ratio_w3", "ly_next"))):
        members = np.flatnonzero(keys[col].to_numpy() == keys[col].iloc[i])
        g = _movement(np.nansum(Y[members], axis=0), t, ppy, w)  # the group's total per period
        f.update({f"{name}_{k}": g[k] for k in keep})
    tot = _movement(np.nansum(Y, axis=0), t, ppy, w)
    f["all_ratio_w3"], f["all_ly_next"] = tot["ratio_w3"], tot["ly_next"]
    phase = 2 * np.pi * period_of_year(period_at([t], grid.starts[0], grid.freq), grid.freq)[0] / ppy
    f["season_sin"], f["season_cos"] = np.sin(phase), np.cos(phase)
    total = _sum(y, t, t + H) if t + H <= T else np.nan
    label = float(total >= RATIO * m * H and total >= MIN) if t + H <= T else np.nan
    return f, label


@pytest.mark.parametrize("rows", [None, "sample"])
def test_every_feature_and_label_matches_the_per_series_reference(grid, rows):
    T = grid.y.shape[1]
    origins = np.array([40, 60, 111, 170, T - H, T])  # a short history, full years, the last labelled, scoring
    sample = None if rows is None else np.sort(np.random.default_rng(0).choice(grid.y.shape[0], 70, replace=False))
    ex = examples(grid, origins, horizon=H, ratio=RATIO, min_cases=MIN, rows=sample)
    want = [(t, i, *r) for t in origins for i in (range(grid.y.shape[0]) if sample is None else sample)
            if (r := _reference(grid, int(t), int(i))) is not None]
    assert list(zip(ex.origin, ex.series)) == [(t, i) for t, i, _, _ in want]  # origin-major, active rows only
    ref = np.array([[f[k] for k in FEATURES] for _, _, f, _ in want])
    assert ex.X.dtype == np.float32 and not np.isnan(ex.X[:, FEATURES.index("cat_ly_next")]).all()
    for j, k in enumerate(FEATURES):
        np.testing.assert_allclose(ex.X[:, j], ref[:, j], rtol=1e-6, atol=1e-6, err_msg=k)
    np.testing.assert_array_equal(ex.label, np.array([lab for *_, lab in want]))
    assert np.isnan(ex.label[ex.origin == T]).all() and (ex.label[ex.origin == T - H] == 1).any()
