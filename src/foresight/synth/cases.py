"""Case intensity per community x category x day, and the draws of case counts (base + surges)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.synth.district import DISTRICT_CODE, TOWNS, Tree
from foresight.synth.events import CAMPAIGN_PLAN, date_iso, day_effects, season_shape, season_windows
from foresight.synth.taxonomy import CATEGORY_SPECS

__all__ = ["Draws", "draw_counts"]

_TYPHOON_PER_10K = 0.6  # expected extra flood cases per 10,000 residents in one typhoon
_ESTATE_PROPERTY = 2.5  # property-management rate multiplier in the new housing estate


@dataclass
class Draws:
    """The drawn cases (one row per case: community index, category index, day index, surge id) and truth."""

    comm: np.ndarray
    cat: np.ndarray
    day: np.ndarray
    surge: np.ndarray
    waves: pd.DataFrame
    surges: pd.DataFrame
    campaigns: pd.DataFrame
    breaks: pd.DataFrame
    off_eff: np.ndarray
    rem_eff: np.ndarray


def draw_counts(rng: np.random.Generator, tree: Tree, days: pd.DatetimeIndex, *, scale: float) -> Draws:
    """Build the intensity and draw gamma-Poisson counts, surges and typhoons; return cases and truth."""
    specs = CATEGORY_SPECS
    comm = tree.comm
    n_c, n_k, n_d = len(comm), len(specs), len(days)
    kinds = comm.kind.to_numpy()
    mig = comm.migrant.to_numpy()
    years = range(days[0].year, days[-1].year + 2)
    t_years = (days - days[0]).days.to_numpy() / 365.25
    off_eff, rem_eff = day_effects(days)
    k_index = {s.code: i for i, s in enumerate(specs)}

    rate = np.empty((n_c, n_k))
    amp = np.zeros((n_c, n_k))
    for k, s in enumerate(specs):
        kind_mult = np.array([s.kind.get(x, 1.0) for x in kinds])
        rate[:, k] = s.rate / 1e4 / 365.25 * kind_mult * (1 - s.migrant + s.migrant * mig / 0.4) * scale
        amp[:, k] = [s.amp.get(x, 0.0) for x in kinds]
    # a new housing estate brings property-management disputes (handover defects, fees, parking)
    rate[(comm.special == "estate").to_numpy(), k_index["property_mgmt"]] *= _ESTATE_PROPERTY
    dayf = np.stack([s.office * off_eff + (1 - s.office) * rem_eff for s in specs])  # k x d
    trend = np.exp(np.outer([s.trend for s in specs], t_years))  # k x d
    base = tree.comm_pop[:, None, :] * rate[:, :, None] * (dayf * trend)[None, :, :]  # c x k x d

    # seasonal waves (town-level amplitude by town kind), with outreach campaigns damping them
    shapes = np.zeros((n_k, n_d))
    wave_rows, windows = [], {}
    for k, s in enumerate(specs):
        if s.season is None:
            continue
        win = [w for w in season_windows(s.season, years, rng)
               if w[3] >= days[0] and w[1] <= days[-1]]
        windows[s.code] = win
        shapes[k] = season_shape(win, days)
        for ti, (tname, tkind, _, _) in enumerate(TOWNS, start=1):
            a = s.amp.get(tkind, 0.0)
            if s.code in ("school_enrolment", "wage_arrears") and a >= 3.0:
                wave_rows += [dict(area=f"{DISTRICT_CODE}T{ti:02d}", category=s.code, year=y, onset=date_iso(o),
                                   peak=date_iso(p), end=date_iso(e), amplitude=a) for y, o, p, e in win]
        if s.code not in ("school_enrolment", "wage_arrears"):
            a = float(np.mean(list(s.amp.values())))
            wave_rows += [dict(area=DISTRICT_CODE, category=s.code, year=y, onset=date_iso(o), peak=date_iso(p),
                               end=date_iso(e), amplitude=a) for y, o, p, e in win]
    damp = np.ones((n_c, n_k, n_d))
    camp_rows = []
    towns = comm.town.to_numpy()
    for code, ti, year, d, lead in CAMPAIGN_PLAN:
        k = k_index[code]
        win = [w for w in windows.get(code, []) if w[0] == year]
        if not win:
            continue
        _, onset, _, end = win[0]
        c0 = onset - pd.Timedelta(days=lead)
        in_t = (days >= c0) & (days <= end)
        if not in_t.any() or c0 < days[0]:
            continue
        cm = towns == ti
        damp[np.ix_(cm, [k], in_t)] = d
        prevented = float((base[cm, k][:, in_t] * amp[cm, k][:, None] * shapes[k, in_t] * (1 - d)).sum())
        spec = specs[k]
        camp_rows.append(dict(area=f"{DISTRICT_CODE}T{ti:02d}", category=code, theme=spec.theme,
                              start=date_iso(c0), end=date_iso(end), effect=d, prevented=round(prevented, 1)))
    lam = base * (1 + amp[:, :, None] * shapes[None, :, :] * damp)
    del damp

    # land projects: step changes; a developer's failure: a burst of unfinished-homes cases
    brk = []
    kl = k_index["land_demolition"]
    cand = np.flatnonzero((kinds != "urban") & comm.start.isna().to_numpy() & comm.end.isna().to_numpy())
    n_proj = max(1, round(4 * n_d / 1827))
    for c in rng.choice(cand, size=min(n_proj, len(cand)), replace=False):
        s0 = int(rng.integers(90, max(91, n_d - 240)))
        dur = int(rng.integers(120, 400))
        mult = float(rng.uniform(6, 12))
        lam[c, kl, s0:s0 + dur] *= mult
        brk.append(dict(area=comm.code[c], category="land_demolition", date=date_iso(days[s0]), kind="project_start",
                        description=f"land acquisition project: rate x{mult:.1f} for {dur} days"))
        if s0 + dur < n_d:
            brk.append(dict(area=comm.code[c], category="land_demolition", date=date_iso(days[s0 + dur]),
                            kind="project_end", description="land acquisition project settled: rate back to base"))
    ku = k_index["unfinished_homes"]
    cand = np.flatnonzero((kinds == "urban") & (comm.special == "").to_numpy())
    c = int(rng.choice(cand))
    s0 = int(rng.integers(n_d // 3, max(n_d // 3 + 1, 2 * n_d // 3)))
    x = np.arange(n_d - s0)
    burst = scale * (4.0 * np.exp(-x / 45.0) + 0.3 * (x < 365))
    lam[c, ku, s0:] += burst * dayf[ku, s0:]
    brk.append(dict(area=comm.code[c], category="unfinished_homes", date=date_iso(days[s0]), kind="developer_failure",
                    description="developer's cash-flow failure halts a housing project: burst decaying over ~3 months"))

    # overdispersion: a gamma factor per community x category x week, then Poisson per day
    week = (days - days[0]).days.to_numpy() // 7
    phi = np.array([s.dispersion for s in specs])
    g = rng.gamma(shape=phi[None, :, None], scale=1 / phi[None, :, None], size=(n_c, n_k, week[-1] + 1))
    counts = rng.poisson(lam * g[:, :, week])
    ci, ki, di = np.nonzero(counts)
    n = counts[ci, ki, di]
    cc, kk, dd = np.repeat(ci, n), np.repeat(ki, n), np.repeat(di, n)

    # surges no season explains (community level) and typhoons (district-wide flood bursts)
    sur_rows, extra = [], []
    n_sur = max(6, round(36 * n_d / 1827))
    pop_now = tree.comm_pop
    allowed = [k for k, s in enumerate(specs) if s.code not in ("unfinished_homes",)]
    sid = 0
    for _ in range(n_sur):
        s0 = int(rng.integers(0, n_d - 60))
        w = pop_now[:, s0] / pop_now[:, s0].sum()
        c = int(rng.choice(n_c, p=w))
        k = int(rng.choice(allowed))
        dur = int(rng.integers(14, 43))
        total = float(rng.uniform(12, 60)) * scale
        tri = 1 - np.abs(np.linspace(-1, 1, dur + 2)[1:-1])
        y = rng.poisson(total * tri / tri.sum() * dayf[k, s0:s0 + dur] / dayf[k, s0:s0 + dur].mean())
        extra.append((np.full(y.sum(), c), np.full(y.sum(), k), np.repeat(np.arange(s0, s0 + dur), y),
                      np.full(y.sum(), sid)))
        sur_rows.append(dict(area=comm.code[c], category=specs[k].code, start=date_iso(days[s0]),
                             end=date_iso(days[s0 + dur - 1]), extra_cases=int(y.sum()), kind="surge"))
        sid += 1
    kf = k_index["flood_typhoon"]
    for yv in sorted(set(days.year)):
        for _ in range(int(rng.integers(1, 4))):
            day0 = pd.Timestamp(yv, 7, 1) + pd.Timedelta(days=int(rng.integers(0, 90)))
            s0 = int(days.searchsorted(day0))
            if day0 < days[0] or s0 + 5 > n_d:
                continue
            prof = np.array([0.45, 0.3, 0.15, 0.1])
            lam_t = pop_now[:, s0:s0 + 4] / 1e4 * _TYPHOON_PER_10K * scale * prof[None, :]
            y = rng.poisson(lam_t)
            ci2, di2 = np.nonzero(y)
            nn = y[ci2, di2]
            extra.append((np.repeat(ci2, nn), np.full(nn.sum(), kf), np.repeat(di2 + s0, nn), np.full(nn.sum(), sid)))
            sur_rows.append(dict(area=DISTRICT_CODE, category="flood_typhoon", start=date_iso(days[s0]),
                                 end=date_iso(days[s0 + 3]), extra_cases=int(nn.sum()), kind="typhoon"))
            sid += 1
    ss = np.full(len(cc), -1)
    if extra:
        cc = np.concatenate([cc, *[e[0] for e in extra]])
        kk = np.concatenate([kk, *[e[1] for e in extra]])
        dd = np.concatenate([dd, *[e[2] for e in extra]])
        ss = np.concatenate([ss, *[e[3] for e in extra]])

    waves = pd.DataFrame(wave_rows, columns=["area", "category", "year", "onset", "peak", "end", "amplitude"])
    surges = pd.DataFrame(sur_rows, columns=["area", "category", "start", "end", "extra_cases", "kind"])
    campaigns = pd.DataFrame(camp_rows, columns=["area", "category", "theme", "start", "end", "effect", "prevented"])
    breaks = pd.DataFrame(brk, columns=["area", "category", "date", "kind", "description"])
    return Draws(cc.astype(np.int32), kk.astype(np.int32), dd.astype(np.int32), ss.astype(np.int32),
                 waves, surges, campaigns, breaks, off_eff, rem_eff)
