"""Shared fixtures: a small raw export with Chinese headers and personal data, and the NYC cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _support import NYC_CASES, PII, ZURICH_REPORTS


def pytest_configure(config):
    """pandas' copy-on-write warnings are errors in foresight's code, under the name this pandas has.

    pandas 2 warns ``SettingWithCopyWarning``, pandas 3 ``ChainedAssignmentError``; an ini filter
    naming a class that this pandas lacks would stop pytest, so the filters are added here.
    """
    for name in ("SettingWithCopyWarning", "ChainedAssignmentError"):
        if hasattr(pd.errors, name):
            config.addinivalue_line("filterwarnings", f"error::pandas.errors.{name}")


def pytest_collection_modifyitems(config, items):
    skip_nyc = pytest.mark.skip(reason=f"NYC cases not found at {NYC_CASES}")
    skip_zurich = pytest.mark.skip(reason=f"Zurich reports not found at {ZURICH_REPORTS}")
    missing = {
        "requires_prophet": importlib.util.find_spec("prophet") is None,
        "requires_statsforecast": importlib.util.find_spec("statsforecast") is None,
        "requires_chromium": not Path("/usr/bin/chromium").exists(),
    }
    for item in items:
        if "requires_nyc" in item.keywords and not NYC_CASES.exists():
            item.add_marker(skip_nyc)
        if "requires_zurich" in item.keywords and not ZURICH_REPORTS.exists():
            item.add_marker(skip_zurich)
        for mark, absent in missing.items():
            if mark in item.keywords and absent:
                item.add_marker(pytest.mark.skip(reason=f"{mark}: not installed"))


@pytest.fixture
def raw_export() -> pd.DataFrame:
    """A messy export as a case system writes it: Chinese headers, PII, mixed dates, bad rows."""
    rng = np.random.default_rng(7)
    n = 40
    dates = pd.date_range("2024-01-01", periods=n, freq="3D")
    styles = [lambda d: d.strftime("%Y-%m-%d"), lambda d: f"{d.year}/{d.month}/{d.day}",
              lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: f"{d.year}/{d.month}/{d.day} 14:05",
              lambda d: str((d - pd.Timestamp("1899-12-30")).days)]
    frame = pd.DataFrame({
        "信访件编号": [f"XF2024{i:05d}" for i in range(n)],
        "登记日期": [styles[i % len(styles)](d) for i, d in enumerate(dates)],
        "网格编码": rng.choice(["G1", "G2", "G3"], n),
        "问题类别": rng.choice(["入学", "欠薪", "物业管理"], n),
        "信访形式": rng.choice(["来访", "来信", "12345", "网上信访"], n),
        "是否集体访": rng.choice(["是", "否"], n),
        "人数": rng.integers(1, 30, n).astype(str),
        "办结日期": [(d + pd.Timedelta(days=9)).strftime("%Y-%m-%d") for d in dates],
    })
    for col, vals in PII.items():
        frame[col] = [vals[i % len(vals)] for i in range(n)]
    # bad rows
    frame.loc[3, "登记日期"] = "2024-13-45"
    frame.loc[5, "网格编码"] = ""
    frame.loc[8, "登记日期"] = "2031-01-01"
    frame.loc[11, "信访件编号"] = frame.loc[10, "信访件编号"]
    frame.loc[13, "网格编码"] = "G99"
    return frame


@pytest.fixture
def small_areas() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["D", "T1", "T2", "C1", "C2", "C3", "G1", "G2", "G3"],
        "name": ["区", "一镇", "二镇", "一村", "二村", "三村", "一格", "二格", "三格"],
        "parent": ["", "D", "D", "T1", "T1", "T2", "C1", "C2", "C3"],
        "level": ["district", "town", "town", "community", "community", "community",
                  "grid", "grid", "grid"],
        "population": [30000, 20000, 10000, 12000, 8000, 10000, 12000, 8000, 10000],
        "start": ["", "", "", "", "", "", "", "", ""],
        "end": ["", "", "", "", "", "", "", "", ""],
    })


@pytest.fixture
def small_taxonomy() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["edu", "wage", "prop"],
        "name_zh": ["入学", "欠薪", "物业管理"],
        "name_en": ["School enrolment", "Wage arrears", "Property management"],
        "theme": ["入学政策宣讲", "欠薪排查", "物业纠纷调解"],
        "department": ["教育局", "人社局", "住建局"],
        "aliases": ["学位申请|入学报名", "拖欠工资", "物业"],
        "keywords": ["入学|学位", "工资|欠薪", "物业"],
    })
