"""Every public name has a numpydoc docstring with Parameters, Returns and a runnable Examples section,
appears in the API reference, and every docstring example passes as a doctest."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys

import pytest

from _support import ROOT

PACKAGES = ("foresight", "foresight.forecasting", "foresight.warning", "foresight.evaluation",
            "foresight.store", "foresight.report", "foresight.distributed")

# Public names whose docstring still lacks a section (reported to the lead; xfail, not strict).
MISSING: set[str] = set()


def _public() -> dict[str, object]:
    """Qualified name -> object for every function and class in the packages' ``__all__`` (first name wins)."""
    seen: dict[int, str] = {}
    out: dict[str, object] = {}
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen[id(obj)] = f"{pkg}.{name}"
            out[f"{pkg}.{name}"] = obj
    return out


PUBLIC = _public()
_SECTION = re.compile(r"^\s*(?P<name>[A-Z][a-z]+)\s*\n\s*-{3,}\s*$", re.MULTILINE)


def sections(doc: str) -> dict[str, str]:
    """The numpydoc sections of a docstring: name -> body."""
    doc = inspect.cleandoc(doc or "")
    marks = list(_SECTION.finditer(doc))
    return {m["name"]: doc[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(doc)]
            for i, m in enumerate(marks)}


def problems(obj: object) -> list[str]:
    """What the docstring of ``obj`` lacks (empty when complete)."""
    doc = inspect.getdoc(obj) if inspect.isclass(obj) else obj.__doc__
    if not doc or not doc.strip():
        return ["no docstring"]
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return []  # an exception documents when it is raised; its signature is Exception's
    found = sections(doc)
    out = []
    if inspect.isclass(obj):
        params = [p for p in inspect.signature(obj).parameters.values() if p.kind is not p.VAR_KEYWORD]
        if params and not ({"Parameters", "Attributes"} & found.keys()):
            out.append("Parameters (or Attributes)")
    else:
        sig = inspect.signature(obj)
        if sig.parameters and "Parameters" not in found:
            out.append("Parameters")
        if sig.return_annotation not in (None, "None") and not ({"Returns", "Yields"} & found.keys()):
            out.append("Returns")
    if ">>>" not in found.get("Examples", ""):
        out.append("Examples (with a >>> example)")
    return out


def test_sections_parser_finds_numpydoc_sections():
    def documented(x):
        """Do it.

        Parameters
        ----------
        x : int

        Returns
        -------
        int

        Examples
        --------
        >>> documented(1)
        1
        """
        return x

    def bare(x):
        """Do it."""
        return x

    assert problems(documented) == []
    assert problems(bare) == ["Parameters", "Returns", "Examples (with a >>> example)"]


def test_there_are_public_names():
    assert len(PUBLIC) > 30, sorted(PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_docstring_is_complete(name, request):
    if name in MISSING:
        request.applymarker(pytest.mark.xfail(reason="docstring section missing (reported)", strict=False))
    lacking = problems(PUBLIC[name])
    assert not lacking, f"{name}: the docstring lacks {', '.join(lacking)}"


def test_every_public_name_is_in_the_api_reference():
    documented = set()
    for page in sorted((ROOT / "docs" / "reference").glob("*.md")):
        for path in re.findall(r"^:::\s*([\w.]+)", page.read_text(encoding="utf-8"), flags=re.MULTILINE):
            documented.add(id(pkgutil.resolve_name(path)))
    absent = [name for name, obj in PUBLIC.items() if id(obj) not in documented]
    assert not absent, f"add to a page of docs/reference/ (a '::: module.name' line): {absent}"


@pytest.mark.slow
def test_docstring_examples_pass_as_doctests():
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--doctest-modules", "src/foresight", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", "--no-header"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout), proc.stdout[-2000:]
