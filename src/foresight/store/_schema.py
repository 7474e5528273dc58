"""The store's tables, its schema version, and opening a DuckDB file as a store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from foresight.errors import ConfigError, DataError
from foresight.store._frames import CASE_TYPES
from foresight.store._runs import RUN_TABLES_DDL

__all__ = ["SCHEMA_VERSION", "connect"]

#: The schema version this code writes. Bump it and add a step to ``MIGRATIONS`` when tables change.
SCHEMA_VERSION = 2

_EXPORT_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".json", ".toml"}

_CASE_DDL = ",\n    ".join(f'"{name}" {sqltype}' for name, sqltype in CASE_TYPES.items())

_SCHEMA_V1 = f"""
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE ingests (
    ingest_id INTEGER PRIMARY KEY,
    "at" TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,           -- 'ingested' or 'duplicate' (every source seen before)
    rows_read BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    skipped BIGINT NOT NULL,           -- rows of sources whose sha256 was ingested before
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
CREATE TABLE ingest_sources (
    ingest_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- 'file' (hash of the bytes) or 'frame' (hash of the rows)
    rows_read BIGINT NOT NULL,         -- data rows read from this source
    skipped BOOLEAN NOT NULL
);
CREATE TABLE cases (
    {_CASE_DDL},
    row_hash VARCHAR NOT NULL,
    first_seen INTEGER NOT NULL,       -- ingest that first brought the case
    last_seen INTEGER NOT NULL,        -- latest ingest whose export held the case
    version_ingest INTEGER NOT NULL,   -- ingest that brought the current version
    PRIMARY KEY (case_id)
);
CREATE TABLE case_versions (
    ingest_id INTEGER NOT NULL,
    {_CASE_DDL},
    row_hash VARCHAR NOT NULL
);
CREATE TABLE rejects (
    ingest_id INTEGER NOT NULL,
    source VARCHAR,
    source_row BIGINT,
    "column" VARCHAR,
    value VARCHAR,
    reason VARCHAR
);
"""

#: ``MIGRATIONS[v]`` takes a connection at schema ``v`` (inside a transaction) to ``v + 1``.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: lambda con: con.execute(RUN_TABLES_DDL),  # 2: the report's runs, issued flags and outcomes
}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {r[0] for r in rows}


def _version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(version) FROM schema_version").fetchall()[0]
    return int(row[0]) if row[0] is not None else 0


def connect(path: str | os.PathLike[str], *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and if needed create or migrate) the store at ``path``; return the DuckDB connection.

    Raises
    ------
    DataError
        The file is not a foresight store, was written by a newer foresight, is locked by another
        process, or does not exist when ``read_only``.
    ConfigError
        The path names an export (``.csv``, ``.xlsx``, ...) rather than a store file.
    """
    path = Path(path)
    if any(s.lower() in _EXPORT_SUFFIXES for s in path.suffixes):
        raise ConfigError(
            f"the store path {path} looks like an export file, not a store; give a DuckDB file such as "
            f"{path.parent / 'cases.duckdb'}"
        )
    if read_only and not path.exists():
        raise DataError(f"no case store at {path}; create one with 'foresight ingest EXPORT --store {path}'")
    if path.is_dir():
        raise DataError(f"the store path {path} is a folder; give a file name such as {path / 'cases.duckdb'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DataError(
                f"the case store {path} is in use by another process ({exc}); wait for that run to finish: "
                "DuckDB allows one writer at a time"
            ) from exc
        raise DataError(f"cannot open {path} as a case store ({exc}); give a new file name for --store") from exc
    except duckdb.Error as exc:
        raise DataError(f"{path} is not a readable DuckDB case store ({exc}); give another --store path") from exc
    try:
        _prepare(con, path, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def _prepare(con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
    tables = _tables(con)
    if "schema_version" not in tables:
        if tables:
            raise DataError(
                f"{path} is a DuckDB file but not a foresight case store (tables: {sorted(tables)}); "
                "give a new file name for --store"
            )
        if read_only:
            raise DataError(f"{path} is an empty file, not a case store; ingest an export into it first")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_SCHEMA_V1)
            con.execute(RUN_TABLES_DDL)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return
    version = _version(con)
    if version > SCHEMA_VERSION:
        raise DataError(
            f"the case store {path} has schema version {version}, newer than this foresight "
            f"understands ({SCHEMA_VERSION}); upgrade foresight"
        )
    if version < SCHEMA_VERSION:
        if read_only:
            raise DataError(
                f"the case store {path} has schema version {version} and needs migrating to "
                f"{SCHEMA_VERSION}; open it once without read_only (or run 'foresight ingest') to migrate"
            )
        con.execute("BEGIN TRANSACTION")
        try:
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](con)
                con.execute("INSERT INTO schema_version (version) VALUES (?)", [v + 1])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
