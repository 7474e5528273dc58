"""The sample district generator: a seeded, reproducible Foshan/Nanhai-like district and its ground truth.

``generate_district`` draws an area tree (district > towns > communities > grids) with growing populations,
a new housing estate and a village merger; a taxonomy of 15 categories; and five years of cases whose
intensity is population x base rate x seasonal wave x trend x weekday/holiday effect x campaign damping,
with gamma-Poisson overdispersion, injected surges, typhoons, land projects and a developer's failure.
``write_district`` writes the files a governance centre would receive (GB18030 exports with personal data
and defects) and the ground truth the generator put in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import atomic_write
from foresight.errors import ConfigError
from foresight.synth.cases import draw_counts
from foresight.synth.district import build_tree
from foresight.synth.export import MAPPING_TOML, build_exports, write_csv
from foresight.synth.records import build_records
from foresight.synth.readme import readme_text
from foresight.synth.taxonomy import categories_frame

__all__ = ["DEFAULT_SEED", "DEFAULT_START", "DEFAULT_END", "District", "generate_district", "write_district"]

DEFAULT_SEED = 20261122
DEFAULT_START = "2021-11-22"
DEFAULT_END = "2026-11-22"
CASE_COLUMNS = ["case_id", "received", "area", "category", "category_raw", "channel", "collective", "headcount",
                "repeat", "level", "closed", "source", "source_row"]


@dataclass
class District:
    """A generated district: reference tables, clean cases, raw exports and the ground truth.

    Attributes
    ----------
    areas, categories, populations : pandas.DataFrame
        The area tree (``code, name, parent, level, population, start, end``), the taxonomy
        (``code, name_zh, name_en, theme, department, aliases, keywords``) and yearly community populations.
    cases : pandas.DataFrame
        Every generated case in the canonical cases columns of ``docs/architecture.md`` (no personal data).
    waves, surges, campaigns, breaks : pandas.DataFrame
        The ground truth: seasonal windows, injected surges and typhoons, outreach campaigns, structural breaks.
    exports : dict[str, pandas.DataFrame]
        The raw exports by file name (strings, Chinese headers, personal data, planted defects).
    defects : pandas.DataFrame
        The defects planted in the history export (``file, case_id, kind``).

    Examples
    --------
    >>> d = generate_district(seed=1, start="2024-01-01", end="2024-06-30", scale=0.05)
    >>> set(d.areas["level"]) == {"district", "town", "community", "grid"}
    True
    """

    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    scale: float
    areas: pd.DataFrame = field(repr=False)
    categories: pd.DataFrame = field(repr=False)
    populations: pd.DataFrame = field(repr=False)
    cases: pd.DataFrame = field(repr=False)
    waves: pd.DataFrame = field(repr=False)
    surges: pd.DataFrame = field(repr=False)
    campaigns: pd.DataFrame = field(repr=False)
    breaks: pd.DataFrame = field(repr=False)
    exports: dict[str, pd.DataFrame] = field(repr=False)
    defects: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        return (f"District(seed={self.seed}, {self.start.date()}..{self.end.date()}, scale={self.scale}, "
                f"{len(self.areas)} areas, {len(self.categories)} categories, {len(self.cases)} cases, "
                f"{len(self.surges)} surges, {len(self.campaigns)} campaigns)")


def _date(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{name} {value!r} is not a date; give it as YYYY-MM-DD.") from exc
    if pd.isna(ts):
        raise ConfigError(f"{name} is missing; give it as YYYY-MM-DD.")
    return ts.normalize()


def generate_district(*, seed: int = DEFAULT_SEED, start: str | pd.Timestamp = DEFAULT_START,
                      end: str | pd.Timestamp = DEFAULT_END, scale: float = 1.0) -> District:
    """Generate a sample district from a seed.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed and options give the same district.
    start, end : str or pandas.Timestamp
        First and last day received (inclusive). The committed sample uses 2021-11-22 .. 2026-11-22.
        Both must lie within the years ``chinese_calendar`` covers (2004-2026).
    scale : float
        Multiplies every case intensity (1.0 gives ~20,000 cases a year); the area tree does not change.

    Returns
    -------
    District
        The frames; write them with :func:`write_district`.

    Raises
    ------
    ConfigError
        When ``start`` or ``end`` is not a date, ``end`` is not at least 120 days after ``start``, or
        ``scale`` is not positive.
    CalendarError
        When a day falls outside the calendar's coverage.

    Examples
    --------
    >>> d = generate_district(seed=1, start="2024-01-01", end="2024-06-30", scale=0.1)
    >>> list(d.cases.columns[:4])
    ['case_id', 'received', 'area', 'category']
    >>> bool(d.cases.received.between("2024-01-01", "2024-06-30").all())
    True
    """
    start_ts, end_ts = _date(start, "start"), _date(end, "end")
    if end_ts < start_ts + pd.Timedelta(days=120):
        raise ConfigError(f"end {end_ts.date()} must be at least 120 days after start {start_ts.date()}; "
                          "pass a longer period.")
    if not scale > 0:
        raise ConfigError(f"scale must be positive, got {scale!r}; use e.g. scale=0.2 for a small district.")
    days = pd.date_range(start_ts, end_ts, freq="D", unit="ns")  # the cases contract: datetime64[ns]
    rng = np.random.default_rng(seed)
    tree = build_tree(rng, days)
    draws = draw_counts(rng, tree, days, scale=scale)
    rec = build_records(rng, tree, draws, days)
    exports, defects = build_exports(rng, rec, tree, end=end_ts, scale=scale)
    cases = rec.drop(columns=["comm", "surge", "name", "id_number", "phone", "text"])
    cases["source"] = f"synth:seed={seed}"
    cases["source_row"] = pd.array(np.arange(2, len(cases) + 2), dtype="Int64")
    cases = cases[CASE_COLUMNS].reset_index(drop=True)
    breaks = (pd.concat([tree.breaks, draws.breaks], ignore_index=True)
              .sort_values(["date", "area", "kind"], kind="stable").reset_index(drop=True))
    return District(
        seed=seed, start=start_ts, end=end_ts, scale=scale, areas=tree.areas, categories=categories_frame(),
        populations=tree.populations, cases=cases,
        waves=draws.waves.sort_values(["category", "area", "year"], kind="stable").reset_index(drop=True),
        surges=draws.surges.sort_values(["start", "area", "category"], kind="stable").reset_index(drop=True),
        campaigns=draws.campaigns.sort_values(["start", "area"], kind="stable").reset_index(drop=True),
        breaks=breaks, exports=exports, defects=defects,
    )


def write_district(district: District, out_dir: str | Path) -> list[Path]:
    """Write the district's files into ``out_dir`` (created if needed); return the paths written.

    Every file is written atomically and byte-reproducibly: the same district gives the same bytes.

    Parameters
    ----------
    district : District
        From :func:`generate_district`.
    out_dir : str or pathlib.Path
        Output folder, e.g. ``data/samples/district``.

    Returns
    -------
    list of pathlib.Path
        The files written, sorted.

    Examples
    --------
    >>> import tempfile
    >>> d = generate_district(seed=1, start="2024-01-01", end="2024-06-30", scale=0.1)
    >>> paths = write_district(d, tempfile.mkdtemp())
    >>> sorted(p.name for p in paths)[:3]
    ['README.md', 'areas.csv', 'breaks.csv']
    """
    out = Path(out_dir)
    written = []

    def csv(frame: pd.DataFrame, rel: str, **kw: object) -> None:
        p = out / rel
        write_csv(frame, p, **kw)
        written.append(p)

    csv(district.areas, "areas.csv")
    csv(district.categories, "categories.csv")
    csv(district.populations, "populations.csv")
    for name, frame in sorted(district.exports.items()):
        csv(frame, f"exports/{name}", encoding="gb18030", crlf=True)
    csv(district.waves, "truth/waves.csv")
    csv(district.surges, "truth/surges.csv")
    csv(district.campaigns, "truth/campaigns.csv")
    csv(district.breaks, "truth/breaks.csv")
    csv(district.defects, "truth/export_defects.csv")
    for rel, text in (("mapping.toml", MAPPING_TOML), ("README.md", readme_text(district))):
        written.append(atomic_write(out / rel, lambda p, t=text: (p.write_bytes(t.encode("utf-8")),
                                                                   os.chmod(p, 0o644))))
    return sorted(written)
