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

from foresight._io import atomic_write, sha256_file
from foresight.report.render import render_html, suppress_counts, suppress_text

__all__ = ["OUTPUT_FILES", "flags_table", "suppress_forecasts", "write_outputs"]

#: The files of a report folder.
OUTPUT_FILES = ("report.html", "flags.xlsx", "flags.csv", "forecasts.parquet", "run.json")
#: Columns that hold counts of cases (observed, expected or forecast): hidden below ``suppress_below``.
_COUNT_COLUMNS = ["expected", "lower", "upper", "baseline", "excess", "y", "threshold", "actual", "usual", "recent",
                  "forecast", "prevented"]


def flags_table(result: Any) -> pd.DataFrame:
    """The flags as written to flags.csv and flags.xlsx: names, theme and department added, counts hidden.

    With ``result.config.suppress_below = k`` above 0, the count columns (``expected``, ``baseline``,
    ``excess``, ...) become text and every count below ``k`` reads ``"<k"``, in the ``reason`` too.

    Parameters
    ----------
    result : ReportResult
        From :func:`foresight.report.build_report`.

    Returns
    -------
    DataFrame
        One row per flag, in rank order: ``rank, area, area_name, category, category_name, kind,
        window_start, window_end`` (ISO dates), the counts, ``theme, department`` and ``reason`` last.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> flags = pd.DataFrame({"rank": [1], "area": ["T1"], "category": ["wage"], "kind": ["wave"],
    ...                       "window_start": [pd.Timestamp("2026-12-07")], "window_end": [pd.Timestamp("2027-01-25")],
    ...                       "expected": [41.6], "baseline": [3.0], "reason": ["41 cases against 3 normally"]})
    >>> result = SimpleNamespace(flags=flags, config=SimpleNamespace(suppress_below=5), names={
    ...     "area": {"T1": "Town 1"}, "category": {"wage": "Unpaid wages"}, "theme": {}, "department": {}})
    >>> row = flags_table(result).iloc[0]
    >>> row["area_name"], row["window_start"], row["expected"], row["baseline"], row["reason"]
    ('Town 1', '2026-12-07', '42', '<5', '41 cases against <5 normally')
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
    k = int(result.config.suppress_below)
    if "reason" in flags:  # keep the reason last: it is the widest column
        flags = flags[[c for c in flags.columns if c != "reason"] + ["reason"]]
        flags["reason"] = [suppress_text(str(r), k) for r in flags["reason"]]
    return suppress_counts(flags, _COUNT_COLUMNS, k)


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
        out.insert(out.columns.get_loc("area") + 1, "area_name", out["area"].map(result.names["area"]).fillna(""))
    k = int(result.config.suppress_below)
    if "reason" in out:
        out["reason"] = [suppress_text(str(r), k) for r in out["reason"]]
    return suppress_counts(out, _COUNT_COLUMNS, k)


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
        fc = suppress_forecasts(result.forecasts, int(result.config.suppress_below))
        atomic_write(tmp / "forecasts.parquet", lambda p: fc.to_parquet(p, index=False))
        run = dict(result.run)
        run["timings_s"] = dict(run.get("timings_s", {}), write=round(time.perf_counter() - t0, 3))
        run["outputs"] = {f: sha256_file(tmp / f)
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
