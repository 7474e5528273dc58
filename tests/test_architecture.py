"""The import graph of ``src/foresight``: no cycle between modules, no import from a lower layer into a
higher one. Read from the source with ``ast`` (imports inside functions count too), so a lazy import
cannot hide a dependency.

To add a top-level module or package, give it a layer in ``LAYERS``: the test fails for a module it
does not know.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from _support import ROOT

SRC = ROOT / "src"
PACKAGE = "foresight"

#: Layers, lowest first: a module may import its own layer and the layers below, never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("_decode", "_pii", "_cells", "periods", "schemas", "_records", "_io", "_glm", "_phrases", "text", "settings",
     "fonts"),
    ("areas", "calendar", "categories", "matrix", "plots"),
    ("ingest", "_panel_sql", "panel", "store", "interop"),  # the store counts its panel with panel's zero-fill
    ("forecasting",),
    ("warning", "evaluation"),
    ("synth",),  # the sample generator may import anything below the report
    ("distributed",),  # the pipeline per partition: panel, forecasting and warning
    ("report",),
    ("cli",),
)
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}
FACADE = PACKAGE  # foresight/__init__.py re-exports the public API lazily; it is above every layer


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks (imports for type checkers only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that ``name`` imports (resolved to modules; parent packages included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            if t == PACKAGE or t.startswith(PACKAGE + "."):
                found.add(t)
    # importing a.b.c imports the packages a.b and a first, unless the importer is inside them
    out = set()
    for t in found:
        parts = t.split(".")
        for i in range(2, len(parts) + 1):
            m = ".".join(parts[:i])
            if m in known and not (name == m or name.startswith(m + ".")):
                out.add(m)
    return out - {name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    return LAYER.get(parts[1]) if len(parts) > 1 else None


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``g`` as a list of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    for root in sorted(g):
        if root in state:
            continue
        stack = [(root, iter(sorted(g[root])))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in state and nxt in g:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(g[nxt]))))
    return None


G = graph()


def test_the_walk_sees_the_package():
    # a few edges that must be there, so a broken walk cannot pass the tests below
    assert "foresight.periods" in G["foresight.panel"]
    assert "foresight.forecasting.engine" in G["foresight.forecasting.models"]  # via the registry
    assert "foresight.forecasting" in G["foresight.warning.flags"]  # a lazy import inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_has_a_layer():
    unknown = sorted({m.split(".")[1] for m in G if m != FACADE and layer_of(m) is None})
    assert not unknown, f"give these top-level modules a layer in LAYERS: {unknown}"


def test_no_import_cycle():
    cycle = find_cycle(G)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("module", sorted(m for m in G if m != FACADE))
def test_no_upward_import(module):
    here = layer_of(module)
    up = sorted(t for t in G[module] if t == FACADE or (layer_of(t) or 0) > (here or 0))
    assert not up, (f"{module} (layer {here}: {LAYERS[here or 0]}) imports from a higher layer: "
                    + ", ".join(f"{t} (layer {layer_of(t)})" for t in up))
