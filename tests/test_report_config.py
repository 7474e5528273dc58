"""Report config: every wrong key or value is named; relative paths start at the config's folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from foresight.errors import ConfigError
from foresight.report.config import default_as_of, load_config, report_config_from_dict


@pytest.fixture
def centre(tmp_path: Path) -> Path:
    folder = tmp_path / "centre"
    (folder / "exports").mkdir(parents=True)
    for name in ("export_2026_11_16.csv", "export_2026_11_09.csv", "notes.txt"):
        (folder / "exports" / name).write_text("x", encoding="utf-8")
    for name in ("mapping.toml", "areas.csv", "categories.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    return folder


def _write(folder: Path, text: str) -> Path:
    path = folder / "weekly.toml"
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
cases = ["exports/*.csv"]
store = "cases.duckdb"
mapping = "mapping.toml"
areas = "areas.csv"
categories = "categories.csv"
as_of = 2026-11-23
horizon = 8
freq = "W"
teams = ["石山", "狮山", "大沥"]
capacity_per_week = 2
language = "en"
out_dir = "out/weekly"
suppress_below = 5
seed = 7
"""


def test_full_config_resolves_paths_against_its_folder(centre, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the config's folder
    cfg = load_config(_write(centre, FULL))
    assert [p.name for p in cfg.cases] == ["export_2026_11_09.csv", "export_2026_11_16.csv"]  # sorted glob
    assert cfg.store == centre.resolve() / "cases.duckdb"
    assert cfg.mapping == centre.resolve() / "mapping.toml" and cfg.areas.parent == centre.resolve()
    assert cfg.out_dir == centre.resolve() / "out" / "weekly"
    assert (cfg.as_of, cfg.horizon, cfg.freq, cfg.language) == (pd.Timestamp("2026-11-23"), 8, "W", "en")
    assert (cfg.teams, cfg.n_teams, cfg.capacity_per_week) == (("石山", "狮山", "大沥"), 3, 2.0)
    assert (cfg.suppress_below, cfg.seed) == (5, 7)
    plain = json.loads(json.dumps(cfg.to_dict(), ensure_ascii=False))
    assert plain["as_of"] == "2026-11-23" and plain["teams"][0] == "石山" and len(plain["cases"]) == 2


def test_defaults(centre):
    cfg = load_config(_write(centre, 'cases = "exports/export_2026_11_16.csv"\n'), today="2026-11-26")
    assert cfg.as_of == pd.Timestamp("2026-11-23")  # Thursday -> Monday of this week
    assert (cfg.horizon, cfg.freq, cfg.language, cfg.suppress_below, cfg.seed) == (13, "W", "zh", 0, 0)
    assert cfg.store is None and cfg.teams is None and cfg.out_dir == centre.resolve() / "report"


@pytest.mark.parametrize(("today", "freq", "expected"), [
    ("2026-11-23", "W", "2026-11-23"),  # a Monday: last week is complete
    ("2026-11-22", "W", "2026-11-16"),  # a Sunday: that week is not complete yet
    ("2026-11-26", "M", "2026-11-01"),
    (dt.date(2026, 1, 1), "W", "2025-12-29"),
])
def test_default_as_of(today, freq, expected):
    assert default_as_of(today, freq) == pd.Timestamp(expected)


def test_cases_may_name_a_store(centre):
    (centre / "cases.duckdb").write_bytes(b"")
    cfg = load_config(_write(centre, 'cases = "cases.duckdb"\n'))
    assert cfg.cases == () and cfg.store == centre.resolve() / "cases.duckdb"


@pytest.mark.parametrize(("text", "needles"), [
    ('cases = "exports/a.csv"\nhorizn = 8\n', ["horizn", "did you mean 'horizon'"]),
    ('cases = "exports/a.csv"\n[report]\nfreq = "W"\n', ["'report'"]),
    ('cases = "exports/nope.csv"\n', ["cases", "nope.csv", "does not exist"]),
    ('cases = "exports/*.xlsx"\n', ["cases", "matches no file"]),
    ('cases = []\n', ["cases", "non-empty list"]),
    ('seed = 1\n', ["no cases"]),
    ('store = "missing.duckdb"\n', ["store", "names no file"]),
    ('cases = ["exports/export_2026_11_09.csv", "a.duckdb"]\n', ["cases", "mixes a case store"]),
    ('cases = "exports/export_2026_11_09.csv"\nmapping = "map.toml"\n', ["mapping", "map.toml", "does not exist"]),
    ('cases = "exports/export_2026_11_09.csv"\nfreq = "D"\n', ["freq", "'D'", '"W", "M"']),
    ('cases = "exports/export_2026_11_09.csv"\nlanguage = "fr"\n', ["language", "'fr'", '"zh", "en"']),
    ('cases = "exports/export_2026_11_09.csv"\nhorizon = 0\n', ["horizon = 0", "from 1 to 104"]),
    ('cases = "exports/export_2026_11_09.csv"\nhorizon = true\n', ["horizon = True"]),
    ('cases = "exports/export_2026_11_09.csv"\nhorizon = 8.5\n', ["horizon = 8.5", "whole number"]),
    ('cases = "exports/export_2026_11_09.csv"\nfreq = "M"\nhorizon = 30\n', ["horizon = 30", "from 1 to 24"]),
    ('cases = "exports/export_2026_11_09.csv"\nsuppress_below = -1\n', ["suppress_below = -1"]),
    ('cases = "exports/export_2026_11_09.csv"\nseed = "abc"\n', ["seed = 'abc'"]),
    ('cases = "exports/export_2026_11_09.csv"\ncapacity_per_week = 0\n', ["capacity_per_week = 0", "above 0"]),
    ('cases = "exports/export_2026_11_09.csv"\nteams = 0\n', ["teams = 0"]),
    ('cases = "exports/export_2026_11_09.csv"\nteams = ["A", "A"]\n', ["teams", "repeats", "'A'"]),
    ('cases = "exports/export_2026_11_09.csv"\nteams = []\n', ["teams", "list of team names"]),
    ('cases = "exports/export_2026_11_09.csv"\nas_of = 2026-11-25\n', ["as_of", "Wednesday", "2026-11-23",
                                                                        "2026-11-30"]),
    ('cases = "exports/export_2026_11_09.csv"\nas_of = "next week"\n', ["as_of", "YYYY-MM-DD"]),
    ('cases = "exports/export_2026_11_09.csv"\nas_of = 2026-11-23T10:00:00\n', ["as_of", "without a time"]),
    ('cases = "exports/export_2026_11_09.csv"\nfreq = "M"\nas_of = 2026-11-23\n', ["as_of", "2026-11-01"]),
    ('cases = "exports/export_2026_11_09.csv"\nout_dir = "areas.csv"\n', ["out_dir", "is a file"]),
    ('cases = "exports/export_2026_11_09.csv"\nlearned_floor = 1\n', ["learned_floor = 1", "below 1"]),
    ('cases = "exports/export_2026_11_09.csv"\nlearned_floor = true\n', ["learned_floor = True"]),
    ('cases = "exports/export_2026_11_09.csv"\nwave_prior = "yes"\n', ["wave_prior = 'yes'", "true or false"]),
])
def test_wrong_keys_and_values_are_named(centre, text, needles):
    with pytest.raises(ConfigError) as err:
        load_config(_write(centre, text))
    message = str(err.value)
    assert "weekly.toml" in message
    for needle in needles:
        assert needle in message


@pytest.mark.parametrize(("text", "floor", "prior"), [
    ("", None, None),  # not given: the library's defaults
    ("learned_floor = 0.3\n", 0.3, None),
    ("learned_floor = 0\nwave_prior = true\n", 0.0, True),
    ("wave_prior = false\n", None, False),
])
def test_learned_floor_and_wave_prior_reach_the_flag_settings(centre, text, floor, prior):
    from foresight.settings import FlagSettings

    cfg = load_config(_write(centre, 'cases = "exports/export_2026_11_16.csv"\n' + text))
    assert (cfg.learned_floor, cfg.wave_prior) == (floor, prior)
    assert cfg.to_dict()["learned_floor"] == floor and cfg.to_dict()["wave_prior"] == prior
    default = FlagSettings()
    s = cfg.flag_settings
    assert s.learned_floor == (default.learned_floor if floor is None else floor)
    assert s.wave_prior == (default.wave_prior if prior is None else prior)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("cases = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid UTF-8 TOML"):
        load_config(bad)


def test_from_dict_takes_overrides_and_can_skip_file_checks(tmp_path):
    doc = {"cases": ["w1.csv", "w2.csv"], "freq": "m", "as_of": "2026-11-01", "language": None}
    cfg = report_config_from_dict(doc, base_dir=tmp_path, check_files=False)
    assert cfg.cases == (tmp_path.resolve() / "w1.csv", tmp_path.resolve() / "w2.csv")
    assert (cfg.freq, cfg.language) == ("M", "zh")  # None counts as not given
    with pytest.raises(ConfigError, match="same export twice"):
        report_config_from_dict({"cases": ["w1.csv", "./w1.csv"]}, base_dir=tmp_path, check_files=False)
