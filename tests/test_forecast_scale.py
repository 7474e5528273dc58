"""The code paths that make the forecast engine fast on many series give the same numbers as the
direct ones: sparse reconciliation (many areas), the area grouping of ``aggregation`` and the weekly
period index of ``to_matrix``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foresight.errors import DataError
from foresight.forecasting import reconcile as rec
from foresight.matrix import to_matrix
from foresight.schemas import check_panel
from foresight.forecasting.reconcile import ALL, aggregation, reconcile_wls


def _keys(n_area: int, n_cat: int, rng: np.random.Generator, drop: float = 0.3) -> pd.DataFrame:
    k = pd.DataFrame({
        "area": np.repeat([f"a{i}" for i in range(n_area)], n_cat),
        "category": np.tile([f"c{j}" for j in range(n_cat)], n_area),
    })
    return k[rng.uniform(size=len(k)) > drop].reset_index(drop=True)  # not every area has every category


@pytest.mark.parametrize("tree", [False, True])
def test_sparse_reconciliation_matches_dense(tree: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    keys = _keys(60, 6, rng)
    parent = {f"a{i}": f"P{i % 4}" for i in range(60)} | {f"P{j}": "R" for j in range(4)} if tree else None
    _, A = aggregation(keys, parent=parent)
    n, H = len(keys), 5
    b = rng.gamma(1.0, 3.0, (n, H))
    agg = np.asarray(A @ b) * rng.uniform(0.7, 1.3, (A.shape[0], H))
    vb, va = b + 0.4 * b**2, agg + 0.1 * agg**2
    monkeypatch.setattr(rec, "DENSE_NODES", 10**9)
    dense = reconcile_wls(b, agg, A, vb, va)
    monkeypatch.setattr(rec, "DENSE_NODES", 0)
    sparse_ = reconcile_wls(b, agg, A, vb, va)
    np.testing.assert_allclose(sparse_, dense, rtol=1e-9, atol=1e-12)
    # and it did reconcile: the bottom means moved toward the aggregates
    assert np.abs(np.asarray(A @ sparse_) - agg).sum() < np.abs(np.asarray(A @ b) - agg).sum()


@pytest.mark.parametrize("tree", [False, True])
def test_aggregation_members_are_the_series_of_each_node(tree: bool) -> None:
    rng = np.random.default_rng(3)
    keys = _keys(25, 4, rng).sample(frac=1.0, random_state=1).reset_index(drop=True)  # unsorted rows
    # a leaf area that is also the parent of another area counts both
    parent = {"a1": "P", "a2": "P", "P": "R", "a3": "R", "a10": "a1"} if tree else {}
    nodes, A = aggregation(keys, parent=parent or None)

    def ancestors(a: str) -> list[str]:
        out = []
        while a in parent:
            a = parent[a]
            out.append(a)
        return out

    A = A.tocsr()
    for i, (area, cat) in enumerate(zip(nodes["area"], nodes["category"], strict=True)):
        got = A.indices[A.indptr[i]:A.indptr[i + 1]]
        want = np.flatnonzero([
            (area == ALL or area == a or area in ancestors(a)) and (cat == ALL or cat == c)
            for a, c in zip(keys["area"], keys["category"], strict=True)
        ])
        np.testing.assert_array_equal(np.sort(got), want)


def test_weekly_index_and_weekday_check() -> None:
    ds = pd.date_range("2021-01-04", periods=6, freq="W-MON")
    p = pd.DataFrame({"area": "a", "category": "c", "ds": ds[[0, 2, 5]], "y": [1, 2, 3]})
    M = to_matrix(check_panel(p), "W")
    assert M.y.tolist() == [[1.0, 0.0, 2.0, 0.0, 0.0, 3.0]]
    # times of day do not move a period (the days are counted, as before)
    p2 = p.assign(ds=p["ds"] + pd.Timedelta(hours=13))
    assert to_matrix(check_panel(p2), "W").y.tolist() == M.y.tolist()
    bad = p.assign(ds=p["ds"].where(p.index != 1, p["ds"] + pd.Timedelta(days=1)))
    with pytest.raises(DataError, match="must all start on Monday"):
        to_matrix(check_panel(bad), "W")
    # second-resolution dates take the general path and agree
    p3 = p.assign(ds=p["ds"].astype("datetime64[s]"))
    assert to_matrix(check_panel(p3), "W").y.tolist() == M.y.tolist()


def _mixed_panel(n: int, seed: int) -> pd.DataFrame:
    """``n`` weekly series: busy, sparse, all-zero, late starters, level shifts, bursts and gaps."""
    rng = np.random.default_rng(seed)
    T = 200
    ds = pd.date_range("2021-01-04", periods=T, freq="W-MON")
    t = np.arange(T)
    level = rng.lognormal(0.0, 1.5, n)
    mu = level[:, None] * (1 + rng.uniform(0, 0.8, n)[:, None] * np.sin(2 * np.pi * t / 52 + rng.uniform(0, 6, n)[:, None]))
    mu[n // 7::7] *= np.where(t >= 150, 3.0, 1.0)  # level shifts
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu)).astype(float)
    y[n // 5::9, 120:124] += 40  # bursts
    y[::11] = 0  # no cases at all
    frame = pd.DataFrame({"area": np.repeat([f"a{i // 8:03d}" for i in range(n)], T),
                          "category": np.repeat([f"c{i % 8}" for i in range(n)], T),
                          "ds": np.tile(ds, n), "y": y.ravel()})
    start = np.repeat(np.where(np.arange(n) % 6 == 0, rng.integers(0, 150, n), 0), T)  # late starters
    keep = (np.tile(t, n) >= start) & (rng.uniform(size=n * T) > 0.01)  # and gaps
    return frame[keep].reset_index(drop=True)


def test_engine_in_blocks_of_series_equals_the_whole_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine and the Poisson IRLS work a block of series at a time (speed); with blocks of 7
    series they give the numbers of one whole-matrix block (the code before blocking)."""
    from foresight import _glm
    from foresight.forecasting import _core, forecast, forecast_hierarchy
    from foresight.warning import surges

    panel = _mixed_panel(300, 5)
    as_of = panel["ds"].max() + pd.Timedelta(weeks=1)

    def run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return (forecast(panel, 8, country="CN"), forecast_hierarchy(panel, 8, country="CN"),
                surges(panel, as_of, freq="W"))

    monkeypatch.setattr(_glm, "BLOCK", 10**9)
    monkeypatch.setattr(_core, "BLOCK", 10**9)
    whole = run()
    monkeypatch.setattr(_glm, "BLOCK", 7)
    monkeypatch.setattr(_core, "BLOCK", 7)
    blocked = run()
    assert whole[0]["note"].str.startswith("level shift").any() and (whole[0]["note"] == "no cases yet").any()
    assert len(whole[2]) > 0  # the bursts were found
    for a, b in zip(whole, blocked, strict=True):
        pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-9, atol=1e-12)
