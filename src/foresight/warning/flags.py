"""Flags: a short, ranked list of (area, category, window) to act on, each with a reason people read.

Three kinds:

* ``wave``: the coming weeks will be a wave. By default (``FlagSettings.wave_model="learned"``) the
  chance comes from a model learned on the log's own history
  (:func:`foresight.warning.own_history.learned_wave_p`): every series whose learned probability is at
  least ``learned_floor`` is a candidate, ranked by ``wave_rank``; a history too short to learn from
  falls back to the rule below and says so (``attrs["wave_model"]``). The rule: either the horizon
  total has at least a ``wave_prob``
  chance of reaching ``wave_ratio`` times the normal total (the trailing 52-week weekly mean times the
  horizon) and ``wave_min`` cases, the total being gamma-Poisson (negative binomial) around the
  forecast's expected total with the level's own uncertainty (the weeks of a horizon share one
  uncertain level, so their sum spreads far more than a sum of independent weekly counts; the
  level's squared coefficient of variation is ``level_cv**2 + level_cases / (n + 1)``, ``n`` the
  cases of the last 52 weeks, so a sparse series' level is far less certain than a busy one's) and
  the expected total is above normal, or a recurring seasonal wave (:func:`foresight.warning.waves`) starts
  within the horizon, the forecast over its weeks inside the horizon is at least ``wave_ratio`` times
  the off-season base, and the horizon total is at least ``wave_min`` cases: this second trigger
  gives the lead time, since a wave that starts in 4 weeks barely moves a 13-week total against a
  trailing mean that holds last year's wave. Its baseline is the off-season base. The reason says
  what the rise comes from: a recurring season (with its past peaks), a level shift the forecast
  found (since when, by how much), or neither.
* ``surge``: the surge detector (:func:`foresight.warning.surges`) alarmed in the last
  weeks the surges were tested in (the surges passed in, or found with ``settings.surges``).
* ``escalation``: collective, repeat or higher-level (city and above) petitions rose: the last
  ``escalation_weeks`` weeks hold a significantly larger share of them among all cases (one-sided
  conditional binomial test of the two windows, p < 0.01, at least 3 and at least twice the
  baseline) than the same weeks of the last two years (needs the cases frame).

One flag per area x category: when several kinds fire on one series they are merged into one flag
whose ``kind`` joins them with ``+`` (``wave+surge``) and whose reason gives each kind's reason. The
score of every kind is the number of cases above usual it is about (``excess``: expected minus
baseline over the window for a wave, observed minus baseline for a surge), escalations weighted by
``escalation_weight``; a merged flag scores the sum. Flags rank by how many petitions acting could
prevent; no flag expects fewer than ``min_excess`` extra cases (a learned wave candidate is exempt:
its probability is its evidence). With a learned probability the wave flags are ordered, in the places
their scores give them, by ``FlagSettings.wave_rank``: the mean of their ranks by the probability and
by the forecast's ratio to normal, which caught more true waves in the top 20 than the probability
alone or probability x excess.

The settings are one :class:`~foresight.settings.FlagSettings` (with the wave and surge
detectors' own settings inside); the waves and surges are passed in when a pipeline already has them
(the weekly report computes each once), and computed with those settings otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ConfigError, DataError
from foresight.periods import panel_freq, shift
from foresight.schemas import check_panel
from foresight.settings import FLAG_KINDS, FlagSettings
from foresight.warning._kinds import PART_COLUMNS, Part, escalation_flags, rank_learned, surge_flags, wave_flags
from foresight.warning.surges import surges as find_surges
from foresight.warning.waves import waves as find_waves

__all__ = ["flags", "FLAG_COLUMNS", "expected_totals", "flag_id"]

#: The columns of every flag table (library, ``foresight flags``, the report's flags.csv/xlsx), in order.
#: The first nine are the command line's original columns; later ones were added at the end.
FLAG_COLUMNS = [
    "area", "category", "kind", "start", "end", "expected", "baseline", "score", "reason",
    "rank", "id", "expected_lo", "expected_hi", "observed", "excess", "p_wave", "theme", "department",
    "area_name", "category_name",
]

_Z80 = stats.norm.isf(0.1)


def _as_of(panel: pd.DataFrame, as_of, freq: str) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    if panel.attrs.get("as_of") is not None:
        return pd.Timestamp(panel.attrs["as_of"])
    return shift(pd.to_datetime(panel["ds"]).max(), 1, freq)


def expected_totals(fc: pd.DataFrame) -> pd.DataFrame:
    """Horizon totals per series from a forecast frame: ``expected`` and an 80% interval.

    The interval treats the periods as independent, each with the spread its ``p10``..``p90`` imply
    (normal approximation); without those columns a Poisson spread is used.

    Parameters
    ----------
    fc
        A forecast frame: ``area, category, ds, mean`` and optionally ``p10``, ``p90``.

    Returns
    -------
    DataFrame
        ``area, category, expected, expected_lo, expected_hi, periods``: one row per series, counts
        over the horizon.

    Examples
    --------
    >>> fc = pd.DataFrame({"area": "A", "category": "c", "ds": pd.date_range("2024-01-01", periods=2, freq="W-MON"),
    ...                    "mean": [10.0, 10.0], "p10": [6, 6], "p90": [14, 14]})
    >>> expected_totals(fc).round(1).to_dict("records")
    [{'area': 'A', 'category': 'c', 'expected': 20.0, 'expected_lo': 14.3, 'expected_hi': 25.7, 'periods': 2}]
    """
    f = fc.copy()
    if {"p10", "p90"} <= set(f.columns):
        sd = (f["p90"].astype(float) - f["p10"].astype(float)) / (2 * _Z80)
        f["var"] = np.maximum(sd, 0) ** 2
    else:
        f["var"] = f["mean"].astype(float)
    g = f.groupby(["area", "category"], sort=False).agg(expected=("mean", "sum"), var=("var", "sum"),
                                                       periods=("mean", "size")).reset_index()
    sd = np.sqrt(g["var"])
    g["expected_lo"] = np.maximum(g["expected"] - _Z80 * sd, 0.0)
    g["expected_hi"] = g["expected"] + _Z80 * sd
    return g[["area", "category", "expected", "expected_lo", "expected_hi", "periods"]]


def _names(categories: Any, areas: Any, language: str) -> dict[str, dict]:
    """Category names, themes, departments (taxonomy) and area names (area tree), by code."""
    out: dict[str, dict] = {"category": {}, "theme": {}, "department": {}, "area": {}}
    if categories is not None:
        if isinstance(categories, (str, bytes)) or hasattr(categories, "__fspath__"):
            from foresight.categories import load_categories

            categories = load_categories(categories)
        table = getattr(categories, "table", categories)  # a foresight.categories.Taxonomy
        need = {"code", "theme", "department"}
        if not need <= set(table.columns):
            raise DataError(f"categories lacks {sorted(need - set(table.columns))}; pass the taxonomy "
                            "(categories.csv, or its frame with columns code, name_zh, name_en, theme, department).")
        code = table["code"].astype(str)
        col = "name_zh" if language == "zh" else "name_en"
        out["category"] = dict(zip(code, table[col])) if col in table.columns else {}
        out["theme"] = dict(zip(code, table["theme"]))
        out["department"] = dict(zip(code, table["department"]))
    if areas is not None:
        from foresight.areas import load_areas

        t = load_areas(areas).table
        out["area"] = dict(zip(t["code"].astype(str), t["name"].astype(str)))
    return out


def flag_id(as_of: Any, area: Any, category: Any) -> str:
    """The stable id of a flag: the run's ``as_of``, the area and the category (one flag each).

    Parameters
    ----------
    as_of : date-like
        The run's first forecast period.
    area, category : str
        The flag's series.

    Returns
    -------
    str
        ``YYYY-MM-DD/area/category``: the same for a rerun of the same week, unique within a run.

    Examples
    --------
    >>> flag_id(pd.Timestamp("2026-11-23"), "D01T03C017", "wage_arrears")
    '2026-11-23/D01T03C017/wage_arrears'
    """
    return f"{pd.Timestamp(as_of).date().isoformat()}/{area}/{category}"


def _merge(parts: pd.DataFrame) -> pd.DataFrame:
    """One flag per area x category: kinds joined with ``+``, scores summed (reasons: :func:`_reasons`).

    The window, ``expected`` and its interval come from the kind with the largest score (a wave
    before a surge on a tie); ``observed`` from a surge or escalation; ``p_wave`` from the wave.
    """
    order = {k: i for i, k in enumerate(FLAG_KINDS)}
    parts = parts.assign(_o=parts["kind"].map(order)).sort_values(
        ["area", "category", "score", "_o"], ascending=[True, True, False, True], kind="stable")
    first = parts.groupby(["area", "category"], sort=False).head(1).set_index(["area", "category"])
    g = parts.sort_values("_o", kind="stable").groupby(["area", "category"], sort=False)
    # the kinds of a series as bits (a kind gives one row per series), named by a table of every subset
    bits = parts.assign(_b=np.left_shift(1, parts["_o"])).groupby(["area", "category"], sort=False)["_b"].sum()
    first["kind"] = bits.map({m: "+".join(k for i, k in enumerate(FLAG_KINDS) if m >> i & 1)
                              for m in range(1, 2 ** len(FLAG_KINDS))})
    first["score"] = g["score"].sum()
    first["observed"] = g["observed"].first()
    first["p_wave"] = g["p_wave"].first()
    return first.drop(columns="_o").reset_index()


def _reasons(out: pd.DataFrame, parts: list[Part], language: str) -> list[str]:
    """The reason of each flag of ``out``: its kinds' reasons in :data:`FLAG_KINDS` order, joined.

    Only the flags in ``out`` are worded (each part renders the rows of its series that are kept).
    """
    keys = out[["area", "category"]]
    texts = []
    for p in parts:  # in FLAG_KINDS order
        rows = p.flags.merge(keys, on=["area", "category"], how="inner")
        texts.append(pd.DataFrame({"area": rows["area"], "category": rows["category"], "reason": p.reasons(rows)}))
    sep = "" if language == "zh" else " "
    joined = pd.concat(texts, ignore_index=True).groupby(["area", "category"], sort=False)["reason"].agg(sep.join)
    return keys.merge(joined.reset_index(), on=["area", "category"], how="left")["reason"].tolist()


def flags(
    panel: pd.DataFrame,
    as_of: Any = None,
    horizon: int = 13,
    *,
    settings: FlagSettings | None = None,
    cases: pd.DataFrame | None = None,
    categories: Any = None,
    areas: Any = None,
    forecasts: pd.DataFrame | None = None,
    waves: pd.DataFrame | None = None,
    surges: pd.DataFrame | None = None,
    wave_p: pd.DataFrame | None = None,
    language: str = "en",
    suppress_below: int = 0,
    model: str = "auto",
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    seed: int = 0,
    **overrides: Any,
) -> pd.DataFrame:
    """A short, ranked list of flags (waves coming, surges now, escalations) with reasons.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y``.
    as_of : date, optional
        The first period of the horizon (exclusive end of the history); default ``panel.attrs["as_of"]``
        or the period after the panel's last.
    horizon : int
        Periods ahead the wave flags look.
    settings : FlagSettings, optional
        Every threshold (:class:`~foresight.warning.FlagSettings`, with the wave and surge detectors'
        settings inside); default ``FlagSettings()``.
    cases : DataFrame, optional
        Canonical cases (``read_cases(...).cases``) with ``area`` codes of the panel's level; needed for
        ``escalation`` flags (uses ``collective``, ``repeat``, ``level``).
    categories : path, DataFrame or Taxonomy, optional
        Taxonomy ``code, name_zh, name_en, theme, department``: names in reasons, theme, department.
    areas : path, DataFrame or AreaTree, optional
        Area tree: the ``area_name`` column.
    forecasts : DataFrame, optional
        A forecast frame (``foresight.forecasting.forecast``) starting at ``as_of``; computed when absent.
    waves : DataFrame, optional
        :func:`foresight.warning.waves` on the same history; found with ``settings.waves`` when absent.
    surges : DataFrame, optional
        :func:`foresight.warning.surges` at ``as_of``; found with ``settings.surges`` when absent.
    wave_p : DataFrame, optional
        Wave probabilities ``area, category, p_wave`` from elsewhere (e.g.
        :func:`foresight.warning.learned.wave_probability` at the same ``as_of`` and ``horizon``): every
        series of it with ``p_wave >= learned_floor`` is then a wave candidate instead of the
        gamma-Poisson trigger, and the ``p_wave`` column holds them; series missing from it are no
        candidates. The wave flags then rank by ``wave_rank`` (with ``p_raw``, the classifier's own
        probability, breaking the calibration's ties when the frame has it). Default: with
        ``wave_model="learned"``, fitted here on ``panel`` before ``as_of``
        (:func:`foresight.warning.own_history.learned_wave_p`, ``seed``).
    language : {"en", "zh"}
        Language of the reasons.
    suppress_below : int, default 0
        Counts below it read ``"<k"`` in the reasons (:func:`foresight.text.count`).
    model, country, subdiv, seed
        Passed to ``foresight.forecasting.forecast`` when the forecasts are computed here (``seed`` also
        to the learned wave model).
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    **overrides
        A setting by its name, e.g. ``kinds=("wave",)``, ``wave_prob=0.3``, ``max_flags=None`` or a
        detector's ``alpha=0.01`` (see :meth:`FlagSettings.replace`).

    Returns
    -------
    DataFrame
        :data:`FLAG_COLUMNS`, ranked by ``score``, one row per area x category. ``start``/``end`` are
        the first and last period of the flag's window; ``expected`` (80% interval ``expected_lo`` -
        ``expected_hi``) and ``baseline`` are cases over that window: the forecast for a wave, what
        the season predicted for a surge or escalation, whose ``observed`` holds the count;
        ``excess`` the cases above usual; ``p_wave`` the probability that the horizon total reaches
        the wave level (the learned, calibrated probability when one is used); ``id`` is
        ``as_of/area/category``. ``attrs["wave_model"]``: ``{"model": "learned" | "rule" | "given", ...}``,
        with ``text``, one sentence on how the probabilities were learned or why the rule was used.

    Raises
    ------
    DataError
        If the panel or an optional frame is malformed.
    ConfigError
        If a setting is out of range or unknown.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2020-01-06", "2023-12-25", freq="W-MON")
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51) + 1
    >>> y = np.random.default_rng(0).poisson(np.where((wk >= 10) & (wk <= 35), 30, 5))
    >>> panel = pd.DataFrame({"area": "T1", "category": "school", "ds": ds, "y": y})
    >>> fc = pd.DataFrame({"area": "T1", "category": "school",
    ...                    "ds": pd.date_range("2024-01-01", periods=13, freq="W-MON"),
    ...                    "mean": [5.0] * 8 + [30.0] * 5, "p10": 2, "p90": 9})
    >>> f = flags(panel, "2024-01-01", forecasts=fc, kinds=("wave",))  # one series: too few waves to learn
    >>> f[["area", "kind", "start", "expected", "baseline"]].round(1).to_string(index=False)
    'area kind      start  expected  baseline\\n  T1 wave 2024-02-26     150.0      27.8'
    >>> f.attrs["wave_model"]["model"]
    'rule'
    """
    s = (settings or FlagSettings()).replace(**overrides) if overrides else (settings or FlagSettings())
    panel = check_panel(panel)
    if language not in ("en", "zh"):
        raise ConfigError(f"language={language!r}: use 'en' or 'zh'.")
    if horizon < 1:
        raise ConfigError(f"horizon={horizon} must be >= 1.")
    if wave_p is not None and not {"area", "category", "p_wave"} <= set(wave_p.columns):
        raise DataError("wave_p lacks columns area, category, p_wave; pass the frame "
                        "foresight.warning.learned.wave_probability returns.")
    if waves is not None and len(waves) and not {"area", "category", "onset", "end"} <= set(waves.columns):
        raise DataError("waves lacks columns area, category, onset, end; pass the frame "
                        "foresight.warning.waves returns (or leave it out).")
    f = panel_freq(panel, freq)
    as_of = _as_of(panel, as_of, f)
    before = (panel["ds"] < as_of).to_numpy()  # a checked panel's ds: datetime64[ns]
    hist = panel if before.all() else panel[before]
    if hist.empty:
        raise DataError(f"the panel has no periods before as_of={as_of.date()}; pass an earlier as_of.")
    nm = _names(categories, areas, language)
    k = int(suppress_below)
    learn = {"model": "rule" if wave_p is None else "given"}
    if "wave" in s.kinds and wave_p is None and s.wave_model == "learned":
        from foresight.warning.own_history import learned_wave_p

        wave_p, learn = learned_wave_p(hist, as_of, horizon=horizon, wave_ratio=s.wave_ratio, wave_min=s.wave_min,
                                       freq=f, seed=seed, language=language, prior=s.wave_prior)
    parts = []
    if "wave" in s.kinds:
        if forecasts is None:
            from foresight.forecasting import forecast

            forecasts = forecast(hist, horizon, model=model, freq=f, country=country, subdiv=subdiv, seed=seed)
        if waves is None and s.seasonal:
            waves = find_waves(hist, freq=f, **s.waves.kwargs())
        parts.append(wave_flags(hist, forecasts, waves, as_of=as_of, horizon=horizon, f=f, s=s, wave_p=wave_p,
                                name=nm["category"], language=language, k=k))
    if "surge" in s.kinds:
        if surges is None:
            surges = find_surges(hist, as_of, freq=f, **s.surges.kwargs())
        parts.append(surge_flags(surges, as_of=as_of, f=f, s=s, name=nm["category"], language=language, k=k))
    if "escalation" in s.kinds and cases is not None:
        parts.append(escalation_flags(cases, hist, as_of=as_of, f=f, s=s, name=nm["category"], language=language,
                                      k=k))

    def kept(fl: pd.DataFrame) -> pd.Series:
        keep = fl["excess"] >= s.min_excess
        if wave_p is not None:  # a learned wave candidate's evidence is its probability, not the excess
            keep |= (fl["kind"] == "wave") & (fl["p_wave"] >= s.learned_floor)
        return keep

    parts = [Part(p.flags[kept(p.flags)], p.reasons) for p in parts]
    parts = [p for p in parts if len(p.flags)]
    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in FLAG_COLUMNS})
        out.attrs.update(as_of=as_of, freq=f, horizon=horizon, wave_model=learn)
        return out
    out = _merge(pd.concat([p.flags[PART_COLUMNS] for p in parts], ignore_index=True))
    out = out.sort_values(["score", "expected"], ascending=False, kind="stable").reset_index(drop=True)
    if wave_p is not None and s.wave_rank == "rank_avg":
        out = rank_learned(out, wave_p, forecasts, hist, as_of=as_of, horizon=horizon, f=f)
    if s.max_flags is not None:
        out = out.head(int(s.max_flags)).copy()
    out["reason"] = _reasons(out, parts, language)  # worded only for the flags kept
    out["rank"] = np.arange(1, len(out) + 1)
    out["id"] = [flag_id(as_of, a, c) for a, c in zip(out["area"], out["category"])]
    out["theme"] = out["category"].map(nm["theme"])
    out["department"] = out["category"].map(nm["department"])
    out["area_name"] = out["area"].astype(str).map(nm["area"])
    out["category_name"] = out["category"].astype(str).map(nm["category"])
    out = out[FLAG_COLUMNS]
    out.attrs.update(as_of=as_of, freq=f, horizon=horizon, wave_model=learn)
    return out

