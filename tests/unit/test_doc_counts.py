"""No hand-written count of the pack's rules, correlations or fixtures in the prose docs.

The pack's counts are stated by generated files only: ``docs/coverage.md`` ("N rules.")
and the README rule table, both rewritten by ``sigmaq update`` and compared with the pack
by ``tests/content/test_coverage.py``. A count typed into prose goes stale with the next
rule (the README once said 45 single-event rules and 74 converted ones, the replay notes
78 single-event rules, when the pack had 79). This test finds every "<number> ... rules /
correlations / fixtures" in the prose docs; each must be listed below with why it is not
the pack's count (a measured run, third-party data, a requirement, a cap), else the test
fails and names it: drop the number, or point at the generated file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.pack.coverage import COVERAGE_DOC, RULE_TABLE_END, RULE_TABLE_START

ROOT = Path(__file__).resolve().parents[2]
PROSE = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "benchmarks" / "README.md",
    *sorted((ROOT / "backends").glob("*/README.md")),
    *sorted(p for p in (ROOT / "docs").glob("*.md") if p != ROOT / COVERAGE_DOC),
]
# "<number> [up to three words] rules|correlations|fixtures|searches", across line breaks, or a
# count in brackets after the noun ("one search per deployable rule (74)", "rules/ (78)")
COUNT = re.compile(
    r"\b(\d[\d,]*)\s+(?:[\w|.-]+\s+){0,3}?(?:rules|correlations|fixtures|searches)\b"
    r"|(?:\b(?:rules?|correlations?|fixtures?|searches)|`rules/`)\s+\((\d[\d,]*)\)"
)

# (file, counted phrase with single spaces) -> why it is not a count of this pack
NOT_THE_PACK: dict[tuple[str, str], str] = {
    ("README.md", "2 negative fixtures"): "a requirement per rule (≥2), not a count",
    ("docs/investigate.md", "50 finding rules"): "a cap of the report's per-principal lists",
    ("docs/replay-correlations.md", "40 rules"): "a measured run over SigmaHQ's rules",
    ("docs/replay-correlations.md", "57 SigmaHQ CloudTrail rules"): "third-party rules",
    ("docs/replay-semantics.md", "57 SigmaHQ CloudTrail rules"): "third-party rules (../shared)",
    ("benchmarks/README.md", "61 fields the rules"): "fields, in a measured run",
    ("benchmarks/README.md", "107 rules"): "the pack as measured in a recorded run",
    ("benchmarks/README.md", "55 single-event rules"): "the pack as measured in a recorded run",
    ("benchmarks/README.md", "75 rules"): "the pack as measured in a recorded run",
}


def _prose(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.name == "README.md" and path.parent == ROOT:  # the generated rule table
        start, end = text.index(RULE_TABLE_START), text.index(RULE_TABLE_END)
        text = text[:start] + text[end:]
    return text


def _counts() -> list[tuple[str, str]]:
    found = []
    for path in PROSE:
        if not path.is_file():
            continue
        name = path.relative_to(ROOT).as_posix()
        for match in COUNT.finditer(_prose(path)):
            found.append((name, " ".join(match.group(0).split())))
    return found


def test_prose_states_no_count_of_the_pack() -> None:
    unexplained = [item for item in _counts() if item not in NOT_THE_PACK]
    assert unexplained == [], (
        "hand-written counts of rules/correlations/fixtures go stale: drop the number "
        f"(docs/coverage.md states the pack's count) or list why it is not the pack's: "
        f"{unexplained}"
    )


def test_every_listed_exception_still_exists() -> None:
    stale = sorted(set(NOT_THE_PACK) - set(_counts()))
    assert stale == [], f"no longer in the docs, remove from NOT_THE_PACK: {stale}"


@pytest.mark.parametrize(
    "sentence",
    [
        "the pack's 108 rules",
        "all 45\nsingle-event rules",
        "the 29 correlations",
        "1,234 fixtures",
        "so 74 searches do not start together",
        "one scheduled search per deployable\nrule (74), disabled",
        "every single-event rule in `rules/` (78) compiles",
    ],
)
def test_the_pattern_finds_counts_across_line_breaks(sentence: str) -> None:
    assert COUNT.search(sentence) is not None


def test_the_generated_coverage_page_states_the_pack_count() -> None:
    """The one place the count lives is right (also checked whole by test_coverage)."""
    loaded = load_rules([ROOT / "rules"])
    first = (ROOT / COVERAGE_DOC).read_text(encoding="utf-8")
    stated = re.search(r"^(\d+) rules\.", first, re.MULTILINE)
    assert stated is not None and int(stated.group(1)) == len(loaded.rules)
