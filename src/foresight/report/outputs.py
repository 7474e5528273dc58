"""Write a report into a new dated folder, atomically: build it in a hidden temporary folder beside the
target, then rename it into place. An earlier week's folder is never touched."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from foresight._cells import safe_cells
from foresight._io import atomic_write, clean_stale_temps, sha256_file
from foresight.report.render import render_html
from foresight.text import count, reject_reason, team_name
from foresight.warning.flags import FLAG_COLUMNS

__all__ = ["OUTPUT_FILES", "flags_table", "suppress_counts", "suppress_forecasts", "write_outputs"]

#: The files of a report folder: the page, the flags for people (xlsx, csv), and the record of what
#: the run issued that later runs read back (flags.parquet, forecasts.parquet of every level,
#: outcomes.parquet: how this run scored an earlier run's flags), and run.json.
OUTPUT_FILES = ("report.html", "flags.xlsx", "flags.csv", "flags.parquet", "forecasts.parquet", "outcomes.parquet",
                "run.json")
#: Columns that hold counts of cases (observed, expected or forecast): hidden below ``suppress_below``.
_COUNT_COLUMNS = ["expected", "expected_lo", "expected_hi", "observed", "baseline", "excess", "y", "threshold",
                  "actual", "usual", "recent", "forecast", "prevented"]


def suppress_counts(frame: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """Copy of ``frame`` with the count ``columns`` as text, counts below ``k`` shown as ``"<k"``.

    Examples
    --------
    >>> suppress_counts(pd.DataFrame({"y": [1, 7]}), ["y"], 5)["y"].tolist()
    ['<5', '7']
    """
    out = frame.copy()
    if k <= 0:
        return out
    for col in columns:
        if col in out.columns:
            out[col] = [count(v, k).replace(",", "") for v in out[col].to_numpy()]
    return out


def flags_table(result: Any) -> pd.DataFrame:
    """The flags as written to flags.csv and flags.xlsx: :data:`~foresight.warning.FLAG_COLUMNS`, names filled.

    The columns and their order are those of :func:`foresight.warning.flags` and ``foresight flags``.
    With ``result.config.suppress_below = k`` above 0, the count columns (``expected``,
    ``expected_lo``, ``expected_hi``, ``observed``, ``baseline``, ``excess``) become text and every
    count below ``k`` reads ``"<k"`` (the reasons were written with the same suppression).

    Parameters
    ----------
    result : ReportResult
        From :func:`foresight.report.build_report`.

    Returns
    -------
    DataFrame
        One row per flag, in rank order; dates as ISO text.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> flags = pd.DataFrame({"rank": [1], "area": ["T1"], "category": ["wage"], "kind": ["wave"],
    ...                       "start": [pd.Timestamp("2026-12-07")], "end": [pd.Timestamp("2027-01-25")],
    ...                       "expected": [41.6], "baseline": [3.0], "reason": ["42 cases against <5 normally"]})
    >>> result = SimpleNamespace(flags=flags, config=SimpleNamespace(suppress_below=5), names={
    ...     "area": {"T1": "Town 1"}, "category": {"wage": "Unpaid wages"}, "theme": {}, "department": {}})
    >>> row = flags_table(result).iloc[0]
    >>> row["area_name"], row["start"], row["expected"], row["baseline"], row["reason"]
    ('Town 1', '2026-12-07', '42', '<5', '42 cases against <5 normally')
    """
    flags = result.flags.copy() if result.flags is not None else pd.DataFrame()
    for col in FLAG_COLUMNS:
        if col not in flags.columns:
            flags[col] = pd.Series(dtype=object, index=flags.index)
    flags = flags[FLAG_COLUMNS]
    if flags.empty:
        return flags
    nm = result.names
    for col, key, names in (("area_name", "area", nm["area"]), ("category_name", "category", nm["category"]),
                            ("theme", "category", nm["theme"]), ("department", "category", nm["department"])):
        have = flags[col].astype(object)
        have = have.where(have.notna(), flags[key].astype(str).map(names).astype(object))
        flags[col] = have.where(have.notna(), "")
    for col in ("start", "end"):
        flags[col] = pd.to_datetime(flags[col]).dt.date.astype(str)
    for col in ("expected", "expected_lo", "expected_hi", "observed", "baseline", "excess", "score"):
        flags[col] = pd.to_numeric(flags[col], errors="coerce").round(1)
    flags["p_wave"] = pd.to_numeric(flags["p_wave"], errors="coerce").round(3)
    return suppress_counts(flags, _COUNT_COLUMNS, int(result.config.suppress_below))


def _hide_small(frame: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """``frame`` with the numeric count ``columns`` above 0 and below ``k`` set to NaN (typed files)."""
    if k <= 0 or frame.empty:
        return frame
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            v = pd.to_numeric(out[col], errors="coerce")
            out[col] = v.where(~((v > 0) & (v < k)))
    return out


def suppress_forecasts(forecasts: pd.DataFrame, k: int) -> pd.DataFrame:
    """Forecasts with every count-like value (``mean``, ``pNN``) above 0 and below ``k`` set to NaN.

    A boolean column ``suppressed`` marks the rows where a value was hidden. Zero stays visible, as in
    the HTML tables (no case is no one); ``k <= 0`` returns the frame unchanged.

    Parameters
    ----------
    forecasts : DataFrame
        ``area, category, ds, mean, p10, p50, p90, ...`` (the forecast frame).
    k : int
        Suppression threshold (``suppress_below``).

    Returns
    -------
    DataFrame
        A copy; the count columns are float (NaN where hidden).

    Examples
    --------
    >>> fc = pd.DataFrame({"area": ["A", "B"], "mean": [2.4, 12.0], "p10": [0, 8], "p90": [5, 17]})
    >>> suppress_forecasts(fc, 5).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'area': ['A', 'B'], 'mean': [nan, 12.0], 'p10': [0.0, 8.0], 'p90': [5.0, 17.0],
     'suppressed': [True, False]}
    """
    if k <= 0:
        return forecasts
    cols = [c for c in forecasts.columns if c == "mean" or re.fullmatch(r"p\d+", str(c))]
    values = forecasts[cols].to_numpy(dtype=float)
    small = (values > 0) & (values < k)
    out = forecasts.copy()
    out[cols] = np.where(small, np.nan, values)
    out["suppressed"] = small.any(axis=1)
    return out


def _sheet(frame: pd.DataFrame | None, result: Any) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date.astype(str)
    if "area" in out:
        out.insert(out.columns.get_loc("area") + 1, "area_name", out["area"].map(result.names["area"]).astype(object).fillna(""))
    if "team" in out:
        out["team"] = [team_name(v, result.config.language) for v in out["team"]]
    return suppress_counts(out, _COUNT_COLUMNS, int(result.config.suppress_below))


def _forecast_levels(result: Any) -> pd.DataFrame:
    """Every level of the run's one forecast (``level`` last), or the area x category forecasts alone."""
    hier = result.extra.get("hierarchy") if getattr(result, "extra", None) else None
    if hier is None or hier.empty:
        return result.forecasts
    out = hier[[c for c in hier.columns if c != "level"] + ["level"]].copy()
    out.attrs = {}
    return out


def _typed_flags(flags: pd.DataFrame | None) -> pd.DataFrame:
    """The issued flags with typed columns (:data:`FLAG_COLUMNS`), for later runs to read back."""
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS}) if flags is None or flags.empty \
        else flags.reindex(columns=FLAG_COLUMNS)
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col])
    for col in ("expected", "expected_lo", "expected_hi", "observed", "baseline", "excess", "p_wave", "score"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["rank"] = pd.to_numeric(out["rank"], errors="coerce").astype("Int64")
    out.attrs = {}  # parquet keeps attrs as JSON metadata; a flag table's attrs hold a Timestamp
    for col in ("area", "category", "kind", "reason", "id", "theme", "department", "area_name", "category_name"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _outcomes(backcheck: pd.DataFrame | None) -> pd.DataFrame:
    """How this run scored an earlier run's flags: ``id, outcome, actual, usual, forecast``."""
    cols = ["id", "outcome", "actual", "usual", "forecast"]
    if backcheck is None or backcheck.empty or "id" not in backcheck.columns:
        return pd.DataFrame({"id": pd.Series(dtype=object), "outcome": pd.Series(dtype=object),
                             **{c: pd.Series(dtype=float) for c in cols[2:]}})
    out = backcheck.reindex(columns=cols)
    for c in cols[2:]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out.reset_index(drop=True)


def _record_in_store(result: Any, outcomes: pd.DataFrame) -> None:
    """Record the run's flags and forecasts (and its back-check's outcomes) in the case store it read."""
    store = result.config.store
    if store is None or not Path(store).is_file():
        return
    from foresight.store import CaseStore

    with CaseStore(store) as s:
        s.record_run(as_of=result.as_of, freq=result.config.freq, horizon=result.config.horizon,
                     level=result.config.level, flags=_typed_flags(result.flags), forecasts=result.forecasts)
        if len(outcomes):
            s.record_outcomes(outcomes, scored_as_of=result.as_of)


def _folder_name(result: Any) -> str:
    if result.config.freq == "M":
        return f"monthly-{result.as_of:%Y-%m}"
    return f"weekly-{result.as_of:%Y-%m-%d}"


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def write_outputs(result: Any, out_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write the report files into a new dated folder under ``out_dir`` and return the folder.

    The folder is ``weekly-YYYY-MM-DD`` (``monthly-YYYY-MM``), named by ``as_of``; if it exists (the same
    week run again), ``-2``, ``-3``, ... is added, so an earlier report is never overwritten. It is built
    in a temporary folder beside it and renamed into place, so a reader never sees half a report.

    Parameters
    ----------
    result : ReportResult
        From :func:`foresight.report.build_report`.
    out_dir : path, optional
        Parent folder; default ``result.config.out_dir``.

    Returns
    -------
    pathlib.Path
        The new folder, holding :data:`OUTPUT_FILES`.

    Raises
    ------
    OSError
        The folder cannot be created or written.

    Examples
    --------
    A bare result (a real one comes from ``build_report``) with one forecast row, counts below 5 hidden:

    >>> import tempfile
    >>> from foresight.report import ReportConfig, ReportResult
    >>> cfg = ReportConfig(store=Path("cases.duckdb"), as_of=pd.Timestamp("2026-11-23"), language="en",
    ...                    out_dir=Path(tempfile.mkdtemp()), suppress_below=5)
    >>> fc = pd.DataFrame({"area": ["T1"], "category": ["wage"], "ds": [cfg.as_of], "mean": [3.2],
    ...                    "p10": [1], "p50": [3], "p90": [6], "model": ["m"], "note": [""]})
    >>> none = pd.DataFrame()
    >>> result = ReportResult(config=cfg, as_of=cfg.as_of, prev_as_of=None, forecasts=fc, flags=none,
    ...     plan=none, risk=none, waves=none, surges=none, backcheck=none, backcheck_summary={}, rejects=none,
    ...     reads=none, names={"area": {}, "category": {}, "theme": {}, "department": {}}, charts={}, notes={},
    ...     run={"as_of": "2026-11-23"})
    >>> folder = write_outputs(result)
    >>> folder.name, sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)
    ('weekly-2026-11-23', True)
    >>> pd.read_parquet(folder / "forecasts.parquet")[["mean", "p10", "p90", "suppressed"]].to_dict("records")
    [{'mean': nan, 'p10': nan, 'p90': 6.0, 'suppressed': True}]
    >>> write_outputs(result).name  # the same week again: a new folder, the first is left alone
    'weekly-2026-11-23-2'
    """
    t0 = time.perf_counter()
    base = Path(out_dir) if out_dir is not None else Path(result.config.out_dir)
    base.mkdir(parents=True, exist_ok=True)
    name = _folder_name(result)
    clean_stale_temps(base)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=base))
    try:
        html = render_html(result)
        atomic_write(tmp / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
        flags = safe_cells(flags_table(result))
        atomic_write(tmp / "flags.csv", lambda p: flags.to_csv(p, index=False, encoding="utf-8-sig"))

        def excel(p: Path) -> None:
            with pd.ExcelWriter(p, engine="openpyxl") as xw:
                flags.to_excel(xw, sheet_name="flags", index=False)
                for sheet, frame in (("plan", result.plan), ("risk", result.risk), ("surges", result.surges),
                                     ("backcheck", result.backcheck)):
                    safe_cells(_sheet(frame, result)).to_excel(xw, sheet_name=sheet, index=False)
                rejects = result.rejects
                if rejects is not None and "reason" in rejects:
                    rejects = rejects.assign(reason=[reject_reason(r, result.config.language)
                                                     for r in rejects["reason"]])
                safe_cells(rejects).to_excel(xw, sheet_name="rejects", index=False)

        atomic_write(tmp / "flags.xlsx", excel)
        k = int(result.config.suppress_below)
        fc = suppress_forecasts(_forecast_levels(result), k)
        atomic_write(tmp / "forecasts.parquet", lambda p: fc.to_parquet(p, index=False))
        issued = _hide_small(_typed_flags(result.flags), _COUNT_COLUMNS, k)
        atomic_write(tmp / "flags.parquet", lambda p: issued.to_parquet(p, index=False))
        outcomes = _outcomes(result.backcheck)
        atomic_write(tmp / "outcomes.parquet", lambda p: outcomes.to_parquet(p, index=False))
        run = dict(result.run)
        run["timings_s"] = dict(run.get("timings_s", {}), write=round(time.perf_counter() - t0, 3))
        run["outputs"] = {f: sha256_file(tmp / f)
                          for f in OUTPUT_FILES if f != "run.json"}
        text = json.dumps(run, ensure_ascii=False, indent=2, default=_json_default)
        atomic_write(tmp / "run.json", lambda p: p.write_text(text, encoding="utf-8"))
        os.chmod(tmp, 0o755)
        _record_in_store(result, outcomes)
        n = 1
        while True:
            final = base / (name if n == 1 else f"{name}-{n}")
            if not final.exists():
                try:
                    os.rename(tmp, final)  # atomic; fails if another run took the name meanwhile
                    return final
                except OSError:
                    if not final.exists():
                        raise
            n += 1
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
