"""One partition of the weekly pipeline: its cases (or panel) -> panel -> forecast, waves, surges, flags.

A partition is a top-level area (a district of a province) with everything under it. The panel, the
forecasts, the seasonal waves, the surge tests and the flags of its series use only its own series, so
partitions run anywhere, in any order; the driver then merges them (:mod:`foresight.distributed`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from foresight.areas import LEVELS, AreaTree

__all__ = ["PartitionOutput", "PartitionTask", "partition_keys", "run_partition"]

#: Test hook: called with the partition's area code at the start of every attempt. Never set it in real use.
_before_partition: Callable[[str], None] | None = None


@dataclass(frozen=True)
class PartitionTask:
    """What one worker needs: the partition's area, its data (a frame or a Parquet source) and the settings."""

    key: str
    settings: dict[str, Any]
    tree: AreaTree | None = None
    cases: pd.DataFrame | None = None  # the partition's cases (areas at the panel's level or below)
    panel: pd.DataFrame | None = None  # the partition's panel, when the caller already has one
    parquet: str | None = None  # a Parquet dataset to read the partition's cases from
    codes: tuple[str, ...] = ()  # raw area codes of the partition (Parquet datasets without top_area)


@dataclass
class PartitionOutput:
    """What one partition sends back: small frames only (the panel stays on the worker unless asked)."""

    key: str
    forecasts: pd.DataFrame
    waves: pd.DataFrame
    surges: pd.DataFrame
    flags: pd.DataFrame
    category_panel: pd.DataFrame
    series: int
    panel_rows: int
    panel: pd.DataFrame | None = None
    hierarchy: pd.DataFrame | None = None  # the levels above the bottom of its one fit (``settings["hierarchy"]``)
    timings: dict[str, float] = field(default_factory=dict)


def partition_keys(codes: pd.Series, tree: AreaTree | None, level: str | None) -> pd.Series:
    """The partition of each area code: its ancestor at ``level`` (default: its root in the tree).

    Codes above ``level`` or unknown to the tree are their own partition; without a tree every code
    is in one partition, ``"(all)"``.

    Parameters
    ----------
    codes
        Area codes (any level).
    tree
        The area tree.
    level
        Partition by the ancestor at this level; default the root (the top-level area).

    Returns
    -------
    pandas.Series
        One partition code per input code.

    Examples
    --------
    >>> tree = AreaTree.from_table(pd.DataFrame({
    ...     "code": ["D1", "T1", "C1", "D2"], "name": ["区一", "镇", "村", "区二"],
    ...     "parent": ["", "D1", "T1", ""], "level": ["district", "town", "community", "district"]}))
    >>> partition_keys(pd.Series(["C1", "T1", "D2", "X9"]), tree, None).tolist()
    ['D1', 'D1', 'D2', 'X9']
    >>> partition_keys(pd.Series(["C1", "D2"]), tree, "town").tolist()
    ['T1', 'D2']
    """
    codes = pd.Series(codes, dtype=object).reset_index(drop=True)
    if tree is None:
        return pd.Series("(all)", index=codes.index, dtype=object)
    inverse, uniques = pd.factorize(codes)
    if len(uniques) < len(codes):  # work on the distinct codes, then spread back
        keys = partition_keys(pd.Series(uniques, dtype=object), tree, level).to_numpy()
        out = pd.Series(keys[inverse], index=codes.index, dtype=object)
        return out.where(inverse >= 0, codes)
    key = pd.Series(index=codes.index, dtype=object)
    for lvl in reversed(LEVELS):  # finest first: the coarsest level found wins (the root)
        up = tree.ancestor(codes, lvl)
        key = up.where(up.notna(), key)
    if level is not None:
        up = tree.ancestor(codes, level)
        key = up.where(up.notna(), key)
    return key.where(key.notna(), codes)


def _read_parquet(task: PartitionTask) -> pd.DataFrame:
    import duckdb

    from foresight._panel_sql import _parquet_source
    from foresight.store._export import PARTITION_COLUMN
    from foresight.store._frames import restore_case_dtypes

    con = duckdb.connect()
    try:
        src = _parquet_source(task.parquet)
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        if PARTITION_COLUMN in cols and task.settings.get("partition_level") is None:
            frame = con.execute(f"SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM {src} WHERE {PARTITION_COLUMN} = ?",
                                [task.key]).df()
        else:
            con.register("_foresight_codes", pd.DataFrame({"code": list(task.codes)}))
            drop = f" EXCLUDE ({PARTITION_COLUMN})" if PARTITION_COLUMN in cols else ""
            frame = con.execute(f"SELECT *{drop} FROM {src} WHERE area IN (SELECT code FROM _foresight_codes)").df()
    finally:
        con.close()
    return restore_case_dtypes(frame)


def _forecast(panel: pd.DataFrame, s: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The partition's bottom forecasts, and with ``hierarchy`` the coherent forecast of every other level."""
    from foresight.forecasting import forecast, forecast_hierarchy

    kw = dict(quantiles=s["quantiles"], freq=s["freq"], country=s["country"], subdiv=s["subdiv"])
    if not s.get("hierarchy"):
        return forecast(panel, s["horizon"], seed=s["seed"], **kw), None
    hier = forecast_hierarchy(panel, s["horizon"], **kw)
    hier["ds"] = pd.to_datetime(hier["ds"])
    is_bottom = (hier["level"] == "area x category").to_numpy()
    # the bottom level goes to the driver once, as the partition's forecasts
    return hier[is_bottom].drop(columns="level").reset_index(drop=True), hier[~is_bottom].reset_index(drop=True)


def run_partition(task: PartitionTask) -> PartitionOutput:
    """Run panel -> forecast -> waves, surges -> flags on one partition with the public functions.

    ``settings["flag_settings"]`` (a :class:`~foresight.settings.FlagSettings`, default the library's)
    sets the waves, surges and flags; ``settings["hierarchy"]`` asks for
    :func:`~foresight.forecasting.forecast_hierarchy` instead of ``forecast`` (the report's one coherent fit).
    """
    from foresight.panel import rollup, to_panel
    from foresight.settings import FlagSettings
    from foresight.warning import flags, surges, waves

    if _before_partition is not None:
        _before_partition(task.key)
    s = task.settings
    fs = s.get("flag_settings") or FlagSettings()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cases = _read_parquet(task) if task.parquet is not None else task.cases
    if task.panel is not None:
        panel = task.panel
    else:
        panel = to_panel(cases, freq=s["freq"], as_of=s["as_of"], level=s["level"], areas=task.tree)
    panel.attrs.update(freq=s["freq"], as_of=s["as_of"], country=s["country"])
    level_cases = cases
    if cases is not None and s["level"] is not None and task.tree is not None:
        level_cases = cases.assign(area=task.tree.lift(cases["area"], s["level"]))
    timings["panel"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fc, hier = _forecast(panel, s)
    timings["forecast"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    wv = waves(panel, freq=s["freq"], as_of=s["as_of"], **fs.waves.kwargs())
    timings["waves"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sg = surges(panel, s["as_of"], freq=s["freq"], **fs.surges.kwargs())
    timings["surges"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fl = flags(panel, s["as_of"], s["horizon"], settings=fs, categories=s["categories"],
               areas=task.tree, cases=level_cases, forecasts=fc, waves=wv,
               surges=sg, language=s["language"], suppress_below=s.get("suppress_below", 0), max_flags=None,
               freq=s["freq"], country=s["country"], subdiv=s["subdiv"], seed=s["seed"])
    timings["flags"] = time.perf_counter() - t0
    return PartitionOutput(
        key=task.key, forecasts=fc, waves=wv, surges=sg, flags=fl,
        category_panel=rollup(panel, over=("area",)),
        series=int(panel.groupby(["area", "category"], sort=False).ngroups), panel_rows=len(panel),
        panel=panel if s["keep_panel"] else None, hierarchy=hier, timings=timings)
