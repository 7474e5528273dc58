"""Every ```python block of the README and the docs runs, in a folder holding the sample district.

The blocks of one page run in order in one namespace, as a reader would paste them. The folder has
the sample district's files at its top (``mapping.toml``, ``areas.csv``, ``exports/...``), under
``data/samples/district/`` (as in the repository), and as ``history.csv.gz``/``week_46.csv``. A block
that cannot run (a signature sketch) is marked with ``<!-- no-test -->`` on the line before it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib
import pytest

from _support import ROOT, SAMPLES

matplotlib.use("Agg")

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"(?P<mark><!--\s*no-test\s*-->\s*\n)?^```python\n(?P<code>.*?)^```", re.S | re.M)


def blocks(text: str) -> list[tuple[int, str, bool]]:
    """``(line, code, runs)`` of each python block; ``runs`` is False after a no-test mark."""
    return [(text[:m.start("code")].count("\n") + 1, m.group("code"), not m.group("mark"))
            for m in _BLOCK.finditer(text)]


def test_blocks_are_found_and_no_test_marks_are_honoured():
    text = "a\n```python\nx = 1\n```\n<!-- no-test -->\n```python\nboom(\n```\n"
    assert [(line, runs) for line, _, runs in blocks(text)] == [(3, True), (7, False)]


def test_no_test_marks_are_sparing():
    marked = [(p.name, line) for p in PAGES for line, _, runs in blocks(p.read_text("utf-8")) if not runs]
    assert len(marked) <= 2, marked


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("docs")
    for item in SAMPLES.iterdir():
        (ws / item.name).symlink_to(item)
    (ws / "data" / "samples").mkdir(parents=True)
    (ws / "data" / "samples" / "district").symlink_to(SAMPLES)
    shutil.copy(SAMPLES / "exports" / "cases_history.csv.gz", ws / "history.csv.gz")
    shutil.copy(SAMPLES / "exports" / "export_week_1.csv", ws / "week_46.csv")
    return ws


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if "```python" in p.read_text("utf-8")],
                         ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.filterwarnings("ignore::foresight.calendar.CalendarWarning")
def test_every_python_block_runs(page, workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code, runs in blocks(page.read_text("utf-8")):
        if not runs:
            continue
        try:
            exec(compile(code, f"{page.name}:{line}", "exec", dont_inherit=True), namespace)
        except Exception as exc:  # noqa: BLE001 - report which block failed and why
            pytest.fail(f"{page.relative_to(ROOT)} line {line}: {type(exc).__name__}: {exc}")
