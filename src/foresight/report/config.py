"""The weekly report's configuration (``foresight report --config weekly.toml``): load and validate.

A centre keeps one TOML file beside its exports::

    cases = ["exports/*.csv"]        # export files (globs allowed, oldest first) or a store file
    store = "cases.duckdb"           # optional: keep the history of exports in this case store
    mapping = "mapping.toml"
    areas = "areas.csv"
    categories = "categories.csv"
    horizon = 13                     # periods ahead
    freq = "W"                       # W (weeks) or M (months)
    teams = 10                       # outreach teams (a number, or a list of team names)
    capacity_per_week = 2            # places one team can visit in a week
    language = "zh"                  # zh or en
    out_dir = "reports"
    suppress_below = 0               # hide counts below k in the outputs (0 = show all)
    seed = 0
    country = "CN"                   # holiday calendar: CN, or a country code such as "US"
    # subdiv = "NY"                  # optional subdivision of that calendar (with country = "US")
    level = "community"              # optional: area level the report works at
    backcheck = 4                    # back-check the flags issued this many periods ago (0 = off)
    min_excess = 2                   # no flag expecting fewer extra cases (default: FlagSettings)
    max_flags = 20                   # flags kept (default: FlagSettings)
    # cluster = "tcp://10.0.0.5:8786"  # optional: run the per-series work on this dask scheduler

Relative paths resolve against the folder of the config file. Every wrong key or value raises a
:class:`~foresight.errors.ConfigError` that names the key, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import glob
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.errors import ConfigError

__all__ = ["KEYS", "LEVELS", "ReportConfig", "default_as_of", "load_config", "report_config_from_dict"]

#: Every key a report config may hold, with what it means (used in error messages and docs).
KEYS: dict[str, str] = {
    "cases": "export files to read: a path, a glob or a list, oldest first; or a case store file",
    "store": "case store file (DuckDB) that keeps the history of the exports",
    "mapping": "column mapping TOML of the exports",
    "areas": "area tree table (areas.csv)",
    "categories": "category taxonomy table (categories.csv)",
    "as_of": "first forecast period and exclusive end of the data; default: the Monday after the last complete week",
    "horizon": "periods to forecast, default 13",
    "freq": '"W" for weeks (default) or "M" for months',
    "teams": "outreach teams: a number, or a list of team names",
    "capacity_per_week": "places one team can visit in a week",
    "language": '"zh" (default) or "en"',
    "out_dir": "folder for the report files; default: report/ beside the config",
    "suppress_below": "hide counts below this number in the outputs; default 0 shows all",
    "seed": "seed of all randomness, default 0",
    "country": 'holiday calendar: "CN" (default, with make-up working days) or a country code such as "US"',
    "subdiv": 'subdivision of the country\'s holiday calendar, e.g. "NY"; default none',
    "level": 'area level the report works at ("district", "town", "community" or "grid"); default: the '
             "areas as recorded",
    "backcheck": "score the flags the run of this many periods ago issued against what happened; default 4 "
                 "(weeks) or 3 (months), 0 turns it off",
    "min_excess": "no flag expecting fewer extra cases than this; default: foresight.warning.FlagSettings",
    "max_flags": "flags kept in the report; default: foresight.warning.FlagSettings",
    "cluster": 'address of a dask.distributed scheduler, e.g. "tcp://10.0.0.5:8786": the forecasts, waves, '
               "surges and flags run there, one task per top-level area; default: this machine",
}
#: The area levels ``level`` may name.
LEVELS = ("district", "town", "community", "grid")
_STORE_SUFFIXES = (".duckdb", ".ddb", ".db")
_MAX_HORIZON = {"W": 104, "M": 24}


@dataclass(frozen=True)
class ReportConfig:
    """A validated report configuration; paths are absolute, ``as_of`` is a period start.

    Attributes
    ----------
    cases : tuple of Path
        Export files to read, oldest first (empty when the cases come from ``store`` alone).
    store : Path or None
        Case store: the exports are ingested into it, or (without exports) the cases are read from it.
    mapping, areas, categories : Path or None
        The column mapping, area tree and taxonomy files.
    as_of : pandas.Timestamp
        First forecast period (a Monday for ``freq="W"``, a first of month for ``"M"``).
    horizon : int
        Periods to forecast.
    freq : str
        ``"W"`` or ``"M"``.
    teams : int, tuple of str, or None
        Outreach teams (a count or their names); None when outreach is not planned.
    capacity_per_week : float or None
        Places one team can visit in a week.
    language : str
        ``"zh"`` or ``"en"``.
    out_dir : Path
        Folder for the report files.
    suppress_below : int
        Counts below it are hidden in the outputs (0 shows all).
    seed : int
        Seed of all randomness.
    country : str
        Holiday calendar of the forecasts: ``"CN"`` (China, with make-up working days) or a country
        code of the ``holidays`` package such as ``"US"``.
    subdiv : str or None
        Subdivision of that calendar (e.g. ``"NY"``).
    level : str or None
        Area level the report works at (one of :data:`LEVELS`); None keeps the areas as recorded.
    backcheck : int or None
        The flags the run of this many periods ago issued are scored against what happened (0 turns it
        off); None means the default, 4 weeks or 3 months (see :attr:`backcheck_periods`).
    min_excess, max_flags : float, int or None
        Flag settings; None keeps :class:`~foresight.warning.FlagSettings`' defaults (see
        :attr:`flag_settings`).
    cluster : str or None
        Address of a dask.distributed scheduler (``tcp://host:8786``) that runs the per-series work,
        partitioned by top-level area; None runs everything on this machine.
    source : Path or None
        The config file it came from.

    Examples
    --------
    >>> cfg = ReportConfig(store=Path("/srv/centre/cases.duckdb"), as_of=pd.Timestamp("2026-11-23"),
    ...                    teams=("A", "B"), capacity_per_week=2)
    >>> cfg.n_teams, cfg.freq, cfg.country, cfg.backcheck_periods
    (2, 'W', 'CN', 4)
    >>> cfg.to_dict()["as_of"]
    '2026-11-23'
    """

    cases: tuple[Path, ...] = ()
    store: Path | None = None
    mapping: Path | None = None
    areas: Path | None = None
    categories: Path | None = None
    as_of: pd.Timestamp = field(default_factory=lambda: default_as_of())
    horizon: int = 13
    freq: str = "W"
    teams: int | tuple[str, ...] | None = None
    capacity_per_week: float | None = None
    language: str = "zh"
    out_dir: Path = Path("report")
    suppress_below: int = 0
    seed: int = 0
    country: str = "CN"
    subdiv: str | None = None
    level: str | None = None
    backcheck: int | None = None
    min_excess: float | None = None
    max_flags: int | None = None
    cluster: str | None = None
    source: Path | None = None

    @property
    def flag_settings(self) -> Any:
        """The :class:`~foresight.warning.FlagSettings` of the report: the library's, with this config's
        ``min_excess`` and ``max_flags`` when given."""
        from foresight.settings import FlagSettings

        given = {k: getattr(self, k) for k in ("min_excess", "max_flags") if getattr(self, k) is not None}
        return FlagSettings().replace(**given)

    @property
    def backcheck_periods(self) -> int:
        """Periods of the back-check: ``backcheck``, or 4 (weekly) / 3 (monthly) when not given."""
        if self.backcheck is not None:
            return int(self.backcheck)
        return 4 if self.freq == "W" else 3

    @property
    def n_teams(self) -> int | None:
        """The number of outreach teams (None when not given)."""
        return len(self.teams) if isinstance(self.teams, tuple) else self.teams

    def to_dict(self) -> dict[str, Any]:
        """Plain values (paths and dates as strings), e.g. for ``run.json``."""
        def plain(v: Any) -> Any:
            if isinstance(v, Path):
                return str(v)
            if isinstance(v, pd.Timestamp):
                return v.date().isoformat()
            if isinstance(v, tuple):
                return [plain(x) for x in v]
            return v

        return {k: plain(getattr(self, k)) for k in (*KEYS, "source")}


def default_as_of(today: dt.date | str | None = None, freq: str = "W") -> pd.Timestamp:
    """The Monday after the last complete week before ``today`` (the first of the month for ``"M"``).

    Examples
    --------
    >>> default_as_of("2026-11-25").date()  # a Wednesday: the week of Nov 16-22 is the last complete one
    datetime.date(2026, 11, 23)
    >>> default_as_of("2026-11-23").date(), default_as_of("2026-11-25", freq="M").date()
    (datetime.date(2026, 11, 23), datetime.date(2026, 11, 1))
    """
    day = pd.Timestamp(today if today is not None else dt.date.today()).normalize()
    if freq == "M":
        return day.replace(day=1)
    return day - pd.Timedelta(days=int(day.day_of_week))


def load_config(
    path: str | os.PathLike[str], *, today: dt.date | str | None = None, check_files: bool = True
) -> ReportConfig:
    """Read and validate a report config TOML; relative paths resolve against its folder.

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file.
    today : date-like, optional
        The day the default ``as_of`` is computed from (default: today).
    check_files : bool, default True
        Check that the export, mapping, area and category files exist (and expand globs).

    Returns
    -------
    ReportConfig

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or a key or value is wrong (the message names it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "w1.csv").write_text("x")
    >>> _ = (folder / "weekly.toml").write_text('cases = ["w1.csv"]\\nhorizon = 8\\nas_of = 2026-11-23\\n')
    >>> cfg = load_config(folder / "weekly.toml")
    >>> cfg.cases[0] == folder / "w1.csv", cfg.horizon, cfg.as_of.date().isoformat(), cfg.freq
    (True, 8, '2026-11-23', 'W')
    >>> _ = (folder / "nyc.toml").write_text('cases = "w1.csv"\\ncountry = "us"\\nsubdiv = "NY"\\n')
    >>> cfg = load_config(folder / "nyc.toml")
    >>> cfg.country, cfg.subdiv, cfg.level
    ('US', 'NY', None)
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"report config {path} does not exist; check the path given to --config")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"report config {path} is not valid UTF-8 TOML: {exc}") from exc
    return report_config_from_dict(doc, base_dir=path.parent, today=today, check_files=check_files,
                                   source=path)


def report_config_from_dict(
    doc: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    today: dt.date | str | None = None,
    check_files: bool = True,
    source: str | os.PathLike[str] | None = None,
) -> ReportConfig:
    """Validate config values (as read from TOML, or merged with command-line overrides).

    Parameters
    ----------
    doc : mapping
        Keys of :data:`KEYS`; a value of None counts as not given.
    base_dir : path, default "."
        Folder that relative paths resolve against.
    today : date-like, optional
        The day the default ``as_of`` is computed from.
    check_files : bool, default True
        Check that input files exist and expand globs.
    source : path, optional
        The config file, for messages and ``ReportConfig.source``.

    Returns
    -------
    ReportConfig

    Raises
    ------
    ConfigError
        An unknown key, a value of the wrong type or out of range, a missing file.

    Examples
    --------
    >>> report_config_from_dict({"store": "cases.duckdb", "freq": "M", "as_of": "2026-11-01"},
    ...                         base_dir="/srv/centre", check_files=False).store.as_posix()
    '/srv/centre/cases.duckdb'
    >>> report_config_from_dict({"store": "s.duckdb", "horizon": "13"}, check_files=False)
    Traceback (most recent call last):
    ...
    foresight.errors.ConfigError: report config: horizon = '13' must be a whole number from 1 to 104 (periods to forecast, default 13)
    """
    where = f"report config {source}" if source is not None else "report config"
    base = Path(base_dir).resolve()
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{where} must be a table of keys, got {type(doc).__name__}")
    unknown = [k for k in doc if k not in KEYS]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(str(k), KEYS, n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(f"{where}: unknown key(s) {', '.join(hints)}; the keys are: {', '.join(KEYS)}")
    v = {k: val for k, val in doc.items() if val is not None}
    check = _Checker(where, base, check_files)

    freq = check.choice("freq", v.get("freq", "W"), ("W", "M"), upper=True)
    language = check.choice("language", v.get("language", "zh"), ("zh", "en"))
    horizon = check.integer("horizon", v.get("horizon", 13), low=1, high=_MAX_HORIZON[freq])
    seed = check.integer("seed", v.get("seed", 0), low=0, high=2**32 - 1)
    suppress = check.integer("suppress_below", v.get("suppress_below", 0), low=0, high=10**6)
    capacity = v.get("capacity_per_week")
    if capacity is not None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, float)) or not capacity > 0:
            raise check.bad("capacity_per_week", capacity, "must be a number above 0")
        capacity = float(capacity)
    teams = check.teams(v.get("teams"))

    exports, store = check.cases(v.get("cases"), v.get("store"))
    mapping = check.file("mapping", v.get("mapping"))
    areas = check.file("areas", v.get("areas"))
    categories = check.file("categories", v.get("categories"))
    out_dir = check.path("out_dir", v.get("out_dir", "report"))
    if out_dir.exists() and not out_dir.is_dir():
        raise check.bad("out_dir", v.get("out_dir"), f"is a file ({out_dir}); give a folder")
    as_of = check.as_of(v.get("as_of"), freq=freq, today=today)
    country, subdiv = check.calendar(v.get("country", "CN"), v.get("subdiv"))
    level = check.choice("level", v["level"], LEVELS) if "level" in v else None
    backcheck = (check.integer("backcheck", v["backcheck"], low=0, high=_MAX_HORIZON[freq] // 2)
                 if "backcheck" in v else None)
    max_flags = check.integer("max_flags", v["max_flags"], low=1, high=10_000) if "max_flags" in v else None
    min_excess = v.get("min_excess")
    if min_excess is not None:
        if isinstance(min_excess, bool) or not isinstance(min_excess, (int, float)) or not min_excess >= 0:
            raise check.bad("min_excess", min_excess, "must be a number of cases, 0 or more")
        min_excess = float(min_excess)
    cluster = cluster_address(v["cluster"], where=where) if "cluster" in v else None

    return ReportConfig(
        cases=exports, store=store, mapping=mapping, areas=areas, categories=categories, as_of=as_of,
        horizon=horizon, freq=freq, teams=teams, capacity_per_week=capacity, language=language,
        out_dir=out_dir, suppress_below=suppress, seed=seed, country=country, subdiv=subdiv, level=level,
        backcheck=backcheck, min_excess=min_excess, max_flags=max_flags, cluster=cluster,
        source=Path(source).resolve() if source is not None else None,
    )


def cluster_address(value: Any, *, where: str = "report config") -> str:
    """A dask scheduler address as given (stripped), or a ConfigError naming ``where`` (internal)."""
    return _Checker(where, Path("."), False).address(value)


class _Checker:
    """Value checks that raise a ConfigError naming the key, the value and what is allowed."""

    def __init__(self, where: str, base: Path, check_files: bool) -> None:
        self.where, self.base, self.check_files = where, base, check_files

    def bad(self, key: str, value: Any, what: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key} = {value!r} {what} ({KEYS[key]})")

    def choice(self, key: str, value: Any, allowed: tuple[str, ...], *, upper: bool = False) -> str:
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and upper:
            text = text.upper()
        if text not in allowed:
            raise self.bad(key, value, "must be one of " + ", ".join(f'"{a}"' for a in allowed))
        return str(text)

    def integer(self, key: str, value: Any, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.bad(key, value, f"must be a whole number from {low} to {high}")
        return int(value)

    def calendar(self, country: Any, subdiv: Any) -> tuple[str, str | None]:
        import holidays

        supported = holidays.list_supported_countries()
        code = country.strip().upper() if isinstance(country, str) else country
        if code != "CN" and code not in supported:
            raise self.bad("country", country, 'must be "CN" or a country code of the holidays package, e.g. '
                                               '"US", "GB", "HK" (ISO 3166-1 alpha-2)')
        if subdiv is None:
            return str(code), None
        allowed = [str(s) for s in supported.get(code, [])]
        text = subdiv.strip() if isinstance(subdiv, str) else subdiv
        if not isinstance(text, str) or not text:
            raise self.bad("subdiv", subdiv, "must be a subdivision code (a string)")
        match = {s.upper(): s for s in allowed}.get(text.upper())
        if match is None:
            shown = ", ".join(f'"{s}"' for s in allowed[:60]) + (", ..." if len(allowed) > 60 else "")
            raise self.bad("subdiv", subdiv, f"is not a subdivision of country = \"{code}\"; "
                           + (f"use one of {shown}" if allowed else "that calendar has none: drop subdiv"))
        return str(code), match

    def address(self, value: Any) -> str:
        text = value.strip() if isinstance(value, str) else None
        if not text or any(ch.isspace() for ch in text) or text.startswith("://"):
            raise self.bad("cluster", value, 'must be a scheduler address such as "tcp://10.0.0.5:8786"')
        return text

    def teams(self, value: Any) -> int | tuple[str, ...] | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if not 1 <= value <= 10_000:
                raise self.bad("teams", value, "must be at least 1")
            return int(value)
        if isinstance(value, list) and value and all(isinstance(t, str) and t.strip() for t in value):
            names = tuple(t.strip() for t in value)
            if len(set(names)) < len(names):
                dup = sorted({t for t in names if names.count(t) > 1})
                raise self.bad("teams", value, f"repeats the name(s) {dup}; give each team once")
            return names
        raise self.bad("teams", value, "must be a number of teams or a non-empty list of team names")

    def path(self, key: str, value: Any) -> Path:
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise self.bad(key, value, "must be a path (a string)")
        p = Path(os.path.expanduser(str(value).strip()))
        return p if p.is_absolute() else (self.base / p).resolve()

    def file(self, key: str, value: Any) -> Path | None:
        if value is None:
            return None
        p = self.path(key, value)
        if self.check_files and not p.is_file():
            raise self.bad(key, value, f"names no file: {p} does not exist (relative paths start at {self.base})")
        return p

    def cases(self, value: Any, store_value: Any) -> tuple[tuple[Path, ...], Path | None]:
        store = self.path("store", store_value) if store_value is not None else None
        if value is None:
            items: list[Any] = []
        elif isinstance(value, (str, os.PathLike)):
            items = [value]
        elif isinstance(value, list) and value:
            items = value
        else:
            raise self.bad("cases", value, "must be a path, a glob or a non-empty list of paths")
        exports: list[Path] = []
        stores: list[Path] = []
        for item in items:
            p = self.path("cases", item)
            if p.suffix.lower() in _STORE_SUFFIXES:
                stores.append(p)
            elif self.check_files and glob.has_magic(str(item)):
                found = sorted(Path(f) for f in glob.glob(str(p)))
                if not found:
                    raise self.bad("cases", item, f"matches no file ({p})")
                exports += found
            else:
                if self.check_files and not p.is_file():
                    raise self.bad("cases", item, f"names no file: {p} does not exist "
                                                  f"(relative paths start at {self.base})")
                exports.append(p)
        if stores and (exports or len(stores) > 1):
            raise self.bad("cases", value, "mixes a case store with other files; give export files, or one "
                                           "store file (or put the store under 'store')")
        if stores:
            if store is not None and store != stores[0]:
                raise self.bad("cases", value, f"names a store other than store = {store_value!r}; keep one")
            store = stores[0]
        if len(set(exports)) < len(exports):
            raise self.bad("cases", value, "lists the same export twice")
        if not exports and store is None:
            raise ConfigError(f"{self.where}: no cases: give 'cases' (export files) or 'store' (a case store)")
        if not exports and self.check_files and not store.is_file():
            raise self.bad("store", str(store), "names no file and no exports are given to fill it")
        return tuple(exports), store

    def as_of(self, value: Any, *, freq: str, today: dt.date | str | None) -> pd.Timestamp:
        if value is None:
            return default_as_of(today, freq)
        if isinstance(value, dt.datetime):
            raise self.bad("as_of", value, "must be a date without a time, e.g. 2026-11-23")
        if isinstance(value, dt.date):
            ts = pd.Timestamp(value)
        elif isinstance(value, str):
            try:
                ts = pd.Timestamp(dt.date.fromisoformat(value.strip()))
            except ValueError:
                raise self.bad("as_of", value, "is not a date; write YYYY-MM-DD, e.g. 2026-11-23") from None
        else:
            raise self.bad("as_of", value, "must be a date (YYYY-MM-DD)")
        if freq == "W" and ts.day_of_week != 0:
            before = ts - pd.Timedelta(days=int(ts.day_of_week))
            raise self.bad("as_of", value, f"is a {ts.day_name()}; weekly periods start on Mondays: use "
                                           f"{before.date()} or {(before + pd.Timedelta(weeks=1)).date()}")
        if freq == "M" and ts.day != 1:
            raise self.bad("as_of", value, f"must be the first of a month for freq = \"M\", e.g. "
                                           f"{ts.replace(day=1).date()}")
        return ts
