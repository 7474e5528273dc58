"""Write a report into a new dated folder, atomically: build it in a hidden temporary folder beside the
target, then rename it into place. An earlier week's folder is never touched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from foresight._io import atomic_write
from foresight.report.render import render_html, suppress_counts

__all__ = ["OUTPUT_FILES", "flags_table", "write_outputs"]

#: The files of a report folder.
OUTPUT_FILES = ("report.html", "flags.xlsx", "flags.csv", "forecasts.parquet", "run.json")
_COUNT_COLUMNS = ["expected", "baseline", "excess", "y", "threshold", "actual", "usual", "recent", "forecast"]


def flags_table(result: Any) -> pd.DataFrame:
    """The flags with area and category names, theme and department, counts suppressed below ``k``.

    Parameters
    ----------
    result : ReportResult

    Returns
    -------
    DataFrame
        One row per flag, in rank order.
    """
    flags = result.flags.copy() if result.flags is not None else pd.DataFrame()
    if flags.empty:
        return pd.DataFrame(columns=["rank", "area", "area_name", "category", "category_name", "kind",
                                     "window_start", "window_end", "expected", "baseline", "reason"])
    nm = result.names
    if "area" in flags:
        flags.insert(flags.columns.get_loc("area") + 1, "area_name", flags["area"].map(nm["area"]).fillna(""))
    if "category" in flags:
        at = flags.columns.get_loc("category") + 1
        flags.insert(at, "category_name", flags["category"].map(nm["category"]).fillna(""))
        if "theme" not in flags:
            flags["theme"] = flags["category"].map(nm["theme"]).fillna("")
        if "department" not in flags:
            flags["department"] = flags["category"].map(nm["department"]).fillna("")
    for col in ("window_start", "window_end"):
        if col in flags:
            flags[col] = pd.to_datetime(flags[col]).dt.date.astype(str)
    for col in ("expected", "baseline", "excess", "score"):
        if col in flags and flags[col].dtype.kind == "f":
            flags[col] = flags[col].round(1)
    if "reason" in flags:  # keep the reason last: it is the widest column
        flags = flags[[c for c in flags.columns if c != "reason"] + ["reason"]]
    return suppress_counts(flags, _COUNT_COLUMNS, int(result.config.suppress_below))


def _sheet(frame: pd.DataFrame | None, result: Any) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date.astype(str)
    if "area" in out:
        out.insert(out.columns.get_loc("area") + 1, "area_name", out["area"].map(result.names["area"]).fillna(""))
    return suppress_counts(out, _COUNT_COLUMNS, int(result.config.suppress_below))


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
    >>> OUTPUT_FILES[0]
    'report.html'
    """
    t0 = time.perf_counter()
    base = Path(out_dir) if out_dir is not None else Path(result.config.out_dir)
    base.mkdir(parents=True, exist_ok=True)
    name = _folder_name(result)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=base))
    try:
        html = render_html(result)
        atomic_write(tmp / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
        flags = flags_table(result)
        atomic_write(tmp / "flags.csv", lambda p: flags.to_csv(p, index=False, encoding="utf-8-sig"))

        def excel(p: Path) -> None:
            with pd.ExcelWriter(p, engine="openpyxl") as xw:
                flags.to_excel(xw, sheet_name="flags", index=False)
                for sheet, frame in (("plan", result.plan), ("risk", result.risk), ("surges", result.surges),
                                     ("backcheck", result.backcheck)):
                    _sheet(frame, result).to_excel(xw, sheet_name=sheet, index=False)
                result.rejects.to_excel(xw, sheet_name="rejects", index=False)

        atomic_write(tmp / "flags.xlsx", excel)
        fc = result.forecasts
        atomic_write(tmp / "forecasts.parquet", lambda p: fc.to_parquet(p, index=False))
        run = dict(result.run)
        run["timings_s"] = dict(run.get("timings_s", {}), write=round(time.perf_counter() - t0, 3))
        run["outputs"] = {f: hashlib.sha256((tmp / f).read_bytes()).hexdigest()
                          for f in OUTPUT_FILES if f != "run.json"}
        text = json.dumps(run, ensure_ascii=False, indent=2, default=_json_default)
        atomic_write(tmp / "run.json", lambda p: p.write_text(text, encoding="utf-8"))
        os.chmod(tmp, 0o755)
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
