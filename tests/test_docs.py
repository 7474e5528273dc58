"""The documentation site builds in strict mode: a broken link or a missing reference fails."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from _support import ROOT


@pytest.mark.slow
def test_docs_build_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "ingest" / "index.html").exists()
    page = (tmp_path / "site" / "reference" / "ingest" / "index.html").read_text(encoding="utf-8")
    assert "read_cases" in page and "accepted + rejected" in page
