"""A validator's one-line description is a whole sentence of plain text.

It is what ``sigmaq list validators`` shows and what SARIF's ``tool.driver.rules[]
.shortDescription.text`` carries (GitHub code scanning shows it as the rule's name): the
first line of a wrapped docstring ("Every ``eventSource`` value is a known eventSource and
every ``eventName`` value") was cut mid-sentence and kept reStructuredText markup.
"""

from __future__ import annotations

import re

import pytest

from sigmaq.validate.registry import docstring_summary, validator_infos

INFOS = {info.name: info for info in validator_infos()}


@pytest.mark.parametrize("name", sorted(INFOS))
def test_description_is_one_plain_line(name: str) -> None:
    text = INFOS[name].description
    assert text, name
    assert "\n" not in text and "``" not in text, text
    assert text.count("(") == text.count(")"), text


@pytest.mark.parametrize(
    "name",
    sorted(n for n, info in INFOS.items() if info.origin == "sigmaq" and info.kind == "rule"),
)
def test_house_description_is_a_whole_sentence(name: str) -> None:
    text = INFOS[name].description
    assert text.endswith("."), text
    assert not re.search(r"\b(and|or|the|a|of|value|cannot)\.$", text), text


def test_catalog_values_summary_is_the_whole_first_sentence() -> None:
    assert INFOS["sigmaq_catalog_values"].description == (
        "Every 'eventSource' value is a known eventSource and every 'eventName' value is "
        "logged by the eventSource it is paired with, in canonical casing."
    )


@pytest.mark.parametrize(
    ("doc", "summary"),
    [
        ("", ""),
        ("Check rule filename length", "Check rule filename length"),
        (
            "Check for control characters, e.g. before a t\n    character. More here.",
            "Check for control characters, e.g. before a t character.",
        ),
        (
            "Every field lies under a prefix\n    (``a.*``, ``b.*`` …; reference). Case matters.",
            "Every field lies under a prefix ('a.*', 'b.*' …; reference).",
        ),
        ("First paragraph.\n\n    Second paragraph.", "First paragraph."),
    ],
)
def test_docstring_summary(doc: str, summary: str) -> None:
    assert docstring_summary(doc) == summary
