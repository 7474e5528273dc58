"""Partitioned runs: on a dask LocalCluster the same frames as on one machine; failures named and retried."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

pytest.importorskip("distributed")
from distributed import Client, LocalCluster  # noqa: E402

import foresight.distributed._partition as partition  # noqa: E402
from _support import synthetic_province  # noqa: E402
from foresight.distributed import run_pipeline  # noqa: E402
from foresight.errors import ClusterError, ConfigError, PartitionError  # noqa: E402
from foresight.forecasting import forecast  # noqa: E402
from foresight.panel import rollup, to_panel  # noqa: E402
from foresight.synth import generate_district  # noqa: E402
from foresight.warning import flags, surges, waves  # noqa: E402

FRAMES = ("forecasts", "waves", "surges", "flags", "category_forecasts", "total_forecast")
Q = (0.1, 0.5, 0.9)


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def sample():
    return generate_district()


@pytest.fixture(scope="module")
def province():
    """Three small districts D01..D03 (different seeds) in one area tree: a synthetic province."""
    return synthetic_province((21, 22, 23), scale=0.04)


def _same(a, b):
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-9)


def test_one_district_on_a_cluster_is_the_single_machine_pipeline(sample, client):
    as_of = pd.Timestamp("2026-11-23")
    kw = dict(as_of=as_of, horizon=13, areas=sample.areas, level="community", categories=sample.categories,
              language="zh", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_pipeline(sample.cases, engine="dask", cluster=client, **kw)
        panel = to_panel(sample.cases, as_of=as_of, areas=sample.areas, level="community")
        panel.attrs["country"] = "CN"
        fc = forecast(panel, 13, quantiles=Q, freq="W", country="CN", seed=0)
        level_cases = sample.cases.assign(area=res_tree_lift(sample, sample.cases["area"]))
        fl = flags(panel, as_of, 13, categories=sample.categories, areas=sample.areas, cases=level_cases,
                   forecasts=fc, language="zh", freq="W", country="CN", seed=0)
        cat_p = rollup(panel, over=("area",))
        tot_fc = forecast(rollup(panel, over=("area", "category")), 13, quantiles=Q, freq="W", country="CN")
    assert res.partitions == ["D01"] and res.series == panel.groupby(["area", "category"]).ngroups
    pd.testing.assert_frame_equal(res.forecasts, fc)
    pd.testing.assert_frame_equal(res.waves, waves(panel, as_of=as_of))
    pd.testing.assert_frame_equal(res.surges, surges(panel, as_of))
    pd.testing.assert_frame_equal(res.flags, fl)
    pd.testing.assert_frame_equal(res.category_panel, cat_p)
    pd.testing.assert_frame_equal(res.total_forecast, tot_fc)
    assert len(fl) == 20


def res_tree_lift(district, codes):
    from foresight.areas import load_areas

    return load_areas(district.areas).lift(codes, "community")


def test_province_on_a_cluster_equals_one_machine_and_each_district_alone(province, client, tmp_path):
    areas, cases = province
    kw = dict(as_of="2024-12-30", horizon=8, areas=areas, level="town", max_flags=None)
    local = run_pipeline(cases, **kw)
    dask = run_pipeline(cases, engine="dask", cluster=client, **kw)
    assert dask.partitions == ["D01", "D02", "D03"]
    _same(local, dask)
    # from a Parquet dataset partitioned by top-level area, read by the workers themselves
    path = tmp_path / "cases"
    for code in ("D01", "D02", "D03"):
        part = path / f"top_area={code}"
        part.mkdir(parents=True)
        cases[cases["area"].str.startswith(code)].to_parquet(part / "data_0.parquet")
    _same(local, run_pipeline(path, engine="dask", cluster=client, **kw))
    # a district's rows are what the public functions give on that district alone
    d2 = cases[cases["area"].str.startswith("D02")]
    panel = to_panel(d2, as_of="2024-12-30", areas=areas, level="town")
    alone = forecast(panel, 8, quantiles=Q, freq="W", country="CN")
    got = dask.forecasts[dask.forecasts["area"].str.startswith("D02")].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone)
    assert dask.series == local.series > 3 * 10 * 10


def test_a_failing_partition_is_retried_then_named(province, client, monkeypatch):
    areas, cases = province
    kw = dict(as_of="2024-12-30", horizon=4, areas=areas, level="district")
    attempts: dict[str, int] = {}

    def flaky(key):
        attempts[key] = attempts.get(key, 0) + 1
        if key == "D02" and attempts[key] == 1:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(partition, "_before_partition", flaky)
    res = run_pipeline(cases, engine="dask", cluster=client, **kw)
    assert attempts["D02"] == 2 and attempts["D01"] == 1 and res.partitions == ["D01", "D02", "D03"]

    def broken(key):
        if key == "D03":
            raise ValueError("bad counts in this district")

    monkeypatch.setattr(partition, "_before_partition", broken)
    for engine in ("local", "dask"):
        with pytest.raises(PartitionError, match=r"'D03'.*after 3 attempt\(s\): ValueError: bad counts") as err:
            run_pipeline(cases, engine=engine, cluster=client, retries=2, **kw)
        assert err.value.area == "D03"


def test_bad_engine_and_cluster_are_config_errors(province):
    areas, cases = province
    with pytest.raises(ConfigError, match="engine='spark'"):
        run_pipeline(cases, engine="spark", areas=areas)
    with pytest.raises(ConfigError, match="needs a cluster"):
        run_pipeline(cases, engine="dask", areas=areas)
    with pytest.raises(ConfigError, match="finer than the panel's level"):
        run_pipeline(cases, areas=areas, level="town", partition_level="community")


def test_an_unreachable_scheduler_is_named_before_any_work(province, monkeypatch):
    areas, cases = province
    started = []
    monkeypatch.setattr(partition, "_before_partition", started.append)
    with pytest.raises(ClusterError, match=r"cannot reach the dask scheduler at 'tcp://127\.0\.0\.1:9'"):
        run_pipeline(cases, engine="dask", cluster="tcp://127.0.0.1:9", areas=areas)
    assert started == []


def test_store_export_feeds_the_pipeline_like_the_cases_frame(province, tmp_path):
    import types

    from foresight.store import CaseStore

    areas, cases = province
    with CaseStore(tmp_path / "cases.duckdb") as store:
        store.ingest(types.SimpleNamespace(cases=cases, rejects=None, rows_read=len(cases), sources=None))
        dataset = store.export_parquet(tmp_path / "cases", areas=areas)
        stored = store.cases()
    assert sorted(p.name for p in dataset.iterdir()) == ["top_area=D01", "top_area=D02", "top_area=D03"]
    kw = dict(as_of="2024-12-30", horizon=4, areas=areas, level="district", max_flags=None)
    _same(run_pipeline(stored, **kw), run_pipeline(dataset, **kw))
