"""Golden snapshots under backends/<target>/golden/ match the current conversion
(``sigmaq.pack.golden``, build stage ``golden``). After a reviewed change: ``sigmaq update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.core.loader import iter_rule_files
from sigmaq.pack.golden import golden_differences, golden_formats

ROOT = Path(__file__).resolve().parents[2]
HAS_RULES = (ROOT / "rules").is_dir() and bool(iter_rule_files([ROOT / "rules"]))


@pytest.mark.skipif(not HAS_RULES, reason="rules/ is empty")
@pytest.mark.parametrize(("target", "format_name"), golden_formats())
def test_golden_snapshots_match(target: str, format_name: str) -> None:
    differences = golden_differences(ROOT, target, format_name)
    assert not differences, (
        "\n".join(f"{d.kind}: {d.path.relative_to(ROOT)}" for d in differences)
        + "\nrun: sigmaq update (then review the diff)"
    )
