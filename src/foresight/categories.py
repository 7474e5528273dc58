"""The category taxonomy: code, Chinese and English name, outreach theme, responsible department.

Raw category labels from an export are matched to codes by exact name or code, then by alias, then by
keyword; what matches nothing goes to :data:`OTHER` and is listed, never dropped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import read_table
from foresight.errors import DataError

__all__ = ["OTHER", "Taxonomy", "load_categories"]

#: Code of the explicit catch-all category.
OTHER = "other"
_COLUMNS = ("code", "name_zh", "name_en", "theme", "department", "aliases", "keywords", "prep_weeks")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """A category taxonomy; ``table`` has the columns
    ``code, name_zh, name_en, theme, department, aliases, keywords, prep_weeks`` (aliases and keywords
    ``|``-separated; ``prep_weeks``: weeks an outreach team needs to prepare the theme before its wave,
    empty for the default of :func:`foresight.warning.seasonal_outlook`).

    Parameters
    ----------
    table
        The validated taxonomy table; build it with :meth:`from_table` or :func:`load_categories`,
        which add the :data:`OTHER` category when the table lacks it.

    Examples
    --------
    >>> tax = Taxonomy.from_table(pd.DataFrame({
    ...     "code": ["edu"], "name_zh": ["入学"], "name_en": ["School enrolment"],
    ...     "aliases": ["学位申请"], "keywords": ["入学|学位"]}))
    >>> tax.match(pd.Series(["入学", "学位申请", "教育-入学报名咨询", "噪音"]))["category"].tolist()
    ['edu', 'edu', 'edu', 'other']
    """

    table: pd.DataFrame

    @classmethod
    def from_table(cls, table: pd.DataFrame, *, source: str = "<category table>") -> Taxonomy:
        """Validate a taxonomy table; only ``code`` and one of ``name_zh``/``name_en`` are required.

        Raises
        ------
        DataError
            Missing ``code`` column, empty or duplicate codes (the message names the rows).
        """
        if "code" not in table.columns or not ({"name_zh", "name_en"} & set(table.columns)):
            raise DataError(f"{source}: a category table needs 'code' and 'name_zh' or 'name_en' "
                            f"(optional: {', '.join(_COLUMNS[3:])}).")
        t = table.copy()
        for c in _COLUMNS:
            t[c] = t[c].astype(object).where(t[c].notna(), "").astype(str).str.strip() \
                if c in t.columns else ""
        bad = (t["code"] == "") | t["code"].duplicated()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()[:10]
            raise DataError(f"{source}: empty or duplicate category code at row(s) {rows}.")
        if OTHER not in set(t["code"]):
            t = pd.concat([t, pd.DataFrame([{"code": OTHER, "name_zh": "其他", "name_en": "Other",
                                             "theme": "", "department": "", "aliases": "",
                                             "keywords": "", "prep_weeks": ""}])],
                      ignore_index=True)
        return cls(t[list(_COLUMNS)].reset_index(drop=True))

    @property
    def codes(self) -> list[str]:
        """All category codes (including :data:`OTHER`)."""
        return self.table["code"].tolist()

    def match(self, raw: pd.Series) -> pd.DataFrame:
        """Match raw labels to codes.

        Returns
        -------
        DataFrame
            Aligned with ``raw``: ``category`` (code, :data:`OTHER` when unmatched) and ``how``
            (``exact``, ``alias``, ``keyword``, ``unmatched``). Keywords match as substrings; when
            several categories match, the longest keyword wins, then table order.
        """
        exact: dict[str, str] = {}
        alias: dict[str, str] = {}
        keywords: list[tuple[str, str]] = []
        for row in self.table.itertuples(index=False):
            for name in (row.code, row.name_zh, row.name_en):
                if name:
                    exact.setdefault(_norm(name), row.code)
            for a in filter(None, (s.strip() for s in row.aliases.split("|"))):
                alias.setdefault(_norm(a), row.code)
            keywords += [(_norm(k), row.code) for k in row.keywords.split("|") if k.strip()]
        keywords.sort(key=lambda kc: -len(kc[0]))  # stable: table order among equal lengths

        raw = pd.Series(raw, dtype=object)
        uniq = pd.unique(raw.astype("string").fillna("").to_numpy())
        lookup: dict[str, tuple[str, str]] = {}
        for label in uniq:
            key = _norm(label)
            if key in exact:
                lookup[label] = (exact[key], "exact")
            elif key in alias:
                lookup[label] = (alias[key], "alias")
            else:
                hit = next((code for kw, code in keywords if kw in key), None) if key else None
                lookup[label] = (hit, "keyword") if hit else (OTHER, "unmatched")
        keys = raw.astype("string").fillna("")
        return pd.DataFrame({"category": keys.map(lambda k: lookup[k][0]).astype(object),
                             "how": keys.map(lambda k: lookup[k][1]).astype(object)},
                            index=raw.index)

    def info(self, codes: pd.Series | list[str]) -> pd.DataFrame:
        """Names, theme and department for each code (empty strings for unknown codes)."""
        t = self.table.set_index("code")[["name_zh", "name_en", "theme", "department"]]
        return t.reindex(pd.Index(codes, name="code")).fillna("").reset_index()

    def __repr__(self) -> str:
        return f"Taxonomy({len(self.table)} categories)"


def load_categories(source: str | Path | pd.DataFrame | Taxonomy) -> Taxonomy:
    """Load a taxonomy from a CSV/Excel/Parquet file, a frame, or pass one through.

    Parameters
    ----------
    source
        A path to the category table, the table as a DataFrame, or a :class:`Taxonomy`.

    Returns
    -------
    Taxonomy

    Raises
    ------
    DataError
        The file cannot be read, or codes are missing or repeated.

    Examples
    --------
    >>> load_categories(pd.DataFrame({"code": ["edu"], "name_zh": ["入学"]})).codes
    ['edu', 'other']
    """
    if isinstance(source, Taxonomy):
        return source
    if isinstance(source, pd.DataFrame):
        return Taxonomy.from_table(source)
    return Taxonomy.from_table(read_table(source), source=str(source))
