"""Early warning on the sample district against its ground truth: waves found, surges caught.

Generates the sample district (``foresight.synth.generate_district``, default seed and dates), builds
weekly panels at town, community and district level and measures

* waves (``foresight.warning.waves`` on the history before ``--as-of``): how many of the true seasonal
  waves are found, the onset / peak / end error in weeks against the true windows, and waves reported
  where the generator put none (school enrolment and wage arrears at town level, where the truth
  lists them);
* surges (``foresight.warning.surges`` on every week from ``--scan-from`` on, community level, and
  district level for typhoons): probability of detection, median detection delay (weeks from the
  surge's first week to its first alarm) and false alarms per 1,000 series-weeks outside every known
  event (surges, typhoons, land projects, a developer's failure, a new estate, a village merger), per
  series-week tested and per series-week eligible (holding the 5 cases in 4 weeks an alarm needs);
* wave flags (``foresight.warning.flags``, kind ``wave``, issued every Monday from ``--flags-from`` to
  ``--flags-to`` at town and district level): the share of true wave-years flagged at least 4 weeks
  before their onset, the median lead, and the precision of the flags (a flag is right when its
  window overlaps a true wave of the same area and category; school enrolment and wage arrears at
  town level and every category at district level, where the truth is complete).

Prints the tables and records them in ``benchmarks/results/warning_synth.json`` (quoted in
``docs/benchmarks_warning.md``). Usage::

    .venv/bin/python benchmarks/warning_synth.py [--seed N] [--scale 1.0] [--alpha 0.005] [--skip-flags]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import atomic_write
from foresight.panel import to_panel
from foresight.synth import DEFAULT_SEED, generate_district
from foresight.warning import flags, surges, waves
from foresight.periods import period_of_year

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "warning_synth.json"
DOC = ROOT / "docs" / "benchmarks_warning.md"


def _week(d) -> pd.Timestamp:
    d = pd.Timestamp(d)
    return d - pd.Timedelta(days=d.weekday())


def _circ(a: int, b: int) -> int:
    """Signed circular difference a - b in weeks of the year."""
    return int((a - b + 26) % 52 - 26)


def wave_scores(district, *, as_of: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    truth = district.waves.copy()
    truth = truth[pd.to_datetime(truth["end"]) < as_of]
    for col in ("onset", "peak", "end"):
        truth[col + "_w"] = period_of_year(pd.to_datetime(truth[col]), "W") + 1
    t = (truth.groupby(["area", "category"])
         .agg(onset=("onset_w", "median"), peak=("peak_w", "median"), end=("end_w", "median"),
              amplitude=("amplitude", "first"), years=("year", "nunique"))
         .reset_index())
    found_all = []
    for level in ("district", "town"):
        panel = to_panel(district.cases, freq="W", level=level, areas=district.areas, as_of=as_of)
        found_all.append(waves(panel))
    found = pd.concat(found_all, ignore_index=True)
    rows = []
    for tr in t.itertuples():
        cand = found[(found.area == tr.area) & (found.category == tr.category)]
        # the found wave whose peak is nearest the true peak
        if len(cand):
            c = cand.iloc[np.argmin([abs(_circ(p, tr.peak)) for p in cand.peak])]
            hit = abs(_circ(c.peak, tr.peak)) <= 8
        else:
            hit = False
        rows.append(dict(area=tr.area, category=tr.category, amplitude=tr.amplitude, true_onset=tr.onset,
                         true_peak=tr.peak, true_end=tr.end, found=hit,
                         onset=c.onset if hit else np.nan, peak=c.peak if hit else np.nan,
                         end=c.end if hit else np.nan,
                         onset_err=_circ(c.onset, tr.onset) if hit else np.nan,
                         peak_err=_circ(c.peak, tr.peak) if hit else np.nan,
                         end_err=_circ(c.end, tr.end) if hit else np.nan,
                         recurred=f"{c.recurred}/{c.years}" if hit else ""))
    per = pd.DataFrame(rows)
    # waves reported where the truth has none: school / wage at town level (the truth lists every town
    # whose amplitude makes a wave there)
    towns = found[(found.area.str.len() == 6) & found.category.isin(["school_enrolment", "wage_arrears"])]
    true_keys = set(zip(t.area, t.category))
    spurious = towns[[(a, c) not in true_keys for a, c in zip(towns.area, towns.category)]]
    summary = dict(
        true_waves=int(len(per)), found=int(per.found.sum()), recall=float(per.found.mean()),
        onset_mae_weeks=float(per.onset_err.abs().mean()), peak_mae_weeks=float(per.peak_err.abs().mean()),
        end_mae_weeks=float(per.end_err.abs().mean()), onset_bias_weeks=float(per.onset_err.mean()),
        town_school_wage_waves_reported=int(len(towns)), spurious_town_school_wage=int(len(spurious)),
    )
    return per, summary


def surge_scores(district, *, scan_from: pd.Timestamp, as_of: pd.Timestamp, alpha: float,
                 fdr: float | None) -> tuple[pd.DataFrame, dict]:
    weeks = int((as_of - scan_from).days // 7)
    timing = {}
    alarms = []
    tested = eligible = 0
    for level in ("community", "district"):
        panel = to_panel(district.cases, freq="W", level=level, areas=district.areas, as_of=as_of)
        t0 = time.perf_counter()
        a = surges(panel, as_of, weeks=weeks, alpha=alpha, fdr=fdr)
        timing[level] = dict(seconds=round(time.perf_counter() - t0, 1),
                             series=int(panel.groupby(["area", "category"]).ngroups))
        tested += a.attrs["tested"]
        eligible += a.attrs["eligible"]
        alarms.append(a)
    alarms = pd.concat(alarms, ignore_index=True)
    truth = district.surges.copy()
    truth["w0"] = truth["start"].map(_week)
    truth["w1"] = truth["end"].map(_week)
    truth = truth[(truth.w0 >= scan_from) & (truth.w0 < as_of)]
    rows = []
    for s in truth.itertuples():
        a = alarms[(alarms.area == s.area) & (alarms.category == s.category)
                   & (alarms.ds >= s.w0) & (alarms.ds <= s.w1 + pd.Timedelta(weeks=1))]
        first = a.ds.min() if len(a) else pd.NaT
        rows.append(dict(area=s.area, category=s.category, kind=s.kind, start=s.start, end=s.end,
                         weeks=int((s.w1 - s.w0).days // 7) + 1, extra_cases=s.extra_cases,
                         detected=bool(len(a)),
                         delay_weeks=int((first - s.w0).days // 7) if len(a) else np.nan))
    per = pd.DataFrame(rows)
    # known events: surges and typhoons (the flood category anywhere during a typhoon), land projects and
    # the developer's failure (from the breaks table)
    known = np.zeros(len(alarms), dtype=bool)
    for s in truth.itertuples():
        same = (alarms.category == s.category) & (alarms.ds >= s.w0) & (alarms.ds <= s.w1 + pd.Timedelta(weeks=2))
        known |= same & (alarms.area.str.startswith(s.area) if s.kind == "typhoon" else alarms.area == s.area)
    # structural events, with how long their rise lasts: a land project (until settled, at most
    # 26 weeks counted), a developer's failure (a burst, then a year at a raised level), a new housing
    # estate (growing for 540 days), a merged village (its first year)
    spans = {"project_start": 26, "developer_failure": 52, "new_area": 78, "merger": 52}
    for b in district.breaks.itertuples():
        if b.kind in spans:
            w = _week(b.date)
            cat = (alarms.category == b.category) if b.category else np.ones(len(alarms), dtype=bool)
            known |= (cat & alarms.area.map(lambda x, a=b.area: a.startswith(x))
                      & (alarms.ds >= w) & (alarms.ds <= w + pd.Timedelta(weeks=spans[b.kind])))
    false = alarms[~known]
    summary = dict(
        surges=int(len(per)), detected=int(per.detected.sum()), pod=float(per.detected.mean()),
        pod_surge=float(per[per.kind == "surge"].detected.mean()),
        pod_typhoon=float(per[per.kind == "typhoon"].detected.mean()) if (per.kind == "typhoon").any() else None,
        median_delay_weeks=float(per.delay_weeks.median()),
        alarms=int(len(alarms)), alarms_on_known_events=int(known.sum()),
        false_alarms=int(len(false)), series_weeks_tested=int(tested),
        false_alarms_per_1000=float(1000 * len(false) / max(tested, 1)),
        series_weeks_eligible=int(eligible),
        false_alarms_per_1000_eligible=float(1000 * len(false) / max(eligible, 1)), timing=timing,
    )
    return per, summary


def flag_scores(district, *, first: pd.Timestamp, last: pd.Timestamp, lead: int = 4,
                horizon: int = 13, learned_prob: float | None = None, **settings) -> tuple[pd.DataFrame, dict]:
    """Wave flags issued every week from ``first`` to ``last`` (town and district level).

    ``settings``: flag settings by name (e.g. ``wave_model="rule"``); the default settings are the product's.

    ``learned_prob``: flag with the learned wave probability (``foresight.warning.learned``, one model
    per level fitted on the history before ``first``) at this threshold instead of the default rule.
    """
    origins = pd.date_range(first, last, freq="W-MON")
    truth = district.waves.copy()
    for c in ("onset", "peak", "end"):
        truth[c] = pd.to_datetime(truth[c])
    issued = []
    t0 = time.perf_counter()
    for level in ("town", "district"):
        full = to_panel(district.cases, freq="W", level=level, areas=district.areas, as_of=last)
        model = None
        if learned_prob is not None:
            from foresight.warning.learned import fit_wave_model, wave_probability

            model = fit_wave_model(full, until=first, horizon=horizon, max_iter=100, expected=False)
        for o in origins:
            p = full[full["ds"] < o]
            p.attrs.update(freq="W", as_of=o)
            extra = {} if model is None else dict(
                wave_p=wave_probability(p, o, horizon=horizon, model=model), wave_prob=learned_prob)
            fl = flags(p, o, horizon, kinds=("wave",), categories=district.categories, max_flags=None, **extra,
                       **settings)
            fl["as_of"] = o
            issued.append(fl)
    seconds = time.perf_counter() - t0
    issued = pd.concat(issued, ignore_index=True)
    # truth at the levels where it is complete: town level for school enrolment and wage arrears,
    # district level for every category
    scope = (issued["area"].str.len() == 3) | issued["category"].isin(["school_enrolment", "wage_arrears"])
    issued = issued[scope].copy()
    key_truth = {k: g for k, g in truth.groupby(["area", "category"])}

    def matches(r) -> bool:
        g = key_truth.get((r.area, r.category))
        if g is None:
            return False
        return bool(((g["onset"] <= r.end + pd.Timedelta(days=6)) & (g["end"] >= r.start)).any())

    issued["true"] = [matches(r) for r in issued.itertuples()]
    # waves whose onset can be flagged lead weeks ahead inside the origins
    tw = truth[(truth["onset"] - pd.Timedelta(weeks=horizon) >= first)
               & (truth["onset"] - pd.Timedelta(weeks=lead) <= last)].copy()
    rows = []
    for w in tw.itertuples():
        f = issued[(issued.area == w.area) & (issued.category == w.category)
                   & (issued.as_of >= w.onset - pd.Timedelta(weeks=horizon))
                   & (issued.as_of <= w.onset) & (issued.end >= w.onset)]
        lead_w = ((w.onset - f.as_of.min()).days // 7) if len(f) else np.nan
        rows.append(dict(area=w.area, category=w.category, year=w.year, onset=w.onset.date(),
                         amplitude=w.amplitude, first_flag=f.as_of.min().date() if len(f) else None,
                         lead_weeks=lead_w, early=bool(len(f)) and lead_w >= lead))
    per = pd.DataFrame(rows)
    summary = dict(origins=len(origins), wave_years=int(len(per)),
                   flagged_4w_early=int(per.early.sum()), share_4w_early=float(per.early.mean()),
                   median_lead_weeks=float(per.lead_weeks.median()),
                   flags_in_scope=int(len(issued)), precision=float(issued["true"].mean()),
                   seconds=round(seconds, 1))
    return per, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--alpha", type=float, default=0.005)
    ap.add_argument("--fdr", type=float, default=None)
    ap.add_argument("--as-of", default="2026-11-16", help="end of the history (exclusive, a Monday)")
    ap.add_argument("--scan-from", default="2023-06-05", help="first week scanned for surges (a Monday)")
    ap.add_argument("--flags-from", default="2024-06-03", help="first weekly origin of the flag run")
    ap.add_argument("--flags-to", default="2025-06-30", help="last weekly origin of the flag run")
    ap.add_argument("--skip-flags", action="store_true", help="waves and surges only")
    ap.add_argument("--no-record", action="store_true", help="print only; do not write results/docs")
    args = ap.parse_args()
    as_of, scan_from = pd.Timestamp(args.as_of), pd.Timestamp(args.scan_from)
    t0 = time.perf_counter()
    district = generate_district(seed=args.seed, scale=args.scale)
    t_gen = time.perf_counter() - t0
    per_wave, wave_sum = wave_scores(district, as_of=as_of)
    per_surge, surge_sum = surge_scores(district, scan_from=scan_from, as_of=as_of, alpha=args.alpha,
                                        fdr=args.fdr)
    if args.skip_flags:
        per_flag, flag_sum = pd.DataFrame(), {}
    else:
        per_flag, flag_sum = flag_scores(district, first=pd.Timestamp(args.flags_from),
                                         last=pd.Timestamp(args.flags_to))
    pd.set_option("display.width", 200)
    print(f"district generated in {t_gen:.1f}s: {len(district.cases)} cases")
    print("\nWAVES\n", per_wave.to_string(index=False), "\n", json.dumps(wave_sum, indent=1))
    print("\nSURGES\n", per_surge.to_string(index=False), "\n", json.dumps(surge_sum, indent=1))
    if len(per_flag):
        print("\nWAVE FLAGS (lead time)\n", per_flag.to_string(index=False), "\n", json.dumps(flag_sum, indent=1))
    if args.no_record:
        return
    record = dict(seed=args.seed, scale=args.scale, alpha=args.alpha, fdr=args.fdr, as_of=str(as_of.date()),
                  scan_from=str(scan_from.date()), waves=wave_sum, surges=surge_sum, flags=flag_sum,
                  per_wave=json.loads(per_wave.to_json(orient="records")),
                  per_surge=json.loads(per_surge.to_json(orient="records", date_format="iso")),
                  per_flag=json.loads(per_flag.to_json(orient="records", date_format="iso")) if len(per_flag) else [])
    atomic_write(RESULTS, lambda p: p.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8"))
    print(f"\nrecorded {RESULTS}")


if __name__ == "__main__":
    main()
