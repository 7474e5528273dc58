"""The sample district's area tree (district > town > community > grid) and its populations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TOWNS", "Tree", "build_tree"]

DISTRICT_CODE = "D01"
DISTRICT_NAME = "南溪区"

#: (name, kind, communities, migrant share of residents)
TOWNS: tuple[tuple[str, str, int, float], ...] = (
    ("桂湖街道", "urban", 20, 0.35),
    ("江畔街道", "urban", 18, 0.30),
    ("狮岭镇", "industrial", 22, 0.62),
    ("沥源镇", "industrial", 20, 0.55),
    ("大岗镇", "industrial", 18, 0.50),
    ("丹溪镇", "mixed", 16, 0.35),
    ("九溪镇", "mixed", 16, 0.30),
    ("西岭镇", "rural", 18, 0.15),
    ("松岗街道", "urban", 16, 0.28),
    ("平湖镇", "mixed", 16, 0.40),
)
_POP = {"urban": (8000, 18000), "industrial": (6000, 16000), "mixed": (5000, 11000), "rural": (2500, 7000)}
_GROWTH = {"urban": (0.015, 0.01), "industrial": (0.03, 0.012), "mixed": (0.015, 0.01), "rural": (-0.005, 0.01)}
_CHARS = list("东西南北新和平安华兴联星岗沙塘涌岸湖山溪桥田龙凤石江洲坑围朗口水林泉荔桂金银瑶岭滘庄园门岳冈社头布")

ESTATE_TOWN = 2  # 江畔街道
ESTATE_START = pd.Timestamp("2024-03-04")
ESTATE_POP = 18000.0
ESTATE_RAMP_DAYS = 540
MERGER_TOWN = 8  # 西岭镇
MERGER_DATE = pd.Timestamp("2024-01-01")


@dataclass
class Tree:
    """The generated tree: the ``areas`` frame and per-community arrays used by the case draws.

    ``comm`` has one row per community (``code, name, town, town_name, kind, migrant, start, end``);
    ``comm_pop`` is the population per community and day (communities x days, 0 when inactive);
    ``grid_codes`` and ``grid_share`` give each community's grids and their population shares.
    """

    areas: pd.DataFrame
    comm: pd.DataFrame
    comm_pop: np.ndarray
    grid_codes: list[list[str]]
    grid_share: list[np.ndarray]
    populations: pd.DataFrame
    breaks: pd.DataFrame


def _names(rng: np.random.Generator, n: int) -> list[str]:
    pairs = [a + b for a in _CHARS for b in _CHARS if a != b]
    idx = rng.choice(len(pairs), size=n, replace=False)
    return [pairs[i] for i in idx]


def build_tree(rng: np.random.Generator, days: pd.DatetimeIndex) -> Tree:
    """Draw the area tree, the populations per day and the area breaks (new estate, merger)."""
    start, end = days[0], days[-1]
    n_total = sum(t[2] for t in TOWNS)
    names = _names(rng, n_total + 2)
    rows = []
    k = 0
    for ti, (tname, kind, ncomm, mig) in enumerate(TOWNS, start=1):
        suffix = "社区" if kind == "urban" else "村"
        for ci in range(1, ncomm + 1):
            lo, hi = _POP[kind]
            g_mu, g_sd = _GROWTH[kind]
            rows.append(
                dict(code=f"{DISTRICT_CODE}T{ti:02d}C{ci:03d}", name=names[k] + suffix, town=ti,
                     town_name=tname, kind=kind,
                     migrant=float(np.clip(mig + rng.normal(0, 0.08), 0.02, 0.9)),
                     pop0=float(rng.uniform(lo, hi)), growth=float(rng.normal(g_mu, g_sd)),
                     start=pd.NaT, end=pd.NaT, special="")
            )
            k += 1
    comm = pd.DataFrame(rows)
    # the new housing estate
    ti = ESTATE_TOWN
    n_in = int((comm.town == ti).sum())
    estate = dict(code=f"{DISTRICT_CODE}T{ti:02d}C{n_in + 1:03d}", name=names[k] + "花园社区", town=ti,
                  town_name=TOWNS[ti - 1][0], kind=TOWNS[ti - 1][1], migrant=0.3, pop0=ESTATE_POP,
                  growth=0.0, start=ESTATE_START, end=pd.NaT, special="estate")
    # the merger: two villages of the rural town end, a new village starts
    ti = MERGER_TOWN
    olds = comm.index[comm.town == ti][4:6]
    n_in = int((comm.town == ti).sum())
    merged_name = comm.loc[olds[0], "name"][0] + comm.loc[olds[1], "name"][0] + "村"
    merged = dict(code=f"{DISTRICT_CODE}T{ti:02d}C{n_in + 1:03d}", name=merged_name, town=ti,
                  town_name=TOWNS[ti - 1][0], kind=TOWNS[ti - 1][1],
                  migrant=float(comm.loc[olds, "migrant"].mean()), pop0=0.0, growth=0.0,
                  start=MERGER_DATE, end=pd.NaT, special="merged")
    comm.loc[olds, "end"] = MERGER_DATE - pd.Timedelta(days=1)
    comm = pd.concat([comm, pd.DataFrame([estate, merged])], ignore_index=True)
    comm = comm.sort_values("code", kind="stable").reset_index(drop=True)

    # population per community and day
    t_years = ((days - pd.Timestamp("2021-11-22")).days.to_numpy() / 365.25)[None, :]
    pop = comm.pop0.to_numpy()[:, None] * np.exp(comm.growth.to_numpy()[:, None] * t_years)
    d = days.to_numpy()
    is_estate = (comm.special == "estate").to_numpy()
    ramp = np.clip((d - ESTATE_START.to_datetime64()) / np.timedelta64(ESTATE_RAMP_DAYS, "D"), 0, 1)
    pop[is_estate] = ESTATE_POP * (0.1 + 0.9 * ramp)[None, :]
    old_mask = comm.code.isin(set(comm.loc[comm.end.notna(), "code"])).to_numpy()
    is_merged = (comm.special == "merged").to_numpy()
    pop[is_merged] = pop[old_mask].sum(axis=0)
    starts = comm.start.fillna(start).to_numpy()
    ends = comm.end.fillna(end).to_numpy()
    active = (d[None, :] >= starts[:, None]) & (d[None, :] <= ends[:, None])
    pop = np.where(active, pop, 0.0)

    # grids
    grid_codes: list[list[str]] = []
    grid_share: list[np.ndarray] = []
    for code, p in zip(comm.code, comm.pop0.where(comm.pop0 > 0, pop[is_merged].max() if is_merged.any() else 1)):
        n = int(np.clip(round(p / 3000), 2, 6))
        grid_codes.append([f"{code}G{g}" for g in range(1, n + 1)])
        grid_share.append(rng.dirichlet(np.full(n, 6.0)))

    # areas.csv: population at the end of each area's life (or at the end of the history)
    last = np.where(active.any(axis=1), active.shape[1] - 1 - np.argmax(active[:, ::-1], axis=1), 0)
    comm_last = pop[np.arange(len(comm)), last]
    iso = lambda ts: "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")  # noqa: E731
    area_rows = [dict(code=DISTRICT_CODE, name=DISTRICT_NAME, parent="", level="district",
                      population=0, start="", end="")]
    town_pop = np.zeros(len(TOWNS))
    town_now = pop[:, -1]
    for ti in range(1, len(TOWNS) + 1):
        town_pop[ti - 1] = town_now[(comm.town == ti).to_numpy()].sum()
        area_rows.append(dict(code=f"{DISTRICT_CODE}T{ti:02d}", name=TOWNS[ti - 1][0], parent=DISTRICT_CODE,
                              level="town", population=int(round(town_pop[ti - 1])), start="", end=""))
    area_rows[0]["population"] = int(round(town_pop.sum()))
    for i, r in comm.iterrows():
        cp = comm_last[i]
        area_rows.append(dict(code=r.code, name=r["name"], parent=f"{DISTRICT_CODE}T{r.town:02d}",
                              level="community", population=int(round(cp)), start=iso(r.start), end=iso(r.end)))
        gp = np.round(cp * grid_share[i]).astype(int)
        for gi, gc in enumerate(grid_codes[i]):
            area_rows.append(dict(code=gc, name=f"{r['name']}第{gi + 1}网格", parent=r.code, level="grid",
                                  population=int(gp[gi]), start=iso(r.start), end=iso(r.end)))
    areas = pd.DataFrame(area_rows).sort_values("code", kind="stable").reset_index(drop=True)

    # yearly mid-year (1 July) populations of the communities
    yrs = [y for y in sorted(set(days.year)) if days[0] <= pd.Timestamp(y, 7, 1) <= days[-1]]
    prow = []
    for y in yrs:
        j = int(days.searchsorted(pd.Timestamp(y, 7, 1)))
        for i, code in enumerate(comm.code):
            if active[i, j]:
                prow.append(dict(area=code, year=y, population=int(round(pop[i, j]))))
    populations = pd.DataFrame(prow, columns=["area", "year", "population"])

    old_codes = comm.loc[comm.end.notna(), "code"].tolist()
    e_code = comm.loc[comm.special == "estate", "code"].item()
    m_code = comm.loc[comm.special == "merged", "code"].item()
    breaks = pd.DataFrame(
        [
            dict(area=e_code, category="", date=iso(ESTATE_START), kind="new_area",
                 description=f"new housing estate opens; residents grow to {int(ESTATE_POP)} over "
                             f"{ESTATE_RAMP_DAYS} days; property-management disputes at 2.5x the urban rate"),
            *[dict(area=c, category="", date=iso(MERGER_DATE - pd.Timedelta(days=1)), kind="area_end",
                   description=f"village merged into {m_code} (last day)") for c in old_codes],
            dict(area=m_code, category="", date=iso(MERGER_DATE), kind="merger",
                 description=f"new village formed by merging {' and '.join(old_codes)}"),
        ]
    )
    comm = comm[["code", "name", "town", "town_name", "kind", "migrant", "start", "end", "special"]]
    return Tree(areas, comm, pop, grid_codes, grid_share, populations, breaks)
