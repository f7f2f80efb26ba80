"""JUnit XML writer: counts, failure and skip elements, escaping, file output."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sigmaq.testing.junit import JUnitCase, junit_xml, write_junit


def test_counts_and_children(tmp_path: Path) -> None:
    cases = [
        JUnitCase("pos_burst.json", "aws_cloudtrail_mass_delete", time=0.25),
        JUnitCase(
            "neg_single.json",
            "aws_cloudtrail_mass_delete",
            failure="expected no match, got 1 finding\nevent ids: a, b",
            time=0.5,
        ),
        JUnitCase("baseline", "aws_cloudtrail_other", skipped="no baseline files"),
    ]
    target = tmp_path / "reports" / "junit.xml"
    write_junit(target, "sigmaq test", cases)
    root = ET.parse(target).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.attrib == {
        "name": "sigmaq test",
        "tests": "3",
        "failures": "1",
        "errors": "0",
        "skipped": "1",
        "time": "0.750",
    }
    testcases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name"), c.get("time")) for c in testcases] == [
        ("aws_cloudtrail_mass_delete", "pos_burst.json", "0.250"),
        ("aws_cloudtrail_mass_delete", "neg_single.json", "0.500"),
        ("aws_cloudtrail_other", "baseline", "0.000"),
    ]
    assert list(testcases[0]) == []
    failure = testcases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected no match, got 1 finding"
    assert failure.text == "expected no match, got 1 finding\nevent ids: a, b"
    skipped = testcases[2].find("skipped")
    assert skipped is not None and skipped.get("message") == "no baseline files"


def test_special_characters_are_escaped_and_long_messages_cut() -> None:
    text = 'rule <"Q"> & friends ' + "x" * 300
    data = junit_xml("suite & co", [JUnitCase("a<b", "c&d", failure=text)])
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "a<b" and case.get("classname") == "c&d"
    failure = case.find("failure")
    assert failure is not None and failure.text == text
    message = failure.get("message")
    assert message is not None and len(message) == 200 and message.endswith("…")
    assert root.get("name") == "suite & co"


def test_empty_suite() -> None:
    root = ET.fromstring(junit_xml("empty", []))
    assert root.get("tests") == "0" and root.find("testsuite/testcase") is None
