"""What a built wheel ships: every file the package reads at run time, and the supported versions."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.resources
import tomllib

from _support import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE = ROOT / "src" / "foresight"


def test_every_non_python_file_of_the_package_is_declared_package_data():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["foresight"]
    files = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
             if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts]
    assert files, "the package has no data files at all: is PACKAGE right?"
    undeclared = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert not undeclared, f"add to [tool.setuptools.package-data] in pyproject.toml: {undeclared}"


def test_the_report_template_is_readable_from_the_installed_package():
    template = importlib.resources.files("foresight") / "report" / "templates" / "report.html.j2"
    assert "<html" in template.read_text(encoding="utf-8").lower()


def test_installed_dependencies_satisfy_the_declared_floors():
    """The environment under test is one that pyproject allows (guards a hand-edited venv)."""
    from packaging.requirements import Requirement

    wrong = []
    for spec in PYPROJECT["project"]["dependencies"]:
        req = Requirement(spec)
        try:
            have = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            wrong.append(f"{req.name} not installed (needs {req.specifier}): reinstall, `make install`")
            continue
        if not req.specifier.contains(have, prereleases=True):
            wrong.append(f"{req.name} {have} (needs {req.specifier})")
    assert not wrong, wrong
