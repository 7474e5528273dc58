"""AreaTree and Taxonomy: validation with row numbers, ancestors, matching rules."""

from __future__ import annotations

import pandas as pd
import pytest

from foresight.areas import AreaTree, load_areas
from foresight.categories import OTHER, Taxonomy, load_categories
from foresight.errors import DataError


def test_ancestor_at_every_level(small_areas):
    tree = AreaTree.from_table(small_areas)
    assert tree.ancestor(["G1", "G3", "C2"], "town").tolist() == ["T1", "T2", "T1"]
    assert tree.ancestor(["G1"], "district").tolist() == ["D"]
    assert tree.ancestor(["T1"], "grid").isna().all()
    assert tree.level_of(["C3"]).tolist() == ["community"]
    assert tree.resolve(pd.Series(["G2", "二格", "nope"])).tolist()[:2] == ["G2", "G2"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.assign(code=t["code"].replace("G3", "G2")), r"duplicate code at row\(s\) \[10\]"),
    (lambda t: t.assign(parent=t["parent"].replace("C3", "C9")), "parent code not in the table"),
    (lambda t: t.assign(level=t["level"].replace("grid", "cell")), "level not one of"),
    (lambda t: t.drop(columns="parent"), r"missing column\(s\) \['parent'\]"),
    (lambda t: t.assign(start=["bad"] + [""] * 8), "unparseable start date"),
])
def test_bad_area_tables_name_the_row(small_areas, edit, message):
    with pytest.raises(DataError, match=message):
        AreaTree.from_table(edit(small_areas))


def test_level_must_be_below_parent(small_areas):
    t = small_areas.copy()
    t.loc[t.code == "C1", "level"] = "district"
    with pytest.raises(DataError, match=r"level not below its parent's level at row\(s\) \[5\]"):
        AreaTree.from_table(t)


def test_load_from_file(small_areas, small_taxonomy, tmp_path):
    small_areas.to_csv(tmp_path / "areas.csv", index=False)
    small_taxonomy.to_csv(tmp_path / "cats.csv", index=False, encoding="gb18030")
    assert len(load_areas(tmp_path / "areas.csv").codes) == 9
    assert "edu" in load_categories(tmp_path / "cats.csv").codes


def test_taxonomy_matching_order(small_taxonomy):
    tax = Taxonomy.from_table(small_taxonomy)
    got = tax.match(pd.Series(["School enrolment", "入学报名", "关于学位的咨询", "小区物业费",
                               "噪音", None, "ＥＤＵ"]))
    assert got["category"].tolist() == ["edu", "edu", "edu", "prop", OTHER, OTHER, "edu"]
    assert got["how"].tolist() == ["exact", "alias", "keyword", "keyword", "unmatched", "unmatched",
                                   "exact"]
    info = tax.info(["edu", "zzz"])
    assert info.loc[0, "department"] == "教育局" and info.loc[1, "theme"] == ""


def test_taxonomy_rejects_duplicate_codes(small_taxonomy):
    t = pd.concat([small_taxonomy, small_taxonomy.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicate category code at row\(s\) \[5\]"):
        Taxonomy.from_table(t)
