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
