"""The weekly pipeline partitioned by top-level area, on this machine or on a dask.distributed cluster.

A province's area tree makes each district an independent sub-problem: its panel, forecasts, seasonal
waves, surge tests and flags use only its own series. :func:`run_pipeline` runs ``to_panel ->
forecast -> waves, surges -> flags`` (the public functions, unchanged) once per partition, then a
second, small pass in the driver merges the pieces: flags ranked across partitions, the category and
grand totals summed from each partition's category totals and forecast there.

``engine="local"`` runs the partitions one after another (memory bounded by the largest district);
``engine="dask"`` sends one task per partition to a cluster. Both give the same frames: the same code
runs on the same partitions with the same seeds, and the merge is ordered by partition, not by which
finished first.

What this is not: one global fit. The default forecast model shares category shapes, volume groups
and a reconciliation across the series it is given; partitioned, each district gets its own. With a
single top-level area (one district) the result is exactly the single-machine pipeline's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foresight.areas import AreaTree, load_areas
from foresight.distributed._engines import connect, run_dask, run_local
from foresight.distributed._hierarchy import merge_hierarchies
from foresight.distributed._partition import PartitionOutput, PartitionTask, partition_keys
from foresight.errors import ConfigError, DataError
from foresight.settings import FlagSettings

__all__ = ["PipelineResult", "connect", "partition_keys", "run_pipeline"]

QUANTILES = (0.1, 0.5, 0.9)


@dataclass(eq=False)
class PipelineResult:
    """The merged output of a partitioned run.

    Attributes
    ----------
    forecasts, waves, surges, flags : DataFrame
        As :func:`foresight.forecasting.forecast`, :func:`foresight.warning.waves`,
        :func:`~foresight.warning.surges` and :func:`~foresight.warning.flags` return them, over
        every partition (flags ranked across partitions and cut to ``max_flags``).
    category_panel, total_panel : DataFrame
        The panel summed over areas (``area = "(all)"``) and over areas and categories.
    category_forecasts, total_forecast : DataFrame
        Forecasts of those totals (the second pass).
    panel : DataFrame or None
        The whole panel, when ``keep_panel=True``.
    partitions : list of str
        The partitions' area codes, in merge order.
    series, panel_rows : int
        Series and panel rows over all partitions.
    as_of : pandas.Timestamp
        The cut-off used by every partition.
    timings : dict
        Seconds per step summed over partitions (``panel``, ``forecast``, ``waves``, ``surges``,
        ``flags``), plus the second pass (``totals``) and the wall time (``total``).
    hierarchy : DataFrame or None
        With ``hierarchy=True``: every level (``level`` column first, as
        :func:`foresight.forecasting.forecast_hierarchy` returns it), each total the sum of its parts.

    Examples
    --------
    >>> res = PipelineResult(*(pd.DataFrame() for _ in range(8)), panel=None, partitions=["D1"],
    ...                      series=0, panel_rows=0, as_of=pd.Timestamp("2024-01-01"))
    >>> res
    PipelineResult(1 partition(s), 0 series, 0 flags, as_of=2024-01-01)
    """

    forecasts: pd.DataFrame
    waves: pd.DataFrame
    surges: pd.DataFrame
    flags: pd.DataFrame
    category_panel: pd.DataFrame
    total_panel: pd.DataFrame
    category_forecasts: pd.DataFrame
    total_forecast: pd.DataFrame
    panel: pd.DataFrame | None
    partitions: list[str]
    series: int
    panel_rows: int
    as_of: pd.Timestamp
    timings: dict[str, float] = field(default_factory=dict)
    hierarchy: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return (f"PipelineResult({len(self.partitions)} partition(s), {self.series} series, "
                f"{len(self.flags)} flags, as_of={self.as_of.date()})")


def _global_as_of(source: Any, as_of: Any, freq: str) -> pd.Timestamp:
    """The one cut-off every partition uses (``to_panel``'s default, over all the cases)."""
    from foresight._panel_sql import cut_off

    if as_of is not None:
        return cut_off(None, as_of, freq)[0]
    if isinstance(source, pd.DataFrame):
        latest = pd.to_datetime(source["received"]).max()
    else:
        import duckdb

        from foresight._panel_sql import _parquet_source

        con = duckdb.connect()
        try:
            latest = con.execute(f"SELECT max(CAST(received AS DATE)) FROM {_parquet_source(source)}").fetchall()[0][0]
        finally:
            con.close()
    return cut_off(None if latest is None or pd.isna(latest) else pd.Timestamp(latest), None, freq)[0]


def _tasks(source: Any, panel: pd.DataFrame | None, tree: AreaTree | None, settings: dict) -> list[PartitionTask]:
    """One task per partition, sorted by area code."""
    level = settings["partition_level"]
    if panel is not None:
        pkey = partition_keys(panel["area"], tree, level).to_numpy()
        pieces = {k: panel[pkey == k].reset_index(drop=True) for k in pd.unique(pkey)}
        for piece in pieces.values():
            piece.attrs.update(panel.attrs)
        ckey = (partition_keys(source["area"], tree, level).to_numpy() if isinstance(source, pd.DataFrame)
                else None)
        return [PartitionTask(key=str(k), settings=settings, tree=tree, panel=pieces[k],
                              cases=None if ckey is None else source[ckey == k].reset_index(drop=True))
                for k in sorted(pieces)]
    if isinstance(source, pd.DataFrame):
        key = partition_keys(source["area"], tree, level).to_numpy()
        return [PartitionTask(key=str(k), settings=settings, tree=tree,
                              cases=source[key == k].reset_index(drop=True))
                for k in sorted(pd.unique(key))]
    import duckdb

    from foresight._panel_sql import _parquet_source

    con = duckdb.connect()
    try:
        codes = pd.Series([r[0] for r in con.execute(
            f"SELECT DISTINCT area FROM {_parquet_source(source)} WHERE area IS NOT NULL").fetchall()], dtype=object)
    finally:
        con.close()
    key = partition_keys(codes, tree, level)
    return [PartitionTask(key=str(k), settings=settings, tree=tree, parquet=str(source),
                          codes=tuple(codes[key == k])) for k in sorted(pd.unique(key))]


def _merge(outs: list[PartitionOutput], settings: dict, *, as_of: pd.Timestamp) -> PipelineResult:
    """Concatenate the partitions in their order; rank flags across them; forecast the totals."""
    from foresight.forecasting import forecast
    from foresight.panel import rollup

    def cat(name: str) -> pd.DataFrame:
        frames = [getattr(o, name) for o in outs if len(getattr(o, name))]
        if not frames:
            return getattr(outs[0], name).iloc[:0] if outs else pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        out.attrs.update(frames[0].attrs)
        return out

    fc = cat("forecasts")
    wv = cat("waves")
    sg = cat("surges")
    if len(sg):
        sg = sg.sort_values(["score", "excess"], ascending=False, kind="stable", ignore_index=True)
    for count in ("tested", "eligible"):  # series-periods tested: summed over the partitions
        if outs and count in outs[0].surges.attrs:
            sg.attrs[count] = sum(int(o.surges.attrs.get(count, 0)) for o in outs)
    fl = cat("flags")
    if len(fl):
        fl = fl.sort_values(["score", "expected"], ascending=False, kind="stable", ignore_index=True)
        if settings["max_flags"] is not None:
            fl = fl.head(int(settings["max_flags"])).copy()
        fl["rank"] = np.arange(1, len(fl) + 1)
    t0 = time.perf_counter()
    pieces = cat("category_panel")  # each partition's category totals: sum them, then zero-fill
    parts = pieces.groupby(["area", "category", "ds"], as_index=False, sort=False)["y"].sum()
    parts.attrs.update(freq=settings["freq"], as_of=as_of, country=settings["country"])
    cat_p = rollup(parts, over=("area",))
    tot_p = rollup(cat_p, over=("area", "category"))
    hier = None
    if settings["hierarchy"]:  # the second pass sums the partitions' bottoms into categories and total
        hier = merge_hierarchies([o.forecasts for o in outs], [o.hierarchy for o in outs], cat_p, settings)
        cat_fc, tot_fc = (hier[hier["level"] == lv].drop(columns="level").reset_index(drop=True)
                          for lv in ("category", "total"))
    else:
        kw = dict(quantiles=settings["quantiles"], freq=settings["freq"], country=settings["country"],
                  subdiv=settings["subdiv"], seed=settings["seed"])
        cat_fc = forecast(cat_p, settings["horizon"], **kw)
        tot_fc = forecast(tot_p, settings["horizon"], **kw)
    timings = {k: round(sum(o.timings.get(k, 0.0) for o in outs), 3)
               for k in ("panel", "forecast", "waves", "surges", "flags")}
    timings["totals"] = round(time.perf_counter() - t0, 3)
    panel = None
    if settings["keep_panel"]:
        panel = cat("panel")
        panel.attrs.update(freq=settings["freq"], as_of=as_of, country=settings["country"])
    return PipelineResult(
        forecasts=fc, waves=wv, surges=sg, flags=fl, category_panel=cat_p, total_panel=tot_p,
        category_forecasts=cat_fc, total_forecast=tot_fc, panel=panel, partitions=[o.key for o in outs],
        series=sum(o.series for o in outs), panel_rows=sum(o.panel_rows for o in outs), as_of=as_of,
        timings=timings, hierarchy=hier)


def run_pipeline(
    cases: pd.DataFrame | str | os.PathLike[str] | None,
    *,
    as_of: Any = None,
    horizon: int = 13,
    freq: str = "W",
    level: str | None = None,
    areas: AreaTree | pd.DataFrame | str | None = None,
    categories: pd.DataFrame | None = None,
    panel: pd.DataFrame | None = None,
    partition_level: str | None = None,
    engine: str = "local",
    cluster: Any = None,
    retries: int = 2,
    max_flags: int | None = 20,
    language: str = "en",
    quantiles: tuple[float, ...] = QUANTILES,
    country: str = "CN",
    subdiv: str | None = None,
    seed: int = 0,
    keep_panel: bool = False,
    hierarchy: bool = False,
    flag_settings: FlagSettings | None = None,
    suppress_below: int = 0,
    progress: bool = False,
) -> PipelineResult:
    """Run panel -> forecast -> waves, surges -> flags once per top-level area, here or on a cluster.

    Parameters
    ----------
    cases : DataFrame or path
        Canonical cases (``read_cases(...).cases``, ``CaseStore.cases()``), or a Parquet dataset of
        them, e.g. from ``CaseStore.export_parquet`` (partitioned by ``top_area``; on a cluster every
        worker must see the path). With ``panel`` given, the cases only feed the escalation flags
        (``None``: no escalation flags).
    as_of : date, optional
        First forecast period (exclusive end of the history); default as in ``to_panel``, over all
        the cases.
    horizon : int
        Periods ahead.
    freq : {"W", "M"}
        Period of the panel.
    level : str, optional
        Area level of the panel (``to_panel``'s ``level``); needs ``areas``.
    areas : AreaTree, DataFrame or path, optional
        The area tree: it defines the partitions. Without one the whole input is one partition.
    categories : DataFrame, optional
        The taxonomy for the flags' names, themes and departments.
    panel : DataFrame, optional
        A panel already built (``to_panel``) to split instead of building one per partition.
    partition_level : str, optional
        Partition by the ancestors at this level (``district``, ``town``) instead of the tree's roots.
    engine : {"local", "dask"}
        Run partitions one after another here, or on the dask.distributed ``cluster``.
    cluster : str, distributed.Client or Cluster, optional
        For ``engine="dask"``: the scheduler address (``tcp://host:8786``), a Client or a cluster
        object (e.g. ``LocalCluster``, ``dask_jobqueue.SLURMCluster``).
    retries : int
        Times a failed partition is retried before the run fails.
    max_flags : int, optional
        Keep the top flags over all partitions (``None`` keeps all).
    language, quantiles, country, subdiv, seed
        As in :func:`foresight.warning.flags` and :func:`foresight.forecasting.forecast`.
    keep_panel : bool
        Bring every partition's panel back (``PipelineResult.panel``); off for big runs.
    hierarchy : bool
        Forecast with :func:`foresight.forecasting.forecast_hierarchy` (the weekly report's one
        coherent fit) in every partition; the second pass sums the partitions' bottom means into the
        category and total levels (``PipelineResult.hierarchy``). With one partition the result is the
        single-machine fit exactly.
    flag_settings : FlagSettings, optional
        Settings of the waves, surges and flags (default :class:`~foresight.settings.FlagSettings`);
        its ``max_flags`` is overridden by ``max_flags``.
    suppress_below : int
        Counts below it are hidden in the flags' texts (as in :func:`foresight.warning.flags`).
    progress : bool
        A progress bar over partitions.

    Returns
    -------
    PipelineResult

    Raises
    ------
    PartitionError
        A partition still failed after ``retries`` retries; the error names its area. Nothing is
        returned, so nothing gets written.
    ConfigError
        Unknown engine, no cluster for ``engine="dask"``, or a ``partition_level`` finer than ``level``.
    ClusterError
        The scheduler at ``cluster`` cannot be reached (before any partition runs).
    DataError
        No cases to count.

    Examples
    --------
    >>> from foresight.synth import generate_district
    >>> d = generate_district(seed=3, start="2022-01-03", end="2024-06-30", scale=0.05)
    >>> res = run_pipeline(d.cases, as_of="2024-07-01", horizon=4, areas=d.areas, level="town",
    ...                    partition_level="town")
    >>> len(res.partitions), res.forecasts["ds"].min().date().isoformat()
    (10, '2024-07-01')
    >>> int(res.total_panel["y"].sum()) == int(res.category_panel["y"].sum())
    True
    """
    from foresight.areas import LEVELS
    from foresight.periods import normalize_freq

    if engine not in ("local", "dask"):
        raise ConfigError(f"engine={engine!r}: use 'local' (this machine) or 'dask' (a dask.distributed cluster).")
    if retries < 0:
        raise ConfigError(f"retries={retries} must be >= 0.")
    f = normalize_freq(freq)
    tree = load_areas(areas) if areas is not None else None
    if level is not None and tree is None:
        raise DataError(f"level={level!r} needs the area tree: pass areas=.")
    if partition_level is not None:
        if partition_level not in LEVELS:
            raise ConfigError(f"partition_level={partition_level!r}: use one of {', '.join(LEVELS)}.")
        if level is not None and LEVELS.index(partition_level) > LEVELS.index(level):
            raise ConfigError(f"partition_level={partition_level!r} is finer than the panel's level {level!r}; "
                              "partition by a coarser level (e.g. 'district').")
    if cases is None and panel is None:
        raise DataError("nothing to run: give the cases (a frame or a Parquet dataset) or a panel.")
    if as_of is None and panel is not None and panel.attrs.get("as_of") is not None:
        as_of = panel.attrs["as_of"]
    if as_of is None and cases is None:
        raise DataError("as_of is needed: the panel's attrs hold none and there are no cases to take it from.")
    client = connect(cluster) if engine == "dask" else None  # an unreachable cluster stops the run first
    try:
        cut = _global_as_of(cases, as_of, f)
        settings = dict(freq=f, as_of=cut, horizon=int(horizon), level=level, categories=categories,
                        language=language, quantiles=tuple(quantiles), country=country, subdiv=subdiv,
                        seed=seed, max_flags=max_flags, partition_level=partition_level, keep_panel=keep_panel,
                        hierarchy=hierarchy, flag_settings=flag_settings, suppress_below=int(suppress_below))
        t0 = time.perf_counter()
        tasks = _tasks(cases, panel, tree, settings)
        if not tasks:
            raise DataError("no cases to partition: the input is empty.")
        if client is None:
            outs = run_local(tasks, retries=retries, progress=progress)
        else:
            outs = run_dask(tasks, cluster=client, retries=retries, progress=progress)
    finally:
        if client is not None and client is not cluster:
            client.close()
    res = _merge(outs, settings, as_of=cut)
    res.timings["total"] = round(time.perf_counter() - t0, 3)
    return res
