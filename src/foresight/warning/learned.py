"""A learned, calibrated wave probability per area x category, trained on the log's own past origins.

Every past period of a log is an origin at which each active series either did or did not start a
wave over the next ``horizon`` periods (the wave definition of :func:`foresight.warning.flags`):
hundreds of thousands of labelled examples. :func:`fit_wave_model` learns from them with
scikit-learn's ``HistGradientBoostingClassifier`` (features: recent levels over four windows, the same
weeks in the past two years, spread, sparsity, series age, the category's and the parent area's
movement, the seasonal position; see ``foresight.warning._features``), calibrates the probability
on the latest origins it did not train on (isotonic regression, so that 0.3 means about 3 in 10),
and fits a Poisson ``HistGradientBoostingRegressor`` for the expected horizon total.
:func:`wave_probability` applies a model at one origin. Training examples can pool several logs (a
prior from public logs for a centre with a short history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from foresight.errors import ConfigError, DataError
from foresight.matrix import SeriesMatrix, to_matrix
from foresight.warning._features import FEATURES, Examples, examples, windows
from foresight.periods import panel_freq, period_index
from foresight.schemas import check_panel

__all__ = ["WaveModel", "fit_wave_model", "wave_probability", "PROB_COLUMNS"]

PROB_COLUMNS = ["area", "category", "p_wave", "expected", "baseline", "need", "expected_excess", "p_raw"]


@dataclass
class WaveModel:
    """A fitted wave classifier, its calibration and the expected-total regressor (picklable).

    Attributes
    ----------
    classifier, regressor
        scikit-learn ``HistGradientBoostingClassifier`` / ``HistGradientBoostingRegressor``.
    calibrator
        Maps the classifier's raw probability to a calibrated one (``IsotonicRegression`` or a
        one-feature ``LogisticRegression`` on the logit for ``"sigmoid"``); ``None``: uncalibrated.
    horizon, ratio, min_cases, freq
        The wave definition and frequency the model was trained for.
    info
        How it was trained: examples, positives, training and calibration origins.

    Examples
    --------
    >>> import pickle, numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", periods=260, freq="W-MON")
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "roads", "ds": ds, "y": rng.poisson(5.0, 260)})
    ...                    for a in "ABC"])
    >>> m = fit_wave_model(panel, until="2023-12-25", max_iter=10, expected=False)
    >>> (m.horizon, m.ratio, m.min_cases, m.freq)
    (13, 1.5, 10.0, 'W')
    >>> pickle.loads(pickle.dumps(m)).info == m.info
    True
    """

    classifier: HistGradientBoostingClassifier
    regressor: HistGradientBoostingRegressor | None
    calibrator: object | None
    horizon: int
    ratio: float
    min_cases: float
    freq: str
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    info: dict = field(default_factory=dict)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Uncalibrated wave probabilities of a feature matrix."""
        with _one_thread():
            return self.classifier.predict_proba(X)[:, 1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated wave probabilities of a feature matrix (columns ``features``)."""
        return _calibrate(self.calibrator, self.raw(X))

    def expected(self, X: np.ndarray) -> np.ndarray:
        """Expected horizon totals (NaN without a regressor)."""
        if self.regressor is None:
            return np.full(len(X), np.nan)
        with _one_thread():
            return self.regressor.predict(X)


def _one_thread():
    """scikit-learn's boosting on one OpenMP thread.

    The same probabilities as with two threads where measured (30,000 and 100,000 series), without
    threads spinning on busy cores: on the shared 2-core machine the fit took 4 times the CPU on two
    threads (``docs/benchmarks.md``, "The learned wave model's cost"). Results do not depend on the
    machine's core count.
    """
    return threadpool_limits(limits=1, user_api="openmp")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))[:, None]


def _calibrate(cal, p: np.ndarray) -> np.ndarray:
    if cal is None:
        return p
    if isinstance(cal, IsotonicRegression):
        return cal.predict(p)
    return cal.predict_proba(_logit(p))[:, 1]


def _seen(X: np.ndarray) -> np.ndarray:
    """A feature that is missing in every training row (e.g. two years back in a short log) is 0."""
    X = X.copy()
    X[:, np.isnan(X).all(axis=0)] = 0.0
    return X


def _grid_origin(grid, as_of: pd.Timestamp) -> int:
    return int(period_index(pd.DatetimeIndex([as_of]), grid.starts[0], grid.freq)[0])


def _grid(panel: pd.DataFrame | SeriesMatrix, before: pd.Timestamp, freq: str | None = None) -> SeriesMatrix:
    """The early-warning series matrix of a panel before ``before`` (a matrix is taken as it is)."""
    if isinstance(panel, SeriesMatrix):
        return panel
    panel = check_panel(panel)
    return to_matrix(panel, panel_freq(panel, freq), before=before, gaps="missing")


def training_examples(panel: pd.DataFrame | SeriesMatrix, *, horizon: int, until, every: int = 1,
                      ratio: float = 1.5, min_cases: float = 10.0, freq: str | None = None,
                      max_series: int | None = None, seed: int = 0) -> Examples:
    """Labelled examples of one panel at every ``every``-th origin whose horizon ends by ``until``.

    ``panel`` may be its series matrix (``to_matrix(panel, freq, before=until, gaps="missing")``).
    With more than ``max_series`` series, a uniform random sample of ``max_series`` of them (``seed``)
    gives the examples; the category and area movements still sum over all series.
    """
    until = pd.Timestamp(until)
    grid = _grid(panel, until, freq)
    ppy, _ = windows(grid.freq)
    last = min(grid.y.shape[1], _grid_origin(grid, until)) - horizon
    t = np.arange(last, ppy - 1, -every)[::-1]  # anchored at the latest origin
    if len(t) == 0:
        raise DataError(f"the panel has too short a history before {until.date()} to train on: at "
                        f"least {ppy + horizon} periods are needed; pass more history or a pooled model.")
    n = grid.y.shape[0]
    rows = None
    if max_series is not None and n > max_series:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_series, replace=False))
    return examples(grid, t, horizon=horizon, ratio=ratio, min_cases=min_cases, rows=rows)


def fit_wave_model(
    panels: pd.DataFrame | Sequence[pd.DataFrame],
    *,
    until,
    horizon: int = 13,
    wave_ratio: float = 1.5,
    wave_min: float = 10.0,
    every: int = 1,
    calibration: str | None = "isotonic",
    holdout: float = 0.25,
    expected: bool = True,
    max_series: int | None = 20_000,
    max_iter: int = 200,
    seed: int = 0,
) -> WaveModel:
    """Train a calibrated wave classifier on past origins of one or more logs.

    Parameters
    ----------
    panels : DataFrame or SeriesMatrix, or a sequence of them
        Counts panels ``area, category, ds, y`` of the same frequency; examples of several logs are
        pooled (each log's features are relative to its own series, so they transfer). A panel may
        be given as its series matrix, ``to_matrix(panel, freq, before=until, gaps="missing")``
        (:func:`foresight.matrix.to_matrix`), to build it once for the fit and the scoring.
    until : date
        Only origins whose whole horizon lies before ``until`` are used (so a model for an origin
        ``as_of`` sees no outcome at or after it: pass ``until=as_of``).
    horizon, wave_ratio, wave_min
        The wave definition (as in :func:`foresight.warning.flags`).
    every : int
        Use every ``every``-th past origin (1: every period); larger trains faster.
    calibration : {"isotonic", "sigmoid", None}
        Calibrate on the latest ``holdout`` share of the training origins, which the classifier does
        not see.
    holdout : float
        Share of the origins (the latest) kept for calibration.
    expected : bool
        Also fit the Poisson regressor of the horizon total.
    max_series : int or None
        Train on at most this many series per log (a seeded uniform sample), which bounds time and
        memory on very large panels (every origin of 20,000 weekly series over 7 years is about 7
        million examples before ``every``).
    max_iter : int
        Boosting iterations.
    seed : int
        Random state of the boosting models.

    Returns
    -------
    WaveModel

    Raises
    ------
    ConfigError
        If an option is out of range.
    DataError
        If there are no labelled examples (too short a history).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", periods=260, freq="W-MON")
    >>> rng = np.random.default_rng(0)
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51)
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "heat", "ds": ds,
    ...                                  "y": rng.poisson(np.where(wk < 10, 12.0, 3.0))}) for a in "ABCD"])
    >>> m = fit_wave_model(panel, until="2023-12-25", horizon=13, max_iter=20)
    >>> m.info["examples"] > 500
    True
    """
    if calibration not in ("isotonic", "sigmoid", None):
        raise ConfigError(f"calibration={calibration!r}: use 'isotonic', 'sigmoid' or None.")
    if not 0 < holdout < 1 or horizon < 1 or every < 1:
        raise ConfigError("holdout must be in (0, 1), horizon >= 1 and every >= 1.")
    if isinstance(panels, (pd.DataFrame, SeriesMatrix)):
        panels = [panels]
    freqs = {p.freq if isinstance(p, SeriesMatrix) else panel_freq(p, None) for p in panels}
    if len(freqs) != 1:
        raise ConfigError(f"the panels mix frequencies {sorted(freqs)}; pool panels of one frequency.")
    parts, when, origins = [], [], 0
    for p in panels:
        try:
            ex = training_examples(p, horizon=horizon, until=until, every=every, ratio=wave_ratio,
                                   min_cases=wave_min, max_series=max_series, seed=seed)
        except DataError:
            if len(panels) == 1:
                raise
            continue
        ok = ~np.isnan(ex.label)
        parts.append((ex.X[ok], ex.label[ok], ex.total[ok]))
        origins += len(np.unique(ex.origin[ok]))
        # rank the origins of each log by recency (0 = oldest, 1 = latest) for the holdout split
        o = ex.origin[ok]
        when.append((o - o.min()) / max(o.max() - o.min(), 1))
    if not parts:
        raise DataError("no panel has enough history before `until` to train on.")
    X = np.concatenate([a for a, _, _ in parts])
    y = np.concatenate([b for _, b, _ in parts]).astype(int)
    total = np.concatenate([c for _, _, c in parts])
    late = np.concatenate(when) > 1 - holdout
    fit_rows = ~late if calibration is not None and late.any() and (~late).any() else np.ones(len(y), bool)
    clf = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.05, max_leaf_nodes=31,
                                         min_samples_leaf=100, l2_regularization=1.0,
                                         early_stopping=False, random_state=seed)
    with _one_thread():
        clf.fit(_seen(X[fit_rows]), y[fit_rows])
    cal = None
    if calibration is not None and late.any() and len(np.unique(y[late])) == 2:
        with _one_thread():
            raw = clf.predict_proba(X[late])[:, 1]
        if calibration == "isotonic":
            cal = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y[late])
        else:
            cal = LogisticRegression().fit(_logit(raw), y[late])
    reg = None
    if expected:
        reg = HistGradientBoostingRegressor(loss="poisson", max_iter=max_iter, learning_rate=0.05,
                                            max_leaf_nodes=31, min_samples_leaf=100,
                                            early_stopping=False, random_state=seed)
        with _one_thread():
            reg.fit(_seen(X), total)
    info = dict(examples=int(len(y)), positives=int(y.sum()), fit_examples=int(fit_rows.sum()),
                calibration_examples=int(late.sum()) if cal is not None else 0, logs=len(parts), origins=origins,
                until=str(pd.Timestamp(until).date()), every=every)
    return WaveModel(classifier=clf, regressor=reg, calibrator=cal, horizon=horizon, ratio=wave_ratio,
                     min_cases=wave_min, freq=freqs.pop(), info=info)


def wave_probability(
    panel: pd.DataFrame | SeriesMatrix,
    as_of,
    *,
    horizon: int = 13,
    model: WaveModel | None = None,
    wave_ratio: float = 1.5,
    wave_min: float = 10.0,
    every: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """The calibrated chance that each series' next ``horizon`` periods form a wave.

    Parameters
    ----------
    panel : DataFrame or SeriesMatrix
        Counts panel ``area, category, ds, y``; periods at or after ``as_of`` are ignored. Or its
        series matrix, ``to_matrix(panel, freq, before=as_of, gaps="missing")``, built once for a
        model fitted on the same history (:func:`foresight.warning.own_history.learned_wave_p`).
    as_of : date
        The first period of the horizon.
    horizon, wave_ratio, wave_min
        The wave definition; must match ``model``'s when one is given.
    model : WaveModel, optional
        A fitted model (e.g. pooled over several logs); default: fit one on the panel's own history
        before ``as_of`` (:func:`fit_wave_model` with ``until=as_of``).
    every, seed
        Passed to :func:`fit_wave_model` when the model is fitted here.

    Returns
    -------
    DataFrame
        ``area, category, p_wave, expected, baseline, need, expected_excess, p_raw``: one row per
        series with a case in the year before ``as_of``. ``p_raw`` is the classifier's uncalibrated
        probability: isotonic calibration is a step function, so many series share one ``p_wave``;
        break such ties by ``p_raw`` when ranking (the order within a step is otherwise arbitrary). ``baseline`` is the normal horizon total (trailing-year
        mean x horizon), ``need`` the total a wave must reach, ``expected`` the model's expected
        total and ``expected_excess = max(expected - baseline, 0)``.

    Raises
    ------
    ConfigError
        If ``model`` was trained for another horizon, wave definition or frequency.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", periods=260, freq="W-MON")
    >>> rng = np.random.default_rng(0)
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51)
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "heat", "ds": ds,
    ...                                  "y": rng.poisson(np.where(wk < 10, 12.0, 3.0))}) for a in "ABCD"])
    >>> p = wave_probability(panel, "2023-12-25", horizon=13, every=2)
    >>> list(p.columns) == PROB_COLUMNS, bool(p["p_wave"].between(0, 1).all())
    (True, True)
    """
    as_of = pd.Timestamp(as_of)
    grid = _grid(panel, as_of)
    f = grid.freq
    if model is None:
        model = fit_wave_model(grid, until=as_of, horizon=horizon, wave_ratio=wave_ratio, wave_min=wave_min,
                               every=every, seed=seed)
    elif (model.horizon, model.ratio, model.min_cases, model.freq) != (horizon, wave_ratio, wave_min, f):
        raise ConfigError(f"the model was trained for horizon={model.horizon}, wave_ratio={model.ratio}, "
                          f"wave_min={model.min_cases}, freq={model.freq!r}; pass the same options or "
                          "fit a model for these.")
    ex = examples(grid, np.array([_grid_origin(grid, as_of)]), horizon=horizon, ratio=wave_ratio,
                  min_cases=wave_min)
    keys = grid.keys.iloc[ex.series].reset_index(drop=True)
    raw = model.raw(ex.X) if len(ex.X) else np.array([])
    out = keys.assign(p_wave=_calibrate(model.calibrator, raw) if len(ex.X) else raw,
                      expected=model.expected(ex.X) if len(ex.X) else np.array([]),
                      baseline=ex.normal * horizon, need=ex.need)
    out["expected_excess"] = np.maximum(out["expected"] - out["baseline"], 0.0)
    out["p_raw"] = raw
    out.attrs.update(as_of=as_of, horizon=horizon, freq=f)
    return out[PROB_COLUMNS]

