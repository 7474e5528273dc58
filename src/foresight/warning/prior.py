"""A prior for the learned wave model: the weekly counts of two public case logs, shipped as data.

A centre with two years of records has few past origins to learn waves from. Pooling its examples
with those of long public logs (:func:`foresight.warning.learned.fit_wave_model` takes a sequence of
panels) gives the classifier what seasons, ramps and level shifts look like elsewhere; its features
are relative to each series' own level, so they transfer between logs. The package ships the logs'
aggregated weekly counts (``warning/data/prior_weekly.parquet``, about 0.2 MB, rebuilt by
``benchmarks/build_prior.py``), not training examples or a pickled model, so the prior follows every
change of the features and of scikit-learn.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Collection
from functools import lru_cache

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from foresight.errors import ConfigError
from foresight.periods import normalize_freq
from foresight.schemas import check_panel

__all__ = ["PRIOR_LOGS", "prior_panels"]

#: The logs in the prior: what each holds, where it comes from, under which terms, its holidays.
PRIOR_LOGS: dict[str, dict[str, str]] = {
    "nyc": dict(
        title="NYC Council constituent cases, 2015-2021: council district office x complaint type",
        source="NYC Open Data 'NYC Council Constituent Services' (dataset 9hzi-kbqb), as packaged in "
               "github.com/kjhealy/nycomplaints (data/nycomplaints.rda, commit 39b8ac12)",
        licence="MIT (the kjhealy/nycomplaints package) over public-domain NYC Open Data rows",
        country="US", subdiv="NY"),
    "zurich": dict(
        title="City of Zurich 'Züri wie neu' reports, 2016-2023: survey district x service code",
        source="Open Data Zurich, 'Züri wie neu' (data.stadt-zuerich.ch/dataset/geo_zueri_wie_neu), as "
               "cleaned in github.com/fabianott/zueriwieneu_spatial_analysis (commit f3ede19)",
        licence="not stated in the data's README; the City of Zurich publishes its open data under "
                "CC0 with few exceptions (stadt-zuerich.ch, Open Government Data, Rahmenbedingungen)",
        country="CH", subdiv="ZH"),
}

_FILE = ("data", "prior_weekly.parquet")


@lru_cache(maxsize=1)
def _read() -> dict[str, pd.DataFrame]:
    """The shipped file, read once: log name -> its checked weekly panel."""
    resource = importlib.resources.files("foresight.warning").joinpath(*_FILE)
    with importlib.resources.as_file(resource) as path:
        table = pq.read_table(path)
    strings = pa.schema([pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
                         for f in table.schema])
    frame = table.cast(strings).to_pandas(date_as_object=False)
    out = {}
    for name, part in frame.groupby("log", sort=True):
        out[str(name)] = check_panel(part.drop(columns="log").reset_index(drop=True), name=f"prior {name}")
    return out


def prior_panels(freq: str = "W", *, exclude: Collection[str] = ()) -> list[pd.DataFrame]:
    """The public logs' panels, to pool with a centre's own history when training the wave model.

    Two logs, each its whole history as a weekly counts panel (every area x category with a case,
    zero-filled from its area's first case to the log's end: :func:`foresight.panel.to_panel`, exactly
    as ``benchmarks/_common.load_log`` builds it for the skill benchmarks):

    * ``nyc``: the NYC Council's constituent cases 2015-2021 by council district office
      (``NYCC01``-``NYCC51``) and complaint type, 276,633 cases, 1,437 series. Source: NYC Open Data
      "NYC Council Constituent Services" (9hzi-kbqb) as packaged in kjhealy/nycomplaints, an
      MIT-licensed package of public-domain NYC Open Data rows.
    * ``zurich``: the City of Zurich's "Züri wie neu" infrastructure reports 2016-2023 by survey
      district and service code, 39,881 reports, 220 series. Source: Open Data Zurich, "Züri wie
      neu", as cleaned in fabianott/zueriwieneu_spatial_analysis. The data's README names the
      source but states no licence; the City of Zurich publishes its open data under CC0 with few
      exceptions.

    Only counts per area x category x week are shipped: no case ids, dates finer than the week or
    text.

    Parameters
    ----------
    freq : str
        The panels' frequency: ``"W"`` (weeks starting Monday). ``"M"`` returns an empty list: the
        logs are shipped by week, and a month is not a sum of whole weeks, so monthly panels would
        need daily counts (which the package does not ship); a monthly centre trains on its own
        history.
    exclude : collection of str
        Logs to leave out (``"nyc"``, ``"zurich"``), e.g. the log a benchmark is scoring, whose
        future must not reach its own training.

    Returns
    -------
    list of DataFrame
        One panel ``area, category, ds, y`` per log, in the order of :data:`PRIOR_LOGS`; ``attrs``
        hold ``freq``, ``as_of`` (the week after the log's last), ``log``, ``title``, ``source``,
        ``licence``, ``country`` and ``subdiv`` (its holiday calendar). Fresh copies: changing one
        does not change the next call's.

    Raises
    ------
    ConfigError
        If ``freq`` is not a frequency or ``exclude`` names an unknown log.

    Examples
    --------
    >>> panels = prior_panels()
    >>> [(p.attrs["log"], p.groupby(["area", "category"]).ngroups) for p in panels]
    [('nyc', 1437), ('zurich', 220)]
    >>> [p.attrs["log"] for p in prior_panels("W", exclude=["nyc"])], prior_panels("M")
    (['zurich'], [])

    Pooled with a centre's own history (needs the ``learned`` extra)::

        from foresight.warning.learned import fit_wave_model
        model = fit_wave_model([own_panel, *prior_panels()], until=as_of, horizon=13)
    """
    f = normalize_freq(freq)
    unknown = sorted(set(exclude) - PRIOR_LOGS.keys())
    if unknown:
        raise ConfigError(f"exclude={unknown}: the prior holds the logs {sorted(PRIOR_LOGS)}.")
    if f != "W":
        return []
    panels = []
    for name in PRIOR_LOGS:
        if name in exclude:
            continue
        p = _read()[name].copy()
        p.attrs = dict(freq="W", as_of=p["ds"].max() + pd.Timedelta(weeks=1), log=name, **PRIOR_LOGS[name])
        panels.append(p)
    return panels
