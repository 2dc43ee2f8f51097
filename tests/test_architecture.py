"""The shape of the source tree: layers import one way, no cycles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import storyreel

ROOT = Path(storyreel.__file__).parent
MAX_LINES = 250

# Each layer and what it may import of storyreel, besides itself and the shared modules.
SHARED = {
    "storyreel",
    "storyreel.errors",
    "storyreel.logs",
    "storyreel.files",
    "storyreel.databases",
    "storyreel.db_schema",
    "storyreel.domain",
}
SETTINGS = {"storyreel.settings", "storyreel.config_sources", "storyreel.settings_quota"}
MAY_IMPORT = {
    "storyreel.domain": set(),
    "storyreel.emulator": set(),
    "storyreel.connectors": {*SETTINGS, "storyreel.emulator"},
    # Rate limiting sits below the services that draw from its budgets.
    "storyreel.quota": {*SETTINGS},
    "storyreel.services": {*SETTINGS, "storyreel.quota"},
    "storyreel.jobs": {*SETTINGS, "storyreel.services", "storyreel.quota"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every storyreel module ``name`` imports, wherever the import stands (function bodies
    and ``if TYPE_CHECKING:`` blocks included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # A package's own children, and a child's parent package, are not edges.
            own = target == name or target.startswith(name + ".") or name.startswith(target + ".")
            if target and not own:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                found = visit(nxt)
                if found:
                    return found
        on_path.discard(path.pop())
        done.add(node)
        return None

    return visit(start)


def test_architecture_has_no_import_cycle() -> None:
    graph = _graph()
    cycles = [cycle for name in graph if (cycle := _cycle_from(name, graph))]
    assert cycles == []


def test_architecture_cycle_finder_sees_a_cycle() -> None:
    # The finder itself can fail: a two-module loop is reported.
    assert _cycle_from("a", {"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def _layer(name: str) -> str | None:
    for layer in MAY_IMPORT:
        if name == layer or name.startswith(layer + "."):
            return layer
    return None


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_architecture_layers_import_downward_only(layer: str) -> None:
    allowed = MAY_IMPORT[layer]
    wrong = {}
    for name, targets in _graph().items():
        if _layer(name) != layer:
            continue
        bad = sorted(
            target
            for target in targets
            if _layer(target) != layer
            and not any(target == ok or target.startswith(ok + ".") for ok in allowed)
            and not (target in SHARED or target.startswith("storyreel.domain."))
        )
        if layer == "storyreel.emulator":
            # The emulator stands beside everything: not even the shared modules.
            bad = sorted(target for target in targets if _layer(target) != layer)
        if name == "storyreel.connectors":
            # The get_*_client() facade sits on the default container by design.
            bad = [target for target in bad if target != "storyreel.containers"]
        if bad:
            wrong[name] = bad
    assert wrong == {}


def test_architecture_modules_stay_small() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_architecture_no_process_wide_rebinding() -> None:
    # Module-level state that code rebinds (``global``) is shared by every container. The one
    # exception is the facade of the original connectors module: its get_*_client()
    # functions take no container, so one default container stands behind them.
    offenders = [
        f"{name}:{node.lineno}"
        for name, path in _modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Global) and name != "storyreel.connectors"
    ]
    assert offenders == []
