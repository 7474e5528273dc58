"""The case store: the history of weekly exports in one embedded DuckDB file.

Each week a centre receives a new export that overlaps the last one and updates some cases. The store
keeps one row per case (its latest version), every version it has seen (``case_versions``), a log of
every ingest with its row counts and the sha256 of each source, and the rejected rows of each ingest.

- Idempotent: an export whose sha256 was ingested before is skipped (the attempt is still logged as a
  ``duplicate``), and a case whose content did not change is counted as ``unchanged``.
- "Newer" means the later ingest: exports are ingested in the order they were produced.
- Atomic: one ingest is one transaction; a run killed halfway leaves the store as it was.
- Only the canonical case columns are stored: personal data never reaches the file.

Tables: ``schema_version``, ``ingests``, ``ingest_sources``, ``cases``, ``case_versions``, ``rejects``; and
the weekly report's closed loop (schema 2): ``runs``, ``issued_flags``, ``issued_forecasts``,
``flag_outcomes`` (see :meth:`CaseStore.record_run` and :func:`foresight.report.issued_flags`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from foresight.errors import DataError
from foresight.store import _read, _runs, _write
from foresight.store._schema import SCHEMA_VERSION, connect
from foresight.store._write import IngestRecord, SourceHash

__all__ = ["SCHEMA_VERSION", "CaseStore", "IngestRecord", "SourceHash"]


class CaseStore:
    """A case store in one DuckDB file; created (with its tables) on first open.

    Parameters
    ----------
    path : str or os.PathLike
        The DuckDB file, e.g. ``cases.duckdb``. Its folder is created if needed.
    read_only : bool, default False
        Open without the write lock, so several readers may share the file.

    Raises
    ------
    DataError
        The file is not a foresight store, is newer than this foresight, or is locked by a writer.
    ConfigError
        The path names an export file (``.csv``, ``.xlsx``, ...) rather than a store.

    Examples
    --------
    >>> import tempfile, pathlib, types
    >>> import pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cases.duckdb"
    >>> cases = pd.DataFrame({"case_id": ["A1", "A2"], "received": pd.to_datetime(["2024-03-04", "2024-03-05"]),
    ...                       "area": ["T01", "T02"], "category": ["school", "wages"], "source": "week10.csv"})
    >>> export = types.SimpleNamespace(cases=cases, rejects=None, rows_read=2, sources=None)
    >>> with CaseStore(path) as store:
    ...     print(store.ingest(export).summary())
    ...     print(store.ingest(export).status)
    ...     print(len(store.cases(as_of="2024-03-05")))
    ingest 1 (ingested): read 2, accepted 2, rejected 0, inserted 2, updated 0, unchanged 0
    duplicate
    1
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, read_only=read_only)

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the file (idempotent). Committed ingests are durable; nothing else is pending."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._con is None else ("read-only" if self.read_only else "open")
        return f"CaseStore({str(self.path)!r}, {state})"

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for ad-hoc SQL (read the tables; write only through ``ingest``)."""
        if self._con is None:
            raise DataError(f"the case store {self.path} is closed; open it again with CaseStore(path)")
        return self._con

    # -- writing --------------------------------------------------------------------------------
    def ingest(
        self,
        result: Any,
        *,
        files: Iterable[str | os.PathLike[str]] | None = None,
        force: bool = False,
    ) -> IngestRecord:
        """Add one export (the result of ``foresight.ingest.read_cases``) in one transaction.

        Parameters
        ----------
        result : IngestResult
            Anything with ``cases`` (canonical cases frame), ``rejects`` (``source, source_row,
            column, value, reason``), ``rows_read`` and ``sources`` (file paths, optional).
        files : iterable of path, optional
            The export files the result was read from, to hash; default ``result.sources``. Sources
            that are not files (frames) are identified by the sha256 of their canonical rows.
        force : bool, default False
            Ingest even the sources whose sha256 was ingested before (e.g. after fixing a mapping).

        Returns
        -------
        IngestRecord
            The ingest's id, status (``ingested`` or ``duplicate``) and counts.

        Raises
        ------
        DataError
            The cases frame lacks a required column or value, or repeats a case id.
        """
        if self.read_only:
            raise DataError(f"the case store {self.path} is open read-only; open it with read_only=False to ingest")
        return _write.ingest_result(self.con, result, files=files, force=force)

    def ingest_file(
        self, path: str | os.PathLike[str], read: Callable[[Path], Any], *, force: bool = False
    ) -> IngestRecord:
        """Ingest one export file; skip reading it when the same bytes were ingested before.

        Parameters
        ----------
        path : str or os.PathLike
            The export file.
        read : callable
            ``read(path) -> IngestResult``, e.g. ``functools.partial(read_cases, mapping="m.toml")``.
            Not called for a file whose sha256 is already in the store (unless ``force``); that
            attempt is logged as a ``duplicate`` with the row count of the first ingest.
        force : bool, default False
            Read and ingest even a file seen before.

        Returns
        -------
        IngestRecord

        Raises
        ------
        DataError
            The file does not exist, or ``read`` raised it.
        """
        if self.read_only:
            raise DataError(f"the case store {self.path} is open read-only; open it with read_only=False to ingest")
        return _write.ingest_file(self.con, path, read, force=force)

    def ingested(self, path: str | os.PathLike[str]) -> int | None:
        """The id of the ingest that took this file's exact bytes (by sha256), or None if it is new."""
        return _write.ingested_sha256(self.con, path)[1]

    # -- reading --------------------------------------------------------------------------------
    def cases(self, as_of: object = None, *, ingest: int | None = None) -> pd.DataFrame:
        """The canonical cases frame (one row per case, latest version), ready for ``to_panel``.

        Parameters
        ----------
        as_of : date-like, optional
            Exclusive cut-off: only cases received before it; a closing date on or after it is
            blanked (the case was open then).
        ingest : int, optional
            The state after this ingest (from the version history) instead of the latest.

        Returns
        -------
        pandas.DataFrame
            The columns of the cases contract in docs/architecture.md, sorted by ``received, case_id``.

        Raises
        ------
        DataError
            ``as_of`` is not a date, or ``ingest`` does not exist.
        """
        return _read.current_cases(self.con, as_of=as_of, ingest=ingest)

    def ingest_log(self) -> pd.DataFrame:
        """The ingest log: ``ingest_id, at, status, sources, rows_read, accepted, rejected, skipped,
        inserted, updated, unchanged``."""
        return _read.ingest_log(self.con)

    def sources(self) -> pd.DataFrame:
        """The sources of every ingest with their sha256: ``ingest_id, source, sha256, kind, skipped``."""
        return _read.ingest_sources(self.con)

    def rejects(self, *, ingest: int | None = None) -> pd.DataFrame:
        """The rejected rows, of one ingest or all: ``ingest_id, source, source_row, column, value, reason``."""
        return _read.stored_rejects(self.con, ingest=ingest)

    def history(self, case_id: str) -> pd.DataFrame:
        """Every version of one case with the ``ingest_id`` that brought it, oldest first (empty if unknown)."""
        return _read.case_history(self.con, case_id)

    # -- the report's runs ----------------------------------------------------------------------
    def record_run(self, *, as_of: Any, freq: str, horizon: int, level: str | None, flags: pd.DataFrame,
                   forecasts: pd.DataFrame) -> None:
        """Record the flags and area x category forecasts a report run issued (a rerun replaces them).

        Raises
        ------
        DataError
            The store is open read-only.
        """
        if self.read_only:
            raise DataError(f"the case store {self.path} is open read-only; open it with read_only=False")
        _runs.record_run(self.con, as_of=pd.Timestamp(as_of), freq=freq, horizon=horizon, level=level, flags=flags,
                         forecasts=forecasts)

    def runs(self, freq: str | None = None) -> pd.DataFrame:
        """The recorded report runs: ``as_of, freq, recorded_at, horizon, level``, oldest first."""
        return _runs.runs(self.con, freq)

    def issued_flags(self, *, as_of: Any = None, freq: str | None = None) -> pd.DataFrame:
        """The flags recorded runs issued (``as_of, freq`` then the flag's id, kind, window and numbers)."""
        return _runs.issued(self.con, "issued_flags", as_of=as_of, freq=freq)

    def issued_forecasts(self, *, as_of: Any = None, freq: str | None = None) -> pd.DataFrame:
        """The area x category forecasts recorded runs issued: ``as_of, freq, area, category, ds, mean, p10..``."""
        return _runs.issued(self.con, "issued_forecasts", as_of=as_of, freq=freq)

    def record_outcomes(self, outcomes: pd.DataFrame, *, scored_as_of: Any) -> None:
        """Record how the run of ``scored_as_of`` scored earlier flags (``id, outcome, actual, usual, forecast``)."""
        if self.read_only:
            raise DataError(f"the case store {self.path} is open read-only; open it with read_only=False")
        _runs.record_outcomes(self.con, outcomes, scored_as_of=pd.Timestamp(scored_as_of))

    def flag_outcomes(self) -> pd.DataFrame:
        """Every recorded outcome of an issued flag: ``id, scored_as_of, outcome, actual, usual, forecast``."""
        return _runs.flag_outcomes(self.con)
