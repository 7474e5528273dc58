"""What a report reads: the cases (through the store when one is configured), names, and the
fingerprints of its inputs (internal)."""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path

import pandas as pd

from foresight._io import sha256_file
from foresight.report.config import ReportConfig
from foresight.text import render

__all__ = ["cases_at_level", "input_files", "names_of", "read_inputs", "reject_summary", "versions"]

_VERSIONS = ("foresight", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2", "duckdb",
             "openpyxl", "pyarrow", "chinesecalendar", "holidays")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONS:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def names_of(config: ReportConfig, language: str) -> dict[str, dict[str, str]]:
    """Display names and outreach themes from the area and category tables (codes when absent)."""
    out: dict[str, dict[str, str]] = {"area": {}, "category": {}, "theme": {}, "department": {}}
    if config.areas is not None:
        a = pd.read_csv(config.areas, dtype=str, keep_default_na=False)
        if {"code", "name"} <= set(a.columns):
            out["area"] = dict(zip(a["code"], a["name"]))
    if config.categories is not None:
        c = pd.read_csv(config.categories, dtype=str, keep_default_na=False)
        col = "name_zh" if language == "zh" else "name_en"
        if "code" in c.columns:
            for key, src in (("category", col), ("theme", "theme"), ("department", "department")):
                if src in c.columns:
                    out[key] = dict(zip(c["code"], c[src]))
    out["category"].setdefault("other", render("other_category", language))
    return out


def read_inputs(config: ReportConfig, *, progress: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cases, rejects and the per-source row counts, through the store when one is configured."""
    from functools import partial

    from foresight.ingest import read_cases

    reader = partial(read_cases, mapping=config.mapping, areas=config.areas, categories=config.categories)
    if config.store is None:
        res = reader(list(config.cases), progress=progress and len(config.cases) > 1)
        return res.cases, res.rejects, res.summary()
    from foresight.store import CaseStore

    with CaseStore(config.store) as store:
        records = [store.ingest_file(p, reader) for p in config.cases]
        cases = store.cases()
        rejects = store.rejects()
        log = store.ingest_log()
        sources = store.sources()
    if records:
        reads = _source_counts(records, log, sources)
    else:
        reads = log[["sources", "rows_read", "accepted", "rejected"]].rename(
            columns={"sources": "source", "rows_read": "read"}).assign(first_ingest=pd.NA)
    return cases, rejects, reads


def _source_counts(records: list, log: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Rows read, accepted and rejected per input file of this run.

    A file the store had already ingested (same sha256) is not read again: its row shows the counts
    of the ingest that first took it, and ``first_ingest`` names that ingest, so read = accepted +
    rejected holds on every row of the report's table.
    """
    first = sources[~sources["skipped"].astype(bool)].drop_duplicates("sha256").set_index("sha256")["ingest_id"]
    by_id = log.set_index("ingest_id")
    n_sources = sources.groupby("ingest_id").size()
    rows = []
    for r in records:
        row = {"source": ", ".join(s.source for s in r.sources), "read": r.rows_read, "accepted": r.accepted,
               "rejected": r.rejected, "first_ingest": pd.NA}
        shas = {s.sha256 for s in r.sources}
        if r.status == "duplicate" and len(shas) == 1 and next(iter(shas)) in first.index:
            earlier = by_id.loc[int(first[next(iter(shas))])]
            row["first_ingest"] = int(earlier.name)
            if n_sources[earlier.name] == 1:  # that ingest's counts are this file's alone
                row.update(read=int(earlier["rows_read"]), accepted=int(earlier["accepted"]),
                           rejected=int(earlier["rejected"]))
            else:  # taken with other files: its counts cannot be split by file
                row.update(accepted=pd.NA, rejected=pd.NA)
        rows.append(row)
    return pd.DataFrame(rows)


def reject_summary(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by source, column and kind of reason (values left out)."""
    if rejects is None or rejects.empty:
        return pd.DataFrame({"source": [], "column": [], "reason": [], "rows": []})
    kind = rejects["reason"].astype(str).str.split(";").str[0].str.split(":").str[0].str.strip()
    src = rejects["source"].astype(str).map(lambda s: Path(s).name)
    return (pd.DataFrame({"source": src, "column": rejects["column"].astype(str), "reason": kind})
            .groupby(["source", "column", "reason"], sort=False).size().rename("rows").reset_index()
            .sort_values("rows", ascending=False, ignore_index=True))


def cases_at_level(cases: pd.DataFrame, config: ReportConfig) -> pd.DataFrame:
    """The cases with ``area`` moved up to ``config.level`` (areas without an ancestor there keep theirs)."""
    if config.level is None or config.areas is None:
        return cases
    from foresight.areas import load_areas

    return cases.assign(area=load_areas(config.areas).lift(cases["area"], config.level))


def input_files(config: ReportConfig) -> list[dict]:
    """Every input file of the run with its kind, path, sha256 and size (``run.json`` ``inputs``)."""
    out = []
    for kind, paths in (("export", list(config.cases)), ("mapping", [config.mapping]), ("areas", [config.areas]),
                        ("categories", [config.categories]), ("config", [config.source])):
        for p in paths:
            if p is not None and Path(p).is_file():
                out.append({"kind": kind, "path": str(p), "sha256": sha256_file(p), "bytes": Path(p).stat().st_size})
    return out
