"""Golden snapshots under backends/<target>/golden/ match the current conversion.

Regenerate after a reviewed change: ``sigmaq convert -t TARGET --write-golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import iter_rule_files
from sigmaq.export.convert import check_golden, convert_rules
from sigmaq.export.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
HAS_RULES = (ROOT / "rules").is_dir() and bool(iter_rule_files([ROOT / "rules"]))


@pytest.mark.skipif(not HAS_RULES, reason="rules/ is empty")
@pytest.mark.parametrize(
    ("target", "format_name"),
    [(name, fmt) for name, spec in TARGETS.items() for fmt in spec.primary_formats],
)
def test_golden_snapshots_match(target: str, format_name: str) -> None:
    result = convert_rules([ROOT / "rules"], target, format_name)
    differences = check_golden(ProjectLayout(ROOT), result)
    assert not differences, (
        "\n".join(f"{d.kind}: {d.path.relative_to(ROOT)}" for d in differences)
        + f"\nrun: sigmaq convert -t {target} -f {format_name} --write-golden (after review)"
    )
