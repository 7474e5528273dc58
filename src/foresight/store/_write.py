"""One ingest into the store: hash the sources, classify each case, write it all in one transaction."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pandas as pd

from foresight._io import sha256_file
from foresight.errors import DataError
from foresight.store._frames import CASE_COLUMNS, CONTENT_COLUMNS, canonical_cases, canonical_rejects

__all__ = ["IngestRecord", "SourceHash", "ingest_file", "ingest_result", "ingested_sha256"]

#: Test hook: called inside the ingest transaction, just before COMMIT. Never set it in real use.
_before_commit: Callable[[], None] | None = None

_NO_SOURCE = "<no source>"


@dataclass(frozen=True)
class SourceHash:
    """One source of an ingest: its name, the sha256 that identifies it, and whether it was skipped.

    Attributes
    ----------
    source
        The source name (the file name, as in the rejects table).
    sha256
        For ``kind="file"`` the sha256 of the file's bytes; for ``kind="frame"`` of its canonical rows.
    kind
        ``"file"`` or ``"frame"``.
    rows_read
        Data rows read from the source.
    skipped
        True when the same bytes had been ingested before (nothing was read).

    Examples
    --------
    >>> SourceHash("week_46.csv", "ab" * 32, "file", rows_read=1600).skipped
    False
    """

    source: str
    sha256: str
    kind: str  # 'file': sha256 of the file's bytes; 'frame': sha256 of its canonical rows
    rows_read: int = 0
    skipped: bool = False


@dataclass(frozen=True)
class IngestRecord:
    """What one ingest did; ``rows_read = accepted + rejected + skipped`` and
    ``accepted = inserted + updated + unchanged``.

    ``status`` is ``"ingested"``, or ``"duplicate"`` when every source had been ingested before
    (nothing changed, but the attempt is logged). ``at`` is the time of the ingest in UTC.

    Attributes
    ----------
    ingest_id, at, status
        The ingest's number in the store's log, its time (UTC) and status.
    rows_read, accepted, rejected, skipped
        Rows read from the sources; accepted and rejected by ``read_cases``; skipped as already ingested.
    inserted, updated, unchanged
        What the accepted rows did to the store: new cases, changed cases, cases seen as they were.
    sources
        One :class:`SourceHash` per source.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> rec = IngestRecord(1, datetime(2026, 11, 23, tzinfo=timezone.utc), "ingested", 10, 9, 1, 0,
    ...                    7, 2, 0, (SourceHash("w.csv", "0" * 64, "file", 10),))
    >>> rec.summary()
    'ingest 1 (ingested): read 10, accepted 9, rejected 1, inserted 7, updated 2, unchanged 0'
    """

    ingest_id: int
    at: datetime
    status: str
    rows_read: int
    accepted: int
    rejected: int
    skipped: int
    inserted: int
    updated: int
    unchanged: int
    sources: tuple[SourceHash, ...]

    def as_dict(self) -> dict[str, Any]:
        """The record as plain values (sources as a list of dicts), e.g. for JSON."""
        out = asdict(self)
        out["at"] = self.at.isoformat(timespec="seconds")
        return out

    def summary(self) -> str:
        """One line for a person: the counts of this ingest."""
        text = (
            f"ingest {self.ingest_id} ({self.status}): read {self.rows_read}, accepted {self.accepted}, "
            f"rejected {self.rejected}, inserted {self.inserted}, updated {self.updated}, "
            f"unchanged {self.unchanged}"
        )
        if self.skipped:
            names = ", ".join(s.source for s in self.sources if s.skipped)
            text += f"; skipped {self.skipped} rows of already-ingested source(s): {names}"
        return text


def _sha256_rows(cases: pd.DataFrame, rejects: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in (cases, rejects):
        digest.update(",".join(frame.columns).encode())
        if len(frame):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _named_sources(result: Any, files: Iterable[str | os.PathLike[str]] | None) -> list[tuple[str, Any]]:
    """``(name, path or None)`` per source: explicit ``files``, else ``result.paths``/``result.sources``."""
    if files is not None:
        return [(Path(f).name, f) for f in files]
    paths = getattr(result, "paths", None)
    paths = dict(paths) if isinstance(paths, Mapping) else {}
    sources = getattr(result, "sources", None)
    if isinstance(sources, pd.DataFrame):
        col = next((c for c in ("path", "file", "source") if c in sources.columns), None)
        sources = [] if col is None else sources[col].dropna().tolist()
    elif isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    elif isinstance(sources, Mapping):
        sources = list(sources)
    elif not isinstance(sources, Iterable):
        sources = []
    names = [s for s in sources if isinstance(s, (str, os.PathLike))] or list(paths)
    out = []
    for entry in names:
        path = paths.get(str(entry))
        if path is None and Path(entry).is_file():
            path, entry = entry, Path(entry).name
        out.append((str(entry), path))
    return out


def _hash_sources(
    named: list[tuple[str, Any]], cases: pd.DataFrame, rejects: pd.DataFrame
) -> tuple[list[SourceHash], dict[str, set[str]]]:
    """Hash each source; return the hashes and, per source name, the ``source`` labels its rows carry."""
    hashes: list[SourceHash] = []
    labels: dict[str, set[str]] = {}
    for name, path in named:
        if path is not None and Path(path).is_file():
            labels[name] = {name, str(path)}
            hashes.append(SourceHash(name, sha256_file(path), "file"))
        else:
            labels[name] = {name}
            rows_c, rows_r = cases["source"].isin([name]), rejects["source"].isin([name])
            hashes.append(SourceHash(name, _sha256_rows(cases[rows_c], rejects[rows_r]), "frame"))
    covered = set().union(*labels.values()) if labels else set()
    rest = pd.concat([cases["source"], rejects["source"]]).fillna(_NO_SOURCE).unique()
    for name in sorted(str(n) for n in rest if n not in covered):
        mask_c = cases["source"].fillna(_NO_SOURCE) == name
        mask_r = rejects["source"].fillna(_NO_SOURCE) == name
        labels[name] = {name}
        hashes.append(SourceHash(name, _sha256_rows(cases[mask_c], rejects[mask_r]), "frame"))
    return hashes, labels


def ingested_sha256(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> tuple[str, int | None, int]:
    """``(sha256, ingest_id, rows_read)`` of a file: the ingest that first took these bytes, or None."""
    sha = sha256_file(path)
    rows = con.execute(
        "SELECT ingest_id, rows_read FROM ingest_sources WHERE sha256 = ? AND NOT skipped ORDER BY ingest_id LIMIT 1",
        [sha],
    ).fetchall()
    return (sha, int(rows[0][0]), int(rows[0][1])) if rows else (sha, None, 0)


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike[str],
    read: Callable[[Path], Any],
    *,
    force: bool = False,
) -> IngestRecord:
    """Ingest one export file, calling ``read(path)`` only when its bytes are new (or ``force``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no export file at {path}; check the path")
    _, seen, rows = ingested_sha256(con, path)
    if seen is not None and not force:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in CASE_COLUMNS})
        stub = SimpleNamespace(cases=empty, rejects=None, rows_read={path.name: rows})
        return ingest_result(con, stub, files=[path])
    return ingest_result(con, read(path), files=[path], force=force)


def _all_rejected(rejects: pd.DataFrame) -> str:
    """The message for an ingest whose every row was rejected: nothing is recorded as ingested."""
    kinds = rejects["reason"].fillna("").str.split(r"[:;(]", regex=True).str[0].str.strip()
    top = ", ".join(f"{k or '(no reason)'} ({n})" for k, n in kinds.value_counts().head(3).items())
    names = ", ".join(sorted(rejects["source"].fillna(_NO_SOURCE).astype(str).unique()))
    return (f"every row of {names} was rejected ({len(rejects)} rows: {top}); nothing was ingested, "
            "so the corrected export can be ingested later. Check the column mapping and the export "
            "('foresight summary' lists the rejected rows with their reasons).")


def _row_hash_sql() -> str:
    parts = ", ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), chr(0))" for c in CONTENT_COLUMNS)
    return f"md5(concat_ws(chr(31), {parts}))"


def ingest_result(
    con: duckdb.DuckDBPyConnection,
    result: Any,
    *,
    files: Iterable[str | os.PathLike[str]] | None = None,
    force: bool = False,
) -> IngestRecord:
    """Write one ``IngestResult`` (duck-typed: ``cases``, ``rejects``, ``rows_read``, ``sources``).

    All of it lands in one transaction, or none of it does.
    """
    cases = canonical_cases(getattr(result, "cases", None))
    rejects = canonical_rejects(getattr(result, "rejects", None))
    read = getattr(result, "rows_read", None)
    per_source = {str(k): int(v) for k, v in read.items()} if isinstance(read, Mapping) else {}
    rows_read = len(cases) + len(rejects) if read is None else sum(per_source.values()) if per_source else int(read)
    hashes, labels = _hash_sources(_named_sources(result, files), cases, rejects)

    con.execute("BEGIN TRANSACTION")
    try:
        record = _write(con, cases, rejects, rows_read, per_source, hashes, labels, force=force)
        if _before_commit is not None:
            _before_commit()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return record


def _write(
    con: duckdb.DuckDBPyConnection,
    cases: pd.DataFrame,
    rejects: pd.DataFrame,
    rows_read: int,
    per_source: dict[str, int],
    hashes: list[SourceHash],
    labels: dict[str, set[str]],
    *,
    force: bool,
) -> IngestRecord:
    seen = con.execute("SELECT sha256 FROM ingest_sources WHERE NOT skipped").fetchall()
    known = set() if force else {r[0] for r in seen}
    marked: list[SourceHash] = []
    for h in hashes:
        skip = h.sha256 in known
        known.add(h.sha256)
        marked.append(replace(h, skipped=skip))
    for i, h in enumerate(marked):
        n = per_source.get(h.source)
        if n is None:
            lab = labels[h.source]
            n = int(cases["source"].isin(lab).sum() + rejects["source"].isin(lab).sum())
        marked[i] = replace(h, rows_read=int(n))
    skip_labels = set().union(*(labels[h.source] for h in marked if h.skipped))
    keep_c = ~cases["source"].fillna(_NO_SOURCE).isin(skip_labels).to_numpy()
    keep_r = ~rejects["source"].fillna(_NO_SOURCE).isin(skip_labels).to_numpy()
    skipped = int((~keep_c).sum() + (~keep_r).sum())
    if per_source:  # the reader's own count per source is authoritative
        skipped = sum(per_source.get(h.source, 0) for h in marked if h.skipped) or skipped
    cases, rejects = cases[keep_c].reset_index(drop=True), rejects[keep_r].reset_index(drop=True)
    accepted, rejected = len(cases), len(rejects)
    if accepted == 0 and rejected > 0:
        raise DataError(_all_rejected(rejects))
    status = "duplicate" if marked and all(h.skipped for h in marked) else "ingested"

    ingest_id = int(con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchall()[0][0])
    cols = ", ".join(f'"{c}"' for c in CASE_COLUMNS)
    con.register("_incoming_cases", cases)
    con.register("_incoming_rejects", rejects)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _staged AS
            SELECT s.*, CASE WHEN c.case_id IS NULL THEN 'new'
                             WHEN c.row_hash <> s.row_hash THEN 'changed' ELSE 'same' END AS kind
            FROM (SELECT {cols}, {_row_hash_sql()} AS row_hash FROM _incoming_cases) s
            LEFT JOIN cases c ON c.case_id = s.case_id"""
        )
        counts = dict(con.execute("SELECT kind, count(*) FROM _staged GROUP BY kind").fetchall())
        con.execute(
            f"INSERT INTO case_versions SELECT ?, {cols}, row_hash FROM _staged WHERE kind <> 'same'", [ingest_id]
        )
        sets = ", ".join(f'"{c}" = s."{c}"' for c in CASE_COLUMNS if c != "case_id")
        con.execute(
            f"""UPDATE cases SET {sets}, row_hash = s.row_hash, last_seen = ?, version_ingest = ?
            FROM _staged s WHERE cases.case_id = s.case_id AND s.kind = 'changed'""",
            [ingest_id, ingest_id],
        )
        con.execute(
            "UPDATE cases SET last_seen = ? FROM _staged s WHERE cases.case_id = s.case_id AND s.kind = 'same'",
            [ingest_id],
        )
        con.execute(
            f"INSERT INTO cases SELECT {cols}, row_hash, ?, ?, ? FROM _staged WHERE kind = 'new'",
            [ingest_id, ingest_id, ingest_id],
        )
        con.execute(
            'INSERT INTO rejects SELECT ?, source, source_row, "column", value, reason FROM _incoming_rejects',
            [ingest_id],
        )
        con.execute("DROP TABLE _staged")
    finally:
        con.unregister("_incoming_cases")
        con.unregister("_incoming_rejects")

    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    record = IngestRecord(
        ingest_id=ingest_id,
        at=at,
        status=status,
        rows_read=rows_read,
        accepted=accepted,
        rejected=rejected,
        skipped=skipped,
        inserted=int(counts.get("new", 0)),
        updated=int(counts.get("changed", 0)),
        unchanged=int(counts.get("same", 0)),
        sources=tuple(marked),
    )
    con.execute(
        "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [ingest_id, at, status, record.rows_read, accepted, rejected, skipped, record.inserted,
         record.updated, record.unchanged],
    )
    if marked:
        src = pd.DataFrame([asdict(h) for h in marked])
        con.register("_incoming_sources", src)
        try:
            con.execute(
                "INSERT INTO ingest_sources SELECT ?, source, sha256, kind, rows_read, skipped FROM _incoming_sources",
                [ingest_id],
            )
        finally:
            con.unregister("_incoming_sources")
    return record
