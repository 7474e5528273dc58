"""The product's wave probabilities: a wave model learned from a centre's own history at run time.

``FlagSettings.wave_model="learned"`` (the default of :func:`foresight.warning.flags`, ``foresight
flags`` and ``foresight report``) fits :func:`foresight.warning.learned.fit_wave_model` on the log's own
history before ``as_of`` at every run, with the run's horizon and wave definition, on one past origin
every :data:`LEARN_EVERY` periods (anchored at the latest; at most :data:`LEARN_MAX_SERIES` series, a
seeded sample), optionally pooled with the public logs shipped with foresight
(``FlagSettings.wave_prior``, :mod:`foresight.warning.prior`; weekly runs), and applies it at ``as_of``. Nothing is stored between
runs (no pickled model: they break across scikit-learn versions). On the cluster path each partition
(a top-level area, i.e. a district) learns from its own series. A history too short to
learn from falls back to the rule, and :func:`learned_wave_p` says why in one sentence.
"""
from __future__ import annotations

import pandas as pd

from foresight.errors import DataError
from foresight.matrix import to_matrix
from foresight.periods import panel_freq, period_range, periods_per_year, shift
from foresight.schemas import check_panel
from foresight.text import render
from foresight.warning.learned import fit_wave_model, wave_probability
from foresight.warning.prior import prior_panels

__all__ = ["LEARN_EVERY", "LEARN_MAX_SERIES", "MIN_WAVES", "learned_wave_p"]


#: The product's training sample (``FlagSettings.wave_model="learned"``): one past origin every 4 weeks
#: or every month, anchored at the latest (a quarter of the weekly examples; the development runs of
#: ``benchmarks/skill.py`` trained on every 2nd week).
LEARN_EVERY = {"W": 4, "M": 1}
#: Most series the product trains on (a seeded uniform sample of larger logs; every series is still
#: scored): 4,000 series x one origin every 4 weeks is about 200,000 examples, the scale the development
#: runs of ``benchmarks/skill.py`` validated (NYC: 1,437 series every 2nd week), and it bounds the
#: training time of a province's or a benchmark's 100,000 series.
LEARN_MAX_SERIES = 4_000
#: Fewest past waves (positive examples) the product learns from; fewer falls back to the rule.
MIN_WAVES = 20


def learned_wave_p(hist: pd.DataFrame, as_of, *, horizon: int, wave_ratio: float = 1.5, wave_min: float = 10.0,
                   freq: str | None = None, seed: int = 0, language: str = "en", prior: bool = False,
                   max_iter: int = 100) -> tuple[pd.DataFrame | None, dict]:
    """The product's learned wave probabilities: a model fitted on the centre's own history, applied at ``as_of``.

    :func:`fit_wave_model` on ``hist`` with ``until=as_of``, the run's horizon and wave definition,
    every :data:`LEARN_EVERY`-th past origin, no expected-total regressor, ``seed``; then
    :func:`wave_probability` at ``as_of``. When the history is too short (no complete year plus a
    horizon), holds fewer than :data:`MIN_WAVES` past waves, or leaves none for calibration, no model
    is fitted and the caller falls back to the rule.

    Parameters
    ----------
    hist : DataFrame
        Counts panel ``area, category, ds, y`` before ``as_of``.
    as_of : date
        The first period of the horizon.
    horizon, wave_ratio, wave_min
        The run's horizon and wave definition.
    freq : str, optional
        ``"W"`` or ``"M"``; default inferred.
    seed : int
        Random state of the boosting model (the same inputs give the same probabilities).
    language : {"en", "zh"}
        Language of ``info["text"]``.
    prior : bool
        Also learn from the public logs' weekly counts shipped with foresight
        (:func:`foresight.warning.prior.prior_panels`: the NYC council cases 2015-2021 and the Zurich
        city reports 2016-2023; weekly runs only, a monthly run learns from its own history alone).
        The calibration still uses the centre's own latest origins.
    max_iter : int
        Boosting iterations.

    Returns
    -------
    wave_p : DataFrame or None
        :func:`wave_probability`'s frame, or None when falling back to the rule.
    info : dict
        ``model`` (``"learned"`` or ``"rule"``), ``text`` (one sentence for the report and the command
        line, no personal data) and, when learned, the training ``origins``, ``examples`` and
        ``positives``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2023-01-02", periods=60, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": 5})
    >>> p, info = learned_wave_p(panel, "2024-02-26", horizon=13)
    >>> p is None, info["model"]
    (True, 'rule')
    >>> print(info["text"])  # doctest: +NORMALIZE_WHITESPACE
    The history is too short to learn wave probabilities from (at least 65 weeks of records are
    needed); this run's wave flags use the rule.
    """
    f = panel_freq(hist, freq)
    every = LEARN_EVERY[f]
    units = render(f"units.{f}", language)
    as_of = pd.Timestamp(as_of)

    def fallback(why: str) -> tuple[None, dict]:
        return None, dict(model="rule", text=render("wave_model.fallback", language, why=why))

    need = periods_per_year(f) + horizon  # a year of features, then a horizon of outcome
    short = render("wave_model.why_short", language, need=need, units=units)
    try:  # one series matrix for the fit and the scoring
        grid = to_matrix(check_panel(hist), f, before=as_of, gaps="missing")
    except DataError:  # nothing before as_of
        return fallback(short)
    if len(period_range(grid.starts[0], shift(as_of, -1, f), f)) < need:
        return fallback(short)
    try:
        pooled = [grid, *prior_panels(f)] if prior else grid
        m = fit_wave_model(pooled, until=as_of, horizon=horizon, wave_ratio=wave_ratio, wave_min=wave_min,
                           every=every, expected=False, max_iter=max_iter, max_series=LEARN_MAX_SERIES, seed=seed)
    except DataError:  # no labelled origin before as_of
        return fallback(short)
    if m.info["positives"] < MIN_WAVES or m.calibrator is None:
        return fallback(render("wave_model.why_waves", language, positives=m.info["positives"], need=MIN_WAVES))
    p = wave_probability(grid, as_of, horizon=horizon, model=m, wave_ratio=wave_ratio, wave_min=wave_min)
    start, until = grid.starts[0].date(), grid.starts[-1].date()
    info = dict(model="learned", origins=m.info["origins"], examples=m.info["examples"],
                positives=m.info["positives"], every=every,
                prior=bool(prior and f == "W"),
                text=render("wave_model.learned", language, start=start, until=until, every=every, units=units,
                            origins=m.info["origins"], positives=m.info["positives"])
                + (render("wave_model.prior", language) if prior and f == "W" else ""))
    return p, info
