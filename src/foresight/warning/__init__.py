"""Early warning: seasonal waves, surges, flags, outreach planning and campaign evaluation."""

from __future__ import annotations

from foresight.warning.campaigns import evaluate_campaign
from foresight.warning.flags import FLAG_COLUMNS, expected_totals, flag_id, flags
from foresight.warning.outlook import seasonal_outlook
from foresight.warning.outreach import plan_outreach
from foresight.warning.plots import plot_seasons, plot_wave_calendar
from foresight.settings import FLAG_KINDS, FlagSettings, SurgeSettings, WaveSettings
from foresight.warning.surges import surges
from foresight.warning.waves import period_label, seasonal_profile, waves

__all__ = [
    "waves", "seasonal_profile", "period_label", "surges", "flags", "expected_totals", "flag_id", "FLAG_COLUMNS", "FLAG_KINDS",
    "FlagSettings", "WaveSettings", "SurgeSettings", "plan_outreach",
    "evaluate_campaign", "plot_wave_calendar", "plot_seasons", "seasonal_outlook",
]
