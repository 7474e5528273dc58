"""Counting cases per ``area, category, period`` in DuckDB: from Parquet files or the case store's table.

The heavy part of a panel is one pass over every case (roll the area up the tree, label the period,
count). Here DuckDB does that pass, in parallel and without pandas object columns; the result (one row
per series and period with cases) is zero-filled by :func:`foresight.panel.complete_panel`, the same
code the pandas path uses, so both give the same panel.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from typing import TYPE_CHECKING

import pandas as pd

from foresight.areas import AreaTree
from foresight.errors import DataError
from foresight.periods import last_complete, period_start

if TYPE_CHECKING:  # pragma: no cover - DuckDB and pyarrow load when a Parquet panel is asked for
    import duckdb
    import pyarrow as pa

__all__ = ["FAR_DAYS", "STALE_DAYS", "check_recency", "cut_off", "parquet_counts", "sql_counts"]

#: An as-of this many days after the latest case before it is refused (the data do not reach it).
FAR_DAYS = 730
#: An as-of this many days after the latest case before it gets a warning: the data may be stale.
STALE_DAYS = {"W": 28, "M": 62}


def _parquet_source(path: str | os.PathLike[str]) -> str:
    """A ``read_parquet(...)`` expression for a file, a (hive-partitioned) folder or a glob."""
    p = Path(path)
    if p.is_dir():
        pattern = str(p / "**" / "*.parquet")
    elif p.exists() or any(ch in str(p) for ch in "*?["):
        pattern = str(p)
    else:
        raise DataError(f"no Parquet file or folder at {p}; give a .parquet file, a folder of them "
                        "(e.g. from CaseStore.export_parquet) or a cases frame.")
    quoted = pattern.replace("'", "''")
    return f"read_parquet('{quoted}', hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"


def check_recency(latest: object, as_of: pd.Timestamp, freq: str, *, stacklevel: int = 2) -> None:
    """Refuse an as-of far beyond the data; warn when the data stop well before it (stale).

    ``latest`` is the date of the latest case before ``as_of`` (None or NaT: no case, nothing to
    check). The one rule of every panel source: a cases frame, Parquet files and the case store.
    """
    if latest is None or pd.isna(latest):
        return
    latest = pd.Timestamp(latest).normalize()
    gap = (as_of - latest).days
    if gap > FAR_DAYS:
        raise DataError(f"as-of {as_of.date()} is {gap // 7} weeks after the latest case "
                        f"({latest.date()}): the data do not reach it. Check the as-of date, or "
                        "ingest the newer exports first.")
    if gap > STALE_DAYS[freq]:
        warnings.warn(f"stale data: the latest case is from {latest.date()}, {gap // 7} weeks before "
                      f"the as-of date {as_of.date()}; recent periods count as zero, so a calm result "
                      "may only mean missing exports. Ingest the latest export, or set an earlier "
                      "as-of.", UserWarning, stacklevel=stacklevel + 1)


def cut_off(latest: object, as_of: object, f: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The cut-off (exclusive) and the last complete period before it; ``latest`` is the last case date."""
    if as_of is None:
        if latest is None or pd.isna(latest):
            raise DataError("No cases to count: the cases frame is empty.")
        as_of_ts = period_start(pd.Timestamp(latest) + pd.Timedelta(days=1), f)
    else:
        as_of_ts = pd.Timestamp(as_of).normalize()
    # The last complete period ends on or before as_of (a period holding as_of is incomplete).
    return as_of_ts, last_complete(as_of_ts, f)


def parquet_counts(path: str | os.PathLike[str], *, freq: str, level: str | None, tree: AreaTree | None,
                   as_of: object, stacklevel: int = 2) -> tuple[pd.DataFrame, pd.Timestamp, tuple[int, str] | None]:
    """Counts per ``area, category, ds`` of the cases in Parquet file(s) (see :func:`sql_counts`)."""
    import duckdb

    con = duckdb.connect()
    try:
        return sql_counts(con, _parquet_source(path), freq=freq, level=level, tree=tree, as_of=as_of,
                          source=str(path), stacklevel=stacklevel + 1)
    finally:
        con.close()


def sql_counts(con: duckdb.DuckDBPyConnection, relation: str, *, freq: str, level: str | None,
               tree: AreaTree | None, as_of: object, source: str = "cases", stacklevel: int = 2
               ) -> tuple[pd.DataFrame, pd.Timestamp, tuple[int, str] | None]:
    """Count the cases of ``relation`` (a table name or table function) per area, category and period.

    Returns the counts frame ``area, category, ds, y``, the cut-off ``as_of`` and, when cases sit at an
    area coarser than ``level``, ``(how many, an example code)``; the rules are those of
    :func:`foresight.panel.to_panel` (the as-of checked by :func:`check_recency`; ``stacklevel`` is
    that of the caller to blame for stale data, counted from the caller of this function).
    """
    import duckdb

    try:
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    except duckdb.Error as exc:
        raise DataError(f"cannot read the cases in {source}: {exc}") from exc
    missing = [c for c in ("received", "area", "category") if c not in cols]
    if missing:
        raise DataError(f"{source}: the cases lack column(s) {missing}; export them with "
                        "CaseStore.export_parquet or write read_cases(...).cases to Parquet.")
    unit = "week" if freq == "W" else "month"
    day = "CAST(received AS DATE)"
    if as_of is None:
        latest = con.execute(f"SELECT max({day}) FROM {relation}").fetchall()[0][0]
    else:  # the same recency rule as the pandas path: the latest case before the cut-off
        as_of = pd.Timestamp(as_of).normalize()
        latest, before = con.execute(f"SELECT max({day}), max({day}) FILTER (WHERE {day} < ?) FROM {relation}",
                                     [as_of.date()]).fetchall()[0]
        check_recency(before, as_of, freq, stacklevel=stacklevel)
    as_of_ts, last = cut_off(None if latest is None else pd.Timestamp(latest), as_of, freq)
    area = "c.area"
    join = ""
    coarse = None
    if level is not None and tree is not None:
        up = tree.ancestor(tree.codes, level)
        lift = pd.DataFrame({"code": tree.codes, "up": up.to_numpy()}).dropna()
        con.register("_foresight_lift", lift)
        join = "LEFT JOIN _foresight_lift l ON l.code = c.area"
        area = "coalesce(l.up, c.area)"
        n, example = con.execute(
            f"SELECT count(*), min(c.area) FROM {relation} c {join} WHERE l.up IS NULL").fetchall()[0]
        if n:
            coarse = (int(n), str(example))
    sql = f"""
        SELECT {area} AS area, c.category AS category,
               CAST(date_trunc('{unit}', CAST(c.received AS DATE)) AS DATE) AS ds, count(*) AS y
        FROM {relation} c {join}
        WHERE CAST(c.received AS DATE) < ? AND date_trunc('{unit}', CAST(c.received AS DATE)) <= ?
          AND c.area IS NOT NULL AND c.category IS NOT NULL
        GROUP BY ALL"""
    params = [as_of_ts.date(), last.date()]
    try:
        counts = con.sql(sql, params=params).to_arrow_table()
    finally:
        if join:
            con.unregister("_foresight_lift")
    frame = pd.DataFrame({
        "area": _categorical(counts.column("area")),
        "category": _categorical(counts.column("category")),
        "ds": counts.column("ds").to_numpy(zero_copy_only=False).astype("datetime64[ns]"),
        "y": counts.column("y").to_numpy(zero_copy_only=False).astype("int64"),
    })
    return frame, as_of_ts, coarse


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A string column as a pandas Categorical (codes + the distinct strings), without one object per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column.cast(pa.string())).combine_chunks()
    return pd.Categorical.from_codes(encoded.indices.to_numpy(zero_copy_only=False),
                                     categories=pd.Index(encoded.dictionary.to_pylist(), dtype=object))
