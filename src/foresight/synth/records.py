"""Per-case attributes (grid, channel, collective, repeat petitioner, level, closing) and personal data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.synth.cases import Draws
from foresight.synth.district import Tree
from foresight.synth.taxonomy import CATEGORY_SPECS, UNMATCHED_LABELS

__all__ = ["build_records", "id_check_digit"]

CHANNELS = np.array(["visit", "letter", "phone", "online"])
LEVELS = np.array(["town", "district", "city", "province", "national"])
_LEVEL_P = np.array([0.72, 0.2, 0.06, 0.017, 0.003])
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余叶杜苏魏程吕丁沈任卢姚钟")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉建国志红梅海波宇浩嘉欣思雅俊豪子轩文斌")
_ID_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_C = np.array(list("10X98765432"))
_REGIONS = np.array(["440605", "440604", "440606", "440607", "440608", "430124", "452122", "511321", "412723"])


def id_check_digit(first17: np.ndarray) -> np.ndarray:
    """Return the GB 11643 check character for each row of a (n, 17) digit array.

    Examples
    --------
    >>> id_check_digit(np.array([[int(c) for c in "11010519491231002"]])).tolist()
    ['X']
    """
    return _ID_C[(first17 * _ID_W).sum(axis=1) % 11]


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Draw names, valid 18-digit ID numbers and 11-digit mobile numbers for ``n`` people."""
    s = rng.choice(_SURNAMES, n)
    g1 = rng.choice(_GIVEN, n)
    g2 = np.where(rng.random(n) < 0.6, rng.choice(_GIVEN, n), "")
    names = np.char.add(np.char.add(s, g1), g2)
    region = rng.choice(_REGIONS, n, p=[0.3, 0.1, 0.1, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1])
    birth = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n), unit="D")
    seq = rng.integers(0, 1000, n)
    first17 = np.char.add(np.char.add(region, np.asarray(birth.strftime("%Y%m%d"), dtype=str)),
                          np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - ord("0")
    ids = np.char.add(first17, id_check_digit(digits))
    prefix = rng.choice(np.array(["13", "15", "17", "18", "19"]), n)
    tail = np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)
    phones = np.char.add(prefix, tail)
    return pd.DataFrame({"name": names, "id_number": ids, "phone": phones})


def build_records(rng: np.random.Generator, tree: Tree, draws: Draws, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Return one row per case with the canonical fields, personal data and the raw category label.

    Columns: ``case_id, received, area, category, category_raw, channel, collective, headcount, repeat,
    level, closed, comm, surge, name, id_number, phone, text``; sorted by ``received`` then ``case_id``.
    """
    specs = CATEGORY_SPECS
    n = len(draws.cat)
    order = np.lexsort((rng.random(n), draws.day))
    comm, cat, day, surge = draws.comm[order], draws.cat[order], draws.day[order], draws.surge[order]
    received = days[day]
    t_years = day / 365.25

    # grid within community, by population share
    share = np.zeros((len(tree.grid_share), 6))
    for i, s in enumerate(tree.grid_share):
        share[i, : len(s)] = np.cumsum(s)
    share[:, -1] = 1.0
    g_idx = (rng.random(n)[:, None] > share[comm]).sum(axis=1)
    g_idx = np.minimum(g_idx, np.array([len(g) for g in tree.grid_codes])[comm] - 1)
    grid_arr = np.array([g for gs in tree.grid_codes for g in gs])
    offs = np.cumsum([0] + [len(g) for g in tree.grid_codes])[:-1]
    area = grid_arr[offs[comm] + g_idx]

    # channel: office share by category; online grows over time; holidays suppress office channels
    office = np.array([s.office for s in specs])[cat]
    online = np.clip(0.35 + 0.06 * t_years, 0, 0.8)
    w = np.stack([0.8 * office * draws.off_eff[day], 0.2 * office * draws.off_eff[day],
                  (1 - office) * (1 - online) * draws.rem_eff[day], (1 - office) * online * draws.rem_eff[day]], 1)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    channel = CHANNELS[np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), 3)]

    # collective petitions with headcount
    p_col = np.array([s.collective for s in specs])[cat]
    p_col = np.where(surge >= 0, np.maximum(p_col, 0.3), p_col)
    collective = rng.random(n) < p_col
    headcount = np.where(collective, 5 + rng.negative_binomial(2, 2 / 14, n), 1)

    # repeat petitioners: a repeat case points to an earlier case of the same community and category
    p_rep = np.array([s.repeat for s in specs])[cat]
    grp = comm.astype(np.int64) * len(specs) + cat
    o = np.lexsort((np.arange(n), grp))
    g_sorted = grp[o]
    first = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    start_of = np.repeat(first, np.diff(np.r_[first, n]))
    pos = np.arange(n) - start_of
    want = (rng.random(n) < p_rep[o]) & (pos > 0)
    ptr = np.arange(n)
    ptr[want] = start_of[want] + (rng.random(want.sum()) * pos[want]).astype(np.int64)
    for _ in range(64):  # pointer jumping to the first case of each petitioner
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            break
        ptr = nxt
    person_sorted = o[ptr]
    person = np.empty(n, dtype=np.int64)
    person[o] = person_sorted
    repeat = np.zeros(n, dtype=bool)
    repeat[o] = want

    # level of the petition: escalates for repeat and collective petitions
    lvl = np.minimum((rng.random(n)[:, None] > np.cumsum(_LEVEL_P)).sum(axis=1), 4)
    lvl = np.minimum(lvl + (repeat & (rng.random(n) < 0.4)) + (collective & (rng.random(n) < 0.3)), 4)
    level = LEVELS[lvl]

    # closing date: days to close by category; some land/unfinished-homes cases stay open
    slow = np.isin(cat, [i for i, s in enumerate(specs) if s.code in ("land_demolition", "unfinished_homes")])
    lag = np.ceil(rng.gamma(2.0, np.where(slow, 20.0, 6.0))).astype(int) + 1
    closed = received + pd.to_timedelta(lag, unit="D")
    never = slow & (rng.random(n) < 0.05)
    closed = closed.where(~never & (closed <= days[-1]))

    # raw labels: mostly the name, also aliases, long labels that match by keyword, a few unmatched
    u = rng.random(n)
    kind = np.select([u < 0.8, u < 0.91, u < 0.985], [0, 1, 2], 3)
    pick = rng.random(n)
    labels = []
    for kk in range(len(specs)):
        s = specs[kk]
        labels.append(([s.name_zh], list(s.aliases), list(s.long_labels), list(UNMATCHED_LABELS)))
    raw = np.array([(lambda opts: opts[int(p * len(opts))])(labels[c][k]) for c, k, p in zip(cat, kind, pick)])

    # personal data per petitioner; complaint text per case
    uniq, inv = np.unique(person, return_inverse=True)
    ppl = _people(rng, len(uniq))
    cname = tree.comm.name.to_numpy()[comm]
    tpick = rng.random(n)
    text = [specs[k].texts[int(p * len(specs[k].texts))].format(c=c) for k, p, c in zip(cat, tpick, cname)]

    seq = pd.Series(received.year).groupby(received.year).cumcount().to_numpy() + 1
    case_id = np.char.add(np.char.add("XF", received.year.astype(str).to_numpy().astype(str)),
                          np.char.zfill(seq.astype(str), 6))
    return pd.DataFrame(
        {
            "case_id": case_id.astype(object),
            "received": received,
            "area": area.astype(object),
            "category": np.array([s.code for s in specs], dtype=object)[cat],
            "category_raw": raw.astype(object),
            "channel": channel.astype(object),
            "collective": pd.array(collective, dtype="boolean"),
            "headcount": pd.array(headcount, dtype="Int64"),
            "repeat": pd.array(repeat, dtype="boolean"),
            "level": level.astype(object),
            "closed": closed,
            "comm": comm,
            "surge": surge,
            "name": ppl.name.to_numpy()[inv],
            "id_number": ppl.id_number.to_numpy()[inv],
            "phone": ppl.phone.to_numpy()[inv],
            "text": text,
        }
    )
