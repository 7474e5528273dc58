"""The runs the weekly report recorded in the store: the flags and forecasts it issued, and their outcomes.

Schema version 2 adds four tables (:data:`RUN_TABLES_DDL`): ``runs`` (one row per ``as_of`` and
period; a run repeated for the same date replaces the earlier one), ``issued_flags``,
``issued_forecasts`` (area x category means and quantiles) and ``flag_outcomes`` (how a later run
scored a flag: ``rose``, ``flat`` or ``pending``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["FLAG_FIELDS", "RUN_TABLES_DDL", "flag_outcomes", "issued", "record_outcomes", "record_run", "runs"]

#: The flag columns kept for each issued flag (the numbers a later run scores against).
FLAG_FIELDS = ("id", "rank", "area", "category", "kind", "start", "end", "expected", "expected_lo", "expected_hi",
               "observed", "baseline", "excess", "p_wave", "score")
_FORECAST_FIELDS = ("area", "category", "ds", "mean", "p10", "p50", "p90")

RUN_TABLES_DDL = """
CREATE TABLE runs (
    as_of DATE NOT NULL,
    freq VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    horizon INTEGER,
    level VARCHAR,
    PRIMARY KEY (as_of, freq)
);
CREATE TABLE issued_flags (
    as_of DATE NOT NULL, freq VARCHAR NOT NULL, id VARCHAR NOT NULL, rank INTEGER, area VARCHAR, category VARCHAR,
    kind VARCHAR, start DATE, "end" DATE, expected DOUBLE, expected_lo DOUBLE, expected_hi DOUBLE,
    observed DOUBLE, baseline DOUBLE, excess DOUBLE, p_wave DOUBLE, score DOUBLE
);
CREATE TABLE issued_forecasts (
    as_of DATE NOT NULL, freq VARCHAR NOT NULL, area VARCHAR, category VARCHAR, ds DATE, mean DOUBLE,
    p10 DOUBLE, p50 DOUBLE, p90 DOUBLE
);
CREATE TABLE flag_outcomes (
    id VARCHAR NOT NULL, scored_as_of DATE NOT NULL, outcome VARCHAR, actual DOUBLE, usual DOUBLE,
    forecast DOUBLE, PRIMARY KEY (id, scored_as_of)
);
"""


def _frame(df: pd.DataFrame, fields: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame({c: (df[c] if c in df.columns else pd.Series(pd.NA, index=df.index)) for c in fields})
    return out.reset_index(drop=True)


def record_run(con: duckdb.DuckDBPyConnection, *, as_of: pd.Timestamp, freq: str, horizon: int, level: str | None,
               flags: pd.DataFrame, forecasts: pd.DataFrame) -> None:
    """Record one run's issued flags and area x category forecasts (replacing a run of the same date)."""
    d = pd.Timestamp(as_of).date()
    fl = _frame(flags, FLAG_FIELDS)
    fc = _frame(forecasts, _FORECAST_FIELDS)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("runs", "issued_flags", "issued_forecasts"):
            con.execute(f"DELETE FROM {table} WHERE as_of = ? AND freq = ?", [d, freq])
        con.execute("INSERT INTO runs (as_of, freq, horizon, level) VALUES (?, ?, ?, ?)", [d, freq, horizon, level])
        con.register("_fl", fl)
        con.execute(f"INSERT INTO issued_flags SELECT ?::DATE, ?, {', '.join(f'_fl.{_q(c)}' for c in FLAG_FIELDS)} "
                    "FROM _fl", [d, freq])
        con.register("_fc", fc)
        con.execute(f"INSERT INTO issued_forecasts SELECT ?::DATE, ?, "
                    f"{', '.join(f'_fc.{_q(c)}' for c in _FORECAST_FIELDS)} FROM _fc", [d, freq])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_fl", "_fc"):
            try:
                con.unregister(name)
            except duckdb.Error:  # pragma: no cover - never registered after an early failure
                pass


def _q(name: str) -> str:
    return f'"{name}"'


def runs(con: duckdb.DuckDBPyConnection, freq: str | None = None) -> pd.DataFrame:
    """The recorded runs: ``as_of, freq, recorded_at, horizon, level``, oldest first."""
    where, args = ("WHERE freq = ?", [freq]) if freq else ("", [])
    out = con.execute(f"SELECT * FROM runs {where} ORDER BY as_of", args).df()
    out["as_of"] = pd.to_datetime(out["as_of"])
    return out


def issued(con: duckdb.DuckDBPyConnection, table: str, *, as_of: pd.Timestamp | None = None,
           freq: str | None = None) -> pd.DataFrame:
    """The rows of ``issued_flags`` or ``issued_forecasts``, of one run or all."""
    if table not in ("issued_flags", "issued_forecasts"):
        raise ValueError(table)
    cond, args = [], []
    if as_of is not None:
        cond.append("as_of = ?")
        args.append(pd.Timestamp(as_of).date())
    if freq is not None:
        cond.append("freq = ?")
        args.append(freq)
    where = ("WHERE " + " AND ".join(cond)) if cond else ""
    out = con.execute(f"SELECT * FROM {table} {where} ORDER BY as_of", args).df()
    for c in ("as_of", "start", "end", "ds"):
        if c in out.columns:
            out[c] = pd.to_datetime(out[c])
    return out


def record_outcomes(con: duckdb.DuckDBPyConnection, outcomes: pd.DataFrame, *, scored_as_of: pd.Timestamp) -> None:
    """Record (or replace) how the run of ``scored_as_of`` scored earlier flags: ``id, outcome, actual, usual,
    forecast``."""
    d = pd.Timestamp(scored_as_of).date()
    o = _frame(outcomes, ("id", "outcome", "actual", "usual", "forecast"))
    con.register("_oc", o)
    try:
        con.execute("DELETE FROM flag_outcomes WHERE scored_as_of = ? AND id IN (SELECT id FROM _oc)", [d])
        con.execute("INSERT INTO flag_outcomes SELECT _oc.id, ?::DATE, _oc.outcome, _oc.actual, _oc.usual, "
                    "_oc.forecast FROM _oc", [d])
    finally:
        con.unregister("_oc")


def flag_outcomes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every recorded outcome: ``id, scored_as_of, outcome, actual, usual, forecast``."""
    out = con.execute("SELECT * FROM flag_outcomes ORDER BY scored_as_of").df()
    out["scored_as_of"] = pd.to_datetime(out["scored_as_of"])
    return out
