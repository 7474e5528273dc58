"""Tests of ``foresight.warning.flags``: ranked flags with reasons, lead time, surges, escalations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import functools

from foresight.errors import ConfigError, DataError
from foresight.warning import FLAG_COLUMNS, expected_totals
from foresight.warning import flags as library_flags

# These are the rule trigger's tests (gamma-Poisson probability, seasonal lead, reasons, kinds): ``flags``
# here is the library's with ``wave_model="rule"``; the learned default is tested in test_flags_learned.py.
flags = functools.partial(library_flags, wave_model="rule")

DS = pd.date_range("2019-01-07", "2024-12-30", freq="W-MON")
WOY = np.minimum(np.asarray(DS.day_of_year) - 1, 363) // 7 + 1
TAXONOMY = pd.DataFrame({
    "code": ["school", "roads", "wage"],
    "name_zh": ["入学", "道路", "欠薪"],
    "name_en": ["School enrolment", "Roads", "Wage arrears"],
    "theme": ["入学政策宣讲", "道路安全宣讲", "根治欠薪宣讲"],
    "department": ["教育局", "交通运输局", "人社局"],
})


def _nb(rng, mu, phi=1.5):
    size = mu / (phi - 1)
    return rng.negative_binomial(size, size / (size + mu))


def _raised_cosine(wk, onset, peak, end):
    up = (wk >= onset) & (wk < peak)
    dn = (wk >= peak) & (wk <= end)
    out = np.zeros(len(wk))
    out[up] = 0.5 * (1 - np.cos(np.pi * (wk[up] - onset) / (peak - onset)))
    out[dn] = 0.5 * (1 + np.cos(np.pi * (wk[dn] - peak) / (end - peak)))
    return out


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Two towns with a March-September enrolment wave (weeks 10-39), roads flat, wage flat."""
    rng = np.random.default_rng(17)
    rows = []
    for area, amp in (("T1", 4.0), ("T2", 2.5)):
        rows.append(pd.DataFrame({"area": area, "category": "school", "ds": DS,
                                  "y": _nb(rng, 5 * (1 + amp * _raised_cosine(WOY, 10, 24, 39)))}))
        rows.append(pd.DataFrame({"area": area, "category": "roads", "ds": DS, "y": _nb(rng, np.full(len(DS), 6.0))}))
    p = pd.concat(rows, ignore_index=True)
    p.attrs["freq"] = "W"
    return p


def _stub_forecast(panel, as_of, horizon=13, *, bump=None):
    """Flat forecasts at each series' last-year mean; ``bump`` = {(area, category): weekly mean}."""
    fut = pd.date_range(as_of, periods=horizon, freq="W-MON")
    hist = panel[panel.ds < as_of]
    lvl = hist[hist.ds >= as_of - pd.Timedelta(weeks=52)].groupby(["area", "category"])["y"].mean()
    rows = []
    for (a, c), m in lvl.items():
        mean = np.full(horizon, float(m))
        if bump and (a, c) in bump:
            mean[:] = bump[(a, c)]
        rows.append(pd.DataFrame({"area": a, "category": c, "ds": fut, "mean": mean,
                                  "p10": np.floor(mean * 0.6), "p90": np.ceil(mean * 1.4)}))
    return pd.concat(rows, ignore_index=True)


def test_flags_are_ranked_and_carry_reasons_theme_and_department(panel):
    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of, bump={("T1", "roads"): 20.0, ("T2", "roads"): 12.0})
    out = flags(hist, as_of, forecasts=fc, categories=TAXONOMY, kinds=("wave",), seasonal=False)
    assert out["area"].tolist() == ["T1", "T2"] and (out["kind"] == "wave").all()
    assert out["rank"].tolist() == [1, 2]
    assert out["score"].is_monotonic_decreasing
    assert (out["theme"] == "道路安全宣讲").all() and (out["department"] == "交通运输局").all()
    t1 = out.iloc[0]
    assert t1.expected == pytest.approx(260) and t1.baseline == pytest.approx(6 * 13, rel=0.25)
    assert t1.expected_lo < t1.expected < t1.expected_hi
    # no season and no level shift behind this rise: the reason must not call it a seasonal wave
    assert t1.reason.startswith("Roads rise expected from week 1") and "seasonal wave" not in t1.reason
    assert "no recurring season or level shift found" in t1.reason
    assert "260 cases from 2025-01-06 to 2025-03-31" in t1.reason
    zh = flags(hist, as_of, forecasts=fc, categories=TAXONOMY, kinds=("wave",), seasonal=False, language="zh")
    assert zh.iloc[0].reason.startswith("预计第1周（1月上旬）起道路上升") and "季节性波峰" not in zh.iloc[0].reason


def test_wave_thresholds_are_configurable(panel):
    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of, bump={("T1", "roads"): 20.0, ("T2", "roads"): 12.0})
    kw = dict(forecasts=fc, kinds=("wave",), seasonal=False, wave_prob=None)  # the expected total decides
    assert len(flags(hist, as_of, wave_min=200, **kw)) == 1
    assert len(flags(hist, as_of, wave_ratio=3.0, **kw)) == 1
    assert flags(hist, as_of, wave_ratio=4.0, **kw).empty


def test_wave_probability_counts_the_level_uncertainty_of_the_total(panel):
    """A total whose expectation falls short of the wave level is still flagged when the wave is likely
    enough; the gamma-Poisson total spreads wider than a Poisson one, and wider with ``level_cv``."""
    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of]
    roads = hist[(hist.area == "T1") & (hist.category == "roads")]
    normal = roads[roads.ds >= as_of - pd.Timedelta(weeks=52)].y.mean()
    need = 1.5 * 13 * normal
    fc = _stub_forecast(hist, as_of, bump={("T1", "roads"): 0.85 * need / 13})  # expected total 15% short
    kw = dict(forecasts=fc, kinds=("wave",), seasonal=False)
    assert flags(hist, as_of, wave_prob=None, **kw).empty
    got = flags(hist, as_of, **kw)  # default: wave_prob 0.2, level_cv 0.22, level_cases 20
    assert got[["area", "category"]].values.tolist() == [["T1", "roads"]]
    # the interval is the negative binomial total's: wider than Poisson's sqrt(m) on each side
    r = got.iloc[0]
    assert r.expected_hi - r.expected_lo > 2 * 1.2816 * np.sqrt(r.expected) * 1.5
    # a nearly certain level leaves only Poisson noise: the wave is then unlikely
    sure = dict(level_cv=0.01, level_cases=0.0)
    assert flags(hist, as_of, **sure, **kw).empty
    assert len(flags(hist, as_of, wave_prob=0.01, **sure, **kw)) == 1
    # the level of a sparse series is less certain than a busy one's: scale the same series down
    # 10x (forecast and history) and its total spreads wider relative to its mean
    small = hist.assign(y=hist.y // 10)
    fc_small = fc.assign(mean=fc["mean"] / 10)
    s = flags(small, as_of, wave_min=0, wave_prob=0.01, **{**kw, "forecasts": fc_small})
    s = s[(s.area == "T1") & (s.category == "roads")].iloc[0]
    assert (s.expected_hi - s.expected_lo) / s.expected > (r.expected_hi - r.expected_lo) / r.expected
    with pytest.raises(ConfigError):
        flags(hist, as_of, level_cv=0, **kw)


@pytest.mark.parametrize("weeks_before", [5, 8])
def test_seasonal_wave_is_flagged_with_lead_time(panel, weeks_before):
    onset = pd.Timestamp("2024-03-04")  # week 10 of 2024
    as_of = onset - pd.Timedelta(weeks=weeks_before)
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of)  # a forecast that knows nothing of the season
    out = flags(hist, as_of, forecasts=fc, categories=TAXONOMY, kinds=("wave",))
    school = out[out.category == "school"]
    assert set(school["area"]) == {"T1", "T2"}, "both towns' enrolment waves flagged ahead"
    # the window opens near the onset (the first weeks of a raised-cosine rise add under 20% and are
    # not observable in the history; waves() reads the onset 0-3 weeks late on such a shape)
    assert (school["start"] <= onset + pd.Timedelta(weeks=3)).all()
    assert (school["start"] >= as_of).all()
    assert out[out.category == "roads"].empty
    reason = school[school.area == "T1"].iloc[0].reason
    assert "School enrolment seasonal wave expected from week" in reason and "the last 5 years peaked at" in reason
    assert "came in 5 of the last 5 years" in reason


def test_no_wave_flag_in_the_off_season_far_from_onset(panel):
    as_of = pd.Timestamp("2024-10-21")  # after the season, next onset in 19 weeks
    hist = panel[panel.ds < as_of]
    out = flags(hist, as_of, forecasts=_stub_forecast(hist, as_of), kinds=("wave",))
    assert out.empty


def test_default_forecast_engine_flags_the_coming_wave(panel):
    as_of = pd.Timestamp("2024-02-05")  # four weeks before the onset
    out = flags(panel[panel.ds < as_of], as_of, categories=TAXONOMY, kinds=("wave",))
    assert {"T1", "T2"} <= set(out[out.category == "school"]["area"])


def test_surge_flags_come_from_the_detector(panel):
    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of].copy()
    hist.loc[(hist.area == "T2") & (hist.category == "roads") & (hist.ds == as_of - pd.Timedelta(weeks=1)), "y"] = 40
    out = flags(hist, as_of, kinds=("surge",), categories=TAXONOMY)
    assert out[["area", "category", "kind"]].values.tolist() == [["T2", "roads", "surge"]]
    r = out.iloc[0]
    assert r.observed == 40 and r.expected == r.baseline < 10 and r.score == pytest.approx(40 - r.baseline)
    assert r.reason.startswith("Roads surge: 40 cases")


def test_escalation_needs_cases_and_flags_a_rising_share():
    rng = np.random.default_rng(5)
    days = pd.date_range("2022-01-03", "2024-12-29", freq="D")
    n = len(days) * 2
    received = rng.choice(days, n)
    collective = rng.random(n) < 0.05
    late = received >= np.datetime64("2024-11-11")
    collective[late & (rng.random(n) < 0.4)] = True  # collective petitions jump in the last 8 weeks
    cases = pd.DataFrame({"received": received, "area": "T1", "category": "wage", "collective": collective,
                          "repeat": pd.array([pd.NA] * n, dtype="boolean"), "level": pd.NA})
    from foresight.panel import to_panel

    p = to_panel(cases, as_of="2025-01-06")
    quiet = cases.assign(collective=rng.random(n) < 0.05)
    out = flags(p, "2025-01-06", cases=cases, kinds=("escalation",), categories=TAXONOMY)
    assert out[["area", "category", "kind"]].values.tolist() == [["T1", "wage", "escalation"]]
    assert out.iloc[0].observed > 3 * out.iloc[0].baseline
    assert "collective, repeat or higher-level" in out.iloc[0].reason
    assert flags(p, "2025-01-06", cases=quiet, kinds=("escalation",)).empty
    assert flags(p, "2025-01-06", kinds=("escalation",)).empty  # no cases, no escalation flags


def test_errors(panel):
    with pytest.raises(ConfigError):
        flags(panel, "2024-01-01", language="fr")
    with pytest.raises(ConfigError):
        flags(panel, "2024-01-01", kinds=("rumour",))
    with pytest.raises(DataError):
        flags(panel, "2024-01-01", forecasts=pd.DataFrame({"area": ["T1"]}), kinds=("wave",))
    with pytest.raises(DataError):
        flags(panel, "2010-01-04")


def test_expected_totals_interval_widens_with_the_spread():
    ds = pd.date_range("2024-01-01", periods=4, freq="W-MON")
    narrow = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "mean": 10.0, "p10": 8, "p90": 12})
    wide = narrow.assign(p10=2, p90=18)
    n, w = expected_totals(narrow).iloc[0], expected_totals(wide).iloc[0]
    assert n.expected == w.expected == 40
    assert w.expected_lo < n.expected_lo < 40 < n.expected_hi < w.expected_hi


# --- outreach plan -------------------------------------------------------------------------------

def _flag_frame():
    return pd.DataFrame({
        "area": ["T1", "T2", "T3", "T4"], "category": ["school", "school", "wage", "roads"],
        "kind": ["wave", "wave", "wave", "surge"],
        "start": pd.to_datetime(["2025-03-03", "2025-03-03", "2025-04-14", "2025-01-27"]),
        "end": pd.to_datetime(["2025-05-26", "2025-05-26", "2025-05-26", "2025-01-27"]),
        "score": [100.0, 60.0, 80.0, 30.0], "theme": ["入学政策宣讲"] * 2 + ["根治欠薪宣讲", "道路安全宣讲"],
        "department": ["教育局", "教育局", "人社局", "交通运输局"], "reason": ["r1", "r2", "r3", "r4"]})


def test_plan_outreach_respects_capacity_lead_and_priority():
    from foresight.warning import plan_outreach

    plan = plan_outreach(_flag_frame(), teams=["A", "B"], capacity_per_week=1, start="2025-02-03",
                         weeks=13, visits=2, lead=2)
    # capacity: at most one visit per team per week
    assert not plan.duplicated(["week", "team"]).any()
    first = plan[plan.visit == 1].set_index("area")
    # waves start no earlier than `lead` weeks before their window, and not after it opens if a team is free
    assert first.loc["T1", "week"] == pd.Timestamp("2025-02-17")
    assert first.loc["T2", "week"] == pd.Timestamp("2025-02-17")
    assert first.loc["T3", "week"] == pd.Timestamp("2025-03-31")
    assert (plan.groupby("area").size() == 2).all()
    assert plan.loc[plan.visit == 1, "prevented"].sum() > 0
    assert plan.loc[plan.visit == 2, "prevented"].eq(0).all()
    assert list(plan.columns[:3]) == ["week", "team", "visit"]


def test_plan_outreach_with_too_few_teams_keeps_the_most_valuable_flags():
    from foresight.warning import plan_outreach

    plan = plan_outreach(_flag_frame(), teams=1, start="2025-02-17", weeks=3, visits=2, lead=2)
    # one team, three weeks: one flag fits (two visits); the biggest wave gets it
    assert set(plan["area"]) == {"T1"}
    assert {f["area"] for f in plan.attrs["unplanned"]} == {"T2", "T3", "T4"}
    with pytest.raises(DataError):
        plan_outreach(pd.DataFrame({"area": ["T1"]}), teams=1)
    with pytest.raises(ConfigError):
        plan_outreach(_flag_frame(), teams=0)


# --- campaign evaluation -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def district():
    from foresight.panel import to_panel
    from foresight.synth import generate_district

    d = generate_district()
    return d, to_panel(d.cases, freq="W", level="town", areas=d.areas)


def test_evaluate_campaign_recovers_the_sample_districts_campaigns(district):
    from foresight.warning import evaluate_campaign

    d, panel = district
    big = d.campaigns[d.campaigns.prevented >= 30]
    assert len(big) >= 3
    covered = 0
    for c in big.itertuples():
        r = evaluate_campaign(panel, area=c.area, category=c.category, start=c.start, end=c.end).iloc[0]
        assert r.effect_lower <= r.effect <= r.effect_upper
        assert r.actual == panel[(panel.area == c.area) & (panel.category == c.category)
                                 & (panel.ds >= r.start) & (panel.ds <= pd.Timestamp(c.end))].y.sum()
        # the campaign prevented cases, and the estimate is of the right size
        assert r.prevented > 0, f"{c.area}/{c.category}: prevented cases not detected"
        assert 0.4 * c.prevented <= r.prevented <= 2.0 * c.prevented
        covered += r.effect_lower <= -c.prevented <= r.effect_upper
    assert covered >= len(big) - 1, "the 80% interval (widened by placebo years) holds the truth"


def test_evaluate_campaign_errors(district):
    from foresight.warning import evaluate_campaign

    _, panel = district
    with pytest.raises(DataError):
        evaluate_campaign(panel, area="nowhere", category="school_enrolment", start="2024-02-05", end="2024-09-30")
    with pytest.raises(ConfigError):
        evaluate_campaign(panel, area="D01T03", category="school_enrolment", start="2024-09-30", end="2024-02-05")
    with pytest.raises(DataError):
        evaluate_campaign(panel, area="D01T03", category="school_enrolment", start="2030-01-07", end="2030-03-04")


# --- CLI -----------------------------------------------------------------------------------------

def test_cli_writes_ranked_flags_and_uses_exit_codes(tmp_path, panel):
    from typer.testing import CliRunner

    import foresight.cli.flags_cmd  # noqa: F401  (registers the command)
    from foresight.cli._app import app

    # one row per case, from the panel's counts; cases on/after --as-of must be ignored
    p = panel[panel.ds < "2024-02-05"]
    rep = p.loc[p.index.repeat(p["y"])]
    cases = pd.DataFrame({"date": rep["ds"] + pd.Timedelta(days=1), "town": rep["area"], "topic": rep["category"]})
    late = pd.DataFrame({"date": pd.to_datetime(["2024-02-06"] * 500), "town": "T1", "topic": "roads"})
    src = tmp_path / "cases.csv"
    pd.concat([cases, late]).to_csv(src, index=False)
    out = tmp_path / "flags.csv"
    run = CliRunner().invoke(app, ["flags", str(src), "--as-of", "2024-02-05", "--horizon", "13",
                                   "--area-col", "town", "--category-col", "topic", "--date-col", "date",
                                   "--language", "en", "--kinds", "wave,surge", "--wave-model", "rule", "--out", str(out)])
    assert run.exit_code == 0, run.output
    got = pd.read_csv(out)
    # the original columns first, in their order; the flag vocabulary's newer columns after them
    assert list(got.columns)[:9] == ["area", "category", "kind", "start", "end", "expected", "baseline", "score",
                                     "reason"]
    assert list(got.columns) == FLAG_COLUMNS
    assert got["score"].is_monotonic_decreasing
    assert {"T1", "T2"} <= set(got.loc[got.category == "school", "area"])
    assert not ((got.category == "roads") & (got.kind == "surge")).any(), "cases after --as-of leaked in"
    bad = CliRunner().invoke(app, ["flags", str(src), "--as-of", "2024-02-06", "--area-col", "town",
                                   "--category-col", "topic", "--date-col", "date", "--out", str(out)])
    assert bad.exit_code == 2
    missing = CliRunner().invoke(app, ["flags", str(src), "--as-of", "2024-02-05", "--area-col", "nope",
                                       "--category-col", "topic", "--date-col", "date", "--out", str(out)])
    assert missing.exit_code == 1


# --- honest reasons: seasonal vs level shift vs other ----------------------------------------------

def test_reason_says_level_shift_not_season_for_a_sample_district_surge(district):
    """D01T02C005 x environment had a surge in Sep-Oct 2026 and has no recurring season: a wave flag on
    it must say the level shifted (since when, by how much), never that a seasonal wave is coming."""
    from foresight.panel import to_panel
    from foresight.warning import waves

    d, _ = district
    as_of = pd.Timestamp("2026-11-23")
    p = to_panel(d.cases, freq="W", level="community", areas=d.areas, as_of=as_of)
    p = p[p.area.isin(["D01T02C005", "D01T02C006"])]
    key = (p.area == "D01T02C005") & (p.category == "environment")
    surge = p[key & (p.ds >= "2026-09-14") & (p.ds < "2026-10-26")].y.sum()
    assert surge > 3 * p[key & (p.ds < "2026-09-14")].y.tail(6).sum()
    w = waves(p)
    assert w[(w.area == "D01T02C005") & (w.category == "environment")].empty, "no seasonal wave there"
    fut = pd.date_range(as_of, periods=13, freq="W-MON")
    fc = pd.DataFrame({"area": "D01T02C005", "category": "environment", "ds": fut, "mean": 6.0, "p10": 3,
                       "p90": 9, "model": "x", "note": "level shift 2026-09-14 (up x9.18)"})
    for lang, says, never in (("en", ["level shifted up since 2026-09-14", "x9.18", "not a seasonal wave"],
                               "seasonal wave expected"),
                              ("zh", ["自2026-09-14起水平上移", "9.18倍", "非季节性波峰"], "出现")):
        out = flags(p, as_of, forecasts=fc, kinds=("wave",), categories=d.categories, language=lang, waves=w)
        assert len(out) == 1
        reason = out.iloc[0].reason
        assert all(s in reason for s in says), reason
        assert never not in reason
    # the same rise with no level shift in the forecast's note is reported as neither season nor shift
    out = flags(p, as_of, forecasts=fc.assign(note=""), kinds=("wave",), waves=w)
    assert "no recurring season or level shift found" in out.iloc[0].reason
    assert "seasonal" not in out.iloc[0].reason.split(";")[0]


def test_seasonal_reason_names_the_season_even_when_the_forecast_notes_a_shift(panel):
    as_of = pd.Timestamp("2024-02-05")
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of).assign(note="level shift 2023-06-05 (up x1.40)")
    out = flags(hist, as_of, forecasts=fc, categories=TAXONOMY, kinds=("wave",))
    r = out[(out.area == "T1") & (out.category == "school")].iloc[0].reason
    assert r.startswith("School enrolment seasonal wave expected") and "level shifted" not in r


def test_precomputed_waves_are_used_instead_of_recomputed(panel, monkeypatch):
    import importlib

    from foresight.warning import waves

    flags_mod = importlib.import_module("foresight.warning.flags")

    as_of = pd.Timestamp("2024-02-05")
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of)
    w = waves(hist)
    expected = flags(hist, as_of, forecasts=fc, kinds=("wave",))

    def boom(*a, **k):
        raise AssertionError("waves() recomputed although a frame was passed")

    monkeypatch.setattr(flags_mod, "find_waves", boom)
    got = flags(hist, as_of, forecasts=fc, kinds=("wave",), waves=w)
    pd.testing.assert_frame_equal(got, expected)
    # no waves known: no seasonal lead-time flag for the enrolment season
    none = flags(hist, as_of, forecasts=fc, kinds=("wave",), waves=w.iloc[:0])
    assert none[none.category == "school"].empty
    with pytest.raises(DataError):
        flags(hist, as_of, forecasts=fc, kinds=("wave",), waves=pd.DataFrame({"area": ["T1"]}))


def test_cli_defaults_are_the_librarys():
    """The harness calls the CLI: its default flag rule must be the one the benchmarks measure."""
    import inspect

    from foresight.cli.flags_cmd import flags_command
    from foresight.warning import FlagSettings

    params = inspect.signature(flags_command).parameters
    lib = FlagSettings()
    for name in ("wave_prob", "wave_ratio", "wave_min", "min_excess", "max_flags"):
        assert params[name].default == getattr(lib, name), name
    assert params["alpha"].default == lib.surges.alpha


def test_detector_defaults_are_the_settings_defaults():
    """waves() and surges() keep their keyword defaults equal to WaveSettings and SurgeSettings."""
    import dataclasses
    import inspect

    from foresight.warning import SurgeSettings, WaveSettings, surges, waves

    for func, cls in ((waves, WaveSettings), (surges, SurgeSettings)):
        params = inspect.signature(func).parameters
        for f in dataclasses.fields(cls):
            assert params[f.name].default == getattr(cls(), f.name), (func.__name__, f.name)


def test_one_flag_per_series_with_merged_kinds_and_both_reasons(panel):
    """A wave and a surge on one series make one flag, kind ``wave+surge``, both reasons; small ones go."""
    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of].copy()
    hist.loc[(hist.area == "T1") & (hist.category == "roads") & (hist.ds == as_of - pd.Timedelta(weeks=1)), "y"] = 40
    fc = _stub_forecast(hist, as_of, bump={("T1", "roads"): 20.0})
    out = flags(hist, as_of, forecasts=fc, kinds=("wave", "surge"), seasonal=False, categories=TAXONOMY)
    assert not out.duplicated(["area", "category"]).any()
    r = out[(out.area == "T1") & (out.category == "roads")].iloc[0]
    assert r.kind == "wave+surge"
    assert "Roads rise expected" in r.reason and "Roads surge: 40 cases" in r.reason
    assert r.observed == 40 and r.p_wave > 0.2 and r.id == "2025-01-06/T1/roads"
    # every kind named has its reason, and no reason without its kind
    marks = {"wave": "rise expected", "surge": "surge:", "escalation": "escalation:"}
    for row in out.itertuples():
        for kind, mark in marks.items():
            assert (kind in row.kind.split("+")) == (mark in row.reason), (row.kind, row.reason)
    assert (out["excess"] >= 2).all()
    big = flags(hist, as_of, forecasts=fc, kinds=("wave", "surge"), seasonal=False, min_excess=1e6)
    assert big.empty


def test_settings_object_and_overrides_agree(panel):
    from foresight.warning import FlagSettings

    as_of = pd.Timestamp("2025-01-06")
    hist = panel[panel.ds < as_of]
    fc = _stub_forecast(hist, as_of, bump={("T1", "roads"): 20.0, ("T2", "roads"): 12.0})
    a = flags(hist, as_of, forecasts=fc, settings=FlagSettings(kinds=("wave",), seasonal=False, max_flags=1))
    b = flags(hist, as_of, forecasts=fc, kinds=("wave",), seasonal=False, max_flags=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 1
    with pytest.raises(ConfigError, match="unknown flag setting"):
        flags(hist, as_of, forecasts=fc, wave_probability=0.3)
