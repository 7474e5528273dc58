"""Tests of the sample district generator ``foresight.synth``."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError
from foresight.synth import DEFAULT_SEED, generate_district, write_district
from foresight.calendar import spring_festival
from foresight.synth.taxonomy import CATEGORY_SPECS, UNMATCHED_LABELS

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "district"
SMALL = dict(start="2024-01-01", end="2025-07-06", scale=0.3)
PII = ["姓名", "身份证号", "联系电话", "诉求内容"]


@pytest.fixture(scope="module")
def big():
    """Three years at full scale: enough for waves, campaigns and dispersion."""
    d = generate_district(seed=11, start="2022-11-21", end="2025-11-23")
    c = d.cases.copy()
    c["town"] = c.area.str[:6]
    c["comm"] = c.area.str[:10]
    c["week"] = c.received - pd.to_timedelta(c.received.dt.day_of_week, unit="D")
    return d, c


@pytest.fixture(scope="module")
def small():
    return generate_district(seed=5, **SMALL)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _read_export(path: Path) -> pd.DataFrame:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    from io import StringIO

    return pd.read_csv(StringIO(raw.decode("gb18030")), dtype=str, keep_default_na=False)


def test_same_seed_same_bytes_other_seed_differs(tmp_path, small):
    write_district(small, tmp_path / "a")
    write_district(generate_district(seed=5, **SMALL), tmp_path / "b")
    write_district(generate_district(seed=6, **SMALL), tmp_path / "c")
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert a == b
    assert set(a) == set(c)
    assert a["exports/cases_history.csv.gz"] != c["exports/cases_history.csv.gz"]
    assert a["areas.csv"] != c["areas.csv"]


def test_area_tree_shape_and_breaks(small):
    a = small.areas
    lv = a.level.value_counts()
    assert lv["district"] == 1 and lv["town"] >= 8 and lv["community"] >= 150
    assert (a.groupby("level").size()["grid"] >= 2 * lv["community"])
    codes = set(a.code)
    assert a.loc[a.level != "district", "parent"].isin(codes).all()
    pat = {"district": r"D\d\d", "town": r"D\d\dT\d\d", "community": r"D\d\dT\d\dC\d{3}",
           "grid": r"D\d\dT\d\dC\d{3}G\d"}
    for level, p in pat.items():
        assert a.loc[a.level == level, "code"].str.fullmatch(p).all(), level
    ended = a[(a.level == "community") & (a.end != "")]
    started = a[(a.level == "community") & (a.start != "")]
    assert len(ended) == 2 and len(started) == 2  # the merger's two old villages; the merger + the estate
    kinds = set(small.breaks.kind)
    assert {"new_area", "merger", "area_end", "developer_failure", "project_start"} <= kinds
    # no case in an area outside its life
    life = a.set_index("code")
    cs = small.cases.join(life[["start", "end"]], on="area")
    assert not ((cs.start != "") & (cs.received < pd.to_datetime(cs.start.where(cs.start != "")))).any()
    assert not ((cs.end != "") & (cs.received > pd.to_datetime(cs.end.where(cs.end != "")))).any()
    # populations grow overall
    p = small.populations.groupby("year").population.sum()
    assert p.iloc[-1] > p.iloc[0]


def test_cases_are_canonical_and_free_of_personal_data(small):
    c = small.cases
    assert list(c.columns) == ["case_id", "received", "area", "category", "category_raw", "channel", "collective",
                               "headcount", "repeat", "level", "closed", "source", "source_row"]
    assert c.case_id.is_unique
    assert c[["received", "area", "category"]].notna().all().all()
    assert str(c.received.dtype) == "datetime64[ns]" and (c.received == c.received.dt.normalize()).all()
    assert set(c.channel.unique()) <= {"visit", "letter", "phone", "online", "other"}
    assert set(c.level.unique()) <= {"town", "district", "city", "province", "national"}
    assert c.area.isin(small.areas.loc[small.areas.level == "grid", "code"]).all()
    assert c.category.isin(small.categories.code).all()
    assert ((c.closed >= c.received) | c.closed.isna()).all()
    assert (c.headcount[c.collective] >= 5).all() and (c.headcount[~c.collective] == 1).all()
    text = c.astype(str).to_numpy().ravel()
    assert not any(re.fullmatch(r"\d{17}[\dX]|1[3-9]\d{9}", str(v)) for v in text)


def test_raw_labels_match_their_category_only(small):
    def matches(label: str) -> set[str]:
        return {s.code for s in CATEGORY_SPECS
                if label == s.name_zh or label in s.aliases or any(k in label for k in s.keywords)}

    c = small.cases
    pairs = c[["category", "category_raw"]].drop_duplicates()
    unmatched = pairs.category_raw.isin(UNMATCHED_LABELS)
    assert all(matches(r.category_raw) == {r.category} for r in pairs[~unmatched].itertuples())
    assert all(matches(x) == set() for x in UNMATCHED_LABELS)
    share_name = (c.category_raw == c.category.map(dict(zip(small.categories.code, small.categories.name_zh)))).mean()
    assert 0.7 < share_name < 0.9
    assert 0.005 < c.category_raw.isin(UNMATCHED_LABELS).mean() < 0.05


def test_raw_export_has_pii_mixed_dates_and_defects(tmp_path, small):
    write_district(small, tmp_path)
    h = _read_export(tmp_path / "exports" / "cases_history.csv.gz")
    for col in PII + ["所属镇街", "所属社区"]:
        assert col in h.columns
    ids = h["身份证号"]
    assert ids.str.fullmatch(r"\d{17}[\dX]").all()
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = ids.map(lambda s: "10X98765432"[sum(int(ch) * wi for ch, wi in zip(s[:17], w)) % 11])
    assert (check == ids.str[17]).all()
    assert h["联系电话"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert h["诉求内容"].str.contains(r"[\u4e00-\u9fff]{4}").all()
    d = h["登记日期"]
    for pat in [r"\d{4}-\d\d-\d\d", r"\d{4}/\d{1,2}/\d{1,2}", r"\d{4}年\d{1,2}月\d{1,2}日",
                r"\d{4}/\d{1,2}/\d{1,2} \d\d:\d\d", r"\d{5}"]:
        assert d.str.fullmatch(pat).any(), pat
    # the planted defects
    defects = small.defects
    k = defects.kind.value_counts()
    assert set(k.index) == {"bad_date", "future_date", "missing_area", "unknown_area", "missing_category",
                            "duplicate_id"}
    assert (k >= 5).all()
    assert (h["信访件编号"].value_counts() == 2).sum() == k["duplicate_id"]
    assert (h["网格编码"] == "").sum() == k["missing_area"]
    assert (h["问题类别"] == "").sum() == k["missing_category"]
    unknown = ~h["网格编码"].isin(small.areas.code) & (h["网格编码"] != "")
    assert unknown.sum() == k["unknown_area"]
    parsed = pd.to_datetime(d.where(d.str.fullmatch(r"\d{4}-\d\d-\d\d")), errors="coerce")
    assert (parsed > small.end).sum() == k["future_date"]


def test_weekly_exports_overlap_and_update(tmp_path, small):
    write_district(small, tmp_path)
    h = _read_export(tmp_path / "exports" / "cases_history.csv.gz")
    w1 = _read_export(tmp_path / "exports" / "export_week_1.csv")
    w2 = _read_export(tmp_path / "exports" / "export_week_2.csv")
    assert list(w1.columns) == list(h.columns) == list(w2.columns)
    ids1, ids2 = set(w1["信访件编号"]), set(w2["信访件编号"])
    assert ids1 & ids2 and ids1 & set(h["信访件编号"]) and ids2 & set(h["信访件编号"])
    both = w1.merge(w2, on="信访件编号", suffixes=("_1", "_2"))
    filled = (both["办结日期_1"] == "") & (both["办结日期_2"] != "")
    assert filled.sum() > 0
    assert ((both["办结日期_1"] != "") & (both["办结日期_2"] == "")).sum() == 0


def test_enrolment_wave_mar_sep_in_migrant_towns(big):
    d, c = big
    e = c[c.category == "school_enrolment"]
    in_season = e.groupby("town").apply(lambda f: f.received.dt.month.between(3, 9).mean(), include_groups=False)
    industrial = ["D01T03", "D01T04", "D01T05"]
    urban = ["D01T01", "D01T02", "D01T09"]
    assert (in_season[industrial] > 0.85).all()
    assert in_season[industrial].min() > in_season[urban].max()
    per_town = e.groupby("town").size()
    pop = d.areas.set_index("code").population
    rate = per_town / pop[per_town.index]
    assert rate[industrial].min() > 3 * rate[urban].max()
    # the peak week of a migrant-heavy town reaches tens of cases
    weekly = e[e.town == "D01T05"].groupby("week").size()
    assert weekly.max() >= 20
    assert set(industrial) <= set(d.waves.loc[d.waves.category == "school_enrolment", "area"])


def test_wage_wave_rises_before_spring_festival(big):
    _, c = big
    w = c[(c.category == "wage_arrears") & c.town.isin(["D01T03", "D01T04", "D01T05"])]
    for year in (2023, 2024, 2025):
        sf = spring_festival(year)

        def per_day(a: int, b: int) -> float:
            return w.received.between(sf + pd.Timedelta(days=a), sf + pd.Timedelta(days=b - 1)).sum() / (b - a)

        early, late, after = per_day(-42, -28), per_day(-21, -7), per_day(60, 120)
        assert late > 1.5 * early > 1.5 * after, (year, early, late, after)


def test_campaigns_damp_the_wave(big):
    d, c = big
    camp = d.campaigns.set_index(["area", "category"])
    assert (d.campaigns.effect < 1).all() and (d.campaigns.prevented > 0).all()
    e = c[(c.category == "school_enrolment") & c.received.dt.month.between(3, 9)]
    by = e.groupby(["town", e.received.dt.year]).size()
    # T03 outreach in 2024 (effect 0.4), T04 in 2025 (effect 0.5); T05 had none
    assert camp.loc[("D01T03", "school_enrolment"), "start"].startswith("2024")
    assert by["D01T03", 2024] < 0.7 * (by["D01T03", 2023] + by["D01T03", 2025]) / 2
    assert by["D01T04", 2025] < 0.7 * (by["D01T04", 2023] + by["D01T04", 2024]) / 2
    control = by["D01T05", 2024] / ((by["D01T05", 2023] + by["D01T05", 2025]) / 2)
    assert 0.8 < control < 1.25


def test_weekly_counts_are_overdispersed(big):
    _, c = big
    quiet = c[c.category.isin(["property_mgmt", "traffic", "medical"])]
    x = quiet.groupby(["comm", "category", "week"]).size().unstack(fill_value=0).to_numpy(dtype=float)
    mu = x.mean(axis=1, keepdims=True)
    alpha = (((x - mu) ** 2 - x).sum()) / (np.broadcast_to(mu, x.shape) ** 2).sum()
    assert alpha > 0.08  # Poisson would give ~0; the generator's gamma factor has 1/shape = 1/6
    assert (x == 0).mean() > 0.2  # many sparse series


def test_holidays_suppress_office_channels_and_makeup_days_work(big):
    _, c = big
    import chinese_calendar

    day = c.groupby(["received", "channel"]).size().unstack(fill_value=0)
    dates = day.index.date
    makeup = np.array([chinese_calendar.is_workday(x) and x.weekday() >= 5 for x in dates])
    weekend = np.array([not chinese_calendar.is_workday(x) and x.weekday() >= 5 for x in dates])
    sf_week = np.zeros(len(day), dtype=bool)
    for y in (2023, 2024, 2025):
        sf = spring_festival(y)
        sf_week |= (day.index >= sf) & (day.index < sf + pd.Timedelta(days=4))
    assert makeup.sum() >= 5
    assert day.visit[makeup].mean() > 3 * day.visit[weekend].mean()
    workday = np.array([chinese_calendar.is_workday(x) for x in dates])
    assert day.visit[sf_week].mean() < 0.2 * day.visit[workday].mean()
    assert day.online[sf_week].mean() > 0.2 * day.online[workday].mean()


def test_bad_options_raise():
    with pytest.raises(ConfigError, match="scale"):
        generate_district(seed=1, start="2024-01-01", end="2024-12-31", scale=0)
    with pytest.raises(ConfigError, match="120 days"):
        generate_district(seed=1, start="2024-01-01", end="2024-02-01")


def test_exports_round_trip_through_ingest(tmp_path, small):
    ingest = pytest.importorskip("foresight.ingest")
    write_district(small, tmp_path)
    files = [tmp_path / "exports" / n for n in ("cases_history.csv.gz", "export_week_1.csv", "export_week_2.csv")]
    res = ingest.read_cases(files, mapping=tmp_path / "mapping.toml", areas=tmp_path / "areas.csv",
                            categories=tmp_path / "categories.csv", as_of=small.end)
    got = res.cases.set_index("case_id")
    truth = small.cases.set_index("case_id")
    assert got.index.is_unique and got.index.isin(truth.index).all()
    # only the planted defects (not superseded by a weekly export) are lost
    assert len(truth) - len(got) <= (small.defects.kind != "duplicate_id").sum()
    j = got.merge(truth, how="left", left_index=True, right_index=True, suffixes=("", "_t"))
    for col in ["received", "area", "channel", "collective", "headcount", "repeat", "level"]:
        assert (j[col].astype(str) == j[col + "_t"].astype(str)).all(), col
    matched = j.category != "other"
    assert (j.category[matched] == j.category_t[matched]).all()
    missing = small.defects.loc[small.defects.kind == "missing_category", "case_id"]
    assert (j.category_raw_t[~matched].isin(UNMATCHED_LABELS) | j.index[~matched].isin(missing)).all()
    assert not set(res.cases.columns) & {"姓名", "身份证号", "联系电话", "诉求内容"}


def test_cli_synth_writes_files_and_exits_2_on_bad_options(tmp_path):
    from typer.testing import CliRunner

    import foresight.cli.synth_cmd  # noqa: F401  (registers the command)
    from foresight.cli._app import EXIT_OK, EXIT_USAGE, app

    runner = CliRunner()
    ok = runner.invoke(app, ["synth", "--out", str(tmp_path), "--seed", "3", "--start", "2024-01-01",
                             "--end", "2024-06-30", "--scale", "0.1"])
    assert ok.exit_code == EXIT_OK, ok.output
    assert (tmp_path / "exports" / "cases_history.csv.gz").exists() and (tmp_path / "truth" / "waves.csv").exists()
    for args in (["--start", "banana"], ["--end", "2024-01-15", "--start", "2024-01-01"],
                 ["--start", "2026-06-01", "--end", "2027-06-30"]):
        bad = runner.invoke(app, ["synth", "--out", str(tmp_path / "bad"), *args])
        assert bad.exit_code == EXIT_USAGE, (args, bad.output)
        assert "error:" in bad.output
    assert not (tmp_path / "bad").exists()


@pytest.mark.skipif(not (SAMPLES / "README.md").exists(), reason="committed samples not present")
def test_committed_samples_equal_fresh_generation(tmp_path):
    assert f"--seed {DEFAULT_SEED}" in (SAMPLES / "README.md").read_text(encoding="utf-8")
    write_district(generate_district(seed=DEFAULT_SEED), tmp_path)
    assert _digests(tmp_path) == _digests(SAMPLES)
