"""Area keys of the cases: one or several area columns (town + community), matched to the area tree.

With a tree, a value matches by code, name or alias (former names); a name the tree holds twice is
told apart by the coarser columns, else rejected as ambiguous. Without a tree, a name found under
several coarser areas is kept apart as ``town/name`` and noted, never merged.
"""

from __future__ import annotations

import pandas as pd

from foresight.areas import AreaTree
from foresight.ingest.mapping import TOWN_HEADERS

__all__ = ["area_keys"]


def area_keys(area: pd.Series, parents: list[pd.Series], *, tree: AreaTree | None, headers: list[str],
              area_header: str):
    """The area of each row and what to reject or note.

    Returns ``(area, keys, rejects, notes)``: the raw area (the finest non-empty column), the keys
    (codes with a tree), ``[(mask, reason)]`` and ``[(mask, issue, fix)]``.
    """
    for p in reversed(parents):  # the finest non-empty part is the area
        area = area.fillna(p)
    rejects = [(area.isna(), "missing area")]
    if tree is None:
        keys, notes = _keys_apart(area, parents)
        return area, keys, rejects, notes
    m = tree.match(area, parents)
    shown = "'" + area.fillna("") + "'"
    rejects += [
        (m["how"] == "unknown",
         "area not in the area tree: " + shown + " (add it, or its former name to aliases)"),
        (m["how"] == "ambiguous", "ambiguous area name: " + shown + " matches " + m["candidates"]
         + "; " + _parent_hint(headers, area_header, parents)),
    ]
    return area, m["code"], rejects, []


def _parent_hint(headers, area_header: str, parents: list[pd.Series]) -> str:
    """How to tell same-named areas apart: map a town column too, or check the one mapped."""
    if parents:
        return "the mapped parent column(s) do not tell them apart: check them or use area codes"
    town = next((h for h in headers if str(h).strip() in TOWN_HEADERS), "<town header>")
    return f'map {town} too ([columns] area = ["{town}", "{area_header}"])'


def _keys_apart(area: pd.Series, parents: list[pd.Series]):
    """Without a tree: area names as keys, but a name found under several parents is kept apart as
    ``parent/name`` (and noted), never merged."""
    if not parents:
        return area.astype(object), []
    path = pd.Series("", index=area.index, dtype=object)
    for p in parents:
        path = path.where(p.isna() | (p == area), path.str.cat(p.fillna(""), sep="/").str.lstrip("/"))
    n_paths = path.where(path != "").groupby(area, dropna=True).transform("nunique")
    clash = area.notna() & (n_paths > 1)
    keys = area.astype(object).where(~clash | (path == ""), path + "/" + area.fillna(""))
    notes = []
    for name, rows in area[clash].groupby(area[clash]).groups.items():
        where = sorted(set(path[rows]) - {""})
        notes.append((area == name, f"area name {name!r} is under {len(where)} parents "
                      f"({', '.join(where)}): kept apart as "
                      + ", ".join(f"'{w}/{name}'" for w in where),
                      "give an area tree (areas=) with codes, or rename one of them in the case system"))
    return keys, notes
