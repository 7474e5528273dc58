"""Constants and helpers shared by the tests (import as ``from _support import ...``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NYC_DIR = ROOT.parent / "shared" / "data" / "nyc-council-cases"
NYC_CASES = NYC_DIR / "cases_2015_2021.csv.gz"
ZURICH_REPORTS = ROOT.parent / "shared" / "data" / "zurich-city-reports" / "reports_2016_2023.csv.gz"
NYC_MAPPING = ROOT / "data" / "mappings" / "nyc-council.toml"
SAMPLES = ROOT / "data" / "samples" / "district"

# Personal data planted in inputs; no output may contain any of these strings.
PII = {
    "姓名": ["张伟", "王芳", "李娜", "刘洋"],
    "身份证号": ["440605198705124413", "44060519900101002X", "320321197811230018", "330106200003154421"],
    "联系电话": ["13812345678", "13987654321", "18600001111", "15912340000"],
    "诉求内容": ["反映小区物业乱收费问题请求处理", "孩子入学积分不够无法报名",
              "工厂拖欠三个月工资", "道路施工噪音扰民"],
}



def contains_pii(text: str) -> list[str]:
    """The planted personal values found in ``text``."""
    return [v for vals in PII.values() for v in vals if v in text]


def resident_id(first17: str) -> str:
    """An 18-digit resident ID number with a valid check digit (GB 11643) from its first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


# Personal data planted in mapped columns: valid ID numbers, mobile numbers and personal names.
PLANTED = {
    "id": [resident_id("44060519870512441"), resident_id("11010519491231002"),
           resident_id("32032119781123001")],
    "phone": ["13812345678", "18600001111", "15912340000"],
    "name": ["张伟", "王芳", "李娜"],
}


def planted_in(text: str) -> list[str]:
    """The planted personal values (:data:`PLANTED`) found in ``text``."""
    return [v for vals in PLANTED.values() for v in vals if v in text]


def synthetic_province(seeds: tuple[int, ...], *, scale: float):
    """Districts D01, D02, ... (one generated district per seed, 2022-2024) in one area tree: the
    ``(areas, cases)`` frames of a small synthetic province."""
    import pandas as pd

    from foresight.synth import generate_district

    areas, cases = [], []
    for k, seed in enumerate(seeds, start=1):
        d = generate_district(seed=seed, start="2022-01-03", end="2024-12-29", scale=scale)
        code = f"D{k:02d}"
        a = d.areas.copy()
        for col in ("code", "parent"):
            a[col] = a[col].astype(str).str.replace(r"^D01", code, regex=True)
        areas.append(a)
        cases.append(d.cases.assign(area=d.cases["area"].str.replace(r"^D01", code, regex=True),
                                    case_id=code + "-" + d.cases["case_id"].astype(str)))
    return pd.concat(areas, ignore_index=True), pd.concat(cases, ignore_index=True)
