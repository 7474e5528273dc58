"""The analyst notebooks run top to bottom (from ``notebooks/``) and are committed without outputs."""

from __future__ import annotations

import json
import sys
import time

import pytest

from _support import NYC_CASES, ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_quickstart", "02_seasonal_waves", "03_outreach_planning", "04_backtesting", "05_weekly_report"]
CELL_TIMEOUT = 300  # seconds per cell


def _load(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_stripped(name):
    nb = _load(name)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{name} has no code cell"
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{name}: cells {dirty} carry outputs; strip them (outputs: [], execution_count: null)"


@pytest.mark.parametrize("name", NAMES)
def test_opens_with_the_question_it_answers(name):
    first = _load(name)["cells"][0]
    text = "".join(first["source"])
    assert first["cell_type"] == "markdown" and text.startswith("# ")
    assert "question" in text.lower(), f"{name} should open by saying which question it answers"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernelspec that runs this interpreter (works in a fresh venv with no manual step)."""
    pytest.importorskip("ipykernel")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "foresight-tests"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "foresight tests", "language": "python",
    }), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(root))
    yield "foresight-tests"
    mp.undo()


def _execute(name: str, kernel_name: str, cwd) -> tuple[object, float]:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, kernel_name=kernel_name, timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    return nb, time.perf_counter() - start


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel_name):
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    nb, elapsed = _execute(name, kernel_name, NOTEBOOKS)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    draws = name != "05_weekly_report" and (name != "04_backtesting" or NYC_CASES.exists())
    assert images >= 1 or not draws, f"{name} drew no figure"
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == before, f"{name} wrote files into notebooks/"
    assert elapsed < 120, f"{name} took {elapsed:.0f} s; keep each notebook light (the budget is 4 min for all)"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["02_seasonal_waves", "04_backtesting"])
def test_nyc_sections_skip_with_a_note_when_the_data_is_absent(name, kernel_name, tmp_path):
    # a copy of the repository layout without ../shared beside it: data/ linked, notebooks/ empty
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "data").symlink_to(ROOT / "data", target_is_directory=True)
    nb, _ = _execute(name, kernel_name, repo / "notebooks")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "NYC cases not found" in text
