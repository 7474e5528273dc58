"""The area tree: district > town (镇/街道) > community (村/社区) > grid (网格).

Volumes follow population and population moves, so areas may start (a new estate) or end (two villages
merged) during the history. Panels roll up to any level with :meth:`AreaTree.ancestor`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import read_table
from foresight.errors import DataError

__all__ = ["LEVELS", "AreaTree", "load_areas"]

#: Levels of the tree, coarsest first.
LEVELS: tuple[str, ...] = ("district", "town", "community", "grid")
_COLUMNS = ("code", "name", "parent", "level")


@dataclass(frozen=True, eq=False)
class AreaTree:
    """An area tree loaded from a table with ``code, name, parent, level`` and optional
    ``population, start, end, aliases`` (``aliases``: other and former names, ``|``-separated).

    Use :func:`load_areas` or :meth:`from_table` to build one; the table is validated.

    Parameters
    ----------
    table
        The validated area table: ``code, name, parent, level, population, start, end, aliases``
        (dates as ``datetime64``, missing as ``NaT``; population in residents, ``NaN`` when unknown;
        aliases ``|``-separated, ``""`` when none).

    Examples
    --------
    >>> tree = AreaTree.from_table(pd.DataFrame({
    ...     "code": ["D", "T1", "C1", "C2"], "name": ["区", "镇", "村一", "村二"],
    ...     "parent": ["", "D", "T1", "T1"], "level": ["district", "town", "community", "community"]}))
    >>> tree.ancestor(["C1", "C2", "T1"], "town").tolist()
    ['T1', 'T1', 'T1']
    >>> tree.children("T1")
    ['C1', 'C2']
    """

    table: pd.DataFrame

    @classmethod
    def from_table(cls, table: pd.DataFrame, *, source: str = "<area table>") -> AreaTree:
        """Validate an area table and build the tree.

        Raises
        ------
        DataError
            A required column is missing, a code repeats, a parent is unknown, a level is not one of
            :data:`LEVELS` or is not below its parent's, or a date cannot be parsed. The message names
            the row (header = row 1).
        """
        missing = [c for c in _COLUMNS if c not in table.columns]
        if missing:
            raise DataError(f"{source}: missing column(s) {missing}; an area table needs "
                            f"{', '.join(_COLUMNS)} (optional: population, start, end).")
        t = table.copy()
        for c in ("code", "name", "parent", "level"):
            t[c] = t[c].fillna("").astype(str).str.strip()
        t["level"] = t["level"].str.lower()

        def fail(mask: pd.Series, what: str) -> None:
            if mask.any():
                rows = (np.flatnonzero(mask.to_numpy()) + 2).tolist()[:10]
                raise DataError(f"{source}: {what} at row(s) {rows}. Fix the area table.")

        fail(t["code"] == "", "empty code")
        fail(t["code"].duplicated(), "duplicate code")
        fail(~t["level"].isin(LEVELS), f"level not one of {', '.join(LEVELS)}")
        known = set(t["code"])
        fail((t["parent"] != "") & ~t["parent"].isin(known), "parent code not in the table")
        depth = t["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
        parent_depth = t["parent"].map(dict(zip(t["code"], depth, strict=True)))
        fail(parent_depth.notna() & (parent_depth >= depth), "level not below its parent's level")
        for c in ("start", "end"):
            raw = t[c] if c in t.columns else pd.Series("", index=t.index)
            raw = raw.where(raw.notna(), "").astype(str).str.strip()
            parsed = pd.to_datetime(raw.where(raw != ""), errors="coerce")
            fail((raw != "") & parsed.isna(), f"unparseable {c} date (use YYYY-MM-DD)")
            t[c] = parsed
        if "population" in t.columns:
            t["population"] = pd.to_numeric(t["population"], errors="coerce")
        else:
            t["population"] = np.nan
        t["aliases"] = (t["aliases"].where(t["aliases"].notna(), "").astype(str).str.strip()
                        if "aliases" in t.columns else "")
        return cls(t[["code", "name", "parent", "level", "population", "start", "end", "aliases"]]
                   .reset_index(drop=True))

    # -- lookups -----------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        """All area codes, in table order."""
        return self.table["code"].tolist()

    def level_of(self, codes: list[str] | pd.Series) -> pd.Series:
        """The level of each code (``NaN`` for unknown codes)."""
        return pd.Series(codes, dtype=object).map(dict(zip(self.table["code"], self.table["level"],
                                                           strict=True)))

    def parent_map(self) -> dict[str, str]:
        """Child code -> parent code (roots omitted)."""
        t = self.table[self.table["parent"] != ""]
        return dict(zip(t["code"], t["parent"], strict=True))

    def children(self, code: str) -> list[str]:
        """The direct children of ``code``."""
        return self.table.loc[self.table["parent"] == code, "code"].tolist()

    def at_level(self, level: str) -> list[str]:
        """Codes of every area at ``level``."""
        self._check_level(level)
        return self.table.loc[self.table["level"] == level, "code"].tolist()

    def ancestor(self, codes: list[str] | pd.Series, level: str) -> pd.Series:
        """The ancestor of each code at ``level`` (a code at that level maps to itself).

        Codes above ``level`` (coarser) or unknown map to ``NaN``.
        """
        self._check_level(level)
        table = self._ancestors()
        return pd.Series(codes, dtype=object).map(table[level]).reset_index(drop=True)

    def lift(self, codes: list[str] | pd.Series, level: str) -> np.ndarray:
        """Each code's ancestor at ``level``; codes with none there (coarser or unknown) keep their own.

        Examples
        --------
        >>> tree = AreaTree.from_table(pd.DataFrame({
        ...     "code": ["D", "T1", "C1"], "name": ["区", "镇", "村"], "parent": ["", "D", "T1"],
        ...     "level": ["district", "town", "community"]}))
        >>> tree.lift(["C1", "D"], "town").tolist()
        ['T1', 'D']
        """
        own = pd.Series(codes, dtype=object).reset_index(drop=True)
        up = self.ancestor(own, level)
        return up.where(up.notna(), own).to_numpy()

    def resolve(self, values: pd.Series) -> pd.Series:
        """Match raw area values to codes: by code, then by a name or alias that is unique in the tree.

        :meth:`match` also says why a value did not match and can tell same-named areas apart by
        their parents.
        """
        return self.match(values)["code"]

    def match(self, values: pd.Series, parents: list[pd.Series] | None = None) -> pd.DataFrame:
        """Match raw area values to codes, by code, name or alias; parents tell same names apart.

        Parameters
        ----------
        values
            The area as the export has it (a code, a name, or a former name listed in ``aliases``).
        parents
            Coarser columns of the same rows (e.g. the town), each a code, name or alias of an
            ancestor; used when a name matches several areas.

        Returns
        -------
        DataFrame
            Aligned with ``values``: ``code`` (``NaN`` when unmatched), ``how`` (``code``, ``name``,
            ``ambiguous``, ``unknown`` or ``missing``) and ``candidates`` (the codes an ambiguous
            name matches, ``" and "``-joined).

        Examples
        --------
        >>> tree = AreaTree.from_table(pd.DataFrame({
        ...     "code": ["D", "T1", "T2", "C1", "C2"], "name": ["区", "和平街道", "东湖镇", "新村社区", "新村社区"],
        ...     "parent": ["", "D", "D", "T1", "T2"], "level": ["district", "town", "town", "community", "community"],
        ...     "aliases": ["", "", "东湖乡", "", "新村"]}))
        >>> tree.match(pd.Series(["新村社区", "新村", "C1"]))[["code", "how"]].values.tolist()
        [[nan, 'ambiguous'], ['C2', 'name'], ['C1', 'code']]
        >>> tree.match(pd.Series(["新村社区"]), parents=[pd.Series(["东湖乡"])])["code"].tolist()
        ['C2']
        """
        vals = pd.Series(values, dtype=object).reset_index(drop=True)
        cols = [vals, *(pd.Series(p, dtype=object).reset_index(drop=True) for p in parents or [])]
        combos = pd.DataFrame({i: c.astype("string").fillna("") for i, c in enumerate(cols)})
        inverse, uniq = pd.MultiIndex.from_frame(combos).factorize()
        if len(uniq) < len(vals):  # match each distinct (value, parents) once
            first = uniq.to_frame(index=False)
            out = self.match(first[0], [first[i] for i in range(1, first.shape[1])])
            return out.iloc[inverse].reset_index(drop=True)
        key = vals.map(_norm_name)
        index = self._name_index()
        hits = [index.get(k, ()) if k else () for k in key]
        codes = set(self.table["code"])
        by_code = [v.strip() if isinstance(v, str) and v.strip() in codes else None for v in vals]
        anc = self._ancestor_keys()
        code, how, cand = [], [], []
        for i, (k, hit, c) in enumerate(zip(key, hits, by_code, strict=True)):
            if not k:
                code.append(np.nan), how.append("missing"), cand.append("")
                continue
            if c is not None:
                code.append(c), how.append("code"), cand.append("")
                continue
            if len(hit) > 1 and parents:
                given = [_norm_name(p.iloc[i]) for p in parents]
                narrowed = tuple(h for h in hit if all(g in anc[h] for g in given if g))
                hit = narrowed if narrowed else hit
            if len(hit) == 1:
                code.append(hit[0]), how.append("name"), cand.append("")
            else:
                code.append(np.nan), how.append("ambiguous" if hit else "unknown")
                cand.append(" and ".join(hit))
        return pd.DataFrame({"code": pd.Series(code, dtype=object), "how": how, "candidates": cand})

    def _name_index(self) -> dict[str, tuple[str, ...]]:
        """Normalised name or alias -> the codes carrying it (table order)."""
        cache = self.__dict__.get("_names")
        if cache is None:
            cache = {}
            for code, name, aliases in zip(self.table["code"], self.table["name"], self.table["aliases"]):
                for n in {_norm_name(x) for x in [name, *str(aliases).split("|")]} - {""}:
                    cache.setdefault(n, ())
                    cache[n] += (code,)
            object.__setattr__(self, "_names", cache)
        return cache

    def _ancestor_keys(self) -> dict[str, set[str]]:
        """Code -> the normalised codes, names and aliases of its strict ancestors."""
        cache = self.__dict__.get("_anc_keys")
        if cache is None:
            own = {c: {_norm_name(c), _norm_name(n), *(_norm_name(a) for a in str(al).split("|"))} - {""}
                   for c, n, al in zip(self.table["code"], self.table["name"], self.table["aliases"])}
            parent = self.parent_map()
            cache = {}
            for c in own:
                keys, p = set(), parent.get(c)
                while p is not None and p in own:
                    keys |= own[p]
                    p = parent.get(p)
                cache[c] = keys
            object.__setattr__(self, "_anc_keys", cache)
        return cache

    def _ancestors(self) -> pd.DataFrame:
        cache = self.__dict__.get("_anc")
        if cache is not None:
            return cache
        t = self.table.set_index("code")
        out = pd.DataFrame(index=t.index, columns=list(LEVELS), dtype=object)
        cur = pd.Series(t.index, index=t.index, dtype=object)
        parent = t["parent"].replace("", np.nan)
        level = t["level"]
        for _ in range(len(LEVELS) + 1):
            ok = cur.notna()
            lv = level.reindex(cur[ok]).to_numpy()
            for name in LEVELS:
                hit = ok[ok].index[lv == name]
                out.loc[hit, name] = cur[hit]
            cur = cur.map(parent)
        object.__setattr__(self, "_anc", out)
        return out

    def _check_level(self, level: str) -> None:
        if level not in LEVELS:
            raise DataError(f"Unknown area level {level!r}; use one of {', '.join(LEVELS)}.")

    def __repr__(self) -> str:
        counts = self.table["level"].value_counts()
        parts = ", ".join(f"{counts.get(lvl, 0)} {lvl}" for lvl in LEVELS)
        return f"AreaTree({parts})"


def _norm_name(value: object) -> str:
    """An area name or code compared loosely: NFKC (full-width -> half-width), no spaces."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def load_areas(source: str | Path | pd.DataFrame | AreaTree) -> AreaTree:
    """Load an area tree from a CSV/Excel/Parquet file, a frame, or pass a tree through.

    Parameters
    ----------
    source
        A path to the area table, the table as a DataFrame, or an :class:`AreaTree`.

    Returns
    -------
    AreaTree

    Raises
    ------
    DataError
        The file cannot be read or the table is invalid (the message names the row).

    Examples
    --------
    >>> load_areas(pd.DataFrame({"code": ["D"], "name": ["区"], "parent": [""], "level": ["district"]}))
    AreaTree(1 district, 0 town, 0 community, 0 grid)
    """
    if isinstance(source, AreaTree):
        return source
    if isinstance(source, pd.DataFrame):
        return AreaTree.from_table(source)
    return AreaTree.from_table(read_table(source), source=str(source))
