"""Weekly and monthly periods: the one place that knows what ``"W"`` and ``"M"`` mean.

A period is labelled by its start: the Monday of its week (``"W"``) or the first of its month
(``"M"``). Every module that steps, counts or labels periods calls these functions, so a week is
never 7 days in one place and "the week holding this date" in another.

``as_of`` is exclusive throughout: the period holding ``as_of`` is incomplete (or starts on it), and
the last complete period is the one before it.
"""

from foresight.periods._freq import FREQS, infer_freq, normalize_freq, panel_freq, period_offset, periods_per_year
from foresight.periods._steps import (
    check_period_starts,
    future_starts,
    last_complete,
    period_at,
    period_index,
    period_of_year,
    period_range,
    period_start,
    shift,
)

__all__ = [
    "FREQS",
    "normalize_freq",
    "panel_freq",
    "infer_freq",
    "period_start",
    "period_offset",
    "periods_per_year",
    "period_range",
    "period_index",
    "period_at",
    "period_of_year",
    "shift",
    "future_starts",
    "last_complete",
    "check_period_starts",
]
