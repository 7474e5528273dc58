"""Queries on the store: the current cases, a past state, the ingest log, rejects, one case's history."""

from __future__ import annotations

import duckdb
import pandas as pd

from foresight.errors import DataError
from foresight.store._frames import CASE_COLUMNS, restore_case_dtypes

__all__ = ["case_history", "cases_sql", "current_cases", "ingest_log", "ingest_sources", "stored_rejects"]

_COLS = ", ".join(f'"{c}"' for c in CASE_COLUMNS)
_LOG_COLUMNS = ("ingest_id", "at", "status", "sources", "rows_read", "accepted", "rejected", "skipped",
                "inserted", "updated", "unchanged")


def _check_ingest(con: duckdb.DuckDBPyConnection, ingest: int) -> None:
    last = con.execute("SELECT max(ingest_id) FROM ingests").fetchall()[0][0]
    if last is None or not 1 <= int(ingest) <= int(last):
        raise DataError(f"no ingest {ingest} in the store (ingests: 1..{last or 0}); see 'foresight store-info'")


def cases_sql(con: duckdb.DuckDBPyConnection, *, ingest: int | None = None) -> str:
    """The SELECT of the current cases (latest version of each), or of the state after ``ingest``."""
    if ingest is None:
        return f"SELECT {_COLS} FROM cases"
    _check_ingest(con, ingest)
    return (
        f"SELECT {_COLS} FROM case_versions WHERE ingest_id <= {int(ingest)} "
        "QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY ingest_id DESC) = 1"
    )


def current_cases(
    con: duckdb.DuckDBPyConnection, *, as_of: object = None, ingest: int | None = None
) -> pd.DataFrame:
    """The canonical cases frame: the latest version of each case (or as it stood after ``ingest``)."""
    sql = cases_sql(con, ingest=ingest)
    params: list[object] = []
    if as_of is not None:
        try:
            cutoff = pd.Timestamp(as_of)
        except (TypeError, ValueError) as exc:
            raise DataError(f"as_of={as_of!r} is not a date; give e.g. '2021-01-04'") from exc
        if pd.isna(cutoff):
            raise DataError("as_of is empty; give a date such as '2021-01-04' or None for all cases")
        sql = f"SELECT * FROM ({sql}) WHERE received < ?"
        params.append(cutoff.normalize().to_pydatetime())
    frame = con.execute(sql + " ORDER BY received, case_id", params).df()
    out = restore_case_dtypes(frame.reindex(columns=list(CASE_COLUMNS)))
    if as_of is not None:
        # a case that closed on or after as_of was still open then: do not leak its closing date
        out.loc[out["closed"] >= pd.Timestamp(as_of).normalize(), "closed"] = pd.NaT
    return out.reset_index(drop=True)


def ingest_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per ingest with its counts; ``sources`` lists the source names ('; '-joined)."""
    frame = con.execute(
        """SELECT i.*, coalesce(s.sources, '') AS sources FROM ingests i
        LEFT JOIN (SELECT ingest_id, string_agg(source || CASE WHEN skipped THEN ' (skipped)' ELSE '' END,
                   '; ' ORDER BY source) AS sources FROM ingest_sources GROUP BY ingest_id) s
        USING (ingest_id) ORDER BY ingest_id"""
    ).df()
    frame = frame.reindex(columns=list(_LOG_COLUMNS))
    for col in _LOG_COLUMNS[4:]:
        frame[col] = frame[col].astype("int64")
    frame["ingest_id"] = frame["ingest_id"].astype("int64")
    frame["at"] = pd.to_datetime(frame["at"]).astype("datetime64[ns]")
    for col in ("status", "sources"):
        frame[col] = frame[col].astype("string")
    return frame


def ingest_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every source of every ingest: ``ingest_id, source, sha256, kind, rows_read, skipped``."""
    frame = con.execute("SELECT * FROM ingest_sources ORDER BY ingest_id, source").df()
    return frame.astype({"ingest_id": "int64", "source": "string", "sha256": "string", "kind": "string",
                         "rows_read": "int64", "skipped": "bool"})


def stored_rejects(con: duckdb.DuckDBPyConnection, *, ingest: int | None = None) -> pd.DataFrame:
    """The rejected rows: ``ingest_id, source, source_row, column, value, reason``."""
    sql = "SELECT * FROM rejects"
    if ingest is not None:
        _check_ingest(con, ingest)
        sql += f" WHERE ingest_id = {int(ingest)}"
    frame = con.execute(sql + " ORDER BY ingest_id, source, source_row").df()
    frame = frame.astype({"ingest_id": "int64", "source_row": "Int64"})
    for col in ("source", "column", "value", "reason"):
        frame[col] = frame[col].astype("string")
    return frame


def case_history(con: duckdb.DuckDBPyConnection, case_id: str) -> pd.DataFrame:
    """Every stored version of one case, oldest first, with the ``ingest_id`` that brought it."""
    frame = con.execute(
        f"SELECT ingest_id, {_COLS} FROM case_versions WHERE case_id = ? ORDER BY ingest_id", [str(case_id)]
    ).df()
    frame = restore_case_dtypes(frame)
    frame["ingest_id"] = frame["ingest_id"].astype("int64")
    return frame
