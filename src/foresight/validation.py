"""Checks of the frames that flow between modules, with errors that say how to fix the input.

The schemas are pandera ``DataFrameSchema`` objects; ``check_*`` functions run them and turn pandera's
report into a :class:`~foresight.errors.DataError` that names the column, the first bad rows and the fix.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from foresight.errors import DataError

__all__ = ["CASES_SCHEMA", "PANEL_SCHEMA", "check_cases", "check_forecasts", "check_panel"]

PANEL_SCHEMA = pa.DataFrameSchema(
    {
        "area": pa.Column(object, nullable=False, coerce=True),
        "category": pa.Column(object, nullable=False, coerce=True),
        "ds": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        "y": pa.Column("int64", pa.Check.ge(0), nullable=False, coerce=True),
    },
    unique=["area", "category", "ds"],
    strict=False,
    name="panel",
)

CASES_SCHEMA = pa.DataFrameSchema(
    {
        "case_id": pa.Column(object, nullable=False, unique=True, coerce=True),
        "received": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        "area": pa.Column(object, nullable=False, coerce=True),
        "category": pa.Column(object, nullable=False, coerce=True),
    },
    strict=False,
    name="cases",
)

_FIX = {
    "panel": "build the panel with foresight.to_panel(cases) (columns area, category, ds, y; "
             "y a count >= 0; one row per area, category and period)",
    "cases": "read the cases with foresight.read_cases(...), which checks and cleans them",
    "forecasts": "use the output of foresight.forecast(...)",
}


def _run(schema: pa.DataFrameSchema, frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Expected a DataFrame of {what}, got {type(frame).__name__}: {_FIX[what]}.")
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        raise DataError(f"The {what} frame lacks column(s) {missing} (has {list(frame.columns)}): "
                        f"{_FIX[what]}.")
    try:
        out = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for (col, check), grp in cases.groupby(["column", "check"], dropna=False, sort=False):
            rows = grp["index"].dropna().astype(int).head(5).tolist()
            vals = grp["failure_case"].head(3).tolist()
            lines.append(f"column {col!r} fails {check} at row(s) {rows} (values {vals})")
        raise DataError(f"Invalid {what} frame: " + "; ".join(lines) + f". Fix: {_FIX[what]}.") from None
    out.attrs.update(frame.attrs)
    return out


def check_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Validate a counts panel and return it with canonical dtypes.

    Parameters
    ----------
    panel
        A frame with ``area, category, ds, y``.

    Returns
    -------
    DataFrame
        The same rows with ``area``/``category`` as objects, ``ds`` as ``datetime64[ns]`` and ``y``
        as ``int64``.

    Raises
    ------
    DataError
        Missing columns, missing values, negative or non-integer counts, or repeated
        (area, category, ds) rows; the message names the column, rows and fix.

    Examples
    --------
    >>> p = pd.DataFrame({"area": ["A"], "category": ["x"], "ds": ["2024-01-01"], "y": [-1]})
    >>> check_panel(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.errors.DataError: Invalid panel frame: column 'y' fails greater_than_or_equal_to(0) ...
    """
    return _run(PANEL_SCHEMA, frame=panel, what="panel")


def check_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """Validate a canonical cases frame (unique case ids, dates, areas, categories)."""
    return _run(CASES_SCHEMA, frame=cases, what="cases")


def check_forecasts(forecasts: pd.DataFrame, *, quantile_columns: list[str] | None = None
                    ) -> pd.DataFrame:
    """Validate a forecast frame: ``area, category, ds, mean`` and quantile columns, all >= 0 and
    quantiles non-decreasing."""
    qcols = quantile_columns or [c for c in forecasts.columns if c[:1] == "p" and c[1:].isdigit()]
    cols = {"area": pa.Column(object), "category": pa.Column(object),
            "ds": pa.Column("datetime64[ns]", coerce=True),
            "mean": pa.Column(float, pa.Check.ge(0), coerce=True)}
    cols.update({c: pa.Column(float, pa.Check.ge(0), coerce=True) for c in qcols})
    checks = []
    ordered = sorted(qcols, key=lambda c: int(c[1:]))
    for lo, hi in zip(ordered, ordered[1:], strict=False):
        checks.append(pa.Check(lambda df, lo=lo, hi=hi: df[lo] <= df[hi], name=f"{lo}<={hi}"))
    schema = pa.DataFrameSchema(cols, checks=checks, strict=False, name="forecasts")
    return _run(schema, frame=forecasts, what="forecasts")
