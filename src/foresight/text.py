"""Every word foresight shows people, in Chinese and English: labels, flag reasons and sentences.

A text is a template key and numbers: :func:`render` fills the template of the language and writes
each count through :func:`count`, the one place small counts are suppressed (``"<k"``). Nothing
else formats a count for people, and no text is ever parsed back.
"""

from __future__ import annotations

import math
import string
from typing import Any

import pandas as pd

from foresight._phrases import COLUMNS, EN, LEVELS, MONTHS, REJECTS, TEMPLATES, ZH
from foresight.errors import ConfigError

__all__ = ["LANGUAGES", "column_name", "count", "labels", "level_name", "month_name", "period_label", "reject_reason", "render",
           "team_name"]

LANGUAGES = ("zh", "en")

def labels(language: str) -> dict[str, str]:
    """The label table for ``language`` (``"zh"`` or ``"en"``)."""
    if language == "zh":
        return dict(ZH)
    if language == "en":
        return dict(EN)
    raise ConfigError(f"language {language!r} is not supported; use 'zh' (Chinese) or 'en' (English).")


def _lang(language: str) -> int:
    if language not in LANGUAGES:
        raise ConfigError(f"language {language!r} is not supported; use 'zh' (Chinese) or 'en' (English).")
    return 0 if language == "zh" else 1


def count(value: Any, k: int = 0) -> str:
    """A count for people: rounded, and ``"<k"`` when it is below ``k`` (small-count suppression).

    Parameters
    ----------
    value : number
        The count (a float is rounded to the nearest whole number).
    k : int, default 0
        Suppression threshold; 0 shows every count. A count above 0 that rounds to 0 is also hidden.

    Returns
    -------
    str

    Examples
    --------
    >>> count(12.4), count(2, k=5), count(5, k=5), count(0.3, k=5), count(float("nan")), count(1234)
    ('12', '<5', '5', '<5', '', '1,234')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    n = int(round(v))
    if k > 0 and (0 < n < k or (n == 0 and v > 0)):
        return f"<{k}"
    return f"{n:,}"


class _Formatter(string.Formatter):
    def __init__(self, k: int) -> None:
        self.k = k

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "count":
            return count(value, self.k)
        return super().format_field(value, format_spec)


def render(key: str, language: str, *, k: int = 0, **values: Any) -> str:
    """The text of template ``key`` in ``language``, filled with ``values``; counts below ``k`` hidden.

    Parameters
    ----------
    key : str
        A template key, e.g. ``"surge"`` or ``"wave.seasonal"``.
    language : {"zh", "en"}
    k : int, default 0
        Small-count suppression: every count field below ``k`` reads ``"<k"``.
    **values
        The template's fields.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        An unknown language or template key.

    Examples
    --------
    >>> render("surge", "en", label="Wages", observed=3, n=2, unit="week", per="week", start="2026-11-09",
    ...        baseline=1.2, threshold=2, k=5)
    'Wages surge: <5 cases in 2 week(s) from 2026-11-09 against <5 expected for the season (alarm line <5 a week).'
    >>> render("units.M", "zh"), render("team", "zh", n=2)
    ('个月', '第2组')
    """
    i = _lang(language)
    if key not in TEMPLATES:
        raise ConfigError(f"no text template {key!r}; the keys are: {', '.join(sorted(TEMPLATES))}")
    return _Formatter(int(k)).format(TEMPLATES[key][i], **values)


def level_name(level: str | None, language: str) -> str:
    """The name of an area level (``"community"`` -> ``"村（社区）"`` in Chinese).

    Examples
    --------
    >>> level_name("town", "zh"), level_name("town", "en"), level_name(None, "zh")
    ('镇街', 'town', '')
    """
    if level is None:
        return ""
    return LEVELS["zh" if _lang(language) == 0 else "en"].get(level, level)


def team_name(team: Any, language: str) -> str:
    """A team's name: a named team as given, a numbered one (``"team 3"``) in the language.

    Examples
    --------
    >>> team_name("team 3", "zh"), team_name("一组", "zh"), team_name("team 3", "en")
    ('第3组', '一组', 'team 3')
    """
    text = str(team)
    if text.startswith("team ") and text[5:].isdigit():
        return render("team", language, n=int(text[5:]))
    return text


def reject_reason(reason: str, language: str) -> str:
    """The kind of a reject reason or data-quality note (how it begins, before any ``:``), in the language.

    A reason of no known kind is returned as its kind unchanged.

    Examples
    --------
    >>> reject_reason("duplicate case id: superseded by b.csv row 3", "zh")
    '被后续导出替代'
    >>> reject_reason("control character 0x07 in the area cell: the export is damaged there", "zh")
    '单元格含控制字符（导出文件在此处损坏，请重新导出）'
    >>> reject_reason("duplicate case id", "en"), reject_reason("odd value", "zh")
    ('superseded by a later export', 'odd value')
    """
    kind = str(reason).split(";")[0].split(":")[0].strip()
    i = _lang(language)
    for begins in sorted(REJECTS, key=len, reverse=True):  # the longest matching beginning
        if kind == begins or kind.startswith(begins + " ") or kind.startswith(begins + "("):
            return REJECTS[begins][i]
    return kind


def column_name(column: str, language: str) -> str:
    """A case column's name for people (``"received"`` -> ``"登记日期"``); other names as given.

    Examples
    --------
    >>> column_name("received", "zh"), column_name("(row)", "zh"), column_name("received", "en")
    ('登记日期', '整行', 'received')
    >>> column_name("所属社区", "zh")
    '所属社区'
    """
    pair = COLUMNS.get(str(column))
    return pair[_lang(language)] if pair else str(column)




def month_name(month: int, language: str) -> str:
    """A month's short name: ``"3月"`` or ``"Mar"``.

    Examples
    --------
    >>> month_name(3, "zh"), month_name(3, "en")
    ('3月', 'Mar')
    """
    return f"{int(month)}月" if _lang(language) == 0 else MONTHS[int(month) - 1]


def period_label(period: int, freq: str = "W", *, language: str = "en") -> str:
    """A readable label for a period of the year: ``"week 10 (early Mar)"`` or ``"第10周（3月上旬）"``.

    Parameters
    ----------
    period
        Week of the year (1-53) for ``freq="W"``, month (1-12) for ``freq="M"``.
    freq
        ``"W"`` or ``"M"``.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str

    Examples
    --------
    >>> period_label(10)
    'week 10 (early Mar)'
    >>> period_label(10, language="zh")
    '第10周（3月上旬）'
    >>> period_label(7, "M")
    'Jul'
    """
    if str(freq).upper().startswith("M"):
        return month_name(int(period), language)
    day = pd.Timestamp(2021, 1, 1) + pd.Timedelta(days=7 * (int(period) - 1) + 3)
    third = min((day.day - 1) // 10, 2)
    if _lang(language) == 0:
        return f"第{int(period)}周（{day.month}月{'上中下'[third]}旬）"
    return f"week {int(period)} ({('early', 'mid', 'late')[third]} {MONTHS[day.month - 1]})"
