"""The report's per-series work on a dask cluster, through :func:`foresight.distributed.run_pipeline` (internal).

The driver keeps the reading, the panel and everything that looks across series (outlook, risk,
back-check, plan, charts, outputs); the cluster runs the forecast, waves, surges and flags, one task per
top-level area, with the report's own settings.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from foresight.report.config import ReportConfig

__all__ = ["run_on_cluster"]


def run_on_cluster(panel: pd.DataFrame, cases: pd.DataFrame, config: ReportConfig, *, taxonomy: pd.DataFrame | None,
                   client: Any, quantiles: tuple[float, ...], progress: bool) -> Any:
    """Forecasts (every level), waves, surges and flags of ``panel``, partitioned by top-level area on ``client``.

    The flags are ranked over all partitions and cut to the report's ``max_flags``; the hierarchy's
    ``attrs["fits"]`` counts the model fits (one per partition, plus the second pass when there are several).
    """
    from foresight.distributed import run_pipeline

    settings = config.flag_settings
    res = run_pipeline(cases, panel=panel, as_of=config.as_of, horizon=config.horizon, freq=config.freq,
                       level=config.level, areas=config.areas, categories=taxonomy, engine="dask", cluster=client,
                       max_flags=settings.max_flags, language=config.language, quantiles=quantiles,
                       country=config.country, subdiv=config.subdiv, seed=config.seed, hierarchy=True,
                       flag_settings=settings, suppress_below=config.suppress_below, progress=progress)
    res.hierarchy.attrs["fits"] = len(res.partitions) + (len(res.partitions) > 1)
    return res
