"""How the code is built, as the design fixes it: data flows one way (crawler/ never imports
monitor/) and no module of monitor/ reaches itself again through its imports — every import
counts, those made inside a function or only for type checking too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "monitor", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path
            for package in PACKAGES if (ROOT / package).is_dir()
            for path in sorted((ROOT / package).rglob("*.py"))}


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The modules of this tree that ``path`` imports (a name imported from a package that is
    a module of its own counts as that module)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known and name != module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def _circle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle through ``start``, as the modules in order, or None."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, path = stack.pop()
        for imported in sorted(graph[module]):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_the_crawler_never_imports_the_monitor():
    graph = _graph()
    wrong = sorted((module, imported) for module, imports in graph.items()
                   if module.startswith("crawler") for imported in imports
                   if not imported.startswith("crawler"))
    assert wrong == []


def test_no_module_of_the_monitor_or_the_demo_is_in_an_import_circle():
    graph = _graph()
    circles = [circle for module in sorted(graph) if module.startswith(("monitor", "demo"))
               if (circle := _circle_from(module, graph))]
    assert circles == []


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circle_from("a", graph) == ["a", "b", "c", "a"]
    assert _circle_from("d", graph) is None
