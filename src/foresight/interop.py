"""Frames in the Nixtla convention (``unique_id, ds, y``) to and from foresight's long frames.

statsforecast, mlforecast and neuralforecast name a series by one ``unique_id`` and its forecasts by
the model: ``<model>`` for the mean, ``<model>-lo-80``/``<model>-hi-80`` for an 80% interval and
``<model>-median`` for the median. foresight keys a series by ``area`` and ``category`` and names
forecast columns ``mean`` and ``pNN``. :func:`to_nixtla` joins the keys with ``sep``;
:func:`from_nixtla` splits them again.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError

__all__ = ["from_nixtla", "to_nixtla"]

_KEYS = ("area", "category")
_Q = re.compile(r"^p(\d{1,2})$")


def _interval_columns(alias: str, columns: list[str]) -> dict[str, str]:
    """foresight column -> Nixtla column for ``mean``, ``p50`` and symmetric ``pNN`` pairs."""
    qs = sorted(int(m.group(1)) for c in columns if (m := _Q.match(c)))
    out = {"mean": alias} if "mean" in columns else {}
    for q in qs:
        if q == 50:
            out["p50"] = f"{alias}-median"
        elif q < 50 and 100 - q in qs:
            out[f"p{q}"] = f"{alias}-lo-{100 - 2 * q}"
            out[f"p{100 - q}"] = f"{alias}-hi-{100 - 2 * q}"
    lone = [f"p{q}" for q in qs if f"p{q}" not in out]
    if lone:
        raise DataError(f"quantile column(s) {lone} have no symmetric partner, so they cannot be "
                        "written as a Nixtla -lo-/-hi- interval; drop them or add their partner.")
    return out


def to_nixtla(frame: pd.DataFrame, *, sep: str = "/", alias: str = "foresight") -> pd.DataFrame:
    """A panel or a forecast as a Nixtla frame: ``unique_id, ds`` and ``y`` or the model's columns.

    Parameters
    ----------
    frame : DataFrame
        A panel ``area, category, ds, y`` or a forecast ``area, category, ds, mean, pNN...``
        (other columns, such as ``model`` and ``note``, are kept as they are).
    sep : str
        Joins area and category into ``unique_id``; it must not occur in an area code.
    alias : str
        The model name of forecast columns: ``mean`` becomes ``alias``, ``p10``/``p90``
        ``alias-lo-80``/``alias-hi-80``, ``p50`` ``alias-median``.

    Returns
    -------
    DataFrame
        ``unique_id, ds`` then the value columns, sorted by ``unique_id`` and ``ds``.

    Raises
    ------
    DataError
        When ``area``, ``category`` or ``ds`` is missing, an area contains ``sep``, or a quantile
        has no symmetric partner.

    Examples
    --------
    >>> fc = pd.DataFrame({"area": "T1", "category": "school", "ds": pd.to_datetime(["2025-01-06"]),
    ...                    "mean": [4.2], "p10": [2], "p50": [4], "p90": [7]})
    >>> to_nixtla(fc).columns.tolist()
    ['unique_id', 'ds', 'foresight', 'foresight-lo-80', 'foresight-median', 'foresight-hi-80']
    >>> to_nixtla(fc)["unique_id"].item()
    'T1/school'
    """
    missing = [c for c in (*_KEYS, "ds") if c not in frame.columns]
    if missing:
        raise DataError(f"the frame lacks {missing}; pass a panel (area, category, ds, y) or a "
                        "forecast (area, category, ds, mean, pNN).")
    if not sep:
        raise ConfigError("sep must be a non-empty string, e.g. '/'.")
    area = frame["area"].astype(str)
    clash = area[area.str.contains(sep, regex=False)]
    if len(clash):
        raise DataError(f"area {clash.iloc[0]!r} contains the separator {sep!r}; pass another sep=.")
    rename = {} if "y" in frame.columns else _interval_columns(alias, list(frame.columns))
    out = frame.rename(columns=rename)
    out.insert(0, "unique_id", (area + sep + frame["category"].astype(str)).to_numpy())
    out = out.drop(columns=list(_KEYS))
    rest = _by_level([c for c in out.columns if c not in ("unique_id", "ds")], alias)
    out = out[["unique_id", "ds", *rest]].sort_values(["unique_id", "ds"], kind="stable")
    out.attrs = dict(frame.attrs)
    return out.reset_index(drop=True)


def _by_level(columns: list[str], alias: str) -> list[str]:
    """Order ``alias``, ``-lo-`` widest first, ``-median``, ``-hi-`` narrowest first, then the rest."""
    lo = sorted((c for c in columns if c.startswith(f"{alias}-lo-")), key=lambda c: -int(c.rsplit("-", 1)[1]))
    hi = sorted((c for c in columns if c.startswith(f"{alias}-hi-")), key=lambda c: int(c.rsplit("-", 1)[1]))
    mid = [c for c in (alias, *lo, f"{alias}-median", *hi) if c in columns]
    return [*mid, *(c for c in columns if c not in mid)]


def from_nixtla(df: pd.DataFrame, *, sep: str = "/", alias: str | None = None,
                category: str | None = None) -> pd.DataFrame:
    """A Nixtla frame (``unique_id, ds, y`` or a model's forecasts) as a foresight panel or forecast.

    Parameters
    ----------
    df : DataFrame
        ``unique_id, ds`` and ``y`` (a panel), or a model's columns ``<alias>``,
        ``<alias>-lo-NN``, ``<alias>-hi-NN``, ``<alias>-median`` (a forecast). Other columns (e.g.
        ``cutoff`` of a cross-validation) are kept. ``unique_id`` may be the index.
    sep : str
        Splits ``unique_id`` into ``area`` and ``category`` at its first occurrence.
    alias : str, optional
        The model whose forecast columns to read; default the only model in the frame.
    category : str, optional
        The category of ids without ``sep`` (a frame of single series); default
        :data:`foresight.panel.ALL` (``"(all)"``).

    Returns
    -------
    DataFrame
        ``area, category, ds, y`` (a panel; ``attrs["freq"]`` is ``"W"`` or ``"M"`` when the dates
        show it) or ``area, category, ds, mean, pNN...`` (a forecast), then the other columns.

    Raises
    ------
    DataError
        When ``unique_id`` or ``ds`` is missing, ``y`` is negative or missing, or the forecast
        columns of ``alias`` are not found.

    Examples
    --------
    >>> nx = pd.DataFrame({"unique_id": ["T1/school", "T1/school", "T2/wage"],
    ...                    "ds": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-06"]), "y": [3, 5, 1]})
    >>> panel = from_nixtla(nx)
    >>> panel[["area", "category", "y"]].values.tolist()
    [['T1', 'school', 3], ['T1', 'school', 5], ['T2', 'wage', 1]]
    >>> from_nixtla(to_nixtla(panel)).equals(panel)
    True
    """
    from foresight.panel import ALL

    if "unique_id" not in df.columns and df.index.name == "unique_id":  # statsforecast < 2
        df = df.reset_index()
    missing = [c for c in ("unique_id", "ds") if c not in df.columns]
    if missing:
        raise DataError(f"the frame lacks {missing}; a Nixtla frame has unique_id, ds and y (or a "
                        "model's forecast columns).")
    if not sep:
        raise ConfigError("sep must be a non-empty string, e.g. '/'.")
    ids = df["unique_id"].astype(str)
    parts = ids.str.split(sep, n=1, expand=True, regex=False)
    if parts.shape[1] == 1:
        parts[1] = pd.Series(None, index=parts.index, dtype=object)
    out = df.drop(columns=["unique_id"]).copy()
    out.insert(0, "area", parts[0].to_numpy())
    out.insert(1, "category", parts[1].fillna(category if category is not None else ALL).to_numpy())
    out["ds"] = pd.to_datetime(out["ds"])
    if "y" in out.columns:
        y = pd.to_numeric(out["y"], errors="coerce")
        if y.isna().any() or (y < 0).any():
            row = int(np.flatnonzero((y.isna() | (y < 0)).to_numpy())[0])
            raise DataError(f"y at row {row} is {df['y'].iloc[row]!r}; counts must be numbers >= 0.")
        rest = [c for c in out.columns if c not in ("area", "category", "ds", "y")]
        out = out[["area", "category", "ds", "y", *rest]]
    else:
        out = _forecast_columns(out, alias)
    out = out.sort_values(["area", "category", "ds"], kind="stable").reset_index(drop=True)
    out.attrs = {**df.attrs, **_freq_attr(out["ds"])}
    return out


def _forecast_columns(out: pd.DataFrame, alias: str | None) -> pd.DataFrame:
    suffix = re.compile(r"^(?P<m>.+?)-(?:(?P<side>lo|hi)-(?P<lvl>\d{1,2})|median)$")
    models = sorted({m.group("m") for c in out.columns if (m := suffix.match(str(c)))}
                    | ({alias} if alias else set()))
    if alias is None:
        plain = [c for c in out.columns if c not in ("area", "category", "ds", "cutoff")
                 and not suffix.match(str(c)) and pd.api.types.is_numeric_dtype(out[c])]
        models = sorted(set(models) | ({plain[0]} if len(plain) == 1 and not models else set()))
        if len(models) != 1:
            raise DataError(f"found {len(models)} model(s) {models} in the frame; pass alias= to pick "
                            "one (or give y for a panel).")
        alias = models[0]
    if alias not in out.columns:
        raise DataError(f"no column {alias!r} (the mean forecast) in the frame; pass the model's "
                        "name as alias=.")
    rename = {alias: "mean", f"{alias}-median": "p50"}
    for c in out.columns:
        m = suffix.match(str(c))
        if m and m.group("m") == alias and m.group("side"):
            lvl = int(m.group("lvl"))
            q = (100 - lvl) // 2 if m.group("side") == "lo" else (100 + lvl) // 2
            rename[c] = f"p{q}"
    out = out.rename(columns=rename)
    qs = sorted((c for c in set(rename.values()) if _Q.match(c) and c in out.columns),
                key=lambda c: int(c[1:]))
    rest = [c for c in out.columns if c not in ("area", "category", "ds", "mean", *qs)]
    return out[["area", "category", "ds", "mean", *qs, *rest]]


def _freq_attr(ds: pd.Series) -> dict[str, str]:
    """``{"freq": "W" or "M"}`` when the dates are foresight period starts, else ``{}``."""
    from foresight.periods import check_period_starts, infer_freq

    try:
        f = infer_freq(ds)
        check_period_starts(pd.DatetimeIndex(ds), f)
    except DataError:
        return {}
    return {"freq": f}
