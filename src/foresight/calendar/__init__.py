"""China's calendar per day and per period: holidays, make-up working days (调休), Spring Festival.

Petition and complaint offices close on public holidays and open on make-up working days (调休: a
Saturday or Sunday declared a working day to bridge a long holiday). The forecaster, the surge
detector and the sample generator need these per day (:func:`days`) and per period
(:func:`period_features`).

Sources, in order of trust:

* China, years ``chinese_calendar`` (the ``chinesecalendar`` package) covers: the official State
  Council schedule, with make-up working days. ``source = "chinese_calendar"``.
* China, other years ``holidays.China`` covers (1950-2100): statutory holidays computed by rule, plus
  the make-up days ``holidays`` happens to list (none for future years). A :class:`CalendarWarning`
  names these years. ``source = "holidays.China (estimated)"``. (On the years both sources cover,
  this path gives the same day classes as ``chinese_calendar`` for 2010-2026.)
* Any other country: ``holidays.country_holidays(country, subdiv=...)``; no make-up days.
  ``source = "holidays.<COUNTRY>[-<SUBDIV>]"``.

For China, a holiday break is a run of rest days holding a holiday; every day of it (weekend days
included) is a holiday day, as in the State Council notices ("6月8日至10日放假, 共3天").

Day classes add up: every day is exactly one of a working day (``is_workday``), a holiday
(``is_holiday``) or an ordinary weekend day, so per period ``days = workdays + holidays +
weekend_days``; ``makeup_days`` counts the working days that fall on a weekend.
"""

from foresight.calendar._days import CalendarWarning, days, period_start, spring_festival, week_start
from foresight.calendar._features import period_features

__all__ = [
    "CalendarWarning",
    "days",
    "spring_festival",
    "period_features",
    "period_start",
    "week_start",
]
