"""foresight: forecast petition volumes, find their waves, catch surges, plan outreach first.

The public API, re-exported here::

    import foresight as fs
    res = fs.read_cases("export.csv", mapping="mapping.toml")   # cases + rejects, nothing lost
    panel = fs.to_panel(res.cases, freq="W")                    # area, category, ds, y
    fc = fs.forecast(panel, 13)                                 # mean, p10, p50, p90 per series
    fl = fs.flags(panel, panel.attrs["as_of"])                  # ranked, explained flags

Other names load on first use (PEP 562), so the command line starts quickly.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from foresight.errors import (CalendarError, ClusterError, ConfigError, DataError, ForesightError, ModelError,
                              PartitionError)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "AreaTree": "foresight.areas",
    "load_areas": "foresight.areas",
    "CalendarWarning": "foresight.calendar",
    "days": "foresight.calendar",
    "period_features": "foresight.calendar",
    "period_start": "foresight.calendar",
    "spring_festival": "foresight.calendar",
    "Taxonomy": "foresight.categories",
    "load_categories": "foresight.categories",
    "Backtest": "foresight.evaluation",
    "backtest": "foresight.evaluation",
    "IntervalSettings": "foresight.forecasting",
    "apply_interval_scales": "foresight.forecasting",
    "forecast": "foresight.forecasting",
    "forecast_components": "foresight.forecasting",
    "forecast_hierarchy": "foresight.forecasting",
    "learn_interval_scales": "foresight.forecasting",
    "plot_components": "foresight.forecasting",
    "from_nixtla": "foresight.interop",
    "to_nixtla": "foresight.interop",
    "ColumnMapping": "foresight.ingest",
    "IngestResult": "foresight.ingest",
    "load_mapping": "foresight.ingest",
    "read_cases": "foresight.ingest",
    "ALL": "foresight.panel",
    "rollup": "foresight.panel",
    "summarize_panel": "foresight.panel",
    "to_panel": "foresight.panel",
    "plot_forecast": "foresight.plots",
    "CaseStore": "foresight.store",
    "District": "foresight.synth",
    "generate_district": "foresight.synth",
    "write_district": "foresight.synth",
    "check_panel": "foresight.schemas",
    "evaluate_campaign": "foresight.warning",
    "flags": "foresight.warning",
    "FlagSettings": "foresight.warning",
    "SurgeSettings": "foresight.warning",
    "WaveSettings": "foresight.warning",
    "issued_flags": "foresight.report",
    "plan_outreach": "foresight.warning",
    "plot_seasons": "foresight.warning",
    "plot_wave_calendar": "foresight.warning",
    "seasonal_outlook": "foresight.warning",
    "seasonal_profile": "foresight.warning",
    "surges": "foresight.warning",
    "waves": "foresight.warning",
}

__all__ = sorted(
    [*_LAZY, "CalendarError", "ClusterError", "ConfigError", "DataError", "ForesightError", "ModelError",
     "PartitionError", "__version__"]
)


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'foresight' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return list(__all__)


if _TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from foresight.areas import AreaTree, load_areas
    from foresight.calendar import (CalendarWarning, days, period_features, period_start,
                                    spring_festival)
    from foresight.categories import Taxonomy, load_categories
    from foresight.evaluation import Backtest, backtest
    from foresight.forecasting import (IntervalSettings, apply_interval_scales, forecast, forecast_components,
                                       forecast_hierarchy, learn_interval_scales, plot_components)
    from foresight.ingest import ColumnMapping, IngestResult, load_mapping, read_cases
    from foresight.interop import from_nixtla, to_nixtla
    from foresight.panel import ALL, rollup, summarize_panel, to_panel
    from foresight.plots import plot_forecast
    from foresight.store import CaseStore
    from foresight.synth import District, generate_district, write_district
    from foresight.report import issued_flags
    from foresight.schemas import check_panel
    from foresight.warning import (FlagSettings, SurgeSettings, WaveSettings, evaluate_campaign, flags,
                                   plan_outreach, plot_seasons, plot_wave_calendar, seasonal_outlook,
                                   seasonal_profile, surges,
                                   waves)
