"""``write_ndjson``: the same lines whether it writes bytes to a UTF-8 file's buffer or
text to any other stream."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson

from sigmaq.core.model import EventRef, Finding, FindingKind, Level
from sigmaq.hunt.details import EventDetails
from sigmaq.hunt.output import finding_to_dict, write_ndjson
from sigmaq.hunt.runner import HuntFinding

T0 = datetime(2025, 7, 23, 12, 0, tzinfo=UTC)


def _findings() -> list[HuntFinding]:
    ref = EventRef("a.json", 3, "7c0d8f42-6d1f-4e3b-9a51-0f5c2b8e4d11", T0)
    other = EventRef("b.json", 0, None, None)
    details = EventDetails("DeleteTrail", "arn:aws:iam::123456789012:user/zoë", "192.0.2.1", ())
    single = Finding("r-1", "Trail Deleted", Level.HIGH, FindingKind.EVENT, (ref,), T0, T0)
    window = Finding(
        "c-1", "Burst — ü", None, FindingKind.CORRELATION, (ref, other), T0, T0, {"k": "v"}
    )
    return [
        HuntFinding(single, ("arn:aws:iam::123456789012:user/zoë",), ("192.0.2.1",), (details,)),
        HuntFinding(window, event_details=(details, None)),
    ]


def test_a_utf8_file_and_a_text_stream_get_the_same_lines(tmp_path: Path) -> None:
    findings = _findings()
    path = tmp_path / "out.ndjson"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("")  # text written before the findings keeps its place
        write_ndjson(findings, handle)
    text = io.StringIO()
    write_ndjson(findings, text)
    assert path.read_text(encoding="utf-8") == text.getvalue()
    lines = text.getvalue().splitlines()
    assert [orjson.loads(line) for line in lines] == [finding_to_dict(f) for f in findings]
    assert "zoë" in lines[0] and lines[1].count('"file"') == 2


def test_a_non_utf8_text_file_gets_text(tmp_path: Path) -> None:
    path = tmp_path / "out.ndjson"
    with path.open("w", encoding="utf-16") as handle:
        write_ndjson(_findings(), handle)
    lines = path.read_text(encoding="utf-16").splitlines()
    assert orjson.loads(lines[0])["principals"] == ["arn:aws:iam::123456789012:user/zoë"]
