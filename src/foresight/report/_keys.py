"""The report config's keys and the checks of their values (each error names the key, the value and
what is allowed)."""

from __future__ import annotations

import datetime as dt
import glob
import os
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.errors import ConfigError

__all__ = ["KEYS", "STORE_SUFFIXES", "Checker", "cluster_address", "default_as_of"]

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
    "wave_model": '"learned" (default): wave probabilities learned from the centre\'s own history; "rule": the '
                  'forecast\'s gamma-Poisson trigger',
    "learned_floor": "smallest learned wave probability a wave flag may have, a number from 0 to below 1; default: "
                     "foresight.warning.FlagSettings (0.15)",
    "wave_prior": "true: the learned wave model also learns from the public logs shipped with foresight (weekly "
                  "runs; for a centre whose own log is short); default false",
    "cluster": 'address of a dask.distributed scheduler, e.g. "tcp://10.0.0.5:8786": the forecasts, waves, '
               "surges and flags run there, one task per top-level area; default: this machine",
}
#: File endings that name a case store (DuckDB) rather than an export.
STORE_SUFFIXES = (".duckdb", ".ddb", ".db")


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


def cluster_address(value: Any, *, where: str = "report config") -> str:
    """A dask scheduler address as given (stripped), or a ConfigError naming ``where`` (internal)."""
    return Checker(where, Path("."), False).address(value)


class Checker:
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
            if p.suffix.lower() in STORE_SUFFIXES:
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
