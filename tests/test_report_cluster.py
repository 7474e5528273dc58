"""`foresight report --cluster`: the forecasts, waves, surges and flags on a 2-worker dask LocalCluster,
one task per top-level area, give the report the single machine gives; an unreachable scheduler is named."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed")
from distributed import LocalCluster  # noqa: E402

from _support import SAMPLES, synthetic_province  # noqa: E402
from foresight.cli import report_cmd  # noqa: E402,F401  (registers the command)
from foresight.cli._app import app  # noqa: E402
from foresight.forecasting import forecast_hierarchy  # noqa: E402
from foresight.panel import ALL, to_panel  # noqa: E402
from foresight.report import build_report  # noqa: E402
from foresight.report.config import report_config_from_dict  # noqa: E402

UNREACHABLE = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                      dashboard_address=None) as c:
        yield c


def _run(*args: str):
    return CliRunner().invoke(app, ["report", *args, "--no-progress"], catch_exceptions=False)


def _config(folder: Path, extra: str = "") -> Path:
    """The sample district's weekly.toml with absolute inputs, no case store, reports under ``folder``."""
    text = (SAMPLES.parent / "weekly.toml").read_text(encoding="utf-8")
    text = text.replace('"district/', f'"{SAMPLES.as_posix()}/')
    text = re.sub(r"(?m)^store = .*$", "", text)
    text = re.sub(r"(?m)^out_dir = .*$", f'out_dir = "{(folder / "reports").as_posix()}"', text)
    path = folder / "weekly.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plain")
    res = _run("--config", str(_config(folder)))
    assert res.exit_code == 0, res.output
    return folder / "reports" / "weekly-2026-11-23"


def test_the_report_on_a_cluster_is_the_single_machine_report(plain, cluster, tmp_path):
    res = _run("--config", str(_config(tmp_path)), "--cluster", cluster.scheduler_address)
    assert res.exit_code == 0, res.output
    out = tmp_path / "reports" / "weekly-2026-11-23"
    one, two = pd.read_csv(plain / "flags.csv"), pd.read_csv(out / "flags.csv")
    assert len(one) == 20
    pd.testing.assert_frame_equal(two, one)
    fc1, fc2 = pd.read_parquet(plain / "forecasts.parquet"), pd.read_parquet(out / "forecasts.parquet")
    assert set(fc1["level"]) == {"area x category", "area", "category", "total"}
    pd.testing.assert_frame_equal(fc2, fc1, check_exact=False, rtol=1e-9)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["config"]["cluster"] == cluster.scheduler_address
    assert run["timings_s"]["partitions"]["count"] == 1  # the sample is one district: one partition
    assert "flags" not in run["timings_s"] and "cluster" in run["timings_s"]
    plain_run = json.loads((plain / "run.json").read_text(encoding="utf-8"))
    assert plain_run["config"]["cluster"] is None and "partitions" not in plain_run["timings_s"]


def test_an_unreachable_cluster_exits_1_naming_it_and_writes_nothing(cluster, tmp_path):
    config = _config(tmp_path, f'cluster = "{UNREACHABLE}"\n')
    res = _run("--config", str(config))
    assert res.exit_code == 1
    assert f"cannot reach the dask scheduler at '{UNREACHABLE}'" in res.output
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    # the command line overrides the config's cluster
    res = _run("--config", str(config), "--cluster", cluster.scheduler_address, "--as-of", "2026-11-16")
    assert res.exit_code == 0, res.output
    run = json.loads((tmp_path / "reports" / "weekly-2026-11-16" / "run.json").read_text(encoding="utf-8"))
    assert run["config"]["cluster"] == cluster.scheduler_address


def test_a_bad_cluster_value_is_a_config_error(tmp_path):
    res = _run("--config", str(_config(tmp_path, "cluster = 8786\n")))
    assert res.exit_code == 2 and "cluster = 8786" in res.output
    res = _run("--config", str(_config(tmp_path)), "--cluster", "tcp://host name:1")
    assert res.exit_code == 2 and "--cluster" in res.output


def _province() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three small districts D01..D03 (different seeds) in one area tree."""
    return synthetic_province((31, 32, 33), scale=0.03)


def test_a_province_runs_one_fit_per_district_and_sums_them(cluster, tmp_path):
    areas, cases = _province()
    areas.to_csv(tmp_path / "areas.csv", index=False)
    doc = {"store": "unused.duckdb", "areas": "areas.csv", "level": "town", "as_of": "2024-12-30", "horizon": 6,
           "backcheck": 0, "language": "en", "cluster": cluster.scheduler_address}
    cfg = report_config_from_dict(doc, base_dir=tmp_path, check_files=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the calendar's estimated-holiday warning
        res = build_report(cfg, cases=cases)
        d2 = to_panel(cases[cases["area"].str.startswith("D02")], as_of="2024-12-30", areas=areas, level="town")
        d2.attrs["country"] = "CN"
        alone = forecast_hierarchy(d2, 6, country="CN")
    hier = res.extra["hierarchy"]
    assert res.run["timings_s"]["partitions"]["count"] == 3 and res.run["model_fits"] == 4
    # a district's series and areas are its own fit, exactly
    for level in ("area x category", "area"):
        got = hier[(hier["level"] == level) & hier["area"].str.startswith("D02")].reset_index(drop=True)
        want = alone[alone["level"] == level].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want.assign(ds=pd.to_datetime(want["ds"])), check_exact=False, rtol=1e-9)
    # categories and the total sum the districts' series (each total is the sum of its parts)
    bottom = hier[hier["level"] == "area x category"]
    by_cat = bottom.groupby(["category", "ds"])["mean"].sum()
    cats = hier[hier["level"] == "category"].set_index(["category", "ds"])["mean"]
    np.testing.assert_allclose(cats.sort_index().to_numpy(), by_cat.sort_index().to_numpy(), rtol=1e-9)
    total = hier[hier["level"] == "total"]
    assert (total["area"] == ALL).all() and (total["category"] == ALL).all()
    np.testing.assert_allclose(total["mean"].to_numpy(), bottom.groupby("ds")["mean"].sum().to_numpy(), rtol=1e-9)
    for q in ("p10", "p50", "p90"):
        assert (hier[q] >= 0).all()
    assert (total["p10"] <= total["mean"]).all() and (total["mean"] <= total["p90"]).all()
    # flags are ranked over the three districts together
    assert res.flags["rank"].tolist() == list(range(1, len(res.flags) + 1))
    assert (np.diff(res.flags["score"].to_numpy()) <= 0).all()
