"""The report's closed loop: the flags and forecasts each run issued, read back by later runs.

Every run records what it issued beside its dated report (``flags.parquet``, ``forecasts.parquet``)
and, when it uses a case store, in the store (:meth:`foresight.store.CaseStore.record_run`). A later
run's back-check reads them (nothing is re-fitted), scores the flags against the counts since and
records the outcomes (``outcomes.parquet`` and the store's ``flag_outcomes``), as the seeds' 挂牌销账
follows every issue to closure. :func:`issued_flags` lists the flags with their latest outcome.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.errors import DataError
from foresight.report._keys import STORE_SUFFIXES

__all__ = ["ISSUED_COLUMNS", "IssuedRun", "find_run", "issued_flags", "run_folders"]

#: The columns of :func:`issued_flags`.
ISSUED_COLUMNS = ["issued", "id", "rank", "area", "category", "kind", "start", "end", "expected", "expected_lo",
                  "expected_hi", "observed", "baseline", "excess", "p_wave", "score", "outcome", "actual", "usual",
                  "scored_as_of"]


@dataclass(frozen=True)
class IssuedRun:
    """What one earlier run issued: its ``as_of``, flags and area x category forecasts, and where from."""

    as_of: pd.Timestamp
    flags: pd.DataFrame
    forecasts: pd.DataFrame
    source: str


def run_folders(out_dir: str | os.PathLike[str], freq: str | None = None, *, latest: bool = True) -> pd.DataFrame:
    """The dated report folders under ``out_dir`` that recorded their flags: ``as_of, freq, folder``.

    A date reported twice (``weekly-2026-11-23-2``) keeps the latest folder unless ``latest=False``.
    Oldest first.

    Examples
    --------
    >>> import tempfile
    >>> run_folders(tempfile.mkdtemp()).empty
    True
    """
    rows = []
    base = Path(out_dir)
    if not base.is_dir():
        return pd.DataFrame({"as_of": pd.Series(dtype="datetime64[ns]"), "freq": [], "folder": []})
    for run in base.glob("*/run.json"):
        folder = run.parent
        if folder.name.startswith(".") or not (folder / "flags.parquet").is_file():
            continue
        try:
            doc = json.loads(run.read_text(encoding="utf-8"))
            rows.append({"as_of": pd.Timestamp(doc["as_of"]), "freq": doc.get("freq", "W"), "folder": folder,
                         "mtime": run.stat().st_mtime})
        except (ValueError, KeyError, OSError):
            continue  # not a report folder of this foresight
    out = pd.DataFrame(rows, columns=["as_of", "freq", "folder", "mtime"])
    if freq is not None:
        out = out[out["freq"] == freq]
    out = out.sort_values(["as_of", "mtime"])
    if latest:
        out = out.drop_duplicates(["as_of", "freq"], keep="last")
    return out.drop(columns="mtime").reset_index(drop=True)


def _store_runs(store: Path, freq: str | None) -> pd.DataFrame:
    from foresight.store import CaseStore

    with CaseStore(store, read_only=True) as s:
        return s.runs(freq)


def _read_run(as_of: pd.Timestamp, freq: str, *, store: Path | None, folder: Path | None) -> IssuedRun:
    if store is not None:
        from foresight.store import CaseStore

        with CaseStore(store, read_only=True) as s:
            fl = s.issued_flags(as_of=as_of, freq=freq)
            fc = s.issued_forecasts(as_of=as_of, freq=freq)
        return IssuedRun(as_of, fl, fc, str(store))
    assert folder is not None
    fl = pd.read_parquet(folder / "flags.parquet")
    fc = pd.read_parquet(folder / "forecasts.parquet")
    if "level" in fc.columns:
        fc = fc[fc["level"] == "area x category"]
    return IssuedRun(as_of, fl, fc, str(folder))


def find_run(*, as_of: pd.Timestamp, periods: int, freq: str, store: Path | None,
             out_dir: Path | None) -> tuple[IssuedRun | None, bool]:
    """The earlier run to back-check: the latest one issued ``periods`` or more periods before ``as_of``.

    When every recorded run is more recent than that, the oldest of them is used and the second value
    is True (a fallback the report labels). ``(None, False)`` when no earlier run was recorded.
    """
    target = as_of - (pd.DateOffset(weeks=periods) if freq == "W" else pd.DateOffset(months=periods))
    runs, use_store = pd.DataFrame(), False
    if store is not None and Path(store).is_file():
        runs, use_store = _store_runs(Path(store), freq), True
    if runs.empty and out_dir is not None:
        runs, use_store = run_folders(out_dir, freq), False
    if runs.empty:
        return None, False
    earlier = runs[runs["as_of"] < as_of]
    if earlier.empty:
        return None, False
    due = earlier[earlier["as_of"] <= target]
    row, fallback = (due.iloc[-1], False) if len(due) else (earlier.iloc[0], True)
    run = _read_run(pd.Timestamp(row["as_of"]), freq, store=Path(store) if use_store else None,
                    folder=None if use_store else Path(row["folder"]))
    return run, fallback


def issued_flags(source: str | os.PathLike[str], *, since: Any = None, freq: str | None = None) -> pd.DataFrame:
    """The flags earlier report runs issued, each with its latest outcome: a centre's record of its flags.

    Parameters
    ----------
    source : path
        A case store file (``cases.duckdb``) the reports recorded into, or the folder that holds the
        dated report folders (the report config's ``out_dir``).
    since : date-like, optional
        Only runs with ``as_of`` on or after it (e.g. the start of last quarter).
    freq : {"W", "M"}, optional
        Only weekly or monthly runs.

    Returns
    -------
    DataFrame
        ``issued`` (the run's as_of), the flag's ``id, rank, area, category, kind, start, end`` and
        numbers, then ``outcome`` (``rose``, ``flat``, ``pending``, or ``unscored`` when no later run
        has checked it yet), ``actual``, ``usual`` and ``scored_as_of`` (the run that scored it).

    Raises
    ------
    DataError
        ``source`` is neither a store nor a folder.

    Examples
    --------
    >>> import tempfile
    >>> issued_flags(tempfile.mkdtemp()).columns.tolist()[:5]
    ['issued', 'id', 'rank', 'area', 'category']
    """
    src = Path(source)
    since_ts = pd.Timestamp(since) if since is not None else None
    if src.suffix.lower() in STORE_SUFFIXES and src.is_file():
        from foresight.store import CaseStore

        with CaseStore(src, read_only=True) as s:
            fl = s.issued_flags(freq=freq)
            oc = s.flag_outcomes()
    elif src.is_dir():
        folders = run_folders(src, freq)
        fl = pd.concat([pd.read_parquet(r.folder / "flags.parquet").assign(as_of=r.as_of)
                        for r in folders.itertuples()], ignore_index=True) if len(folders) else pd.DataFrame()
        parts = [pd.read_parquet(r.folder / "outcomes.parquet").assign(scored_as_of=r.as_of)
                 for r in run_folders(src, freq, latest=False).itertuples()
                 if (r.folder / "outcomes.parquet").is_file()]
        oc = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    else:
        raise DataError(f"{src} is neither a case store file nor a folder of reports; give the store "
                        "(cases.duckdb) or the report config's out_dir.")
    if fl.empty:
        return pd.DataFrame({c: [] for c in ISSUED_COLUMNS})
    fl = fl.rename(columns={"as_of": "issued"})
    if since_ts is not None:
        fl = fl[pd.to_datetime(fl["issued"]) >= since_ts]
    if len(oc):
        oc = oc.sort_values("scored_as_of").drop_duplicates("id", keep="last")
        fl = fl.merge(oc[["id", "outcome", "actual", "usual", "scored_as_of"]], on="id", how="left")
    else:
        fl = fl.assign(outcome=pd.NA, actual=float("nan"), usual=float("nan"), scored_as_of=pd.NaT)
    fl["outcome"] = fl["outcome"].fillna("unscored")
    for c in ISSUED_COLUMNS:
        if c not in fl.columns:
            fl[c] = pd.NA
    return fl[ISSUED_COLUMNS].sort_values(["issued", "rank"], ignore_index=True)

