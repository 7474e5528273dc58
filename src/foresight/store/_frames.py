"""The canonical frames as the store sees them: column lists, checks, dtypes in and out of DuckDB."""

from __future__ import annotations

import pandas as pd

from foresight.errors import DataError

__all__ = [
    "CASE_COLUMNS",
    "CONTENT_COLUMNS",
    "REJECT_COLUMNS",
    "REQUIRED_CASE_COLUMNS",
    "canonical_cases",
    "canonical_rejects",
    "restore_case_dtypes",
]

#: The canonical cases columns (docs/architecture.md), in order, with their DuckDB types.
CASE_TYPES: dict[str, str] = {
    "case_id": "VARCHAR",
    "received": "DATE",
    "area": "VARCHAR",
    "category": "VARCHAR",
    "category_raw": "VARCHAR",
    "channel": "VARCHAR",
    "collective": "BOOLEAN",
    "headcount": "BIGINT",
    "repeat": "BOOLEAN",
    "level": "VARCHAR",
    "closed": "DATE",
    "source": "VARCHAR",
    "source_row": "BIGINT",
}
CASE_COLUMNS: tuple[str, ...] = tuple(CASE_TYPES)
REQUIRED_CASE_COLUMNS: tuple[str, ...] = ("case_id", "received", "area", "category")
#: Columns whose change makes a new version of a case. Where a row sits in an export is not content.
CONTENT_COLUMNS: tuple[str, ...] = tuple(c for c in CASE_COLUMNS if c not in ("case_id", "source", "source_row"))
REJECT_COLUMNS: tuple[str, ...] = ("source", "source_row", "column", "value", "reason")

_STRING = ("case_id", "area", "category", "category_raw", "channel", "level", "source")
_DATES = ("received", "closed")
_BOOLS = ("collective", "repeat")
_INTS = ("headcount", "source_row")
_MAX_REJECT_VALUE = 200
_DTYPES = {**{c: "string" for c in _STRING}, **{c: "datetime64[ns]" for c in _DATES},
           **{c: "boolean" for c in _BOOLS}, **{c: "Int64" for c in _INTS}}


def _has_dtype(column: pd.Series, name: str) -> bool:
    """True when ``column`` already has the store's dtype for ``name`` (no conversion needed)."""
    dtype = column.dtype
    if name in _STRING:
        return isinstance(dtype, pd.StringDtype)
    if name in _BOOLS:
        return isinstance(dtype, pd.BooleanDtype)
    return str(dtype) == _DTYPES[name]


def canonical_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """Keep only the canonical case columns, with the store's dtypes; check what the store relies on.

    Any other column (a name, an ID number, a phone number that slipped through) is dropped here, so
    it can never reach the database file.

    Raises
    ------
    DataError
        When a required column is missing, a required value is empty, or a case id repeats.
    """
    if not isinstance(cases, pd.DataFrame):
        raise DataError(
            f"the cases must be a pandas DataFrame, got {type(cases).__name__}; pass the result of "
            "foresight.ingest.read_cases"
        )
    missing = [c for c in REQUIRED_CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise DataError(
            f"the cases frame lacks the column(s) {missing}; pass the canonical cases frame of "
            "foresight.ingest.read_cases (columns: " + ", ".join(CASE_COLUMNS) + ")"
        )
    out = pd.DataFrame(index=pd.RangeIndex(len(cases)))
    for col in CASE_COLUMNS:
        if col not in cases.columns:
            out[col] = pd.Series(index=out.index, dtype=_DTYPES[col])  # all missing
            continue
        if _has_dtype(cases[col], col):
            column = cases[col].reset_index(drop=True)
            out[col] = column.dt.normalize() if col in _DATES else column.copy()
            continue
        values = cases[col].to_numpy()
        if col in _STRING:
            out[col] = pd.Series(values, dtype="object").astype("string")
        elif col in _DATES:
            out[col] = pd.to_datetime(pd.Series(values), errors="coerce").dt.normalize().astype("datetime64[ns]")
        elif col in _BOOLS:
            out[col] = pd.Series(values, dtype="object").astype("boolean")
        else:
            out[col] = pd.array(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="Int64")
    for col in REQUIRED_CASE_COLUMNS:
        empty = out[col].isna()
        if empty.any():
            first = int(empty.to_numpy().argmax())
            raise DataError(
                f"{int(empty.sum())} case(s) have no {col!r} (first at frame row {first}); "
                "read_cases rejects such rows, so pass its result rather than a hand-made frame"
            )
    dup = out["case_id"].duplicated(keep=False)
    if dup.any():
        ids = out.loc[dup, "case_id"].drop_duplicates().head(3).tolist()
        raise DataError(
            f"{int(out.loc[dup, 'case_id'].nunique())} case id(s) appear more than once in one ingest "
            f"(e.g. {ids}); read_cases keeps the latest row of each case, so pass its result"
        )
    return out


def canonical_rejects(rejects: pd.DataFrame | None) -> pd.DataFrame:
    """Keep only the reject columns ``source, source_row, column, value, reason`` as strings/ints."""
    if rejects is None or len(rejects) == 0:
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in REJECT_COLUMNS})
        frame["source_row"] = pd.Series(dtype="Int64")
        return frame
    out = pd.DataFrame(index=pd.RangeIndex(len(rejects)))
    for col in REJECT_COLUMNS:
        values = rejects[col].to_numpy() if col in rejects.columns else [pd.NA] * len(rejects)
        if col == "source_row":
            out[col] = pd.array(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="Int64")
        else:
            text = pd.Series(values, dtype="object").astype("string")
            out[col] = text.str.slice(0, _MAX_REJECT_VALUE) if col == "value" else text
    return out


def restore_case_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame read back from DuckDB the dtypes of the cases contract."""
    out = frame.copy()
    for col in out.columns:
        if col in _STRING:
            out[col] = out[col].astype("string")
        elif col in _DATES:
            out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
        elif col in _BOOLS:
            out[col] = out[col].astype("boolean")
        elif col in _INTS:
            out[col] = out[col].astype("Int64")
    return out
