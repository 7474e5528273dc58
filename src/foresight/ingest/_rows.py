"""One export's raw cells to canonical case rows, rejected rows with reasons, and quality notes.

Every mapped text cell is normalised (NFKC, zero-width characters and BOMs removed, spaces trimmed)
and has personal data masked before anything else looks at it, so no raw value reaches a reason,
a note or a table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight._pii import mask_pii, mask_text
from foresight._records import RawTable
from foresight.areas import AreaTree
from foresight.categories import OTHER
from foresight.errors import DataError
from foresight.ingest._area_keys import area_keys
from foresight.ingest.dates import parse_dates
from foresight.ingest.mapping import REQUIRED, ColumnMapping

__all__ = ["REJECT_COLUMNS", "QUALITY_COLUMNS", "Rules", "canonical_rows", "normalize_text"]

REJECT_COLUMNS: tuple[str, ...] = ("source", "source_row", "column", "value", "reason")
QUALITY_COLUMNS: tuple[str, ...] = ("source", "column", "issue", "rows", "example_rows", "fix")
_FLAG = {"--date-col": "received", "--area-col": "area", "--category-col": "category",
         "--case-id-col": "case_id"}
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHAT = {"id": "an ID number", "phone": "a phone number", "name": "a personal name"}


@dataclass(frozen=True)
class Rules:
    """What a row is checked against: the mapping, the area tree, the date window and the id policy."""

    mapping: ColumnMapping
    tree: AreaTree | None
    as_of: pd.Timestamp
    min_date: pd.Timestamp
    id_case: str
    tz: str


def normalize_text(values: pd.Series) -> pd.Series:
    """Cells as clean text: NFKC (full-width letters and digits to ASCII), invisible characters
    (zero-width spaces, BOMs, direction marks) removed, spaces trimmed, empty -> ``<NA>``.

    Integral floats (Excel numbers) lose their ``.0``.

    Parameters
    ----------
    values
        Raw cells of one column.

    Returns
    -------
    Series
        ``string`` dtype.

    Examples
    --------
    >>> normalize_text(pd.Series(["\\ufeffＸＦ１\\u200b", " 7.0 ", 12.0, None, ""])).tolist()
    ['XF1', '7.0', '12', <NA>, <NA>]
    """
    return per_unique(values, _clean_cell)


def _clean_cell(v: object) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    text = str(v)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return text.strip() or None


def per_unique(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """``values.map(func)`` computed once per distinct value (``string`` dtype, missing -> ``<NA>``)."""
    codes, uniq = pd.factorize(pd.Series(values).reset_index(drop=True).astype(object), use_na_sentinel=True)
    uniq = np.asarray(uniq, dtype=object)
    done = np.array([func(u) for u in uniq] + [None], dtype=object)
    return pd.Series(done[codes], dtype="string")


def _headers_hint(raw: pd.DataFrame) -> str:
    """The headers for a message; personal data in them is masked (the "header" may be a data row)."""
    return str([mask_text(str(h), names=True)[0] for h in raw.columns])


def canonical_rows(raw: RawTable, *, name: str, where: str, rules: Rules
                   ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]]]:
    """Canonical rows, rejects and quality notes of one source (see ``read_cases``)."""
    found = rules.mapping.resolve_headers(list(raw.frame.columns))
    missing = [c for c in REQUIRED if c not in found]
    if "case_id" in rules.mapping.columns and "case_id" not in found:
        missing.append("case_id")
    if missing:
        hints = "; ".join(
            f"{c} (mapping [columns] {c} = \"<header>\""
            + "".join(f" or {flag}" for flag, canon in _FLAG.items() if canon == c) + ")"
            for c in missing)
        raise DataError(f"{where}: required column(s) not found: {hints}. "
                        f"Headers in the file: {_headers_hint(raw.frame)}.")
    return _Rows(raw, name, rules, found).run()


class _Rows:
    """The checks of one source, collecting rejects (first failing column wins) and notes."""

    def __init__(self, raw: RawTable, name: str, rules: Rules, found: dict[str, str]) -> None:
        self.name, self.rules, self.found = name, rules, found
        self.n = len(raw.frame)
        self.rows = pd.Series(raw.rows, dtype="Int64")
        self.bad_records = raw.bad
        self.raw = {canon: raw.frame[header].reset_index(drop=True) for canon, header in found.items()}
        self.reasons: list[tuple[pd.Series, str, pd.Series, pd.Series]] = []
        self.quality: list[dict[str, object]] = []
        self.text: dict[str, pd.Series] = {}
        self.masked: dict[str, pd.Series] = {}
        for canon, cells in self.raw.items():
            text = self._control(canon, normalize_text(cells))
            is_name = canon != "category" and not (canon == "area" and rules.tree is not None)
            text, kinds = mask_pii(text, names=is_name)
            if canon == "area" and rules.tree is not None:  # a name is fine if the tree knows it
                unknown = text.notna() & rules.tree.resolve(text).isna()
                named, name_kinds = mask_pii(text.where(unknown), names=True)
                text = text.where(~unknown, named)
                kinds = kinds.fillna(name_kinds)
            self._pii(canon, kinds, text)
            self.text[canon] = text
            self.masked[canon] = kinds.notna()
        # coarser area columns (town + community): they tell same-named areas apart
        self.headers = list(raw.frame.columns)
        self.parents = [mask_pii(normalize_text(raw.frame[h].reset_index(drop=True)),
                                 names=rules.tree is None)[0]
                        for h in rules.mapping.area_parents(self.headers)]

    # -- bookkeeping --------------------------------------------------------------------------
    def reject(self, mask: pd.Series, column: str, value: pd.Series, reason: pd.Series | str) -> None:
        mask = pd.Series(mask).fillna(False).astype(bool)
        if mask.any():
            r = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=mask.index)
            self.reasons.append((mask, column, value, r))

    def note(self, mask: pd.Series, column: str, issue: str, fix: str) -> None:
        mask = pd.Series(mask).fillna(False).astype(bool)
        if mask.any():
            ex = self.rows[mask.to_numpy()].head(5).tolist()
            self.quality.append({"source": self.name, "column": column, "issue": issue,
                                 "rows": int(mask.sum()), "example_rows": ex, "fix": fix})

    def _control(self, canon: str, text: pd.Series) -> pd.Series:
        code = per_unique(text, lambda t: (m := _CONTROL.search(t)) and f"0x{ord(m.group()):02X}")
        bad = code.notna()
        if not bad.any():
            return text
        self.reject(bad, canon, pd.Series("", index=text.index), "control character " + code.fillna("")
                    + f" in the {canon} cell: the export is damaged there; re-export it")
        return text.where(~bad, text.str.replace(_CONTROL, "", regex=True))

    def _pii(self, canon: str, kinds: pd.Series, text: pd.Series) -> None:
        hit = kinds.notna()
        if not hit.any():
            return
        what = " or ".join(_WHAT[k] for k in sorted({p for v in kinds[hit] for p in v.split("+")}))
        header = self.found[canon]
        self.note(hit, canon, f"personal data ({what}) in the {canon} column, masked",
                  f"remove personal data from the column {header!r} in the case system, or check "
                  f"that the mapping names the right column for {canon}")
        if canon in ("case_id", "area"):
            hint = ("; if these are area names, give the area tree (areas= or --areas) so they are "
                    "recognised" if canon == "area" and self.rules.tree is None else "")
            self.reject(hit, canon, text, f"personal data ({what}) in the {canon} column (masked): "
                                          f"check the column mapping{hint}")

    # -- columns ------------------------------------------------------------------------------
    def run(self) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]]]:
        out = pd.DataFrame(index=pd.RangeIndex(self.n))
        out["case_id"] = self._case_id()
        out["received"] = self._received()
        out["area"] = self._area()
        cat = self.text["category"]
        out["category_raw"] = cat.astype(object)
        out["category"] = out["category_raw"].fillna(OTHER)
        self.note(cat.isna(), "category", "missing category (counted as other)",
                  "fill the category in the case system")
        for col in ("channel", "level", "collective", "repeat"):
            out[col] = self._coded(col)
        out["headcount"] = self._headcount()
        out["closed"] = self._closed(out["received"])
        out["source"] = self.name
        out["source_row"] = self.rows
        return self._split(out)

    def _case_id(self) -> pd.Series:
        if "case_id" not in self.text:
            return self.name + ":" + self.rows.astype(str)
        ids = self.text["case_id"]
        if self.rules.id_case != "keep":
            ids = ids.str.upper() if self.rules.id_case == "upper" else ids.str.lower()
        self.reject(ids.isna(), "case_id", ids, "missing case id")
        return ids.astype(object)

    def _received(self) -> pd.Series:
        text, as_of, min_date = self.text["received"], self.rules.as_of, self.rules.min_date
        received, bad = parse_dates(self.raw["received"], tz=self.rules.tz)
        masked = self.masked["received"]
        received = received.where(~masked)
        bad = bad | masked
        shown = text.fillna("").astype(str)
        self.reject(text.isna() & ~bad & received.isna(), "received", shown, "missing date")
        self.reject(bad, "received", shown, "unparseable date: '" + shown + "' (use YYYY-MM-DD, "
                    "YYYY/M/D, YYYY年M月D日 or an Excel date)")
        fmt = received.dt.strftime("%Y-%m-%d")
        self.reject(received > as_of, "received", shown,
                    "date after the as-of date: " + fmt + f" > {as_of.date()} (check the date or set as_of)")
        self.reject(received < min_date, "received", shown,
                    "date too early: " + fmt + f" < {min_date.date()} (probably a typo in the year)")
        return received

    def _area(self) -> pd.Series:
        area, keys, rejects, notes = area_keys(self.text["area"], self.parents, tree=self.rules.tree,
                                               headers=self.headers, area_header=self.found["area"])
        for mask, reason in rejects:
            self.reject(mask, "area", area, reason)
        for mask, issue, fix in notes:
            self.note(mask, "area", issue, fix)
        return keys

    def _coded(self, col: str) -> pd.Series:
        kind = "boolean" if col in ("collective", "repeat") else object
        if col not in self.text:
            return pd.Series(pd.NA, index=range(self.n), dtype=kind)
        text = self.text[col]
        mapped = text.str.lower().map(self.rules.mapping.value_table(col))
        unknown = text.notna() & mapped.isna()
        for val, cnt in text[unknown].value_counts().head(5).items():
            self.note(text == val, col, f"value {val!r} not recognised ({cnt} rows)",
                      f"add it to [values.{col}] in the mapping")
        if col == "channel":
            mapped = mapped.where(~unknown, "other")
        return mapped.astype(kind)

    def _headcount(self) -> pd.Series:
        if "headcount" not in self.text:
            return pd.Series(pd.NA, index=range(self.n), dtype="Int64")
        text = self.text["headcount"]
        num = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & (num.isna() | (num < 0) | (num % 1 != 0) | (num > 1e6))
        self.note(bad, "headcount", "not a whole number >= 0", "correct the headcount in the export")
        return num.where(~bad).astype("Int64")

    def _closed(self, received: pd.Series) -> pd.Series:
        if "closed" not in self.raw:
            return pd.Series(pd.NaT, index=range(self.n), dtype="datetime64[ns]")
        closed, bad = parse_dates(self.raw["closed"], tz=self.rules.tz)
        masked = self.masked["closed"]
        closed = closed.where(~masked)
        self.note(bad | masked, "closed", "unparseable closing date (set to missing)",
                  "use YYYY-MM-DD in the export")
        self.note(closed < received, "closed", "closing date before the received date",
                  "check both dates in the case system")
        return closed

    def _split(self, out: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]]]:
        parts = [_record_rejects(self.name, self.bad_records)]
        if self.reasons:
            any_bad = np.logical_or.reduce([m.to_numpy() for m, *_ in self.reasons])
            first_col = pd.Series(pd.NA, index=out.index, dtype=object)
            first_val = pd.Series(pd.NA, index=out.index, dtype=object)
            all_reasons = pd.Series("", index=out.index, dtype=object)
            for mask, column, value, reason in self.reasons:
                fresh = mask & first_col.isna()
                first_col[fresh] = column
                first_val[fresh] = value[fresh].astype(object)
                all_reasons[mask] = all_reasons[mask].where(all_reasons[mask] == "",
                                                            all_reasons[mask] + "; ") + reason[mask]
            parts.append(pd.DataFrame({"source": self.name, "source_row": self.rows[any_bad].to_numpy(),
                                       "column": first_col[any_bad].to_numpy(),
                                       "value": first_val[any_bad].to_numpy(),
                                       "reason": all_reasons[any_bad].to_numpy()}))
            out = out[~any_bad]
        rej = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
            else empty(REJECT_COLUMNS)
        return out.reset_index(drop=True), rej, self.quality


def _record_rejects(name: str, bad: list[tuple[int, str]]) -> pd.DataFrame:
    """Records the reader could not split or decode, as rejects (no cell of theirs is shown)."""
    if not bad:
        return empty(REJECT_COLUMNS)
    return pd.DataFrame({"source": name, "source_row": [r for r, _ in bad], "column": "(row)",
                         "value": "", "reason": [why for _, why in bad]})


def empty(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with these columns (object dtype)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
