"""The docs/benchmarks.md section and the reliability figure of ``benchmarks/skill.py``."""

from __future__ import annotations

import json

import pandas as pd

from _common import RESULTS, ROOT, markdown_table, update_docs_section
from foresight._io import atomic_write

COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/skill.py --logs nyc,zurich --horizons {h}"
NAMES = {"nyc": "NYC council cases (blind 2021)", "zurich": "Zurich city reports (blind 2023)"}


FIGURE = ROOT / "docs" / "img" / "skill_reliability.png"


def reliability_figure(records: list[dict]) -> None:
    """Reliability curves (mean predicted against observed wave rate per bin), one panel per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(records), figsize=(3.2 * len(records), 3.4), squeeze=False)
    for ax, r in zip(axes[0], records):
        rel = pd.DataFrame(r["reliability"])
        for phase, style in (("dev", "o-"), ("blind", "s--")):
            d = rel[rel["phase"] == phase]
            ax.plot(d["mean_p"], d["observed"], style, ms=3, label=phase)
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted p_wave", title=f"{r['log']} h{r['horizon']}")
    axes[0][0].set_ylabel("observed wave rate")
    axes[0][0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(FIGURE, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def docs_section() -> None:
    """Rebuild the docs/benchmarks.md section from every recorded ``skill_*.json``."""
    parts = []
    records = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(RESULTS.glob("skill_*_h*.json"))]
    if records:
        reliability_figure(records)
        parts.append("Reliability of `p_wave` (development and blind origins of the chosen variant; the "
                     "grey line is perfect calibration):\n\n![reliability](img/skill_reliability.png)")
    for f in sorted(RESULTS.glob("skill_*_h*.json")):
        r = json.loads(f.read_text(encoding="utf-8"))
        ch, blind = r["choice"], r["summary"].get("blind")
        if blind is None:
            continue
        tab = pd.DataFrame(blind["table"])[["method", "origins", "hits10", "hits20", "flags", "tp", "waves",
                                            "f1", "lead", "won_hits20", "tied_hits20", "won_f1"]]
        dev = pd.DataFrame(r["summary"]["dev"]["table"])[["method", "hits10", "hits20", "f1"]]
        rel = pd.DataFrame(r["reliability"])
        rel = rel[rel["phase"] == "blind"][["bin", "n", "mean_p", "observed"]]
        parts.append(
            f"### {NAMES[r['log']]}, horizon {r['horizon']} weeks\n\n"
            f"Chosen on the {int(pd.DataFrame(r['summary']['dev']['table'])['origins'].max())} development "
            f"origins: `{ch['variant']}`, ranked by `{ch['rank_by']}`, flag at `p_wave >= {ch['threshold']}`. "
            f"Blind period ({tab['origins'].max()} origins), means per origin (F1 pooled; `won_*`: share of "
            f"origins on which `{ch['variant']}` beats the row, `tied_*` ties):\n\n"
            f"{markdown_table(tab)}\n\n"
            f"Hits at 20 = **{blind['hits20_ratio_vs_tsb']:.2f} x** the TSB rule (floor 1.15: "
            f"{'met' if blind['floors_met']['hits20'] else 'NOT met'}); wave F1 = "
            f"**{blind['f1_ratio_vs_best_anchor']:.2f} x** the best anchor ({blind['best_anchor_f1']:.3f}; "
            f"floor 1.15: {'met' if blind['floors_met']['f1'] else 'NOT met'}). "
            f"Development origins for comparison:\n\n{markdown_table(dev)}\n\n"
            f"Reliability of `p_wave` on the blind origins:\n\n{markdown_table(rel)}\n\n"
            f"Command: `{COMMAND.format(h=r['horizon'])}` ({r['seconds']:.0f} s for this log on the shared "
            f"machine; results in `benchmarks/results/{f.name}`).")
    if parts:
        update_docs_section("skill", "\n\n".join(parts), title="Skill: the learned wave probability")


RANK_COMMAND = ("OMP_NUM_THREADS=1 .venv/bin/python benchmarks/skill.py --rank --flags 0.1,0.15,0.2 --logs {log} "
                "--horizons {h} --cache benchmarks/results/cache")


def ranking_section() -> None:
    """The ranking rules of the short list (``skill.py --rank``): development tables and the second look."""
    parts, looks = [], []
    for f in sorted(RESULTS.glob("ranking_*_h*.json")):
        r = json.loads(f.read_text(encoding="utf-8"))
        dev = pd.DataFrame(r["tables"]["dev"])[["variant", "rule", "origins", "hits10", "hits20", "ratio20",
                                                "wtl20", "wtl10"]]
        parts.append(f"#### {NAMES[r['log']]}, horizon {r['horizon']} weeks: development origins\n\n"
                     f"{markdown_table(dev)}\n\nCommand: `{RANK_COMMAND.format(log=r['log'], h=r['horizon'])}` "
                     f"(`benchmarks/results/{f.name}`).")
        if "second_look" in r:
            blind = pd.DataFrame(r["tables"]["blind"]).set_index(["variant", "rule"])
            sl = r["second_look"]
            mine, tsb = blind.loc[(sl["variant"], sl["rule"])], blind.loc[(sl["variant"], "tsb_ratio")]
            looks.append(dict(log=r["log"], horizon=r["horizon"], origins=int(mine["origins"]),
                              hits10=float(mine["hits10"]), hits20=float(mine["hits20"]),
                              tsb_hits10=float(tsb["hits10"]), tsb_hits20=float(tsb["hits20"]),
                              ratio20=float(mine["ratio20"]), wtl20=mine["wtl20"], wtl10=mine["wtl10"],
                              floor_met=bool(mine["ratio20"] >= 1.15)))
    if looks:
        parts.insert(0, "Second look at the blind years (already scored once before this rule was chosen, so "
                        "**not a blind result**), the chosen `learned_pooled` + `rank_avg_default` against "
                        "the TSB rule on the same origins (`wtl`: origins won/tied/lost; floor: hits at 20 "
                        f">= 1.15 x the TSB rule's):\n\n{markdown_table(pd.DataFrame(looks))}\n\nCommands "
                        "below each development table (the rule was chosen with `--dev-only`, which gives the "
                        "same development rows; `flags_p<P>`: the list `foresight.warning.flags` itself shows "
                        "with these probabilities, flagging at `p_wave >= P`).")
    if parts:
        update_docs_section("skill-ranking", "\n\n".join(parts), title="Skill: ranking the short list")