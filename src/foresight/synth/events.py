"""Calendar effects, seasonal waves, outreach campaigns, projects and surges of the sample district."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
import pandas as pd

from foresight.calendar import spring_festival
from foresight.errors import CalendarError

__all__ = ["day_effects", "season_windows", "season_shape", "CAMPAIGN_PLAN"]

#: Day-type multipliers of (office channels: visit/letter, remote channels: phone/online).
_WEEKDAY = np.array([1.15, 1.05, 1.0, 1.0, 0.9, 1.0, 1.0])
_OFF_DAY = (0.12, 0.55)
_HOLIDAY = (0.04, 0.35)
_MAJOR = ("Spring Festival", "National Day")

#: (category, town index, year of the wave, damping of the wave, lead days before the onset)
CAMPAIGN_PLAN: tuple[tuple[str, int, int, float, int], ...] = (
    ("school_enrolment", 3, 2024, 0.40, 28),
    ("school_enrolment", 4, 2025, 0.50, 21),
    ("wage_arrears", 5, 2025, 0.45, 14),
    ("flood_typhoon", 8, 2023, 0.60, 21),
    ("wage_arrears", 3, 2026, 0.90, 14),
)


def day_effects(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Return per-day multipliers for office channels and remote channels.

    Workdays (including the make-up working days 调休) get a weekday profile; weekends and holidays are
    suppressed, the Spring Festival and National Day holidays most of all (office channels close).

    Raises
    ------
    CalendarError
        When a day is outside the years ``chinese_calendar`` covers.

    Examples
    --------
    >>> office, remote = day_effects(pd.date_range("2024-02-04", periods=7))  # Sun 4 Feb is a make-up workday
    >>> bool(office[0] > 0.9 and office[6] < 0.1)  # Sat 10 Feb: Spring Festival holiday
    True
    """
    off = np.empty(len(days))
    rem = np.empty(len(days))
    for i, d in enumerate(days.date):
        try:
            work = chinese_calendar.is_workday(d)
            on_holiday, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError as exc:
            raise CalendarError(
                f"chinese_calendar does not cover {d}; generate a district within the years it covers "
                f"(2004-2026 for chinesecalendar 1.11) or upgrade chinesecalendar."
            ) from exc
        if work:
            wd = _WEEKDAY[d.weekday()] if d.weekday() < 5 else 0.95
            off[i] = rem[i] = wd
        elif name is not None and any(m in name for m in _MAJOR):
            off[i], rem[i] = _HOLIDAY
        elif name is not None:
            off[i], rem[i] = 0.1, 0.45
        else:
            off[i], rem[i] = _OFF_DAY
    return off, rem


def season_windows(season: str, years: range, rng: np.random.Generator) -> list[tuple[int, pd.Timestamp,
                                                                                       pd.Timestamp, pd.Timestamp]]:
    """Return ``(year, onset, peak, end)`` of a season in each year (jittered a little per year).

    Examples
    --------
    >>> (y, onset, peak, end), = season_windows("wage", range(2025, 2026), np.random.default_rng(0))
    >>> (spring_festival(2025) - onset).days
    42
    """
    out = []
    for y in years:
        j = lambda lo, hi: pd.Timedelta(days=int(rng.integers(lo, hi + 1)))  # noqa: E731
        if season == "enrolment":
            w = (pd.Timestamp(y, 3, 1) + j(0, 7), pd.Timestamp(y, 6, 10) + j(-12, 12), pd.Timestamp(y, 9, 30) - j(0, 7))
        elif season == "wage":
            sf = spring_festival(y)
            w = (sf - pd.Timedelta(days=42), sf - pd.Timedelta(days=8) + j(-2, 2), sf + pd.Timedelta(days=12))
        elif season == "flood":
            w = (pd.Timestamp(y, 5, 10) + j(0, 10), pd.Timestamp(y, 7, 20) + j(-15, 15), pd.Timestamp(y, 9, 30))
        elif season == "utilities":
            w = (pd.Timestamp(y, 6, 1), pd.Timestamp(y, 8, 5) + j(-7, 7), pd.Timestamp(y, 9, 20))
        elif season == "summer":
            w = (pd.Timestamp(y, 5, 1), pd.Timestamp(y, 7, 15) + j(-7, 7), pd.Timestamp(y, 9, 30))
        elif season == "social":
            w = (pd.Timestamp(y - 1, 12, 1), pd.Timestamp(y, 1, 12) + j(-5, 5), pd.Timestamp(y, 2, 28))
        else:
            raise ValueError(f"unknown season {season!r}")
        out.append((y, *w))
    return out


def season_shape(windows: list, days: pd.DatetimeIndex) -> np.ndarray:
    """Raised-cosine wave per window: 0 outside, rising from onset to 1 at the peak, falling to the end.

    Examples
    --------
    >>> w = [(2024, pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-03"), pd.Timestamp("2024-03-05"))]
    >>> season_shape(w, pd.date_range("2024-03-01", periods=6)).round(2).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    t = days.to_numpy()
    shape = np.zeros(len(days))
    for _, onset, peak, end in windows:
        up = (t >= onset.to_datetime64()) & (t < peak.to_datetime64())
        down = (t >= peak.to_datetime64()) & (t <= end.to_datetime64())
        x_up = (t[up] - onset.to_datetime64()) / (peak - onset).to_timedelta64()
        x_dn = (t[down] - peak.to_datetime64()) / (end - peak).to_timedelta64()
        shape[up] = np.maximum(shape[up], 0.5 * (1 - np.cos(np.pi * x_up)))
        shape[down] = np.maximum(shape[down], 0.5 * (1 + np.cos(np.pi * x_dn)))
    return shape


def date_iso(ts: pd.Timestamp | dt.date) -> str:
    """Format a date as ``YYYY-MM-DD``."""
    return pd.Timestamp(ts).strftime("%Y-%m-%d")
