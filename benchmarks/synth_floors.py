"""The sample district's ground truth at several ``FlagSettings.learned_floor`` values (issue 13).

The product's default flags (the learned wave model refitted at every weekly origin on the history
before it, ``warning_synth.flag_scores``), at each floor; the model of an origin is fitted once and
reused across floors. Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/synth_floors.py 0.05,0.1,0.15,0.2,0.3

Results (2026-12-01) in ``benchmarks/results/skill_synth_floors.txt``.
"""

import sys

import pandas as pd

import foresight.warning.own_history as oh
from foresight.synth import generate_district
from warning_synth import flag_scores

memo = {}
orig = oh.learned_wave_p
def cached(hist, as_of, **kw):
    key = (pd.Timestamp(as_of), len(hist), hist["area"].nunique())
    if key not in memo:
        memo[key] = orig(hist, as_of, **kw)
    return memo[key]
oh.learned_wave_p = cached
d = generate_district()
first, last = pd.Timestamp("2024-06-03"), pd.Timestamp("2025-06-30")
out = {}
for fl in [float(x) for x in sys.argv[1].split(",")]:
    _, out[fl] = flag_scores(d, first=first, last=last, learned_floor=fl)
    print(fl, out[fl], flush=True)
