"""Outreach plan: which flags the few outreach teams act on first, and in which week.

Capacity is small (a town leader's team spends half a day a week in one or two villages), so the plan
is a schedule: each week each team has ``capacity_per_week`` visits; a flag takes ``visits`` of them
in consecutive weeks, best started ``lead`` weeks before its window opens. The value of acting on a
flag is the cases it can prevent: ``effect`` x its score (cases above normal), times a timeliness
factor that is 1 when the visits start ``lead`` weeks or more before the window and falls linearly to
0 at the window's end (surges and escalations are already under way: their value starts to fall at
once). The greedy schedule takes flags by value and gives each the earliest slot that keeps most of
it; flags that cannot be served before their value runs out are left unplanned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError
from foresight.periods import period_range, period_start, shift

__all__ = ["plan_outreach", "PLAN_COLUMNS"]

PLAN_COLUMNS = [
    "week", "team", "visit", "area", "category", "kind", "theme", "department", "window_start",
    "window_end", "prevented", "reason",
]


def plan_outreach(
    flags: pd.DataFrame,
    *,
    teams: int | Sequence[str],
    capacity_per_week: int = 1,
    start=None,
    weeks: int = 13,
    visits: int = 2,
    lead: int = 2,
    effect: float = 0.3,
    kinds: tuple[str, ...] = ("wave", "surge", "escalation"),
) -> pd.DataFrame:
    """Schedule outreach visits for the flags that prevent the most expected cases.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`foresight.warning.flags`.
    teams : int or sequence of str
        Number of outreach teams, or their names.
    capacity_per_week : int
        Visits each team can make in a week.
    start : date, optional
        First week of the plan (a Monday); default the flags' ``as_of`` or the earliest window start.
    weeks : int
        Length of the plan in weeks.
    visits : int
        Visits (team-weeks) one flag needs, in consecutive weeks.
    lead : int
        Weeks before a wave's window opens that the visits should start.
    effect : float
        Share of the expected excess cases a timely campaign prevents (0.3 = 30%).
    kinds : tuple of str
        Flag kinds to plan for.

    Returns
    -------
    DataFrame
        One row per visit: ``week, team, visit`` (1..visits), the flag's ``area, category, kind,
        theme, department, window_start, window_end``, ``prevented`` (the flag's expected prevented
        cases, on its first visit row; 0 on the others) and ``reason``. Sorted by week and team.
        ``attrs["unplanned"]`` lists the flags left out, one dict per flag (``pd.DataFrame(...)`` of
        it is a flags frame); records, not a frame, since pandas 3 compares ``attrs`` when it
        combines frames and a frame there makes ``plan.astype(str)`` fail.

    Raises
    ------
    DataError
        If ``flags`` lacks the flag columns.
    ConfigError
        If an option is out of range.

    Examples
    --------
    >>> fl = pd.DataFrame({"area": ["T1", "T2", "T3"], "category": "school", "kind": "wave",
    ...                    "start": pd.to_datetime(["2025-03-03", "2025-03-03", "2025-04-07"]),
    ...                    "end": pd.to_datetime(["2025-05-26"] * 3), "score": [100.0, 50.0, 80.0],
    ...                    "theme": "入学政策宣讲", "department": "教育局", "reason": "..."})
    >>> plan = plan_outreach(fl, teams=1, start="2025-02-03", visits=2)
    >>> plan[["week", "area", "visit"]].astype(str).values.tolist()[:4]
    [['2025-02-17', 'T1', '1'], ['2025-02-24', 'T1', '2'], ['2025-03-03', 'T2', '1'], ['2025-03-10', 'T2', '2']]
    """
    need = {"area", "category", "kind", "start", "end", "score"}
    if not isinstance(flags, pd.DataFrame) or not need <= set(flags.columns):
        missing = sorted(need - set(getattr(flags, "columns", [])))
        raise DataError(f"flags lacks {missing}; pass the frame foresight.warning.flags returns.")
    names = [f"team {i + 1}" for i in range(int(teams))] if isinstance(teams, (int, np.integer)) else list(teams)
    if not names or capacity_per_week < 1 or weeks < 1 or visits < 1 or lead < 0 or not 0 < effect <= 1:
        raise ConfigError("need at least one team, capacity_per_week >= 1, weeks >= 1, visits >= 1, "
                          "lead >= 0 and 0 < effect <= 1.")
    # a merged flag (``wave+surge``) is planned when any of its kinds is
    parts = flags["kind"].astype(str).str.split("+")
    fl = flags[[bool(set(p) & set(kinds)) for p in parts]].reset_index(drop=True)
    if start is None:
        start = flags.attrs.get("as_of") or (pd.to_datetime(fl["start"]).min() if len(fl) else None)
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in PLAN_COLUMNS})
    if start is None or fl.empty:
        empty.attrs["unplanned"] = fl.to_dict("records")
        return empty
    t0 = pd.Timestamp(start)
    t0 = period_start(t0, "W")  # visits are planned by week
    grid = period_range(t0, shift(t0, weeks - 1, "W"), "W")
    slots = np.full((len(grid), len(names)), capacity_per_week)

    ws = pd.to_datetime(fl["start"])
    we = pd.to_datetime(fl["end"])
    # a wave ahead is visited `lead` weeks before its window; anything else (a surge now) at once
    ahead = np.array(["wave" in str(k).split("+") for k in fl["kind"]]) & (ws >= grid[0]).to_numpy()

    def value(i: int, k: int) -> float:
        """Prevented cases when flag i's visits start in plan week k."""
        w = grid[k]
        best = ws[i] - pd.Timedelta(weeks=lead) if ahead[i] else grid[0]
        if w <= best:
            timely = 1.0
        else:
            span = max((we[i] - best).days, 7)
            timely = max(0.0, 1.0 - (w - best).days / span)
        return effect * max(float(fl.at[i, "score"]), 0.0) * timely

    order = np.argsort(-fl["score"].to_numpy(dtype=float), kind="stable")
    rows, unplanned = [], []
    for i in order:
        placed = False
        # a wave's visits start no earlier than `lead` weeks before its window opens
        earliest = ws[i] - pd.Timedelta(weeks=lead) if ahead[i] else grid[0]
        for k in range(len(grid) - visits + 1):
            if grid[k] + pd.Timedelta(days=6) < earliest:
                continue
            v = value(i, k)
            if v <= 0:
                break
            free = [j for j in range(len(names)) if (slots[k:k + visits, j] > 0).all()]
            if not free:
                continue
            j = free[0]
            slots[k:k + visits, j] -= 1
            for n in range(visits):
                rows.append(dict(week=grid[k + n], team=names[j], visit=n + 1, area=fl.at[i, "area"],
                                 category=fl.at[i, "category"], kind=fl.at[i, "kind"],
                                 theme=fl.at[i, "theme"] if "theme" in fl.columns else None,
                                 department=fl.at[i, "department"] if "department" in fl.columns else None,
                                 window_start=ws[i], window_end=we[i], prevented=round(v, 1) if n == 0 else 0.0,
                                 reason=fl.at[i, "reason"] if "reason" in fl.columns else ""))
            placed = True
            break
        if not placed:
            unplanned.append(i)
    plan = pd.DataFrame(rows, columns=PLAN_COLUMNS) if rows else empty
    if rows:
        plan = plan.sort_values(["week", "team", "visit"], kind="stable").reset_index(drop=True)
    plan.attrs["unplanned"] = fl.loc[unplanned].to_dict("records")
    return plan
