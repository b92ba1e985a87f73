"""Dependencies run one way: no import cycle between feature packages, and core imports no feature.

The graph is built from the source with ``ast``: every import counts, the ones inside functions too
(a deferred import is still a dependency); only imports under ``if TYPE_CHECKING:`` are left out,
as they never run. docs/architecture.md states the rule and the order of the features.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "consult"

# Infrastructure every layer may use; it belongs with core.
INFRASTRUCTURE = {"extensions"}
# The application shell at the package root (create_app, the CLI, the demo, the registries): it
# assembles the features, so nothing inside a feature or core may import it.
SHELL = "(app)"

# The order of the packages, lowest first: each may import those before it, never one after it
# (docs/architecture.md). A cycle is reported by the imports that run against this order.
ORDER = ["core", "audit", "auth", "orgs", "sso", "notify", "consultations", "responses", "disclosure", "dialogue", "qa",
         "advice", "sessions", "drafts", "analysis", "tariffs", "strategy", "reports", "api", "admin", "privacy", "home",
         SHELL]

Graph = dict[str, dict[str, set[str]]]


def _unit(module: list[str], root: Path) -> str:
    """The package a module belongs to: ``consult.x.y`` → ``x``; a root module → core or the shell."""
    if len(module) < 2:
        return SHELL
    name = module[1]
    if name in INFRASTRUCTURE:
        return "core"
    return name if (root / name).is_dir() else SHELL


def _imports(tree: ast.AST):
    """Every import statement in ``tree``, skipping the bodies of ``if TYPE_CHECKING:``."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def _targets(node: ast.Import | ast.ImportFrom, module: list[str], is_package: bool) -> list[list[str]]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    if node.level:
        base = module if is_package else module[:-1]
        base = base[:len(base) - node.level + 1]
    else:
        base = []
    base = base + (node.module.split(".") if node.module else [])
    # ``from consult import audit`` names a package; ``from consult.x import y`` names y inside x.
    return [base + [alias.name] for alias in node.names] if len(base) == 1 else [base]


def import_graph(root: Path) -> Graph:
    """``{importing package: {imported package: {files}}}`` for the package at ``root``; packages
    are its sub-packages, plus "core" for core and the shared infrastructure, and the shell."""
    graph: Graph = defaultdict(lambda: defaultdict(set))
    top = root.name
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        is_package = relative.name == "__init__"
        module = list(relative.parts[:-1] if is_package else relative.parts)
        source = _unit(module, root)
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, module, is_package):
                if target[0] != top:
                    continue
                destination = _unit(target, root)
                if destination != source:
                    graph[source][destination].add(str(path.relative_to(root.parent)))
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, {})):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    nodes = set(graph) | {other for targets in graph.values() for other in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(found)


def describe_cycle(graph: Graph, group: list[str], order: list[str] = ORDER) -> str:
    """The imports that close one cycle: those inside it that run from a package to one later in
    ``order`` (or every import inside it when ``order`` does not place them), with their files."""
    rank = {name: position for position, name in enumerate(order)}
    edges = [(source, destination, files) for source in group for destination in group
             if (files := graph.get(source, {}).get(destination))]
    upward = [(source, destination, files) for source, destination, files in edges
              if source in rank and destination in rank and rank[destination] > rank[source]]
    lines = [f"cycle between {', '.join(group)}; it is closed by:"]
    lines += [f"  {source} -> {destination}: {', '.join(sorted(files))}"
              for source, destination, files in (upward or edges)]
    return "\n".join(lines)


def core_violations(graph: Graph) -> list[str]:
    """Each import from core (or the shared infrastructure) into a feature or the shell."""
    return [f"core -> {destination}: {', '.join(sorted(files))}"
            for destination, files in sorted(graph.get("core", {}).items())]


def imports_against_the_order(graph: Graph, order: list[str] = ORDER) -> dict[tuple[str, str], set[str]]:
    rank = {name: position for position, name in enumerate(order)}
    return {(source, destination): files for source, targets in graph.items() for destination, files in targets.items()
            if source in rank and destination in rank and rank[destination] > rank[source]}


def test_every_import_runs_along_the_package_order():
    """A package imports only packages before it in ORDER (docs/architecture.md)."""
    against = imports_against_the_order(import_graph(PACKAGE))
    assert against == {}, f"imports against the package order (docs/architecture.md): {against}"


def test_no_import_cycle_between_packages():
    """Also for a package ORDER does not place yet: no group of packages imports each other."""
    graph = import_graph(PACKAGE)
    assert cycles(graph) == [], [describe_cycle(graph, group) for group in cycles(graph)]


def test_core_imports_no_feature():
    violations = core_violations(import_graph(PACKAGE))
    assert not violations, "\n" + "\n".join(violations)


def test_nothing_imports_the_application_shell():
    graph = import_graph(PACKAGE)
    importers = {source: sorted(targets[SHELL]) for source, targets in graph.items() if SHELL in targets
                 and source != SHELL}
    assert importers == {}


# --- the graph functions themselves, on small packages written for the purpose -------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "app"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_cycle_through_a_deferred_import_is_found_and_named(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "one/__init__.py": "",
        "one/models.py": "from app.core import db\n",
        "one/services.py": "def act():\n    from app.two.models import Thing\n",
        "two/__init__.py": "",
        "two/models.py": "from ..one import models\n",
    })
    graph = import_graph(root)
    assert cycles(graph) == [["one", "two"]]
    assert describe_cycle(graph, ["one", "two"], order=["one", "two"]) == (
        "cycle between one, two; it is closed by:\n"
        "  one -> two: app/one/services.py")
    assert imports_against_the_order(graph, order=["one", "two"]) == {("one", "two"): {"app/one/services.py"}}
    assert imports_against_the_order(graph, order=["two", "one"]) == {("two", "one"): {"app/two/models.py"}}
    assert describe_cycle(graph, ["one", "two"], order=[]) == (
        "cycle between one, two; it is closed by:\n"
        "  one -> two: app/one/services.py\n"
        "  two -> one: app/two/models.py")


def test_imports_for_type_checking_only_are_left_out(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "one/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.two import x\n",
        "two/__init__.py": "import app.one\n",
    })
    assert cycles(import_graph(root)) == []


def test_core_importing_a_feature_is_reported(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "extensions.py": "from app import feature\n",
        "core/__init__.py": "",
        "core/views.py": "from app.feature.services import act\n",
        "feature/__init__.py": "from app.core import views\nfrom app.extensions import db\n",
    })
    graph = import_graph(root)
    assert core_violations(graph) == ["core -> feature: app/core/views.py, app/extensions.py"]
    assert cycles(graph) == [["core", "feature"]]
