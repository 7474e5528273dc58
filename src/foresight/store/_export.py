"""The store's cases as a panel (counted in DuckDB) and as a Parquet dataset partitioned by top-level area."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from foresight.areas import LEVELS, AreaTree, load_areas
from foresight.store._read import cases_sql

__all__ = ["PARTITION_COLUMN", "export_parquet", "store_panel", "top_areas"]

#: The hive partition key of an exported dataset: each case's top-level area (its root in the tree).
PARTITION_COLUMN = "top_area"


def top_areas(tree: AreaTree) -> pd.DataFrame:
    """``code, top``: each area's coarsest ancestor (a root maps to itself)."""
    codes = pd.Series(tree.codes, dtype=object)
    top = pd.Series(index=codes.index, dtype=object)
    for level in reversed(LEVELS):  # finest first, so the coarsest level found wins
        up = tree.ancestor(codes, level)
        top = up.where(up.notna(), top)
    return pd.DataFrame({"code": codes, "top": top.where(top.notna(), codes)})


def store_panel(con: duckdb.DuckDBPyConnection, *, freq: str, level: str | None, areas: object,
                as_of: object, ingest: int | None) -> pd.DataFrame:
    """``to_panel`` of the store's cases, counted by DuckDB inside the store file."""
    from foresight._panel_sql import sql_counts
    from foresight.errors import DataError
    from foresight.panel import complete_panel, warn_coarse
    from foresight.periods import normalize_freq

    f = normalize_freq(freq)
    tree = load_areas(areas) if areas is not None else None
    if level is not None and tree is None:
        raise DataError(f"level={level!r} needs the area tree: pass areas=.")
    relation = f"({cases_sql(con, ingest=ingest)})"
    counts, as_of_ts, coarse = sql_counts(con, relation, freq=f, level=level, tree=tree, as_of=as_of,
                                          source="the case store", stacklevel=4)
    warn_coarse(coarse, level, stacklevel=4)
    return complete_panel(counts, freq=f, as_of=as_of_ts, tree=tree)


def export_parquet(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], *, areas: object,
                   ingest: int | None) -> Path:
    """Write the cases as ``path/top_area=<code>/*.parquet``; replace ``path`` only once all is written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    relation = f"({cases_sql(con, ingest=ingest)})"
    if areas is not None:
        con.register("_foresight_top", top_areas(load_areas(areas)))
        select = (f"SELECT c.*, coalesce(t.top, c.area) AS {PARTITION_COLUMN} FROM {relation} c "
                  "LEFT JOIN _foresight_top t ON t.code = c.area")
    else:  # without a tree every area is its own top-level area
        select = f"SELECT c.*, c.area AS {PARTITION_COLUMN} FROM {relation} c"
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        quoted = str(tmp / "data").replace("'", "''")
        con.execute(f"COPY ({select} ORDER BY {PARTITION_COLUMN}, received, case_id) TO '{quoted}' "
                    f"(FORMAT PARQUET, PARTITION_BY ({PARTITION_COLUMN}))")
        (tmp / "data").mkdir(exist_ok=True)  # an empty store writes no partition
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp / "data", target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if areas is not None:
            con.unregister("_foresight_top")
    return target
