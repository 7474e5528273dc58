"""The early-warning settings: one frozen dataclass per detector, with named, sourced defaults.

The library (:func:`foresight.warning.flags`), the report and the command line read these defaults
and nowhere else; a test checks that :func:`~foresight.warning.waves` and
:func:`~foresight.warning.surges` keep the same defaults in their own keyword arguments.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from foresight.errors import ConfigError

__all__ = ["FLAG_KINDS", "WAVE_MODELS", "FlagSettings", "IntervalSettings", "SurgeSettings", "WaveSettings"]

#: The kinds of flag, in the order a merged flag names them (``wave+surge``).
FLAG_KINDS = ("wave", "surge", "escalation")
#: Where a wave flag's probability comes from (``FlagSettings.wave_model``).
WAVE_MODELS = ("learned", "rule")


@dataclass(frozen=True)
class WaveSettings:
    """Settings of the seasonal-wave finder :func:`foresight.warning.waves` (its keyword arguments).

    Attributes
    ----------
    min_years : int
        Fewest complete years before a series' waves count: two, so a season is seen to come back.
    min_height : float
        Smallest peak-to-base ratio, 1.5: the ``wave_ratio`` of a wave flag.
    min_periods : int or None
        Shortest wave; None means 3 weeks or 1 month (a single busy week is a surge, not a season).
    min_z : float
        Significance of the pooled excess, 3 standard errors: about a Bonferroni bound at 5% over
        the 52 weeks a window can start in.
    min_confidence : float
        Share of years the wave came, 0.5: a season recurs in most years.
    min_excess : float
        Fewest extra cases per season, 3: below that a season is too small to plan for.
    level : float
        Where onset and end are read, 10% of the way from base to peak.
    base_quantile : float
        Quantile of the profile taken as the off-season base: the lower quartile.
    recur : float
        A year has the wave when it rises half the typical ratio above its base.
    smooth : int or None
        Circular smoothing width; None means 3 weeks (5 for sparse series) or 1 month.
    min_coverage : float
        Share of a year's periods a series must cover for that year to count, 0.9.

    Examples
    --------
    >>> WaveSettings().min_height, WaveSettings(min_z=2.0).kwargs()["min_z"]
    (1.5, 2.0)
    """

    min_years: int = 2
    min_height: float = 1.5
    min_periods: int | None = None
    min_z: float = 3.0
    min_confidence: float = 0.5
    min_excess: float = 3.0
    level: float = 0.1
    base_quantile: float = 0.25
    recur: float = 0.5
    smooth: int | None = None
    min_coverage: float = 0.9

    def kwargs(self) -> dict[str, Any]:
        """The settings as keyword arguments of :func:`foresight.warning.waves`.

        Examples
        --------
        >>> sorted(WaveSettings().kwargs())[:3]
        ['base_quantile', 'level', 'min_confidence']
        """
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SurgeSettings:
    """Settings of the surge detector :func:`foresight.warning.surges` (Noufaily et al. 2013).

    Attributes
    ----------
    weeks : int
        Latest periods tested, 2: a surge is news for two weeks; the report's surge table and its
        surge flags are the same alarms (the rule the flags always used; the table tested 4).
    alpha : float
        Per-test false-alarm level, 0.005: about 5 false alarms per 1,000 series-weeks, measured on
        seasonal negative-binomial noise (see :mod:`foresight.warning.surges`).
    fdr : float or None
        Benjamini-Hochberg level over all tests instead of ``alpha``; None keeps ``alpha``.
    years : int
        Years of baseline, 5 (Noufaily et al. 2013, ``b = 5``).
    window : int or None
        Half-width of the same-season window; None means 3 weeks or 1 month (Noufaily ``w = 3``).
    n_periods : int
        Levels of the seasonal factor, 10 (Noufaily et al. 2013).
    guard : int or None
        Latest periods left out of the baseline; None means 26 weeks or 6 months (Noufaily).
    reweight : bool
        Down-weight past outbreaks in the baseline (Noufaily et al. 2013).
    weights_threshold : float
        Residual above which a baseline period is down-weighted, 2.58 (Noufaily et al. 2013).
    trend : bool
        Allow a significant time trend (Farrington et al. 1996).
    limit : tuple of int or None
        No alarm unless the last 4 periods hold 5 cases: Farrington's ``limit54``.
    min_baseline : int or None
        Fewest baseline periods; None means one year.
    estimation_error : bool
        Widen the threshold by the estimation error of the mean (the plug-in alarms 20-50% too often).
    pool_dispersion : float or None
        Shrink a sparse series' dispersion toward its category's, weight ``n / (n + 100)``.

    Examples
    --------
    >>> SurgeSettings().alpha, SurgeSettings().kwargs()["weeks"]
    (0.005, 2)
    """

    weeks: int = 2
    alpha: float = 0.005
    fdr: float | None = None
    years: int = 5
    window: int | None = None
    n_periods: int = 10
    guard: int | None = None
    reweight: bool = True
    weights_threshold: float = 2.58
    trend: bool = True
    limit: tuple[int, int] | None = (5, 4)
    min_baseline: int | None = None
    estimation_error: bool = True
    pool_dispersion: float | None = 100.0

    def kwargs(self) -> dict[str, Any]:
        """The settings as keyword arguments of :func:`foresight.warning.surges`.

        Examples
        --------
        >>> SurgeSettings(alpha=0.01).kwargs()["alpha"]
        0.01
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class FlagSettings:
    """Settings of :func:`foresight.warning.flags`: which flags are raised, and how many are kept.

    Attributes
    ----------
    wave_ratio : float
        A wave: the horizon total reaches 1.5 x normal (the seasonal-wave finder's ``min_height``).
    wave_min : float
        ... and at least 10 cases: fewer is not worth a team's visit.
    wave_prob : float or None
        Flag a wave when the horizon total has at least this probability of reaching the wave
        level: 0.2 (with ``level_cv=0.22``, ``level_cases=20``) is the best pooled F1 on seven NYC
        council origins of 2017-2018 (``benchmarks/flags_nyc.py``); when waves are rare the
        F1-optimal probability is about half the attainable F1 (Lipton et al. 2014). None asks the
        expected total itself to reach the wave level.
    level_cv, level_cases : float
        Uncertainty of the forecast level over the horizon: the total is negative binomial with
        variance ``m + v m^2``, ``v = level_cv**2 + level_cases / (n + 1)``, ``n`` the series' cases in
        the last year (fitted with ``wave_prob`` on the same NYC origins).
    seasonal : bool
        Also flag recurring seasonal waves that start within the horizon (the lead-time trigger).
    kinds : tuple of str
        The kinds raised (:data:`FLAG_KINDS`).
    escalation_weeks : int
        Window of the escalation test, 8 periods: two months of collective/repeat/higher-level cases.
    escalation_weight : float
        Weight of an escalated petition in the score, 3: each can bring several more visits.
    min_excess : float
        No flag expects fewer than 2 cases above usual (issue 9: flags worth less than a case were
        padding the list).
    max_flags : int or None
        Keep the top 20 (a district's two-page list); None keeps all.
    wave_rank : {"rank_avg", "score"}
        How the wave flags are ordered when a learned probability is passed (``wave_p``; without it
        they rank by ``score``). ``"rank_avg"``: by the mean of each series' rank by the learned
        probability (its ``p_raw`` when given, which breaks the calibration's ties) and its rank by the
        forecast's horizon total over the normal total; the wave flags keep the places their scores give
        them among the other kinds. It caught 1.08-1.29 x the true waves of the rule "rank TSB's
        forecast ratio" in the top 20 on the development origins of both real logs at 13 and 26 weeks,
        the best of five rules (``benchmarks/skill.py --rank --dev-only``; docs/benchmarks.md, Skill).
        ``"score"``: by the cases above usual, as without ``wave_p``.
    wave_model : {"learned", "rule"}
        Where the wave trigger's probability comes from when none is passed in (``wave_p``).
        ``"learned"`` (the default): :func:`foresight.warning.own_history.learned_wave_p` fits the
        calibrated wave classifier on the centre's own history before ``as_of`` (horizon = the run's;
        every 4th past week, seeded) and the wave candidates are every active series with
        ``p_wave >= learned_floor`` and a forecast total of at least ``wave_min`` cases, ranked by
        ``wave_rank``: the short list ``benchmarks/skill.py --rank --flags`` scored (docs/benchmarks.md,
        Skill). A history too short to learn from falls back to ``"rule"`` and says so. ``"rule"``: the
        gamma-Poisson trigger (``wave_prob``, ``level_cv``, ``level_cases``).
    learned_floor : float
        The smallest learned probability a wave flag may have, 0.15: the threshold with the best F1 of
        the whole wave flag set on the development origins (``benchmarks/skill.py``, three of the four
        log x horizon runs), and the lowest of 0.05 / 0.1 / 0.15 / 0.2 that keeps the sample district's
        wave flags at least 70% right (0.70; 84% of its seasonal waves flagged 4 weeks ahead). Lower
        floors rank a little better on the real logs' development origins (hits at 20 over the TSB
        rule, mean of four runs: 1.17 at 0.05, 1.12 at 0.15) but flag more series that see no wave.
        The shipped list itself (own model, this floor, ``rank_avg``, top 20) caught 1.17 / 0.86 /
        1.13 / 1.22 x the TSB rule's waves in its top 20 (NYC 13 weeks, Zurich 13, NYC 26, Zurich 26;
        development origins, ``benchmarks/skill.py --product``); filling a list shorter than
        ``max_flags`` with the series below the floor raised that to 1.18 / 0.97 / 1.13 / 1.25 but
        cut the sample district's precision of all shown wave flags to 0.40, so it is not done.
    wave_prior : bool
        Also learn from the public logs shipped with foresight
        (:func:`foresight.warning.prior.prior_panels`; weekly runs). False by default: pooled with
        them, the sample district's learned flags at ``learned_floor=0.15`` caught 18 of its 19
        seasonal waves 4 weeks ahead but only 56% of its wave flags were right (65% at 0.2), below
        the 70% floor, against 16 of 19 and 70% from its own history (``benchmarks/synth_floors.py``,
        docs/benchmarks.md). On the real logs' development origins the pooled model ranked above
        the own one on three of four runs (hits at 20 over the TSB rule 1.148 / 1.078 / 1.188 / 1.290
        against 1.102 / 0.967 / 1.125 / 1.300, ``rank_avg`` at floor 0). True suits a centre whose
        own log is short.
    waves : WaveSettings
        Settings of the seasonal waves the flags use when they are not passed in.
    surges : SurgeSettings
        Settings of the surge detector the flags use when the surges are not passed in.

    Examples
    --------
    >>> s = FlagSettings()
    >>> s.wave_prob, s.min_excess, s.surges.alpha
    (0.2, 2.0, 0.005)
    >>> s.replace(max_flags=5, alpha=0.01).surges.alpha  # a detector's setting by its name
    0.01
    """

    wave_ratio: float = 1.5
    wave_min: float = 10.0
    wave_prob: float | None = 0.2
    level_cv: float = 0.22
    level_cases: float = 20.0
    seasonal: bool = True
    kinds: tuple[str, ...] = FLAG_KINDS
    escalation_weeks: int = 8
    escalation_weight: float = 3.0
    min_excess: float = 2.0
    max_flags: int | None = 20
    wave_rank: str = "rank_avg"
    wave_model: str = "learned"
    learned_floor: float = 0.15
    wave_prior: bool = False
    waves: WaveSettings = field(default_factory=WaveSettings)
    surges: SurgeSettings = field(default_factory=SurgeSettings)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FLAG_KINDS)
        if unknown:
            raise ConfigError(f"unknown flag kind(s) {sorted(unknown)}; use {', '.join(FLAG_KINDS)}.")
        if self.wave_ratio <= 1 or self.wave_min < 0 or self.min_excess < 0:
            raise ConfigError("wave_ratio must be > 1, wave_min >= 0 and min_excess >= 0.")
        if self.wave_prob is not None and not 0 < self.wave_prob < 1:
            raise ConfigError(f"wave_prob={self.wave_prob} must be between 0 and 1 (e.g. 0.2), or None.")
        if not self.level_cv > 0 or not self.level_cases >= 0:
            raise ConfigError(f"level_cv={self.level_cv} must be > 0 (e.g. 0.22) and "
                              f"level_cases={self.level_cases} >= 0.")
        if self.escalation_weeks < 1:
            raise ConfigError("escalation_weeks must be >= 1.")
        if self.wave_rank not in ("rank_avg", "score"):
            raise ConfigError(f"wave_rank={self.wave_rank!r}: use 'rank_avg' or 'score'.")
        if self.wave_model not in WAVE_MODELS:
            raise ConfigError(f"wave_model={self.wave_model!r}: use 'learned' or 'rule'.")
        if not 0 <= self.learned_floor < 1:
            raise ConfigError(f"learned_floor={self.learned_floor} must be in [0, 1) (e.g. 0.15).")
        if self.max_flags is not None and self.max_flags < 1:
            raise ConfigError(f"max_flags={self.max_flags} must be >= 1, or None to keep all.")

    def replace(self, **changes: Any) -> FlagSettings:
        """A copy with some settings changed: a flag setting, or a wave or surge setting by its name.

        Raises
        ------
        ConfigError
            A name that is no setting.

        Examples
        --------
        >>> FlagSettings().replace(wave_min=5, min_z=2.5).waves.min_z
        2.5
        """
        own = {f.name for f in dataclasses.fields(self)}
        wave = {f.name for f in dataclasses.fields(WaveSettings)}
        surge = {f.name for f in dataclasses.fields(SurgeSettings)}
        bad = sorted(set(changes) - own - wave - surge)
        if bad:
            raise ConfigError(f"unknown flag setting(s) {bad}; see foresight.warning.FlagSettings, "
                              "WaveSettings and SurgeSettings for the names.")
        if "kinds" in changes:
            changes["kinds"] = tuple(changes["kinds"])
        mine = {k: v for k, v in changes.items() if k in own}
        w = {k: v for k, v in changes.items() if k in wave and k not in own}
        s = {k: v for k, v in changes.items() if k in surge and k not in own and k not in wave}
        if w:
            mine["waves"] = dataclasses.replace(mine.get("waves", self.waves), **w)
        if s:
            mine["surges"] = dataclasses.replace(mine.get("surges", self.surges), **s)
        return dataclasses.replace(self, **mine)


@dataclass(frozen=True)
class IntervalSettings:
    """Settings of the interval scale learned on past origins (:mod:`foresight.forecasting.intervals`).

    Attributes
    ----------
    min_origins : int
        Fewest past origins a level's scale is learned from, 4 (a year of quarterly origins, so every
        season is seen once); with fewer the scale is 1 and the scale table's ``note`` says so.
    grid_min, grid_max, grid_step : float
        Factors of the half-widths tried: 0.5 to 3.0 in steps of 0.05 (the grid of the first trial,
        docs/benchmarks.md, "Interval coverage per level").
    bands : tuple of int
        Upper horizon steps of the bands that get their own scale, e.g. ``(4, 13)`` for steps 1-4,
        5-13 and 14 on; empty (the default): one scale per level for every step.
    spacing : int or None
        Periods between the past origins a forecast learns from (``calibrate_intervals=N``); None
        means a quarter: 13 weeks or 3 months.
    rule : {"coverage", "pinball"}
        ``"coverage"`` (default): one factor per pair of quantiles, the one whose central interval
        covered the past actuals closest to nominal (split conformal). ``"pinball"``: a factor per
        quantile, the one with the lowest pinball loss on the past actuals (each quantile moved
        toward its own level, so a skewed interval can widen on one side only).

    Examples
    --------
    >>> IntervalSettings().min_origins, len(IntervalSettings().grid())
    (4, 51)
    """

    min_origins: int = 4
    grid_min: float = 0.5
    grid_max: float = 3.0
    grid_step: float = 0.05
    bands: tuple[int, ...] = ()
    spacing: int | None = None
    rule: str = "coverage"

    def __post_init__(self) -> None:
        if self.rule not in ("coverage", "pinball"):
            raise ConfigError(f"rule={self.rule!r}: use 'coverage' or 'pinball'.")
        if self.min_origins < 1:
            raise ConfigError(f"min_origins={self.min_origins} must be >= 1 (e.g. 4).")
        if not 0 < self.grid_min <= 1 <= self.grid_max or not self.grid_step > 0:
            raise ConfigError(f"the factor grid {self.grid_min} to {self.grid_max} (step {self.grid_step}) "
                              "must include 1 and start above 0, with a step above 0 (e.g. 0.5, 3.0, 0.05).")
        if list(self.bands) != sorted(set(self.bands)) or any(b < 1 for b in self.bands):
            raise ConfigError(f"bands={self.bands!r} must be increasing horizon steps >= 1, e.g. (4, 13).")
        if self.spacing is not None and self.spacing < 1:
            raise ConfigError(f"spacing={self.spacing} must be >= 1 period, or None for a quarter.")

    def grid(self) -> tuple[float, ...]:
        """The factors tried, rounded to the step's decimals (1.0 is always one of them).

        Examples
        --------
        >>> IntervalSettings(grid_min=0.8, grid_max=1.2, grid_step=0.1).grid()
        (0.8, 0.9, 1.0, 1.1, 1.2)
        """
        n = int(round((self.grid_max - self.grid_min) / self.grid_step))
        vals = {round(self.grid_min + i * self.grid_step, 6) for i in range(n + 1)} | {1.0}
        return tuple(sorted(v for v in vals if v <= self.grid_max + 1e-9))
