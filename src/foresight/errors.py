"""The exception hierarchy.

Every error the library raises on purpose is a :class:`ForesightError`, so a batch job can catch one
type. Messages name the file, the row and the column where they can, and say how to fix the problem.
"""

from __future__ import annotations

__all__ = ["ForesightError", "DataError", "ConfigError", "CalendarError", "ModelError", "PartitionError",
           "ClusterError"]


class ForesightError(Exception):
    """Base class of every error raised by foresight."""


class DataError(ForesightError, ValueError):
    """The input data cannot be used: an unreadable or empty file, a missing required column.

    Row-level problems (a bad date, a missing area) do not raise: those rows go to the rejects table.
    """


class ConfigError(ForesightError, ValueError):
    """A mapping file, report config or option is wrong: an unknown key, a bad value."""


class CalendarError(ForesightError):
    """The calendar cannot answer for the dates asked (for example, a year no source covers)."""


class ModelError(ForesightError):
    """A model cannot be fitted or used as asked."""


class PartitionError(ForesightError):
    """A partition (a top-level area) of a partitioned run failed, after its retries.

    The message names the area and the partition's own error; :attr:`area` holds the code. Nothing is
    written when a partition fails.
    """

    def __init__(self, message: str, *, area: str) -> None:
        super().__init__(message)
        self.area = area


class ClusterError(ForesightError, ConnectionError):
    """The dask.distributed cluster asked for (``foresight report --cluster``, ``cluster =``,
    ``run_pipeline(engine="dask")``) cannot be reached; the message names the address.

    Raised before any work starts, so nothing is read or written.
    """
