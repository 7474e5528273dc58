"""Panel checks and the dense series x period matrix the vectorized models work on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError

__all__ = ["SeriesMatrix", "check_panel", "to_matrix", "infer_freq", "future_starts", "quantile_columns"]

REQUIRED = ("area", "category", "ds", "y")


def qcol(q: float) -> str:
    """Name of the forecast column holding quantile ``q`` (``pNN``, ``NN = round(q * 100)``).

    Examples
    --------
    >>> qcol(0.05), qcol(0.5), qcol(0.975)
    ('p5', 'p50', 'p98')
    """
    return f"p{round(q * 100)}"


def quantile_columns(quantiles: tuple[float, ...]) -> list[str]:
    """Column names ``pNN`` for the quantiles; raises ConfigError on a bad level."""
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 < q < 1.0 for q in qs):
        raise ConfigError(f"quantiles must be levels strictly between 0 and 1, got {quantiles!r}")
    names = [qcol(q) for q in qs]
    if len(set(names)) != len(names):
        raise ConfigError(f"quantiles {quantiles!r} round to the same column names {names}")
    return names


def check_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Check a panel frame and return it with clean dtypes; raise DataError saying the fix."""
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"panel must be a pandas DataFrame, got {type(panel).__name__}")
    missing = [c for c in REQUIRED if c not in panel.columns]
    if missing:
        raise DataError(
            f"panel is missing column(s) {missing}: a panel needs columns area, category, ds, y "
            "(build it with foresight.panel.to_panel, or rename your columns)"
        )
    if panel.empty:
        raise DataError("panel has no rows: there is nothing to forecast (check the as_of date and filters)")
    out = pd.DataFrame({c: panel[c] for c in REQUIRED}, copy=False)
    out.attrs = dict(panel.attrs)
    if not pd.api.types.is_datetime64_any_dtype(out["ds"]):
        try:
            out["ds"] = pd.to_datetime(out["ds"])
        except (ValueError, TypeError) as exc:
            raise DataError(f"panel column ds must hold period start dates: {exc}") from exc
    if out["ds"].isna().any():
        raise DataError("panel column ds has missing dates: every row needs its period start")
    y = out["y"]
    if not pd.api.types.is_integer_dtype(y) or y.hasnans:
        y = pd.to_numeric(y, errors="coerce")
        if y.isna().any():
            bad = out.loc[y.isna()].iloc[0]
            raise DataError(
                f"panel column y has {int(y.isna().sum())} missing or non-numeric value(s) (first at "
                f"area={bad['area']!r}, category={bad['category']!r}, ds={bad['ds']}): use 0 for periods "
                "with no cases"
            )
    yv = y.to_numpy(dtype="float64")
    if (yv < 0).any():
        bad = out.loc[yv < 0].iloc[0]
        raise DataError(
            f"panel column y has {int((yv < 0).sum())} negative count(s) (first {bad['y']} at area="
            f"{bad['area']!r}, category={bad['category']!r}, ds={pd.Timestamp(bad['ds']).date()}): counts "
            "must be >= 0; fix or drop those rows"
        )
    if (np.floor(yv) != yv).any():
        raise DataError("panel column y must hold whole counts; round or rebuild the panel with to_panel")
    out["y"] = yv
    for c in ("area", "category"):
        if out[c].isna().any():
            raise DataError(f"panel column {c} has missing values: every row needs an area and a category")
    return out


def infer_freq(panel: pd.DataFrame, freq: str | None = None) -> str:
    """``"W"`` or ``"M"``: the given freq, else the panel's ``attrs["freq"]``, else from the dates."""
    f = freq or panel.attrs.get("freq")
    if f is None:
        ds = pd.DatetimeIndex(panel["ds"].unique()).sort_values()
        if len(ds) > 1 and (np.diff(ds.asi8) // 86_400_000_000_000 % 7 == 0).all():
            f = "W"
        elif (ds.day == 1).all():
            f = "M"
        else:
            raise DataError(
                "cannot tell the panel's period from its dates: pass freq='W' (Monday starts) or 'M' "
                "(month starts)"
            )
    f = str(f).upper()
    f = {"W-MON": "W", "MS": "M", "ME": "M"}.get(f, f)
    if f not in ("W", "M"):
        raise ConfigError(f"freq must be 'W' or 'M', got {freq!r}")
    return f


def future_starts(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The ``horizon`` period starts after ``last``."""
    step = pd.DateOffset(months=1) if freq == "M" else pd.Timedelta(days=7)
    return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)])


@dataclass
class SeriesMatrix:
    """Dense ``n_series x n_periods`` counts (NaN before a series starts) and its labels."""

    keys: pd.DataFrame  # area, category (one row per series)
    starts: pd.DatetimeIndex  # period starts of the columns
    y: np.ndarray  # float64, NaN outside the active span
    freq: str

    @property
    def active(self) -> np.ndarray:
        return ~np.isnan(self.y)

    @property
    def first(self) -> np.ndarray:
        """Index of each series' first active period."""
        return np.argmax(self.active, axis=1)


def last_period(panel: pd.DataFrame, freq: str) -> pd.Timestamp | None:
    """The last complete period before ``panel.attrs["as_of"]`` (None without an as_of)."""
    as_of = panel.attrs.get("as_of")
    if as_of is None:
        return None
    as_of = pd.Timestamp(as_of)
    if freq == "W":
        # the week holding as_of is incomplete (or starts on it): the one before is the last
        return as_of.normalize() - pd.Timedelta(days=int(as_of.weekday()) + 7)
    first = as_of.to_period("M").to_timestamp()
    return first - pd.DateOffset(months=1)


def _codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and sorted labels of a key column (a categorical's codes are reused as is)."""
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered is False:
        cats = col.cat.categories
        order = np.argsort(cats.astype(str), kind="stable")
        remap = np.empty(len(cats), dtype=np.int64)
        remap[order] = np.arange(len(cats))
        return remap[col.cat.codes.to_numpy()], cats[order]
    codes, uniques = pd.factorize(col, sort=True)
    return codes, pd.Index(uniques)


def to_matrix(panel: pd.DataFrame, freq: str) -> SeriesMatrix:
    """Pivot a checked panel to a dense matrix; periods missing inside a series' span count as 0.

    A series is active from its first row to the last period of the panel (a series that stops early
    is read as zeros since, so its drop shows as a level shift). With ``attrs["as_of"]`` the grid runs
    to the last complete period before it.
    """
    ds = pd.DatetimeIndex(panel["ds"])
    t0, t1 = ds.min(), ds.max()
    end = last_period(panel, freq)
    if end is not None and end > t1 and (freq != "W" or end.weekday() == t0.weekday()):
        t1 = end  # the periods up to as_of had no cases at all
    if freq == "W":
        if ds.tz is None and ds.unit == "ns":
            # on the int64 nanoseconds: the same numbers, without building n Timedelta fields
            day = 86_400_000_000_000
            dn = ds.asi8 // day  # days since 1970-01-01, a Thursday (weekday 3)
            bad_day = ((dn + 3) % 7 != t0.weekday()).any()
            tix = (ds.asi8 - t0.value) // (7 * day)
            del dn
        else:
            bad_day = (ds.day_of_week != t0.weekday()).any()
            tix = ((ds - t0).days // 7).to_numpy()
        if bad_day:
            raise DataError("weekly panel periods must all start on the same weekday (Mondays from to_panel)")
        starts = pd.date_range(t0, t1, freq="7D")
    else:
        if (ds.day != 1).any():
            raise DataError("monthly panel periods must start on the first of the month")
        starts = pd.date_range(t0, t1, freq="MS")
        tix = ((ds.year - t0.year) * 12 + ds.month - t0.month).to_numpy()
    ac, au = _codes(panel["area"])
    cc, cu = _codes(panel["category"])
    au = pd.Index(au).astype(str)
    cu = pd.Index(cu).astype(str)
    combo = ac.astype(np.int64) * len(cu) + cc
    if len(au) * len(cu) <= 50_000_000:  # O(rows) instead of sorting
        present = np.zeros(len(au) * len(cu), dtype=bool)
        present[combo] = True
        ukeys = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        sid = rank[combo]
    else:
        ukeys, sid = np.unique(combo, return_inverse=True)
        sid = sid.ravel()
    n, T = len(ukeys), len(starts)
    cells = sid.astype(np.int64) * T + tix
    counts = np.bincount(cells, minlength=n * T)
    if counts.max(initial=0) > 1:
        cell = int(np.argmax(counts))
        bad = panel.iloc[int(np.flatnonzero(cells == cell)[0])]
        raise DataError(
            f"panel has {int((counts > 1).sum())} duplicate (area, category, ds) row(s), first area="
            f"{bad['area']!r} category={bad['category']!r} ds={pd.Timestamp(bad['ds']).date()}: "
            "aggregate them (sum y) first"
        )
    first = np.full(n, T, dtype=np.int64)
    np.minimum.at(first, sid, tix)
    y = np.zeros((n, T))
    y[sid, tix] = panel["y"].to_numpy()
    y[np.arange(T)[None, :] < first[:, None]] = np.nan
    keys = pd.DataFrame({"area": au[ukeys // len(cu)], "category": cu[ukeys % len(cu)]})
    return SeriesMatrix(keys=keys, starts=starts, y=y, freq=freq)
