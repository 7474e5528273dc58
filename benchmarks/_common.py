"""Helpers shared by the benchmark scripts: markdown tables and the docs/benchmarks.md section."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from foresight._io import atomic_write

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"


def markdown_table(df: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    """A GitHub markdown table (no tabulate dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        cells = [floatfmt.format(v) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_docs_section(name: str, body: str, *, title: str) -> Path:
    """Replace the block between ``<!-- name:start -->`` and ``<!-- name:end -->`` in docs/benchmarks.md.

    The block is appended (with a heading) when the file or the markers do not exist yet; the rest of
    the file (other helpers' sections) is left as it is.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pat = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pat.search(text):
        text = pat.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + f"\n\n## {title}\n\n{block}\n"
    return atomic_write(DOCS, lambda p: p.write_text(text, encoding="utf-8"))


# --- the two real logs of the skill benchmarks (benchmarks/skill.py, benchmarks/forecast_skill.py) ---

def shared_data(rel: str) -> Path:
    """A file under the shared data folder (``../shared`` of the checkout, or /work/shared)."""
    for base in (ROOT.parent / "shared", ROOT.parents[1] / "shared", Path("/work/shared")):
        if (base / rel).exists():
            return base / rel
    raise FileNotFoundError(f"{rel} not found under ../shared or /work/shared")


#: Per log: file and columns, the panel's as-of, the first origin (the log's third year), the first day
#: of the blind year (the log's last), and its holiday calendar.
LOGS = {
    "nyc": dict(file="data/nyc-council-cases/cases_2015_2021.csv.gz", date="opendate", area="account",
                category="complaint_type", as_of="2022-01-03", start="2017-01-02", blind="2021-01-04",
                country="US", subdiv="NY"),
    "zurich": dict(file="data/zurich-city-reports/reports_2016_2023.csv.gz", date="date", area="district",
                   category="service_code", as_of="2024-01-01", start="2018-01-01", blind="2023-01-02",
                   country="CH", subdiv="ZH"),
}


def load_log(name: str) -> pd.DataFrame:
    """The weekly panel of a log (every area x category), with its holiday calendar in ``attrs``."""
    from foresight.panel import to_panel

    spec = LOGS[name]
    d = pd.read_csv(shared_data(spec["file"]), usecols=[spec["date"], spec["area"], spec["category"]])
    cases = pd.DataFrame({"received": pd.to_datetime(d[spec["date"]]), "area": d[spec["area"]],
                          "category": d[spec["category"]].fillna("(none)")})
    panel = to_panel(cases, freq="W", as_of=spec["as_of"])
    panel.attrs.update(country=spec["country"], subdiv=spec["subdiv"])
    return panel


def log_origins(name: str, h: int) -> list[pd.Timestamp]:
    """Origins every 13 weeks from the log's third year while ``h`` weeks of actuals remain."""
    spec = LOGS[name]
    end = pd.Timestamp(spec["as_of"]) - pd.Timedelta(weeks=h)
    return list(pd.date_range(spec["start"], end, freq="91D"))


def phase(name: str, o: pd.Timestamp, h: int) -> str:
    """``blind`` (origin in the last year), ``dev`` (horizon ends before it) or ``gap`` (straddles)."""
    blind = pd.Timestamp(LOGS[name]["blind"])
    return "blind" if o >= blind else ("dev" if o + pd.Timedelta(weeks=h) <= blind else "gap")
