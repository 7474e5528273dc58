"""The report's pure layer: count suppression (tables, reasons, forecasts.parquet), the back-check of
earlier flags, charts with Chinese labels, the calendar/level/back-check config keys, failing steps and
safe HTML rendering."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError
from foresight.report import ReportConfig, ReportResult, flags_table, load_config
from foresight.report._backcheck import backcheck
from foresight.report.charts import total_chart, trend_chart, wave_calendar_chart
from foresight.report.config import report_config_from_dict
from foresight.fonts import cjk_font, use_cjk_font
from foresight.report.outputs import suppress_counts, suppress_forecasts
from foresight.report.render import render_html
from foresight.text import count as display_count
from foresight.text import render


def test_small_counts_are_hidden_below_k_only():
    assert [display_count(v, 5) for v in (0, 1, 4, 4.4, 4.6, 5, 12)] == ["0", "<5", "<5", "<5", "5", "5", "12"]
    assert display_count(0.3, 5) == "<5", "a fraction of a case rounds to 0 but is not zero"
    assert display_count(3, 0) == "3"
    out = suppress_counts(pd.DataFrame({"y": [2, 9], "area": ["a", "b"]}), ["y", "missing"], 3)
    assert out["y"].tolist() == ["<3", "9"] and out["area"].tolist() == ["a", "b"]


def _flags_frame(kinds, starts):
    n = len(kinds)
    return pd.DataFrame({"rank": np.arange(1, n + 1), "area": [f"A{i}" for i in range(n)], "category": "c",
                         "kind": kinds, "start": pd.to_datetime(starts),
                         "end": pd.to_datetime(starts) + pd.Timedelta(weeks=4)})


def test_backcheck_tells_flags_that_came_true_from_those_that_did_not():
    ds = pd.date_range("2023-01-02", "2025-03-24", freq="W-MON")
    prev, now = pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-31")
    rows = []
    for area, after in (("rose", 12), ("flat", 3), ("later", 3), ("unflagged", 3)):
        y = np.where(ds >= prev, after, 3)
        rows.append(pd.DataFrame({"area": area, "category": "c", "ds": ds, "y": y}))
    panel = pd.concat(rows, ignore_index=True)
    flags = pd.DataFrame({"rank": [1, 2, 3], "area": ["rose", "flat", "later"], "category": "c",
                          "kind": "wave", "start": pd.to_datetime(["2025-03-03", "2025-03-10", "2025-05-05"]),
                          "end": pd.to_datetime(["2025-04-28", "2025-04-28", "2025-06-30"])})
    fc = pd.DataFrame({"area": "rose", "category": "c", "ds": pd.date_range(prev, periods=4, freq="W-MON"),
                       "mean": 10.0, "p10": 8, "p50": 10, "p90": 13})
    out, summary = backcheck(panel, flags, fc, prev_as_of=prev, as_of=now, freq="W")
    assert out.set_index("area")["outcome"].to_dict() == {"rose": "rose", "flat": "flat", "later": "pending"}
    assert out.set_index("area").loc["rose", "actual"] == 48
    assert out.set_index("area").loc["flat", "actual"] == 9, "only the weeks inside the window count"
    assert summary["hit_rate"] == 0.5 and summary["flags_started"] == 2
    assert summary["base_rate"] == 0.0 and summary["lift"] is None and summary["flags_due"] == 2
    assert summary["coverage_80"] == 1.0 and summary["wape_total"] == pytest.approx(8 / 48)


def _decode(png: bytes) -> np.ndarray:
    from matplotlib import image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")


def _chinese_chart() -> bytes:
    ds = pd.date_range("2024-01-01", periods=70, freq="W-MON")
    p = pd.DataFrame({"category": "school", "ds": ds[:60], "y": np.arange(60) % 9})
    f = pd.DataFrame({"category": "school", "ds": ds[60:], "mean": 4.0, "p10": 2, "p50": 4, "p90": 7})
    return trend_chart(p, f, categories=["school"], names={"school": "入学学位"}, as_of=ds[60], language="zh")


def _glyph_missing(w) -> bool:
    # matplotlib < 3.9 says "missing from current font", later releases "missing from font(s) X"
    return re.search(r"Glyph \d+ .* missing from (current )?font", str(w.message)) is not None


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed (fonts-wqy-microhei)")
def test_chinese_labels_render_with_the_cjk_font():
    import matplotlib as mpl

    saved = mpl.rcParams.copy()
    try:
        mpl.rcParams["font.sans-serif"] = ["DejaVu Sans"]
        with warnings.catch_warnings(record=True) as before:
            warnings.simplefilter("always")
            _chinese_chart()
        assert any(_glyph_missing(w) for w in before), "control: DejaVu lacks CJK glyphs"
        assert use_cjk_font().endswith((".ttc", ".ttf", ".otf"))
        with warnings.catch_warnings(record=True) as after:
            warnings.simplefilter("always")
            png = _chinese_chart()
        assert not [w for w in after if _glyph_missing(w)]
        assert _decode(png)[..., :3].std() > 0.02
    finally:
        mpl.rcParams.update(saved)


def test_charts_are_pngs_with_content():
    ds = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    tot = total_chart(pd.DataFrame({"ds": ds[:52], "y": np.arange(52) % 5 + 10}),
                      pd.DataFrame({"ds": ds[52:], "mean": 12.0, "p10": 9, "p50": 12, "p90": 15}),
                      as_of=ds[52], language="en")
    waves = pd.DataFrame({"area": ["A", "B", "C"], "category": ["school", "school", "wage"],
                          "onset": [10, 12, 48], "end": [35, 30, 4]})
    cal = wave_calendar_chart(waves, categories=["school", "wage"], names={}, as_of=ds[52], language="en")
    for png in (tot, cal):
        pixels = _decode(png)
        assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.02


def test_calendar_level_and_backcheck_keys_live_in_the_one_config(tmp_path):
    path = tmp_path / "nyc.toml"
    path.write_text('store = "s.duckdb"\ncountry = "us"\nsubdiv = "ny"\nlevel = "town"\nbackcheck = 0\n')
    cfg = load_config(path, check_files=False)
    assert isinstance(cfg, ReportConfig)
    assert (cfg.country, cfg.subdiv, cfg.level, cfg.backcheck, cfg.backcheck_periods) == ("US", "NY", "town", 0, 0)
    assert cfg.store == tmp_path / "s.duckdb"
    assert cfg.to_dict()["country"] == "US" and cfg.to_dict()["level"] == "town"
    default = load_config(path.with_name("d.toml"), check_files=False) if path.with_name("d.toml").write_text(
        'store = "s.duckdb"\nfreq = "M"\nas_of = 2026-11-01\n') else None
    assert (default.country, default.subdiv, default.level, default.backcheck_periods) == ("CN", None, None, 3)
    for line, needles in (('country = "China"', ["country = 'China'", '"CN"', '"US"']),
                          ('country = "US"\nsubdiv = "XX"', ["subdiv = 'XX'", '"NY"', '"CA"']),
                          ('subdiv = "NY"', ["subdiv = 'NY'", '"CN"', "drop subdiv"]),
                          ('level = "street"', ["level = 'street'", '"district", "town", "community", "grid"']),
                          ("backcheck = -1", ["backcheck = -1", "from 0 to 52"]),
                          ('backcheck = "4"', ["backcheck = '4'"]),
                          ("horizn = 3", ["horizn", "did you mean 'horizon'"])):
        path.write_text(f'store = "s.duckdb"\n{line}\n')
        with pytest.raises(ConfigError) as err:
            load_config(path, check_files=False)
        for needle in needles:
            assert needle in str(err.value), (line, str(err.value))


def test_counts_in_reasons_are_hidden_but_dates_weeks_and_years_are_kept():
    """Suppression happens where the text is written from its template: counts only, never dates or years."""
    body = render("wave.body", "en", k=5, start="2026-12-07", end="2027-03-01", expected=7, lo=3, hi=12, baseline=2)
    history = render("wave.history_range", "en", k=5, years=3, per="week", peak_lo=1, peak_hi=4)
    assert body == "7 cases from 2026-12-07 to 2027-03-01 (80%: <5-12) against <5 normally"
    assert history == "; the last 3 years peaked at <5-<5 cases a week"
    zh = dict(label="欠薪", start="2026-11-09", n=2, unit="周", per="周", observed=4, baseline=1, threshold=3)
    assert render("surge", "zh", k=5, **zh) == "欠薪异常上升：2026-11-09起2周共<5件，按往年同期应约<5件（报警线每周<5件）。"
    assert render("surge", "zh", k=0, **zh) == render("surge", "zh", k=1, **zh) == (
        "欠薪异常上升：2026-11-09起2周共4件，按往年同期应约1件（报警线每周3件）。")
    assert render("units.M", "zh") == "个月", "months are written unambiguously (未来6个月, not 未来6月)"


def test_forecasts_parquet_hides_values_below_k_and_marks_the_rows():
    fc = pd.DataFrame({"area": ["A", "B", "C"], "category": "c", "ds": pd.Timestamp("2025-03-03"),
                       "mean": [0.0, 4.9, 30.2], "p10": [0, 1, 22], "p50": [0, 5, 30], "p90": [1, 9, 39],
                       "model": "m", "note": ""})
    out = suppress_forecasts(fc, 5)
    counts = out[["mean", "p10", "p50", "p90"]].to_numpy()
    shown = counts[~np.isnan(counts)]
    assert not ((shown > 0) & (shown < 5)).any(), "no count strictly between 0 and k is left"
    assert out["suppressed"].tolist() == [True, True, False]
    assert out.loc[0, ["mean", "p10", "p50"]].tolist() == [0, 0, 0], "zero is shown, as in the tables"
    assert out.loc[1, "p50"] == 5 and np.isnan(out.loc[1, "mean"])
    assert out.loc[2, ["mean", "p90"]].tolist() == [30.2, 39]
    assert out[["area", "ds", "model"]].equals(fc[["area", "ds", "model"]])
    assert suppress_forecasts(fc, 0) is fc


def _result(**over) -> ReportResult:
    cfg = report_config_from_dict({"store": "s.duckdb", "as_of": "2025-03-03", "horizon": 4, "teams": 1,
                                   "capacity_per_week": 1, "suppress_below": 5}, check_files=False, base_dir="/")
    flags = _flags_frame(["wave"], ["2025-03-10"]).assign(expected=3.0, baseline=1.0, score=2.0,
                                                          reason="<script>alert(1)</script> 上升")
    base = dict(config=cfg, as_of=pd.Timestamp("2025-03-03"), prev_as_of=None,
                forecasts=pd.DataFrame(), flags=flags, plan=pd.DataFrame(), risk=pd.DataFrame(
                    {"area": ["A0"], "recent": [2], "forecast": [3.0], "n_flags": [1], "risk_score": [2.0],
                     "change": [0.5]}),
                waves=pd.DataFrame(), surges=pd.DataFrame(), backcheck=pd.DataFrame(), backcheck_summary={},
                rejects=pd.DataFrame(), reads=pd.DataFrame(), names={"area": {"A0": "<b>村</b>"}, "category": {},
                                                                     "theme": {}, "department": {}},
                charts={}, notes={"surges": "DataError: no periods"}, run={})
    base.update(over)
    return ReportResult(**base)


def test_html_escapes_text_marks_missing_sections_and_hides_small_counts():
    html = render_html(_result())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>村</b>" not in html and "&lt;b&gt;村&lt;/b&gt;" in html
    assert "本节暂不可用: DataError: no periods" in html
    assert "步骤 surges 出错，本报告缺少这一部分: DataError: no periods" in html, "the failure shows at the top"
    assert "&lt;5" in html and ">3<" not in html, "3 expected cases show as <5"
    assert "少于 5 件的数字显示为" in html
    fragment = _result()._repr_html_()
    assert "<html" not in fragment and "重点预警" in fragment


def test_flags_table_hides_small_counts_and_keeps_the_flag_vocabulary():
    from foresight.warning import FLAG_COLUMNS

    flags = _flags_frame(["wave", "surge"], ["2025-03-10", "2025-03-03"]).assign(
        expected=[3.0, 40.0], baseline=[1.0, 12.0], score=[2.0, 28.0], observed=[np.nan, 3.0],
        reason=["<5 cases against <5 normally", "40 cases in 2 week(s) against 12 expected"])
    table = flags_table(_result(flags=flags))
    assert list(table.columns) == FLAG_COLUMNS
    assert table["expected"].tolist() == ["<5", "40"] and table["baseline"].tolist() == ["<5", "12"]
    assert table["observed"].tolist() == ["", "<5"]
    assert table["reason"].tolist() == flags["reason"].tolist(), "reasons come suppressed from their templates"
    assert table["area_name"].tolist() == ["<b>村</b>", ""]


def test_the_report_fits_the_model_once_and_reads_back_the_earlier_run(tmp_path, monkeypatch):
    """One engine run per report, none for the back-check: it reads the flags the earlier run wrote."""
    import dataclasses

    from foresight.forecasting import engine
    from foresight.report import build_report, write_outputs
    from foresight.synth import generate_district

    d = generate_district(seed=3, start="2022-01-03", end="2024-06-30", scale=0.05)
    cfg = report_config_from_dict({"store": "unused.duckdb", "as_of": "2024-06-03", "horizon": 8, "backcheck": 4,
                                   "out_dir": str(tmp_path)}, check_files=False, base_dir=str(tmp_path))
    calls = []
    real = engine.run_engine
    monkeypatch.setattr(engine, "run_engine", lambda *a, **k: calls.append(1) or real(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = build_report(cfg, cases=d.cases)
        assert len(calls) == 1 and first.backcheck_summary == {"none": True}
        write_outputs(first)
        later = build_report(dataclasses.replace(cfg, as_of=pd.Timestamp("2024-07-01")), cases=d.cases)
    assert len(calls) == 2, "the back-check re-fitted the past"
    assert later.run["model_fits"] == 1
    assert later.backcheck_summary["prev_as_of"] == "2024-06-03" and not later.backcheck_summary["fallback"]
    assert set(later.backcheck["id"]) == set(first.flags["id"])


def _reason_beginnings() -> list[str]:
    """How each reject reason and quality note the ingest writes begins: the literal text leading the
    reason argument of every ``reject(...)``, ``note(...)`` and bad-record call in the ingest sources."""
    import ast
    from pathlib import Path

    import foresight

    def lead(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            first = node.values[0]
            return first.value if isinstance(first, ast.Constant) else None
        if isinstance(node, ast.BinOp):
            return lead(node.left)
        return None

    src = Path(foresight.__file__).parent
    found = []
    for path in (src / "ingest" / "_rows.py", src / "ingest" / "cases.py", src / "_records.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                at = {"reject": 3, "note": 2}.get(node.func.attr)
                if at is not None and len(node.args) > at:
                    found.append(lead(node.args[at]))
                elif node.func.attr == "append" and node.args:
                    arg = node.args[0]
                    found.append(lead(arg.elts[1]) if isinstance(arg, ast.Tuple) and len(arg.elts) == 2
                                 else lead(arg) if isinstance(arg, ast.JoinedStr) else None)
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "reason" for t in node.targets):
                found.append(lead(node.value))
    return sorted({f for f in found if f and f.strip()})


def test_every_reject_and_quality_reason_of_the_ingest_has_a_chinese_text():
    from foresight.text import reject_reason

    beginnings = _reason_beginnings()
    assert len(beginnings) >= 15, beginnings  # the scan finds the reasons (rows, decoding, PII, store)
    untranslated = {b: reject_reason(b, "zh") for b in beginnings if re.search(r"[A-Za-z]", reject_reason(b, "zh"))}
    assert not untranslated, f"reasons with no Chinese text in foresight.text: {untranslated}"


def _bare_result(language="zh", extra=None):
    from pathlib import Path

    cfg = ReportConfig(store=Path("cases.duckdb"), as_of=pd.Timestamp("2026-11-23"), language=language, level="town")
    none = pd.DataFrame()
    risk = pd.DataFrame({"area": ["T1"], "n_flags": [1], "risk_score": [12.0], "recent": [40.0],
                         "forecast": [30.0], "change": [-0.25]})
    return ReportResult(config=cfg, as_of=cfg.as_of, prev_as_of=None, forecasts=none, flags=none, plan=none,
                        risk=risk, waves=none, surges=none, backcheck=none,
                        backcheck_summary={"prev_as_of": "2026-10-26", "flags_due": 3, "hit_rate": 0.5,
                                           "base_rate": 0.1, "lift": 5.0, "wape_series": 0.6, "wape_total": 0.1},
                        rejects=none, reads=none, names={"area": {"T1": "一镇"}, "category": {"school": "入学学位"},
                                                         "theme": {}, "department": {}},
                        charts={}, notes={}, run={}, extra=extra or {})


def test_the_back_check_shows_accuracy_at_the_acting_level_beside_the_total_each_defined():
    for lang, acting, total in (("zh", "镇街×类别预测误差（驻点层级）", "全区总量预测误差"),
                                ("en", "Forecast error per town and category", "Total forecast error")):
        page = render_html(_bare_result(lang), standalone=False)
        bc = re.search(r'<section id="backcheck">(.*?)</section>', page, re.S).group(1)
        rows = re.findall(r'<tr><td title="([^"]+)">([^<]+)</td><td class="n">([^<]+)</td>', bc)
        by_name = {name: (value, tip) for tip, name, value in rows}
        level_row = [v for n, v in by_name.items() if n.startswith(acting)]
        assert level_row and level_row[0][0] == "60%" and by_name[next(n for n in by_name if n.startswith(total))][0] == "10%"
        assert len(rows) == 7 and all(tip for tip, _, _ in rows), "every metric carries its definition"


def test_the_outlook_slot_shows_the_waves_due_within_their_preparation_time():
    assert 'id="outlook"' not in render_html(_bare_result(), standalone=False)
    outlook = pd.DataFrame({"area": ["T1", "T1"], "category": ["school", "wage"],
                            "start": pd.to_datetime(["2027-01-04", "2027-06-07"]), "expected": [37.2, 50.0],
                            "lower": [25.0, 30.0], "upper": [51.0, 70.0], "weeks_to_start": [6, 28],
                            "prep_weeks": [8.0, 4.0]})
    page = render_html(_bare_result(extra={"outlook": outlook}), standalone=False)
    table = re.search(r'<table id="outlook">(.*?)</table>', page, re.S).group(1)
    assert "一镇（T1）" in table and "入学学位" in table and "2027-01-04" in table
    assert re.search(r'<td class="n">37</td><td class="n">25–51</td><td class="n">6</td><td class="n">8</td>', table)
    assert "2027-06-07" not in table, "a wave 28 weeks away needs 4 weeks of preparation: not yet"


def test_a_file_already_in_the_store_shows_the_counts_of_the_ingest_that_took_it(tmp_path):
    """Rerunning a report on the same exports: every row of the quality table still adds up."""
    from foresight.report._inputs import read_inputs
    from foresight.report.render import _in_store

    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "district"
    cfg = ReportConfig(store=tmp_path / "s.duckdb", cases=(sample / "exports" / "export_week_1.csv",
                                                          sample / "exports" / "export_week_2.csv"),
                       mapping=sample / "mapping.toml", areas=sample / "areas.csv",
                       categories=sample / "categories.csv", as_of=pd.Timestamp("2026-11-23"))
    _, _, first = read_inputs(cfg, progress=False)
    _, _, again = read_inputs(cfg, progress=False)
    assert first["first_ingest"].isna().all() and first["accepted"].sum() > 3000
    assert again["first_ingest"].tolist() == [1, 2]
    assert again[["read", "accepted", "rejected"]].equals(first[["read", "accepted", "rejected"]])
    assert (again["read"] == again["accepted"] + again["rejected"]).all()
    assert "2" in _in_store(2, "zh") and "ingest 2" in _in_store(2, "en") and _in_store(pd.NA, "en") == ""
