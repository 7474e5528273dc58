"""Spreadsheet-safe cells: every CSV and Excel file foresight writes passes through :func:`safe_cells`.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a live formula
when the file is opened in Excel or LibreOffice (CSV/formula injection, OWASP). Area and category
names, reasons and rejected values come from the export and the config, so any of them may start
that way; such a cell is written with a leading apostrophe, which spreadsheets show as text.
Control characters that an Excel file cannot hold (NUL, ...) are removed, so a stray byte in a
name cannot make a report fail to write.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["FORMULA_START", "is_live_formula", "safe_cells"]

#: First characters that make a spreadsheet cell a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")


def is_live_formula(cell: object) -> bool:
    """True when ``cell`` is text a spreadsheet would evaluate (a plain number such as ``-3.5`` is not).

    Examples
    --------
    >>> is_live_formula("=HYPERLINK(\\"http://x\\")"), is_live_formula("-3.5"), is_live_formula("'=1")
    (True, False, False)
    """
    return isinstance(cell, str) and cell.startswith(FORMULA_START) and not _NUMBER.match(cell)


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell (or header) would run as a formula.

    Parameters
    ----------
    frame
        Any table about to be written to CSV or Excel.

    Returns
    -------
    DataFrame
        Text cells that would start a formula get a leading ``'``, and lose control characters
        other than tab, line feed and carriage return; numbers, dates and other cells are unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"area": ["=1+1", "T1", "@SUM(A1)"], "score": [-1.5, 2.0, 0.0]})
    >>> safe_cells(t).to_dict("list")
    {'area': ["'=1+1", 'T1', "'@SUM(A1)"], 'score': [-1.5, 2.0, 0.0]}
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(_safe, na_action="ignore")
    out.columns = [_safe(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _safe(cell: object) -> object:
    if not isinstance(cell, str):
        return cell
    cell = _ILLEGAL.sub("", cell)
    return "'" + cell if is_live_formula(cell) else cell
