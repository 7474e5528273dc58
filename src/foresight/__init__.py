"""foresight: forecast petition volumes, find their waves, catch surges, plan outreach first.

The public API, re-exported here::

    import foresight as fs
    res = fs.read_cases("export.csv", mapping="mapping.toml")   # cases + rejects, nothing lost
    panel = fs.to_panel(res.cases, freq="W")                    # area, category, ds, y
"""

from __future__ import annotations

from foresight.areas import AreaTree, load_areas
from foresight.calendar import CalendarWarning, days, period_features, period_start, spring_festival
from foresight.categories import Taxonomy, load_categories
from foresight.errors import CalendarError, ConfigError, DataError, ForesightError, ModelError
from foresight.ingest import ColumnMapping, IngestResult, load_mapping, read_cases
from foresight.panel import ALL, rollup, summarize_panel, to_panel
from foresight.store import CaseStore
from foresight.synth import District, generate_district, write_district
from foresight.validation import check_panel

__version__ = "0.1.0"

__all__ = [
    "ALL",
    "AreaTree",
    "CalendarError",
    "CaseStore",
    "CalendarWarning",
    "ColumnMapping",
    "ConfigError",
    "District",
    "DataError",
    "ForesightError",
    "IngestResult",
    "ModelError",
    "Taxonomy",
    "__version__",
    "check_panel",
    "days",
    "generate_district",
    "load_areas",
    "load_categories",
    "load_mapping",
    "period_features",
    "period_start",
    "read_cases",
    "rollup",
    "spring_festival",
    "summarize_panel",
    "to_panel",
    "write_district",
]
