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
    wave_model = "learned"           # or "rule" (default: FlagSettings.wave_model)
    learned_floor = 0.15             # smallest learned wave probability flagged (default: FlagSettings)
    wave_prior = false               # also learn from the public logs shipped with foresight (weekly runs)
    # cluster = "tcp://10.0.0.5:8786"  # optional: run the per-series work on this dask scheduler

Relative paths resolve against the folder of the config file. Every wrong key or value raises a
:class:`~foresight.errors.ConfigError` that names the key, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.errors import ConfigError
from foresight.report._keys import KEYS, Checker, cluster_address, default_as_of
from foresight.settings import WAVE_MODELS

__all__ = [
    "KEYS", "LEVELS", "ReportConfig", "cluster_address", "default_as_of", "load_config", "report_config_from_dict",
]

#: The config keys that are :class:`~foresight.warning.FlagSettings` fields (None: the library's default).
_FLAG_KEYS = ("min_excess", "max_flags", "wave_model", "learned_floor", "wave_prior")
#: The area levels ``level`` may name.
LEVELS = ("district", "town", "community", "grid")
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
    min_excess, max_flags, wave_model, learned_floor, wave_prior : float, int, str, float, bool or None
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
    wave_model: str | None = None
    learned_floor: float | None = None
    wave_prior: bool | None = None
    cluster: str | None = None
    source: Path | None = None

    @property
    def flag_settings(self) -> Any:
        """The :class:`~foresight.warning.FlagSettings` of the report: the library's, with this config's
        ``min_excess``, ``max_flags``, ``wave_model``, ``learned_floor`` and ``wave_prior`` when given."""
        from foresight.settings import FlagSettings

        given = {k: getattr(self, k) for k in _FLAG_KEYS if getattr(self, k) is not None}
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
    check = Checker(where, base, check_files)

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
    wave_model = check.choice("wave_model", v["wave_model"], WAVE_MODELS) if "wave_model" in v else None
    learned_floor = v.get("learned_floor")
    if learned_floor is not None:
        if isinstance(learned_floor, bool) or not isinstance(learned_floor, (int, float)) or not 0 <= learned_floor < 1:
            raise check.bad("learned_floor", learned_floor, "must be a probability from 0 to below 1, e.g. 0.15")
        learned_floor = float(learned_floor)
    wave_prior = v.get("wave_prior")
    if wave_prior is not None and not isinstance(wave_prior, bool):
        raise check.bad("wave_prior", wave_prior, "must be true or false")
    cluster = cluster_address(v["cluster"], where=where) if "cluster" in v else None

    return ReportConfig(
        cases=exports, store=store, mapping=mapping, areas=areas, categories=categories, as_of=as_of,
        horizon=horizon, freq=freq, teams=teams, capacity_per_week=capacity, language=language,
        out_dir=out_dir, suppress_below=suppress, seed=seed, country=country, subdiv=subdiv, level=level,
        backcheck=backcheck, min_excess=min_excess, max_flags=max_flags, wave_model=wave_model,
        learned_floor=learned_floor, wave_prior=wave_prior, cluster=cluster,
        source=Path(source).resolve() if source is not None else None,
    )
