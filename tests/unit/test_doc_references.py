"""Messages and docs of the authoring surface name files that exist (issue 11: a validator
message pointed to a "DESIGN.md §2" the project does not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sigmaq.validate.registry import validator_infos

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("validate", "authoring", "cli", "pack")
GENERATED = {"REFUSED.md", "dist/REFUSED.md", "PROOF.md", "report.md"}  # written by sigmaq
MARKDOWN = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")


def _sources() -> list[Path]:
    return sorted(p for name in PACKAGES for p in (ROOT / "sigmaq" / name).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_files_named_in_code_exist(path: Path) -> None:
    missing = []
    for name in MARKDOWN.findall(path.read_text(encoding="utf-8")):
        if name in GENERATED:
            continue
        if not (ROOT / name).is_file() and not (ROOT / "docs" / name).is_file():
            missing.append(name)
    assert not missing, f"{path.relative_to(ROOT)} names {missing}, which do not exist"


def test_validator_descriptions_name_no_missing_file() -> None:
    for info in validator_infos():
        for name in MARKDOWN.findall(info.description):
            assert (ROOT / name).is_file(), (info.name, name)


def test_contributing_documents_every_sigmaq_key_and_value() -> None:
    from sigmaq.core.amazon_q import CATALOGUE_IDS, PLAYBOOK_KEYS
    from sigmaq.validate.house.metadata import METADATA_KEYS

    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for key in METADATA_KEYS:
        assert f"`{key}`" in text, key
    for value in (*CATALOGUE_IDS, *PLAYBOOK_KEYS):
        assert f"`{value}`" in text, value
