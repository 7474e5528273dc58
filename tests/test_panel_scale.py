"""The panel counted by DuckDB (Parquet files, the case store) is the pandas panel, on the sample district."""

from __future__ import annotations

import types

import pandas as pd
import pytest

from foresight.areas import load_areas
from foresight.errors import DataError
from foresight.panel import to_panel
from foresight.store import CaseStore
from foresight.synth import generate_district

SETTINGS = [
    {},
    {"level": "community", "tree": True},
    {"level": "town", "tree": True, "freq": "M"},
    {"tree": True, "as_of": "2025-03-05"},
]


@pytest.fixture(scope="module")
def district():
    return generate_district()


@pytest.fixture(scope="module")
def store(district, tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "cases.duckdb"
    with CaseStore(path) as s:
        s.ingest(types.SimpleNamespace(cases=district.cases, rejects=None, rows_read=len(district.cases),
                                       sources=None))
    return path


def _kw(setting: dict, district) -> dict:
    kw = {k: v for k, v in setting.items() if k != "tree"}
    if setting.get("tree"):
        kw["areas"] = load_areas(district.areas)
    return kw


@pytest.mark.parametrize("setting", SETTINGS)
def test_parquet_panel_is_the_pandas_panel(district, tmp_path, setting):
    kw = _kw(setting, district)
    path = tmp_path / "cases.parquet"
    district.cases.to_parquet(path)
    expect = to_panel(district.cases, **kw)
    got = to_panel(path, **kw)
    pd.testing.assert_frame_equal(got, expect)
    assert got.attrs == expect.attrs


@pytest.mark.parametrize("setting", SETTINGS)
def test_store_panel_is_the_pandas_panel(district, store, setting):
    kw = _kw(setting, district)
    with CaseStore(store, read_only=True) as s:
        expect = to_panel(s.cases(), **kw)
        got = s.panel(**kw)
    pd.testing.assert_frame_equal(got, expect)
    assert got.attrs == expect.attrs and len(got) > 1000


def test_exported_dataset_is_partitioned_by_top_level_area_and_reads_back(district, store, tmp_path):
    tree = load_areas(district.areas)
    with CaseStore(store, read_only=True) as s:
        raw = district.areas
        by_town = raw.assign(parent=raw["parent"].where(raw["level"] != "town", ""))
        out = s.export_parquet(tmp_path / "ds", areas=by_town)  # towns as roots: 10 partitions
        expect = to_panel(s.cases(), areas=tree, level="community")
    parts = sorted(p.name for p in out.iterdir())
    assert parts == sorted(f"top_area={c}" for c in tree.at_level("town"))
    got = to_panel(out, areas=tree, level="community")
    pd.testing.assert_frame_equal(got, expect)
    one = pd.read_parquet(out / parts[0])
    assert set(tree.ancestor(one["area"], "town")) == {parts[0].split("=")[1]}
    assert "name" not in one.columns and "row_hash" not in one.columns


def test_coarse_cases_warn_in_every_path(district, tmp_path):
    tree = load_areas(district.areas)
    cases = district.cases.head(50).assign(area=["D01T01"] * 3 + list(district.cases["area"].iloc[3:50]))
    cases.to_parquet(tmp_path / "c.parquet")
    for src in (cases, tmp_path / "c.parquet"):
        with pytest.warns(UserWarning, match="3 case\\(s\\) are recorded at an area coarser than 'community'"):
            to_panel(src, areas=tree, level="community")


def test_missing_parquet_and_columns_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="no Parquet file or folder"):
        to_panel(tmp_path / "nothing.parquet")
    pd.DataFrame({"received": pd.to_datetime(["2024-01-01"]), "area": ["A"]}).to_parquet(tmp_path / "x.parquet")
    with pytest.raises(DataError, match=r"lack column\(s\) \['category'\]"):
        to_panel(tmp_path / "x.parquet")


def test_stale_data_and_a_far_future_as_of_are_checked_in_every_path(district, store, tmp_path):
    import warnings

    path = tmp_path / "cases.parquet"
    district.cases.to_parquet(path)
    last = pd.Timestamp(district.cases["received"].max()).normalize()
    stale, far = last + pd.Timedelta(weeks=9), last + pd.Timedelta(days=800)
    with CaseStore(store, read_only=True) as s:
        sources = {"frame": lambda **kw: to_panel(district.cases, **kw), "parquet": lambda **kw: to_panel(path, **kw),
                   "store": s.panel}
        messages = {}
        for name, panel in sources.items():
            with pytest.warns(UserWarning, match=f"stale data: the latest case is from {last.date()}, 9 weeks") as w:
                panel(as_of=stale)
            assert w[0].filename == __file__, f"{name}: the warning names the caller's line"
            messages[name] = str(w[0].message)
            with pytest.raises(DataError, match=f"as-of {far.date()} is 114 weeks after the latest case "
                                                f"\\({last.date()}\\): the data do not reach it"):
                panel(as_of=far)
            with warnings.catch_warnings():  # the latest case before the as-of counts, not the latest of all
                warnings.simplefilter("error")
                panel(as_of="2025-03-05")
                panel(as_of=last + pd.Timedelta(weeks=2))
    assert len(set(messages.values())) == 1
