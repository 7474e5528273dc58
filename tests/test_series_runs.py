"""The shared layer on integer codes: series coded on their runs, duplicates by key, flags worded when kept.

``check_panel`` and ``to_matrix`` code each (area, category) run once instead of hashing every row;
these tests hold them to what pandas says of the same frame in any row order and key dtype, and
``flags`` to the same flags whether or not the ``max_flags`` cut comes before the reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foresight.errors import DataError
from foresight.matrix import to_matrix
from foresight.schemas import KEYS, check_panel, key_codes, series_runs

DS = pd.date_range("2021-01-04", periods=120, freq="W-MON")


def _panel(n_area: int = 6, n_cat: int = 3, *, seed: int = 0) -> pd.DataFrame:
    """Sorted weekly panel; series start at different weeks, so their spans differ."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_area):
        for c in range(n_cat):
            ds = DS[int(rng.integers(0, 40)):]
            rows.append(pd.DataFrame({"area": f"A{a}", "category": f"c{c}", "ds": ds,
                                      "y": rng.poisson(3.0 + a, len(ds))}))
    return pd.concat(rows, ignore_index=True)


def _shuffled(p: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    return p.sample(frac=1.0, random_state=seed)


def test_runs_and_codes_of_a_sorted_and_a_shuffled_panel_agree_with_pandas():
    p = _panel()
    for frame in (p, _shuffled(p)):
        runs = series_runs(frame["area"], frame["category"])
        lengths = np.diff(np.append(runs, len(frame)))
        codes, uniques = key_codes(frame["area"].iloc[runs], sort=True)
        got = np.asarray(uniques)[np.repeat(codes, lengths)]
        assert (got == frame["area"].to_numpy()).all()
        assert list(uniques) == sorted(frame["area"].unique())
        # a run never spans two series
        run_of_row = np.repeat(np.arange(len(runs)), lengths)
        pair = (frame["area"] + "|" + frame["category"]).to_numpy()
        assert pd.Series(pair).groupby(run_of_row).nunique().eq(1).all()
    assert len(series_runs(p["area"], p["category"])) == p.groupby(["area", "category"]).ngroups


@pytest.mark.parametrize("categorical", [False, True])
def test_missing_keys_are_counted_in_runs_and_the_first_row_named(categorical):
    p = _panel(2, 1)
    area = p["area"].astype(object)
    bad = [3, 4, 5, 40]  # a run of missing values and a lone one
    area.iloc[bad[:2]] = None
    area.iloc[bad[2:]] = np.nan
    p = p.assign(area=area.astype("category") if categorical else area)
    want = int(p["area"].isna().sum())
    first = p.index[p["area"].isna().to_numpy()][0]
    with pytest.raises(DataError, match=rf"column area has {want} missing value\(s\) \(first at row {first}\)"):
        check_panel(p)


@pytest.mark.parametrize("order", ["sorted", "shuffled", "split"])
def test_duplicates_are_found_in_any_row_order_with_pandas_count_and_first_row(order):
    p = _panel()
    dup_rows = p.iloc[[7, 90, 91]]
    if order == "sorted":
        p = pd.concat([p, dup_rows]).sort_values(list(KEYS), kind="stable")
    elif order == "shuffled":
        p = _shuffled(pd.concat([p, dup_rows]))
    else:  # a series' rows in two runs, repeating one date
        p = pd.concat([p.iloc[:200], dup_rows.iloc[:1], p.iloc[200:]])
    mask = p.duplicated(list(KEYS)).to_numpy()
    first = p[mask].iloc[0]
    with pytest.raises(DataError, match=rf"{int(mask.sum())} duplicate \(area, category, ds\) row\(s\), first "
                                        rf"area='{first['area']}' category='{first['category']}' "
                                        rf"ds={first['ds'].date()}"):
        check_panel(p)


def test_a_series_in_two_runs_without_repeated_dates_is_not_a_duplicate():
    p = _panel()
    a_series = (p["area"] == "A0") & (p["category"] == "c0")
    late = p[a_series].tail(5)
    split = pd.concat([p.drop(late.index), late], ignore_index=True)
    assert len(series_runs(split["area"], split["category"])) == p.groupby(["area", "category"]).ngroups + 1
    assert len(check_panel(split)) == len(p)


@pytest.mark.parametrize("gaps", ["zero", "missing"])
def test_matrix_is_the_same_for_any_row_order_and_key_dtype(gaps):
    p = check_panel(_panel())
    p.attrs["as_of"] = DS[-1] + pd.Timedelta(weeks=3)
    before = DS[30]  # some series start later: they have no row before it and must not appear
    want = to_matrix(p, "W", gaps=gaps, before=before)
    assert len(want.keys) < p.groupby(["area", "category"]).ngroups
    shuffled = _shuffled(p)
    cat = p.assign(area=p["area"].astype("category"), category=p["category"].astype("category"))
    for other in (shuffled, cat, _shuffled(cat)):
        other.attrs = dict(p.attrs)
        got = to_matrix(other, "W", gaps=gaps, before=before)
        pd.testing.assert_frame_equal(got.keys, want.keys)
        np.testing.assert_array_equal(got.y, want.y)
        assert got.starts.equals(want.starts)


def test_flags_worded_after_the_cut_are_the_flags_worded_before_it():
    """The reasons rendered for the kept flags only are those of the same flags in the uncut list."""
    from foresight.forecasting import forecast
    from foresight.warning import flags, surges, waves

    p = _panel(8, 3, seed=3)
    rng = np.random.default_rng(4)
    rise = p["area"].isin(["A2", "A5"]) & (p["ds"] >= DS[-6])
    p.loc[rise, "y"] = p.loc[rise, "y"] + rng.poisson(25, int(rise.sum()))  # a few series rise at the end
    as_of = DS[-1] + pd.Timedelta(weeks=1)
    fc = forecast(p, 13, country="CN")
    fc["mean"] = fc["mean"] * np.where(fc["area"].isin(["A1", "A3"]), 3.0, 1.0)  # waves coming, no surge now
    wv, sg = waves(p, as_of=as_of), surges(p, as_of)
    every = flags(p, as_of, forecasts=fc, waves=wv, surges=sg, max_flags=None, min_excess=0)
    assert len(every) >= 4 and {"wave", "wave+surge"} <= set(every["kind"]), every["kind"].tolist()
    k = len(every) // 2
    cut = flags(p, as_of, forecasts=fc, waves=wv, surges=sg, max_flags=k, min_excess=0)
    pd.testing.assert_frame_equal(cut, every.head(k))
    zh = flags(p, as_of, forecasts=fc, waves=wv, surges=sg, max_flags=k, min_excess=0, language="zh")
    assert zh["id"].tolist() == cut["id"].tolist() and (zh["reason"] != cut["reason"]).all()
    # the same flags from the panel in another row order (the unsorted paths of the shared layer)
    other = flags(_shuffled(p), as_of, forecasts=fc, waves=wv, surges=sg, max_flags=None, min_excess=0)
    pd.testing.assert_frame_equal(other, every)
