"""The sample district's ground truth at several ``FlagSettings.learned_floor`` values and list modes (issue 13).

The product's default flags (the learned wave model refitted at every weekly origin on the history
before it, ``warning_synth.flag_scores``), at each floor; the model of an origin is fitted once and
reused across floors and modes. Modes (``--modes``):

* ``all``: every wave flag at the floor (``max_flags=None``; the scoring of the floor table);
* ``top20``: the list the product shows, the first ``max_flags=20`` of them per origin and level;
* ``fill``: that list filled up to 20 with the next series of the floor-0 list (lower-confidence
  flags: ``benchmarks/_skill_product.py``'s ``own_fill``); every row shown is scored.

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/synth_floors.py 0.05,0.1,0.15,0.2,0.3
    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/synth_floors.py 0.15 --modes top20,fill

Results (2026-12-01) in ``benchmarks/results/skill_synth_floors.txt`` and ``skill_synth_fill.txt``.
"""

from __future__ import annotations

import argparse

import pandas as pd

import foresight.warning.own_history as oh
import warning_synth
from foresight.synth import generate_district
from warning_synth import flag_scores

TOP = 20
_memo: dict = {}
_learned = oh.learned_wave_p
_flags = warning_synth.flags


def _cached_learned(hist: pd.DataFrame, as_of, **kw):
    key = (pd.Timestamp(as_of), len(hist), hist["area"].nunique(), kw.get("horizon"))
    if key not in _memo:
        _memo[key] = _learned(hist, as_of, **kw)
    return _memo[key]


def shown(mode: str):
    """``flags`` as ``flag_scores`` calls it (``max_flags=None``), returning what ``mode`` shows."""
    def call(panel, as_of, horizon, *, max_flags=None, **kw):
        fl = _flags(panel, as_of, horizon, max_flags=None, **kw)
        if mode == "all":
            return fl
        top = fl.head(TOP)
        if mode == "top20" or len(top) >= TOP or fl.attrs["wave_model"]["model"] != "learned":
            return top
        low = _flags(panel, as_of, horizon, max_flags=None, **{**kw, "learned_floor": 0.0})
        low = low[~low.set_index(["area", "category"]).index.isin(top.set_index(["area", "category"]).index)]
        return pd.concat([top, low.head(TOP - len(top))], ignore_index=True)
    return call


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("floors", help="learned_floor values, comma-separated")
    ap.add_argument("--modes", default="all", help="all, top20, fill (comma-separated)")
    args = ap.parse_args()
    oh.learned_wave_p = _cached_learned
    d = generate_district()
    first, last = pd.Timestamp("2024-06-03"), pd.Timestamp("2025-06-30")
    for mode in args.modes.split(","):
        warning_synth.flags = shown(mode)
        for fl in [float(x) for x in args.floors.split(",")]:
            _, out = flag_scores(d, first=first, last=last, learned_floor=fl)
            print(mode, fl, out, flush=True)


if __name__ == "__main__":
    main()
