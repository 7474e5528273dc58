"""Report settings beyond :class:`~foresight.report.config.ReportConfig`: the holiday calendar and the
area level, read from the same TOML file."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foresight.errors import ConfigError
from foresight.report.config import KEYS, ReportConfig, report_config_from_dict

__all__ = ["EXTRA_KEYS", "ReportSettings", "load_config"]

#: Keys the report reads on top of :data:`foresight.report.config.KEYS`.
EXTRA_KEYS: dict[str, str] = {
    "country": 'holiday calendar: "CN" (default, with make-up working days) or a country code such as "US"',
    "subdiv": 'subdivision of the country\'s calendar, e.g. "NY"',
    "level": 'area level the report works at, e.g. "community" or "town"; default: the areas as recorded',
    "backcheck": "periods back to re-run the flags and compare with what happened (default 4 weeks / 3 months)",
}
_LEVELS = ("district", "town", "community", "grid")


@dataclass(frozen=True)
class ReportSettings:
    """The extra report settings (see :data:`EXTRA_KEYS`)."""

    country: str = "CN"
    subdiv: str | None = None
    level: str | None = None
    backcheck: int | None = None


def _extras(doc: dict[str, Any], where: str) -> ReportSettings:
    def bad(key: str, value: Any, what: str) -> ConfigError:
        return ConfigError(f"{where}: {key} = {value!r} {what} ({EXTRA_KEYS[key]})")

    country = doc.get("country", "CN")
    if not isinstance(country, str) or not (2 <= len(country.strip()) <= 3) or not country.strip().isalpha():
        raise bad("country", country, "must be a two-letter country code such as \"CN\" or \"US\"")
    subdiv = doc.get("subdiv")
    if subdiv is not None and (not isinstance(subdiv, str) or not subdiv.strip()):
        raise bad("subdiv", subdiv, "must be a subdivision code (a string)")
    level = doc.get("level")
    if level is not None and level not in _LEVELS:
        raise bad("level", level, "must be one of " + ", ".join(f'"{x}"' for x in _LEVELS))
    back = doc.get("backcheck")
    if back is not None and (isinstance(back, bool) or not isinstance(back, int) or not 0 <= back <= 52):
        raise bad("backcheck", back, "must be a whole number from 0 (off) to 52")
    return ReportSettings(country=country.strip().upper(), subdiv=subdiv.strip() if subdiv else None,
                          level=level, backcheck=back)


def load_config(path: str | os.PathLike[str], *, today: dt.date | str | None = None,
                check_files: bool = True) -> tuple[ReportConfig, ReportSettings]:
    """Read a report TOML: the validated :class:`ReportConfig` and the extra :class:`ReportSettings`.

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file; relative paths in it resolve against its folder.
    today : date-like, optional
        The day the default ``as_of`` is computed from (default: today).
    check_files : bool, default True
        Check that the input files exist.

    Returns
    -------
    (ReportConfig, ReportSettings)

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or a key or value is wrong (the message names it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "nyc.toml").write_text('store = "s.duckdb"\\ncountry = "US"\\nsubdiv = "NY"\\n')
    >>> cfg, extra = load_config(folder / "nyc.toml", check_files=False)
    >>> extra.country, extra.subdiv, cfg.freq
    ('US', 'NY', 'W')
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"report config {path} does not exist; check the path given to --config")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"report config {path} is not valid UTF-8 TOML: {exc}") from exc
    extra = {k: doc.pop(k) for k in list(doc) if k in EXTRA_KEYS and k not in KEYS}
    unknown = [k for k in doc if k not in KEYS]
    if unknown:
        known = [*KEYS, *EXTRA_KEYS]
        hints = [repr(k) + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(str(k), known, n=1))
                            else "") for k in unknown]
        raise ConfigError(f"report config {path}: unknown key(s) {', '.join(hints)}; the keys are: "
                          f"{', '.join(known)}")
    config = report_config_from_dict(doc, base_dir=path.parent, today=today, check_files=check_files,
                                     source=path)
    return config, _extras(extra, f"report config {path}")
