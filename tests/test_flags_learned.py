"""The learned wave model as the default of ``flags``, ``foresight flags`` and the report (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError
from foresight.settings import FlagSettings
from foresight.warning import flags
from foresight.warning.own_history import MIN_WAVES, learned_wave_p

DS = pd.date_range("2019-01-07", "2025-02-17", freq="W-MON")
WOY = np.minimum(np.asarray(DS.day_of_year) - 1, 363) // 7 + 1
AS_OF = pd.Timestamp("2025-02-24")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Six towns: school and heat cases quadruple every year in weeks 10-20, roads stay flat."""
    rng = np.random.default_rng(3)
    rows = []
    for a in range(6):
        for c in ("school", "heat", "roads"):
            mu = np.full(len(DS), 4.0) * (1 + 3.0 * (((WOY >= 10) & (WOY <= 20)) & (c != "roads")))
            rows.append(pd.DataFrame({"area": f"T{a}", "category": c, "ds": DS, "y": rng.poisson(mu)}))
    p = pd.concat(rows, ignore_index=True)
    p.attrs["freq"] = "W"
    return p


def _flat_forecast(hist: pd.DataFrame) -> pd.DataFrame:
    """Every series flat at its last-year mean: a forecast that sees no wave coming."""
    fut = pd.date_range(AS_OF, periods=13, freq="W-MON")
    lvl = hist[hist.ds >= AS_OF - pd.Timedelta(weeks=52)].groupby(["area", "category"])["y"].mean()
    return pd.concat([pd.DataFrame({"area": a, "category": c, "ds": fut, "mean": m, "p10": 0.6 * m, "p90": 1.4 * m})
                      for (a, c), m in lvl.items()], ignore_index=True)


@pytest.fixture(scope="module")
def learned(panel):
    hist = panel[panel.ds < AS_OF]
    return flags(hist, AS_OF, forecasts=_flat_forecast(hist), kinds=("wave",), seasonal=False)


def test_the_learned_default_flags_the_waves_the_rule_misses(panel, learned):
    """The forecast is flat, so the rule flags nothing; the model learned the yearly wave from the log."""
    hist = panel[panel.ds < AS_OF]
    rule = flags(hist, AS_OF, forecasts=_flat_forecast(hist), kinds=("wave",), seasonal=False, wave_model="rule")
    assert rule.empty and rule.attrs["wave_model"] == {"model": "rule"}
    info = learned.attrs["wave_model"]
    assert info["model"] == "learned" and info["positives"] >= MIN_WAVES
    assert info["every"] == 4 and "one origin every 4 weeks" in info["text"]
    assert set(learned["category"]) == {"school", "heat"}, "the flat roads series are no wave"
    assert len(learned) == 12 and (learned["kind"] == "wave").all()
    assert (learned["p_wave"] > 0.5).all()
    assert learned["reason"].str.contains("chance of a wave at about", regex=False).all()


def test_the_learned_list_is_deterministic(panel, learned):
    hist = panel[panel.ds < AS_OF]
    again = flags(hist, AS_OF, forecasts=_flat_forecast(hist), kinds=("wave",), seasonal=False)
    pd.testing.assert_frame_equal(learned, again)
    pooled = [flags(hist, AS_OF, forecasts=_flat_forecast(hist), kinds=("wave",), seasonal=False, wave_prior=True)
              for _ in range(2)]
    pd.testing.assert_frame_equal(*pooled)


def test_a_short_history_falls_back_to_the_rule_and_says_so(panel):
    hist = panel[(panel.ds < AS_OF) & (panel.ds >= AS_OF - pd.Timedelta(weeks=60))]
    fc = _flat_forecast(hist)
    got = flags(hist, AS_OF, forecasts=fc, kinds=("wave",), seasonal=False, language="zh")
    assert got.attrs["wave_model"]["model"] == "rule"
    assert "记录太短" in got.attrs["wave_model"]["text"]
    rule = flags(hist, AS_OF, forecasts=fc, kinds=("wave",), seasonal=False, language="zh", wave_model="rule")
    pd.testing.assert_frame_equal(got, rule)
    # enough weeks but too few waves: roads alone never rise
    roads = panel[(panel.ds < AS_OF) & (panel.category == "roads")]
    p, info = learned_wave_p(roads, AS_OF, horizon=13)
    assert p is None and info["model"] == "rule" and "past waves to learn from" in info["text"]


def test_the_floor_and_the_setting(panel):
    hist = panel[panel.ds < AS_OF]
    p, _ = learned_wave_p(hist, AS_OF, horizon=13)
    fc = _flat_forecast(hist)
    for floor in (0.5, 0.15):  # every series at or above the floor is flagged, whatever its forecast
        got = flags(hist, AS_OF, forecasts=fc, kinds=("wave",), seasonal=False, wave_p=p, learned_floor=floor,
                    max_flags=None)
        want = p[p["p_wave"] >= floor]
        assert set(zip(got["area"], got["category"])) == set(zip(want["area"], want["category"]))
    assert got.attrs["wave_model"] == {"model": "given"}
    with pytest.raises(ConfigError):
        FlagSettings(wave_model="lightgbm")
    with pytest.raises(ConfigError):
        FlagSettings(learned_floor=1.0)


def test_cli_says_which_wave_model_ran(tmp_path, panel):
    from typer.testing import CliRunner

    import foresight.cli.flags_cmd  # noqa: F401  (registers the command)
    from foresight.cli._app import app

    p = panel[(panel.ds < AS_OF) & (panel.ds >= AS_OF - pd.Timedelta(weeks=60))]
    rep = p.loc[p.index.repeat(p["y"])]
    src = tmp_path / "cases.csv"
    pd.DataFrame({"date": rep["ds"] + pd.Timedelta(days=1), "town": rep["area"],
                  "topic": rep["category"]}).to_csv(src, index=False)
    args = ["flags", str(src), "--as-of", "2025-02-24", "--area-col", "town", "--category-col", "topic",
            "--date-col", "date", "--language", "en", "--kinds", "wave", "--out", str(tmp_path / "f.csv")]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    notes = [line for line in run.output.splitlines() if "too short to learn" in line]
    assert len(notes) == 1 and notes[0].startswith("warning: ")
    assert "too short" not in CliRunner().invoke(app, [*args, "--wave-model", "rule"]).output
    assert CliRunner().invoke(app, [*args, "--wave-model", "magic"]).exit_code == 2


def test_the_prior_pools_the_public_logs_and_the_own_only_model_does_not(panel):
    """``wave_prior`` adds the shipped public logs' examples; without it (the default) the log learns alone."""
    hist = panel[panel.ds < AS_OF]
    p_own, own = learned_wave_p(hist, AS_OF, horizon=13, max_iter=20, prior=False)
    p_pool, pooled = learned_wave_p(hist, AS_OF, horizon=13, max_iter=20, prior=True)
    assert not own["prior"] and pooled["prior"] and not FlagSettings().wave_prior
    assert pooled["examples"] > 10 * own["examples"], "the public logs hold far more examples than six towns"
    assert "public logs" in pooled["text"] and "public logs" not in own["text"]
    assert p_own[["area", "category"]].equals(p_pool[["area", "category"]]), "scored: the centre's series only"
    assert not np.allclose(p_own["p_raw"], p_pool["p_raw"]), "the pooled model is another model"
    monthly = panel.assign(ds=panel["ds"].dt.to_period("M").dt.start_time).groupby(
        ["area", "category", "ds"], as_index=False)["y"].sum()
    _, m_info = learned_wave_p(monthly, "2025-02-01", horizon=3, freq="M", max_iter=20, prior=True)
    assert m_info.get("prior") in (False, None), "no weekly prior for a monthly run"


def test_the_product_path_equals_fitting_and_scoring_the_panel(panel):
    """One series matrix for the fit and the scoring gives the probabilities of the two public calls."""
    from foresight.warning.learned import fit_wave_model, wave_probability
    from foresight.warning.own_history import LEARN_MAX_SERIES

    hist = panel[panel.ds < AS_OF]
    p, _ = learned_wave_p(hist, AS_OF, horizon=13)
    m = fit_wave_model(hist, until=AS_OF, horizon=13, every=4, expected=False, max_iter=100,
                       max_series=LEARN_MAX_SERIES)
    pd.testing.assert_frame_equal(p, wave_probability(hist, AS_OF, horizon=13, model=m), check_exact=True)
