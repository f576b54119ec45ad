"""The project's import graph: no circles, services never import tasks, nothing but tooling imports tooling.

The graph is read from the source with ``ast`` (nothing is imported). An edge is an explicit import
statement at any depth, inside functions included: ``import a.b``, ``from a import b`` (an edge to
the module ``a.b`` when it is one, else to ``a``) and relative imports. Importing ``a.b`` also runs
``a/__init__.py``, but that implicit edge is not counted, or every package would be in a circle with
its submodules. Imports under ``if TYPE_CHECKING:`` are left out: they never run.
Every top-level package but ``tests`` is read, so a new package is checked too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Every top-level package of the project but the tests (config, the apps, tooling, and any new one).
PROJECT_PACKAGES = tuple(sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests"))

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree except the bodies of ``if TYPE_CHECKING:`` blocks."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nearest_module(name: str, modules: set[str]) -> str | None:
    """``name`` itself when it is a project module, else its longest prefix that is one."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    # ``from a import b``: the module ``a.b`` when it is one, else ``a`` itself
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]


def import_graph(root: Path, packages: tuple[str, ...]) -> Graph:
    """Module -> the project modules it imports explicitly (see the module docstring)."""
    files = {
        module_name(path, root): path
        for package in packages
        if (root / package).is_dir()
        for path in (root / package).rglob("*.py")
    }
    modules = set(files)
    graph: Graph = {module: set() for module in modules}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported_names(node, module, is_package, modules):
                target = _nearest_module(name, modules)
                if target is not None and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _edges(graph: Graph, source, target) -> list[str]:
    return sorted(f"{a} -> {b}" for a, imported in graph.items() if source(a) for b in imported if target(b))


def _is_under(module: str, package: str) -> bool:
    return package in module.split(".")


PROJECT = import_graph(ROOT, PROJECT_PACKAGES)


def test_the_graph_is_read_from_the_project():
    # a few edges known to exist: the parser sees module-level, function-level and package imports
    assert {"config", "partners", "shortages", "stock", "tooling"} <= set(PROJECT_PACKAGES)
    assert "shortages.services.scores" in PROJECT["shortages.tasks"]
    assert "tooling.demo.batches" in PROJECT["tooling.management.commands.demo"]
    assert len(PROJECT) > 100


def test_no_module_imports_a_module_that_imports_it_back():
    found = cycles(PROJECT)
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(component) for component in found)


def test_services_never_import_tasks():
    found = _edges(PROJECT, lambda a: _is_under(a, "services"), lambda b: b.split(".")[-1] == "tasks")
    assert not found, "services importing tasks:\n" + "\n".join(found)


def test_nothing_but_tooling_imports_tooling():
    # tooling uses the domain apps (shortages, stock, partners), never the reverse
    found = _edges(PROJECT, lambda a: a.split(".")[0] != "tooling", lambda b: b.split(".")[0] == "tooling")
    assert not found, "modules importing tooling:\n" + "\n".join(found)


def test_the_database_mechanics_import_no_app():
    # bulk moves frames and columns in and out of PostgreSQL; the domain apps call it, never the reverse
    apps = {"config", "partners", "shortages", "stock", "tooling"}
    found = _edges(PROJECT, lambda a: a.split(".")[0] == "bulk", lambda b: b.split(".")[0] in apps)
    assert not found, "bulk importing an app:\n" + "\n".join(found)
    assert "bulk.copy_in" in PROJECT["shortages.services.position_rows"]


def test_the_demo_and_benchmarks_live_in_tooling():
    for package in ("demo", "benchmarks"):
        assert not (ROOT / "shortages" / package).exists(), f"shortages/{package} should be tooling/{package}"
        assert (ROOT / "tooling" / package / "__init__.py").is_file()


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_circle_through_a_function_level_or_relative_import_is_found(tmp_path):
    # given a -> b at module level (relative), b -> a inside a function, and a package whose
    # submodules import each other only through the package's names
    _write(
        tmp_path,
        {
            "app/__init__.py": "from app.models import Thing\n",
            "app/models.py": "THING = 1\n",
            "app/a.py": "from . import b\n",
            "app/b.py": "def later():\n    from app.a import name\n",
            "app/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import d\n",
            "app/d.py": "import app.c\n",
        },
    )
    # when
    graph = import_graph(tmp_path, ("app",))
    # then
    assert graph["app"] == {"app.models"}
    assert graph["app.models"] == set()  # importing app.models runs app/__init__, not counted
    assert graph["app.a"] == {"app.b"}
    assert graph["app.b"] == {"app.a"}
    assert graph["app.c"] == set()
    assert cycles(graph) == [["app.a", "app.b"]]
