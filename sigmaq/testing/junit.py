"""A small JUnit XML writer for CI test reports (``sigmaq test``, ``sigmaq validate``).

Writes the de-facto schema CI systems read (Jenkins/GitLab/GitHub test reporters,
``pytest --junit-xml``): one ``<testsuites>`` root holding one ``<testsuite>`` with
``tests``/``failures``/``errors``/``skipped``/``time`` attributes and a ``<testcase>``
per case, carrying a ``<failure message=...>`` or ``<skipped message=...>`` child.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# First line of a failure text, kept short, goes into the message attribute.
_MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class JUnitCase:
    """One test case.

    ``name``: what was tested (e.g. a fixture file name); ``classname``: the group it
    belongs to (e.g. a rule file stem); ``failure``: the failure text, or None when it
    passed; ``skipped``: why it was skipped, or None; ``time``: duration in seconds.
    """

    name: str
    classname: str
    failure: str | None = None
    skipped: str | None = None
    time: float = 0.0


def junit_xml(suite_name: str, cases: Sequence[JUnitCase]) -> bytes:
    """The JUnit XML document (UTF-8 bytes with an XML declaration) for ``cases``; a
    character XML cannot carry (a control character from a rule's text, a file name that
    is not UTF-8) is written as an escape, so the document stays well-formed."""
    failures = sum(1 for case in cases if case.failure is not None)
    skipped = sum(1 for case in cases if case.failure is None and case.skipped is not None)
    total_time = sum(case.time for case in cases)
    counts = {
        "name": suite_name,
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": f"{total_time:.3f}",
    }
    cases = [
        JUnitCase(
            _xml_text(case.name),
            _xml_text(case.classname),
            None if case.failure is None else _xml_text(case.failure),
            None if case.skipped is None else _xml_text(case.skipped),
            case.time,
        )
        for case in cases
    ]
    root = ET.Element("testsuites", counts)
    suite = ET.SubElement(root, "testsuite", counts)
    for case in cases:
        element = ET.SubElement(
            suite,
            "testcase",
            {"classname": case.classname, "name": case.name, "time": f"{case.time:.3f}"},
        )
        if case.failure is not None:
            failure = ET.SubElement(element, "failure", {"message": _message(case.failure)})
            failure.text = case.failure
        elif case.skipped is not None:
            ET.SubElement(element, "skipped", {"message": _message(case.skipped)})
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(path: Path | str, suite_name: str, cases: Sequence[JUnitCase]) -> None:
    """Write ``cases`` as one JUnit test suite to ``path`` (parent folders created).

    Raises OSError when the file cannot be written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(junit_xml(suite_name, cases))


# Characters XML 1.0 cannot carry at all (section 2.2, "Char"): C0 controls but tab, line
# feed and carriage return; lone surrogates (a file name that is not UTF-8, PEP 383);
# U+FFFE and U+FFFF. ElementTree writes them as they are, and every JUnit reader then
# refuses the whole report as not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """``text`` with each character XML cannot carry as a ``\\xNN``/``\\uNNNN`` escape."""
    return _NOT_XML.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _message(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first if len(first) <= _MESSAGE_LIMIT else first[: _MESSAGE_LIMIT - 1] + "…"
