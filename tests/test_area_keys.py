"""Area keys as centres have them: town + community columns, aliases and former names, ambiguity."""

from __future__ import annotations

import pandas as pd
import pytest

import foresight as fs
from foresight.errors import ConfigError
from foresight.ingest.mapping import ColumnMapping, load_mapping

TREE = pd.DataFrame({
    "code": ["D01", "D01T03", "D01T05", "D01T03C017", "D01T05C002", "D01T05C003"],
    "name": ["南溪区", "和平街道", "东湖镇", "新村社区", "新村社区", "湖滨社区"],
    "parent": ["", "D01", "D01", "D01T03", "D01T05", "D01T05"],
    "level": ["district", "town", "town", "community", "community", "community"],
    "aliases": ["", "", "东湖乡", "", "", "湖滨村|滨湖社区"],
})


def _export() -> pd.DataFrame:
    return pd.DataFrame({
        "登记日期": ["2024-03-04"] * 6,
        "所属镇街": ["和平街道", "东湖镇", "东湖乡", "东湖镇", "", "东湖镇"],
        "所属社区": ["新村社区", "新村社区", "新村社区", "湖滨村", "新村社区", ""],
        "问题类别": ["入学"] * 6,
    })


def _mapping(area) -> ColumnMapping:
    return ColumnMapping(columns={"received": "登记日期", "area": area, "category": "问题类别"})


def test_town_and_community_columns_tell_same_names_apart():
    res = fs.read_cases(_export(), mapping=_mapping(["所属镇街", "所属社区"]), areas=TREE,
                        as_of="2024-12-31")
    # a former town name (东湖乡) and a former community name (湖滨村) resolve; an empty community
    # leaves the town as the area; an empty town leaves 新村社区 ambiguous
    assert res.cases.sort_values("source_row")["area"].tolist() == [
        "D01T03C017", "D01T05C002", "D01T05C002", "D01T05C003", "D01T05"]
    assert res.rejects["source_row"].tolist() == [6]
    assert res.rejects["reason"].item() == (
        "ambiguous area name: '新村社区' matches D01T03C017 and D01T05C002; the mapped parent "
        "column(s) do not tell them apart: check them or use area codes")


def test_without_the_town_column_the_ambiguous_name_is_its_own_reason():
    res = fs.read_cases(_export(), mapping=_mapping("所属社区"), areas=TREE, as_of="2024-12-31")
    amb = res.rejects[res.rejects["reason"].str.startswith("ambiguous area name")]
    assert len(amb) == 4  # every 新村社区 row
    assert amb["reason"].iloc[0] == ("ambiguous area name: '新村社区' matches D01T03C017 and D01T05C002; "
                                     'map 所属镇街 too ([columns] area = ["所属镇街", "所属社区"])')
    assert "ambiguous area name" in res.reject_reasons()["reason"].tolist()
    unknown = res.rejects[res.rejects["reason"].str.startswith("area not in the area tree")]
    assert unknown.empty  # 湖滨村 is a former name, the empty community is missing
    assert res.n_accepted + res.n_rejected == 6


def test_without_a_tree_same_names_under_two_towns_are_kept_apart_and_noted():
    res = fs.read_cases(_export(), mapping=_mapping(["所属镇街", "所属社区"]), as_of="2024-12-31")
    areas = res.cases.sort_values("source_row")["area"].tolist()
    assert areas == ["和平街道/新村社区", "东湖镇/新村社区", "东湖乡/新村社区", "湖滨村", "新村社区", "东湖镇"]
    note = res.quality[res.quality["column"] == "area"]
    assert len(note) == 1 and "'新村社区' is under" in note["issue"].item()
    assert note["rows"].item() == 4
    # a single area column cannot see the clash: the names stay as they are
    single = fs.read_cases(_export(), mapping=_mapping("所属社区"), as_of="2024-12-31")
    assert single.quality[single.quality["column"] == "area"].empty


def test_mapping_toml_takes_a_list_of_area_headers(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[columns]\nreceived = "登记日期"\narea = ["所属镇街", "所属社区"]\n'
                    'category = "问题类别"\n', encoding="utf-8")
    m = load_mapping(path)
    assert m.area_headers() == ("所属镇街", "所属社区")
    assert m.resolve_headers(list(_export().columns))["area"] == "所属社区"
    with pytest.raises(ConfigError, match="coarse to fine"):
        _mapping([])
    with pytest.raises(ConfigError, match="only area may list"):
        ColumnMapping(columns={"received": ["a", "b"], "area": "x", "category": "y"})


def test_tree_resolve_keeps_unique_names_and_codes_and_reads_aliases():
    tree = fs.load_areas(TREE)
    assert tree.resolve(pd.Series(["湖滨社区", "滨湖社区", "D01T03", "新村社区", "无此村"])).tolist()[:3] == [
        "D01T05C003", "D01T05C003", "D01T03"]
    assert tree.resolve(pd.Series(["新村社区", "无此村"])).isna().all()
    assert "aliases" in tree.table.columns
