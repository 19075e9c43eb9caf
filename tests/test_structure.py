"""Rules the package's structure keeps, checked on its source.

The folder listing reads as the data flow (see README, "Layout"); these tests keep it so:
the renderers never import the pipeline nor write files, openpyxl stays inside the
workbook package and the translators' workbook, the package has no import cycles, the
command line uses only the library API, and modules and functions stay short.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gcmreview"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, ast.AST]]:
    """The modules of the package (or outside it) that ``name`` imports, with the import node."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES]
            if len(submodules) < len(node.names):  # names defined in the module itself
                yield target, node
            for submodule in submodules:  # `from . import pipeline`: the submodule, not its package
                yield submodule, node


def _graph() -> dict[str, set[str]]:
    return {name: {t for t, _ in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}


def test_the_package_has_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_renderers_never_import_the_pipeline() -> None:
    found = [(name, target) for name, path in MODULES.items() if name.startswith("gcmreview.render")
             for target, _ in _imports(name, path) if target == "gcmreview.pipeline"]
    assert found == []


WRITERS = {"write_text", "write_bytes", "mkdir", "touch", "unlink", "rmdir", "atomic_write", "atomic_write_with"}
OS_WRITERS = {"replace", "rename", "remove", "unlink", "makedirs", "mkdir", "rmdir", "removedirs", "copy", "copy2", "copyfile",
              "copytree", "move", "rmtree", "chmod", "symlink", "link", "truncate", "write"}


def _writes(path: Path) -> list[str]:
    """Calls in a module that write to the file system."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if name in WRITERS or (owner in ("os", "shutil") and name in OS_WRITERS):
            found.append(f"{path.name}:{node.lineno} {name}")
        elif name == "open":
            modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            if any(isinstance(m, str) and set(m) & set("wax+") for m in modes):
                found.append(f"{path.name}:{node.lineno} open({modes[0]!r})")
    return found


def test_the_renderers_never_write_files() -> None:
    found = [w for name, path in MODULES.items() if name.startswith("gcmreview.render") for w in _writes(path)]
    assert found == [], "render/ returns what it makes; only the pipeline writes build/"


def test_the_write_check_sees_a_write() -> None:
    """The scan above finds what it looks for (else it would pass on anything)."""
    pipeline = _writes(MODULES["gcmreview.pipeline"])
    assert any("atomic_write" in w for w in pipeline)


OPENPYXL_HOMES = ("gcmreview.workbook", "gcmreview.translations.xlsx")


def test_openpyxl_is_used_only_by_the_workbook_package_and_the_translators_workbook() -> None:
    users = {name for name, path in MODULES.items() for target, _ in _imports(name, path) if target.split(".")[0] == "openpyxl"}
    assert users, "the scan finds openpyxl's importers"
    assert sorted(u for u in users if not u.startswith(OPENPYXL_HOMES)) == []


@pytest.mark.parametrize("front", ["gcmreview.cli", "gcmreview.web"])
def test_the_front_ends_use_only_the_library_api(front: str) -> None:
    """Front ends (the command line, the web app) call the API of gcmreview/__init__.py and nothing deeper.

    The command line may start the web app (``gcmreview serve``), the other front end.
    """
    own = (front, "gcmreview.web") if front == "gcmreview.cli" else (front,)
    deeper = [(name, target) for name, path in MODULES.items() if name.startswith(front)
              for target, _ in _imports(name, path)
              if target.startswith("gcmreview.") and not target.startswith(own)]
    assert deeper == []
    assert any(name.startswith(front) for name in MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_are_short(name: str) -> None:
    path = MODULES[name]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{path.relative_to(PACKAGE.parent)}: split it"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]  # type: ignore[operator]
    assert long == []
