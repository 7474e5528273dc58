"""The weekly (or monthly) risk report: HTML, Excel, CSV, Parquet and run.json in a new dated folder.

>>> from foresight.report import load_config, build_report, write_outputs   # doctest: +SKIP
>>> config = load_config("data/samples/weekly.toml")                        # doctest: +SKIP
>>> folder = write_outputs(build_report(config, progress=True))             # doctest: +SKIP
"""

from __future__ import annotations

from foresight.report.build import ReportResult, ReportStepWarning, build_report
from foresight.report.config import ReportConfig, load_config, report_config_from_dict
from foresight.fonts import FontWarning, use_cjk_font
from foresight.report.history import issued_flags
from foresight.report.outputs import OUTPUT_FILES, flags_table, write_outputs
from foresight.report.render import render_html

__all__ = ["OUTPUT_FILES", "FontWarning", "ReportConfig", "ReportResult", "ReportStepWarning", "build_report",
           "flags_table", "issued_flags", "load_config", "render_html", "report_config_from_dict",
           "use_cjk_font", "write_outputs"]
