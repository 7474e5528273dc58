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

from foresight.errors import ConfigError

__all__ = ["LANGUAGES", "count", "labels", "level_name", "month_name", "period_label", "reject_reason", "render",
           "team_name"]

LANGUAGES = ("zh", "en")

_ZH = {
    "title": "信访风险周报", "title_M": "信访风险月报（一月一研判）",
    "as_of": "截至", "generated": "生成于", "horizon": "预测期", "periods_W": "周", "periods_M": "个月",
    "headline": "本期要点", "no_flags": "本期没有需要处置的预警。",
    "flags": "重点预警", "rank": "序号", "area": "区域", "category": "类别", "kind": "类型",
    "window": "时间窗", "expected": "预计件数", "baseline": "平时件数", "excess": "超出件数", "expected_range": "80% 区间",
    "reason": "原因", "theme": "驻点主题", "department": "责任部门", "lead": "提前期",
    "kind_wave": "上升预警", "kind_surge": "当前激增", "kind_rise": "预测上升", "kind_escalation": "升级苗头", "confidence": "往年出现",
    "plan": "主题驻点计划", "week": "周次", "team": "工作组", "no_plan": "没有安排驻点。",
    "risk": "区域风险排名", "risk_score": "风险分", "n_flags": "预警数", "forecast_total": "未来预测件数",
    "recent": "近期件数", "change": "变化", "plan_more": "只列出前 4 周；完整计划见 flags.xlsx 的 plan 表。",
    "trends": "类别趋势与预测", "trends_note": "实线为实际件数，阴影为预测 80% 区间（p10–p90），虚线为预测中位数。",
    "waves": "波峰日历", "waves_note": "各类别在全年各周处于波峰的区域数；竖线为本期。",
    "surges": "当前激增", "no_surges": "近期没有发现异常激增。", "observed": "实际件数", "threshold": "预警阈值",
    "period": "时段",
    "backcheck": "往期预警回看", "backcheck_intro": "{prev} 那一期发出的预警，与此后实际发生的件数对照（不重新计算）。",
    "backcheck_none": "还没有往期报告记录的预警可以回看：下一期起，本期发出的预警会在这里与实际对照。",
    "lift": "提升倍数（命中率 ÷ 基准率）", "flags_due": "已到期预警数", "flag_id": "预警编号",
    "outcome": "结果", "actual": "实际件数", "forecast": "当时预测",
    "out_rose": "确实上升", "out_flat": "未见上升", "out_pending": "时间窗未到",
    "hit_rate": "已到期预警中确实上升的比例（命中率）", "base_rate": "同期未预警序列中上升的比例（基准率）",
    "coverage": "实际值落在预测 80% 区间内的比例", "wape": "总量预测误差（WAPE）", "wape_level": "各区域类别预测误差（WAPE）",
    "quality": "数据质量", "rows_read": "读取行数", "accepted": "接收", "rejected": "拒收",
    "source": "来源文件", "column": "字段", "count": "行数", "no_rejects": "没有被拒收的行。",
    "not_available": "本节暂不可用", "step_failed": "步骤 {step} 出错，本报告缺少这一部分",
    "total": "合计", "all_areas": "全部区域", "history": "实际", "median": "预测中位数", "band": "80% 区间",
    "suppressed": "少于 {k} 件的数字显示为 “<{k}”。", "charts": "图表",
    "footer": "本报告由 foresight 自动生成，不含任何个人信息。",
    "level": "区域层级", "cases": "件",
}

_EN = {
    "title": "Petition risk: weekly report", "title_M": "Petition risk: monthly review",
    "as_of": "As of", "generated": "Generated", "horizon": "Horizon", "periods_W": "weeks", "periods_M": "months",
    "headline": "Headline", "no_flags": "No flags need action this period.",
    "flags": "Top flags", "rank": "#", "area": "Area", "category": "Category", "kind": "Kind",
    "window": "Window", "expected": "Expected", "baseline": "Usual", "excess": "Extra", "expected_range": "80% interval",
    "reason": "Reason", "theme": "Outreach theme", "department": "Department", "lead": "Lead",
    "kind_wave": "rise ahead", "kind_surge": "surge now", "kind_rise": "forecast rise", "kind_escalation": "escalation", "confidence": "Years seen",
    "plan": "Outreach plan", "week": "Week", "team": "Team", "no_plan": "No outreach scheduled.",
    "risk": "Areas ranked by risk", "risk_score": "Risk score", "n_flags": "Flags", "forecast_total": "Forecast",
    "recent": "Recent", "change": "Change", "plan_more": "First 4 weeks shown; the full plan is in flags.xlsx (sheet plan).",
    "trends": "Category trends and forecasts",
    "trends_note": "Line: actual counts; band: 80% forecast interval (p10-p90); dashed: forecast median.",
    "waves": "Wave calendar", "waves_note": "Areas in a seasonal wave, by category and week of the year; "
    "the vertical line marks now.",
    "surges": "Current surges", "no_surges": "No unusual surge in the latest periods.", "observed": "Observed",
    "threshold": "Alarm level", "period": "Period",
    "backcheck": "Last period's flags against what happened",
    "backcheck_intro": "The flags the report of {prev} issued, against the counts since (nothing re-fitted).",
    "backcheck_none": "No earlier report has recorded its flags yet: from the next report on, this report's "
    "flags are compared with what happened here.",
    "lift": "Lift (hit rate / base rate)", "flags_due": "Flags due", "flag_id": "Flag id",
    "outcome": "Outcome", "actual": "Actual", "forecast": "Forecast then",
    "out_rose": "rose", "out_flat": "did not rise", "out_pending": "window not started",
    "hit_rate": "Flags due that rose (hit rate)", "base_rate": "Unflagged series that rose (base rate)",
    "coverage": "Actuals inside the 80% forecast interval", "wape": "Total forecast error (WAPE)",
    "wape_level": "Forecast error per area and category (WAPE)",
    "quality": "Data quality", "rows_read": "Rows read", "accepted": "Accepted", "rejected": "Rejected",
    "source": "Source file", "column": "Column", "count": "Rows", "no_rejects": "No row was rejected.",
    "not_available": "Not available", "step_failed": "Step {step} failed and is missing from this report",
    "total": "Total", "all_areas": "All areas", "history": "Actual", "median": "Forecast median",
    "band": "80% interval", "suppressed": "Counts below {k} are shown as \"<{k}\".", "charts": "Charts",
    "footer": "Generated by foresight. Contains no personal data.",
    "level": "Area level", "cases": "cases",
}


def labels(language: str) -> dict[str, str]:
    """The label table for ``language`` (``"zh"`` or ``"en"``)."""
    if language == "zh":
        return dict(_ZH)
    if language == "en":
        return dict(_EN)
    raise ConfigError(f"language {language!r} is not supported; use 'zh' (Chinese) or 'en' (English).")


_LEVELS = {"zh": {"district": "区县", "town": "镇街", "community": "村（社区）", "grid": "网格"},
           "en": {"district": "district", "town": "town", "community": "community", "grid": "grid"}}

#: Kinds of reject reason (the text before the first colon of ``rejects.reason``) in each language.
_REJECTS = {
    "duplicate case id": ("被后续导出替代", "superseded by a later export"),
    "missing date": ("缺少登记日期", "missing date"),
    "unparseable date": ("登记日期无法识别", "unparseable date"),
    "date after the as-of date": ("登记日期晚于截止日期", "date after the as-of date"),
    "date too early": ("登记日期过早（年份可能有误）", "date too early"),
    "missing area": ("缺少区域", "missing area"),
    "area not in the area tree": ("区域不在区域表中", "area not in the area tree"),
    "missing case id": ("缺少信访件编号", "missing case id"),
}

# Templates of every sentence foresight writes. ``{name:count}`` is a count of cases: written by
# :func:`count`, so small counts are suppressed here and nowhere else. Other fields are filled as
# given (dates, labels, and already rendered parts).
_TEMPLATES: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "unit.W": ("周", "week"), "unit.M": ("个月", "month"), "per.W": ("周", "week"), "per.M": ("月", "month"),
    "units.W": ("周", "weeks"), "units.M": ("个月", "months"),
    "wave.body": ("{start}至{end}约{expected:count}件（80%区间{lo:count}-{hi:count}件），常态约{baseline:count}件",
                  "{expected:count} cases from {start} to {end} (80%: {lo:count}-{hi:count}) against "
                  "{baseline:count} normally"),
    "wave.tail": ("；目前每{per}{now:count}件。", "; now {now:count} a {per}."),
    "wave.history": ("；近{years}年峰值每{per}{peak_lo:count}件",
                     "; the last {years} years peaked at {peak_lo:count} cases a {per}"),
    "wave.history_range": ("；近{years}年峰值每{per}{peak_lo:count}-{peak_hi:count}件",
                           "; the last {years} years peaked at {peak_lo:count}-{peak_hi:count} cases a {per}"),
    "wave.seasonal": ("预计{start_label}起出现{label}季节性波峰，往年{onset}至{season_end}，近{years}年中"
                      "{recurred}年出现：{body}{history}{tail}",
                      "{label} seasonal wave expected from {start_label}; the season runs {onset} to "
                      "{season_end} and came in {recurred} of the last {years} years: {body}{history}{tail}"),
    "wave.level": ("预计{label}上升：自{shift_date}起水平{moved}{change}，非季节性波峰：{body}{tail}",
                   "{label} rise expected: the level {moved} since {shift_date}{change}; not a seasonal "
                   "wave: {body}{tail}"),
    "wave.other": ("预计{start_label}起{label}上升，未发现往年同期波峰或水平突变：{body}{tail}",
                   "{label} rise expected from {start_label}; no recurring season or level shift found: "
                   "{body}{tail}"),
    "moved.up": ("上移", "shifted up"), "moved.down": ("变化", "changed"),
    "change.up": ("，约为此前的{ratio}倍", ", x{ratio} the level before"),
    "change.down": ("，下降约{pct}%", ", down {pct}%"),
    "change.zero": ("，此前几乎为零", ", from near zero"),
    "surge": ("{label}异常上升：{start}起{n}{unit}共{observed:count}件，按往年同期应约{baseline:count}件"
              "（报警线每{per}{threshold:count}件）。",
              "{label} surge: {observed:count} cases in {n} {unit}(s) from {start} against "
              "{baseline:count} expected for the season (alarm line {threshold:count} a {per})."),
    "escalation": ("{label}升级苗头：近{n}{units}集体访、重复访或越级访{observed:count}件，按往年同期占比应约"
                   "{baseline:count}件。",
                   "{label} escalation: {observed:count} collective, repeat or higher-level petitions in "
                   "the last {n} {units} against {baseline:count} at their share in the same weeks of "
                   "past years."),
    "headline.flag": ("{area} · {category}：{reason}", "{area} · {category}: {reason}"),
    "headline.total": ("未来{n}{units}全区预计约 {total:count} 件。",
                       "About {total:count} cases expected in the next {n} {units} across all areas."),
    "headline.counts": ("共 {flags} 条预警，{surges} 处当前激增，已安排 {visits} 次驻点。",
                        "{flags} flags, {surges} current surges, {visits} outreach visits planned."),
    "data_end": ("最后一件的登记日期是 {last}，比 {as_of} 早 {gap} 天：最近的周期可能还没导出，件数偏低。",
                 "the last case was received on {last}, {gap} days before {as_of}: the latest periods "
                 "may not be exported yet and look too low."),
    "team": ("第{n}组", "team {n}"),
    "other_category": ("其他", "Other"),
    "areas_count": ("区域数", "areas"),
    "info.plan": ("没有安排驻点：在配置中设置 teams 和 capacity_per_week 即可生成驻点计划。",
                  "outreach is not planned: set 'teams' and 'capacity_per_week' in the config."),
    "info.font": ("没有找到中文字体，图中的中文可能显示为方框。请安装 fonts-wqy-microhei"
                  "（sudo apt-get install fonts-wqy-microhei）后重新生成。",
                  "no CJK font was found: Chinese labels in the charts may show as boxes. Install "
                  "fonts-wqy-microhei (sudo apt-get install fonts-wqy-microhei) and run again."),
    "backcheck.fallback": ("没有找到 {prev} 那一期的记录，改为回看最近的一期（{used}）。",
                           "No report of {prev} was recorded; the nearest earlier one ({used}) is checked "
                           "instead."),
}


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
    if key not in _TEMPLATES:
        raise ConfigError(f"no text template {key!r}; the keys are: {', '.join(sorted(_TEMPLATES))}")
    return _Formatter(int(k)).format(_TEMPLATES[key][i], **values)


def level_name(level: str | None, language: str) -> str:
    """The name of an area level (``"community"`` -> ``"村（社区）"`` in Chinese).

    Examples
    --------
    >>> level_name("town", "zh"), level_name("town", "en"), level_name(None, "zh")
    ('镇街', 'town', '')
    """
    if level is None:
        return ""
    return _LEVELS["zh" if _lang(language) == 0 else "en"].get(level, level)


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
    """The kind of a reject reason (the text before its first ``:``), in the language.

    Examples
    --------
    >>> reject_reason("duplicate case id: superseded by b.csv row 3", "zh")
    '被后续导出替代'
    >>> reject_reason("duplicate case id", "en"), reject_reason("odd value", "zh")
    ('superseded by a later export', 'odd value')
    """
    kind = str(reason).split(";")[0].split(":")[0].strip()
    pair = _REJECTS.get(kind)
    return pair[_lang(language)] if pair else kind


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_name(month: int, language: str) -> str:
    """A month's short name: ``"3月"`` or ``"Mar"``.

    Examples
    --------
    >>> month_name(3, "zh"), month_name(3, "en")
    ('3月', 'Mar')
    """
    return f"{int(month)}月" if _lang(language) == 0 else _MONTHS[int(month) - 1]


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
    return f"week {int(period)} ({('early', 'mid', 'late')[third]} {_MONTHS[day.month - 1]})"
