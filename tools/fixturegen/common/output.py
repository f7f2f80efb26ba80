"""Write the planned fixture files, or ``--check`` that the committed ones are identical.

A generator owns whole component folders (``fixtures/<component>/``): a ``.json`` file there that
it does not plan is stale. Writing removes stale files and rewrites changed ones; ``--check``
changes nothing and exits 1 when any file differs or is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository
FIXTURES = ROOT / "fixtures"

Plan = Mapping[Path, str]  # fixture path -> canonical JSON text


def fixture_path(component: str, stem: str, scenario: str) -> Path:
    """``fixtures/<component>/<rule stem>/<scenario>.json`` (sigmaq layout convention)."""
    return FIXTURES / component / stem / f"{scenario}.json"


def stale_files(plan: Plan, roots: Iterable[Path]) -> list[Path]:
    """``.json`` files below ``roots`` that ``plan`` does not generate."""
    return sorted(
        p for root in roots if root.is_dir() for p in root.rglob("*.json") if p not in plan
    )


def changed_files(plan: Plan) -> list[Path]:
    """Planned files that are missing or whose text differs."""
    return sorted(p for p, text in plan.items() if not p.is_file() or p.read_text("utf-8") != text)


def sync(plan: Plan, roots: Iterable[Path], *, check: bool) -> int:
    """Write ``plan`` (or only compare, with ``check``); returns the exit code (0 or 1).

    Diagnostics go to stderr, one ``differs:``/``stale:`` line per file, relative to the repo.
    """
    stale = stale_files(plan, roots)
    changed = changed_files(plan)
    if check:
        for path in changed:
            print(f"differs: {path.relative_to(ROOT)}", file=sys.stderr)
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if changed or stale else 0
    for path in stale:
        path.unlink()
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plan[path], encoding="utf-8")
    print(
        f"{len(plan)} fixtures, {len(changed)} written, {len(stale)} stale removed",
        file=sys.stderr,
    )
    return 0


def main(
    description: str,
    generators: Sequence[tuple[Callable[[], Plan], Iterable[Path]]],
    argv: list[str] | None = None,
) -> int:
    """Command line: ``[--check]`` over each (plan, owned roots) generator; returns the exit code
    (1 if any generator's files differ or are stale)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    return max(sync(plan(), roots, check=args.check) for plan, roots in generators)
