"""foresight: forecast petition volumes, find their waves, catch surges, plan outreach first."""

from __future__ import annotations

from foresight.errors import CalendarError, ConfigError, DataError, ForesightError, ModelError

__version__ = "0.1.0"

__all__ = [
    "CalendarError",
    "ConfigError",
    "DataError",
    "ForesightError",
    "ModelError",
    "__version__",
]
