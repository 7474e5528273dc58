"""The phrase tables behind :mod:`foresight.text`: labels, level names, reject reasons, column names and
sentence templates, in Chinese and English (data only; :mod:`foresight.text` fills and formats them)."""

from __future__ import annotations

ZH = {
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
    "trends": "类别趋势与预测", "trends_note": "实线为实际件数，阴影为预测 80% 区间（第10至第90百分位），虚线为预测中位数。",
    "waves": "波峰日历", "waves_note": "各类别在全年各周处于波峰的区域数；竖线为本期。",
    "surges": "当前激增", "no_surges": "近期没有发现异常激增。", "observed": "实际件数", "threshold": "预警阈值",
    "period": "时段",
    "backcheck": "往期预警回看", "backcheck_intro": "{prev} 那一期发出的预警，与此后实际发生的件数对照（不重新计算）。",
    "backcheck_none": "还没有往期报告记录的预警可以回看：下一期起，本期发出的预警会在这里与实际对照。",
    "lift": "提升倍数（命中率 ÷ 基准率）", "flags_due": "已到期预警数", "flag_id": "预警编号",
    "outcome": "结果", "actual": "实际件数", "forecast": "当时预测",
    "out_rose": "确实上升", "out_flat": "未见上升", "out_pending": "时间窗未到",
    "hit_rate": "已到期预警中确实上升的比例（命中率）", "base_rate": "同期未预警序列中上升的比例（基准率）",
    "coverage": "实际值落在预测 80% 区间内的比例", "wape": "全区总量预测误差", "wape_level": "{level}×类别预测误差（驻点层级）",
    "quality": "数据质量", "rows_read": "读取行数", "accepted": "接收", "rejected": "拒收", "note": "说明",
    "source": "来源文件", "column": "字段", "count": "行数", "no_rejects": "没有被拒收的行。",
    "not_available": "本节暂不可用", "source_total": "合计", "step_failed": "步骤 {step} 出错，本报告缺少这一部分",
    "total": "合计", "all_areas": "全部区域", "history": "实际", "median": "预测中位数", "band": "80% 区间",
    "suppressed": "少于 {k} 件的数字显示为 “<{k}”。", "charts": "图表",
    "footer": "本报告由 foresight 自动生成，不含任何个人信息。",
    "level": "区域层级", "cases": "件",
    "outlook": "季节性波峰展望", "outlook_start": "预计开始", "outlook_start_def": "往年波峰开始的时间推到今年。",
    "lead_weeks": "距开始（周）", "lead_def": "距波峰开始还剩的周数。",
    "prep_weeks": "需准备（周）", "prep_def": "该主题驻点需要提前准备的周数（在类别表中设置）。",
    "outlook_expected_def": "整个波峰期间预计的件数。",
    "outlook_note": "只列出在该主题所需准备时间内就要开始的波峰：距开始的周数不超过需准备的周数。",
}

EN = {
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
    "wape_level": "Forecast error per {level} and category (the level teams act on; WAPE)",
    "quality": "Data quality", "rows_read": "Rows read", "accepted": "Accepted", "rejected": "Rejected", "note": "Note",
    "source": "Source file", "column": "Column", "count": "Rows", "no_rejects": "No row was rejected.",
    "not_available": "Not available", "source_total": "(total)", "step_failed": "Step {step} failed and is missing from this report",
    "total": "Total", "all_areas": "All areas", "history": "Actual", "median": "Forecast median",
    "band": "80% interval", "suppressed": "Counts below {k} are shown as \"<{k}\".", "charts": "Charts",
    "footer": "Generated by foresight. Contains no personal data.",
    "level": "Area level", "cases": "cases",
    "outlook": "Seasonal waves ahead", "outlook_start": "Expected start",
    "outlook_start_def": "When the wave started in past years, carried to this year.",
    "lead_weeks": "Weeks to start", "lead_def": "Weeks left before the wave starts.",
    "prep_weeks": "Weeks to prepare", "prep_def": "Weeks the theme's outreach needs to prepare (the "
    "taxonomy's prep_weeks column).", "outlook_expected_def": "Cases expected over the whole wave.",
    "outlook_note": "Only the waves that start within the preparation time their theme needs: weeks to "
    "start no more than weeks to prepare.",
}

LEVELS = {"zh": {"district": "区县", "town": "镇街", "community": "村（社区）", "grid": "网格"},
           "en": {"district": "district", "town": "town", "community": "community", "grid": "grid"}}

#: Kinds of reject reason and data-quality note, by how the reason begins (the text before its first
#: colon), in each language: every reason foresight.ingest writes (rows, decoding, personal data).
REJECTS = {
    "duplicate case id": ("被后续导出替代", "superseded by a later export"),
    "missing date": ("缺少登记日期", "missing date"),
    "unparseable date": ("登记日期无法识别", "unparseable date"),
    "date after the as-of date": ("登记日期晚于截止日期", "date after the as-of date"),
    "date too early": ("登记日期过早（年份可能有误）", "date too early"),
    "missing area": ("缺少区域", "missing area"),
    "area not in the area tree": ("区域不在区域表中", "area not in the area tree"),
    "missing case id": ("缺少信访件编号", "missing case id"),
    "control character": ("单元格含控制字符（导出文件在此处损坏，请重新导出）", "control character in a cell"),
    "personal data": ("字段中含个人信息（已遮盖，请检查字段对应）", "personal data in the column (masked)"),
    "row is not valid": ("该行的文字编码与文件其余部分不同（请用同一编码重新导出）",
                         "row in another text encoding than the file"),
    "malformed row": ("该行的单元格数与表头不符（多余的分隔符或引号？）", "malformed row"),
    "missing category": ("缺少类别（计入“其他”）", "missing category (counted as other)"),
    "value": ("取值无法识别（请在字段对应的取值表中补充）", "value not recognised"),
    "not a whole number": ("人数不是非负整数", "headcount not a whole number >= 0"),
    "unparseable closing date": ("办结日期无法识别（按缺失处理）", "unparseable closing date"),
    "closing date before the received date": ("办结日期早于登记日期", "closing date before the received date"),
}

#: Canonical case columns (as rejects and quality notes name them) in each language.
COLUMNS = {
    "case_id": ("信访件编号", "case id"), "received": ("登记日期", "received"), "area": ("区域", "area"),
    "category": ("类别", "category"), "channel": ("渠道", "channel"), "level": ("信访层级", "level"),
    "collective": ("集体访", "collective"), "repeat": ("重复访", "repeat"), "headcount": ("人数", "headcount"),
    "closed": ("办结日期", "closed"), "(row)": ("整行", "(whole row)"), "": ("整行", "(whole row)"),
}

# Templates of every sentence foresight writes. ``{name:count}`` is a count of cases: written by
# :func:`count`, so small counts are suppressed here and nowhere else. Other fields are filled as
# given (dates, labels, and already rendered parts).
TEMPLATES: dict[str, tuple[str, str]] = {  # key: (zh, en)
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
    "change.up": ("，约为突变前水平的{ratio}倍", ", x{ratio} the level before the shift"),
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
    # Definitions: every figure on the page says what it is where it appears (a note or a tooltip).
    "risk.recent": ("近{n}{units}实际件数", "Last {n} {units}"),
    "risk.forecast": ("未来{n}{units}预测件数", "Next {n} {units} (forecast)"),
    "risk.change": ("变化（未来{n}{units}对近{n}{units}）", "Change (next {n} vs last {n} {units})"),
    "def.n_flags": ("本期该区域的预警条数（每个区域×类别至多一条）。",
                    "Flags raised for the area this period (at most one per area and category)."),
    "def.risk_score": ("该区域各条预警超出平时的件数之和（升级苗头按{weight}倍计）；排名依据此分。",
                       "The sum of the area's flags' cases above usual (escalations count {weight} times); "
                       "the ranking follows it."),
    "def.recent": ("该区域全部类别在截至日前{n}{units}实际登记的件数。",
                   "Cases received in the area, all categories, in the {n} {units} before the as-of date."),
    "def.forecast": ("该区域全部类别在此后{n}{units}的预测件数（中位数之和）。",
                     "Forecast cases in the area, all categories, over the next {n} {units}."),
    "def.change": ("未来{n}{units}预测件数对近{n}{units}实际件数的增减（同一区域、全部类别）。",
                   "Next {n} {units} forecast against the last {n} {units} actual (same area, all "
                   "categories)."),
    "risk.note": ("风险分=各条预警超出平时的件数之和；变化=该区域全部类别未来{n}{units}预测对近{n}{units}实际。"
                  "预警原因中的“约为…倍”只比较单个类别在水平突变前后的每{per}件数，所以两者可以方向不同："
                  "一个类别上升时，区域合计仍可能下降。",
                  "Risk score = the sum of the area's flags' cases above usual; change = the area's forecast "
                  "for the next {n} {units} against its actual count in the last {n}, all categories. A flag's "
                  "\"x5\" compares one category's cases a {per} before and after a level shift, so the two can "
                  "point in different directions: one category can rise while the area's total falls."),
    "def.window": ("预警所指的时段（起止{unit}的首日）。", "The periods the flag is about (first day of each)."),
    "def.expected": ("时间窗内预计的件数；当前激增与升级苗头为已发生的实际件数。",
                     "Cases expected over the window; for a current surge or escalation, the cases observed."),
    "def.expected_range": ("预计件数的 80% 区间：实际件数有八成把握落在其中。",
                           "80% interval of the expected cases: the count falls inside it 8 times in 10."),
    "def.observed": ("当前激增或升级苗头已发生的实际件数。", "Cases observed, for a current surge or escalation."),
    "def.baseline": ("同一时间窗按往年同期应有的平时件数。", "Cases usual for the same window in past years."),
    "def.flags_due": ("往期预警中时间窗已开始、可以对照的条数。", "Earlier flags whose window has started."),
    "def.hit_rate": ("已到期预警中，实际件数比平时多出至少 2 件且至少 25% 的比例。",
                     "Share of the flags due whose actual count beat usual by at least 2 cases and 25%."),
    "def.base_rate": ("同一层级中没有预警的区域×类别，在同一时段按同一标准上升的比例。",
                      "Share of the unflagged area x category series at the same level that rose by the same "
                      "test in the same periods."),
    "def.lift": ("命中率除以基准率：大于 1 说明预警比随机挑选更准。",
                 "Hit rate over base rate: above 1, the flags beat picking series at random."),
    "def.coverage": ("往期预测的各{level}×类别×{unit}中，实际件数落在 80% 区间内的比例（理想约 80%）。",
                     "Share of the earlier forecast's {level} x category x {unit} cells whose actual count fell "
                     "inside the 80% interval (about 80% is right)."),
    "def.wape_level": ("各{level}×类别×{unit}的预测误差绝对值之和除以实际件数之和（驻点按此层级安排）。",
                       "Absolute forecast errors summed over every {level} x category x {unit}, over the actual "
                       "cases (teams act at this level)."),
    "def.wape": ("全区每{per}合计的预测误差绝对值之和除以实际件数之和；误差互相抵消，通常远小于驻点层级的误差。",
                 "The same on the district total per {per}; errors cancel, so it is usually far below the "
                 "error at the level teams act on."),
    "def.surge_observed": ("该{unit}实际登记的件数。", "Cases received in the period."),
    "def.surge_expected": ("按往年同期该{unit}应有的件数。", "Cases usual for the period in past years."),
    "def.threshold": ("报警线：实际件数超过它即视为异常激增。", "Alarm line: a count above it is a surge."),
    "def.wave_window": ("往年波峰开始与结束的时段。", "Where the wave began and ended in past years."),
    "def.confidence": ("近几年中出现这一波峰的年数／有数据的年数。",
                       "Years the wave came / years with data."),
    "def.rows_read": ("来源文件中的数据行数（不含表头）。", "Data rows in the file (header not counted)."),
    "def.rejected": ("未计入统计的行，原因见下表。", "Rows left out of the counts; the reasons are below."),
    "def.bc_forecast": ("往期报告对该时间窗的预测件数。", "What the earlier report forecast for the window."),
    "def.bc_actual": ("时间窗内已登记的实际件数。", "Cases received inside the window so far."),
    "def.bc_usual": ("同样长度按往年平均应有的件数。", "Cases usual for as many periods."),
    "quality.in_store": ("库中已有同一文件（第 {ingest} 次导入），本次未重复读取；数字为当次导入的结果。",
                         "Already in the store (ingest {ingest}), not read again; the counts are that ingest's."),
    "backcheck.fallback": ("没有找到 {prev} 那一期的记录，改为回看最近的一期（{used}）。",
                           "No report of {prev} was recorded; the nearest earlier one ({used}) is checked "
                           "instead."),
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
