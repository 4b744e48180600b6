"""The house keeps its shape: imports flow one way between the folders, no module imports itself in a loop, no
module grows past 500 lines, and every package says in its docstring what it owns (docs/architecture.md).

Imports are read from the source (``ast``), including the ones under ``TYPE_CHECKING`` and inside functions: a
loop that only a late import hides is still two rooms holding one job.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FLOOR = {"workspace", "settings", "errors", "db", "progress", "store", "readcache"}
# lowest first; a package may import its own modules and those of lower layers only
LAYERS: list[set[str]] = [
    {"floor"},
    {"governance"},
    {"catalog"},
    {"vault", "council"},
    {"release"},
    {"lab"},
    {"duties"},
    {"api", "cli", "ui"},
]
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("sandbox", "generators"):
        for path in sorted((REPO / top).rglob("*.py")):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            names.update(submodules or {node.module})  # `from pkg import module` uses the module, not the face
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "generators":
        return "generators"
    if len(parts) == 1:
        return "sandbox"
    return "floor" if parts[1] in FLOOR else parts[1]


def _layer(room: str) -> int:
    return next(i for i, rooms in enumerate(LAYERS) if room in rooms)


def test_every_package_has_a_place_and_says_what_it_owns():
    rooms = {_room(m) for m in _modules()} - {"sandbox", "generators"}
    assert rooms <= set().union(*LAYERS), f"a package without a layer: {sorted(rooms - set().union(*LAYERS))}"
    for init in sorted((REPO / "sandbox").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if init.parent.name != "pages":  # Streamlit's page scripts are one folder of the ui
            assert doc and len(doc) > 80, f"{init.relative_to(REPO)} does not say what its package owns"


def test_imports_flow_one_way():
    wrong = []
    for module, targets in _graph().items():
        here = _room(module)
        for target in targets:
            there = _room(target)
            if here == "generators":
                if there != "generators":
                    wrong.append(f"{module} -> {target} (generators know nothing of the product)")
            elif here == "sandbox":
                continue  # the package's face loads the notebook API lazily
            elif there not in (here, "generators") and _layer(there) >= _layer(here):
                wrong.append(f"{module} -> {target} ({here} may not import {there})")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, f"modules importing each other: {cycles}"


@pytest.mark.parametrize("top", ["sandbox", "generators"])
def test_no_module_over_500_lines(top: str):
    long = {str(p.relative_to(REPO)): n for p in (REPO / top).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_layout_document_names_every_package():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted({p.parent.relative_to(REPO).as_posix() for p in (REPO / "sandbox").rglob("__init__.py")})
    missing = [p for p in packages if f"{p}/" not in text]
    assert not missing, f"docs/architecture.md does not show {missing}"
