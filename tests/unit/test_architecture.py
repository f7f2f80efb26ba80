"""The package's import direction: cli -> pack -> stages -> replay -> core, no cycles.

Every ``import``/``from ... import`` in ``sigmaq/`` (including imports inside
functions, which the CLI uses to stay fast) is read with ``ast`` and mapped to the
subpackage it comes from and the one it names. An import that goes upward, sideways
between stages, or closes a cycle fails with the file and line.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import sigmaq

PACKAGE_DIR = Path(sigmaq.__file__).parent

STAGES = ("validate", "export", "testing", "hunt", "investigate", "readiness", "authoring")
FOUNDATION = ("core", "replay")

# subpackage -> subpackages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "replay": {"core"},
    **{stage: {"core", "replay"} for stage in STAGES},
    "pack": {"core", "replay", *STAGES},
    "cli": {"core", "replay", "pack", *STAGES},
}
# Sideways imports between stages, each with its reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("investigate", "hunt"): "the investigation report reads archives with hunt's streaming run",
}


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sigmaq" or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every sigmaq import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from sigmaq import export` names a subpackage through the alias
            if module == "sigmaq":
                found.extend((node.lineno, f"sigmaq.{alias.name}") for alias in node.names)
    return [(line, name) for line, name in found if name.startswith("sigmaq")]


def _edges() -> list[tuple[str, str, Path, int]]:
    edges = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        source = _subpackage(_module_name(path))
        if source is None or path.parent == PACKAGE_DIR:  # root entry files: cli's callers
            continue
        for line, module in _imports(path):
            target = _subpackage(module)
            if target is not None and target != source and target != "__version__":
                edges.append((source, target, path, line))
    return edges


def test_root_holds_only_entry_files() -> None:
    modules = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert set(modules) <= {"__init__.py", "__main__.py"}, modules


def test_every_subpackage_is_known_and_documented() -> None:
    for folder in sorted(p for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()):
        assert folder.name in ALLOWED, f"{folder.name}: add it to ALLOWED with its imports"
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{folder}/__init__.py must say what it may import"


@pytest.mark.parametrize(
    "edge", _edges(), ids=lambda e: f"{e[2].relative_to(PACKAGE_DIR)}:{e[3]}->{e[1]}"
)
def test_import_direction(edge: tuple[str, str, Path, int]) -> None:
    source, target, path, line = edge
    allowed = target in ALLOWED[source] or (source, target) in EXCEPTIONS
    assert allowed, f"{path}:{line}: sigmaq.{source} may not import sigmaq.{target}"


def test_no_cycle_between_subpackages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _, _ in _edges():
        graph[source].add(target)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        assert node not in visiting, f"import cycle: {' -> '.join([*visiting, node])}"
        if node in done:
            return
        visiting.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    assert "core" in done and not graph["core"], "core must import no other subpackage"


def test_the_walker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    # The walker must catch the lazy imports the CLI relies on, or the test is blind.
    lazy = PACKAGE_DIR / "cli" / "__init__.py"
    names = [name for _, name in _imports(lazy)]
    assert "sigmaq" in names  # `from sigmaq import __version__`
    build_cmd = [name for _, name in _imports(PACKAGE_DIR / "cli" / "build_cmd.py")]
    assert any(name.startswith("sigmaq.pack") for name in build_cmd), build_cmd
