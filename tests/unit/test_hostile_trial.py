"""Hostile and odd input fed to every command (the hostile trial): each test names the
defect it pins down, which failed before its fix. The promises checked: a broken rule
names its file and line; a malformed input is counted and reported, never dropped
silently; one bad file never aborts the rest; no Python traceback reaches the user;
exit codes are 0 (ok), 1 (findings, problems) and 2 (usage)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sigmaq.authoring.fixture_format import format_fixtures
from sigmaq.core.loader import load_rules
from sigmaq.readiness.exports import read_documents
from sigmaq.testing.runner import run_tests
from sigmaq.validate.runner import validate_paths

RULE = """\
title: {title}
id: {id}
status: test
description: A probe rule of the hostile trial.
author: sigmaq tests
date: 2026-12-01
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: qbusiness.amazonaws.com
    eventName: DeleteIndex
  succeeded:
    errorCode: null
  condition: selection and succeeded
level: medium
"""
RULE_ID = "7c3e2a10-5b4d-4e6f-8a9b-0c1d2e3f4a01"


def rule_text(title: str = "Hostile Probe", rule_id: str = RULE_ID) -> str:
    return RULE.format(title=title, id=rule_id)


def record(name: str = "DeleteIndex", n: int = 1, **extra: Any) -> dict[str, Any]:
    """A CloudTrail record (documentation values)."""
    return {
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEHOSTILE01",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "userName": "alice",
        },
        "eventTime": f"2026-12-01T10:00:{n:02d}Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.22.35",
        "requestParameters": {"applicationId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"},
        "responseElements": None,
        "requestID": f"0000000{n}-aaaa-4bbb-8ccc-dddddddddddd",
        "eventID": f"1000000{n}-aaaa-4bbb-8ccc-dddddddddddd",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management",
        **extra,
    }


def lock(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """What ``chmod 000`` does to a folder for a user other than root (the tests may run
    as root, whom permissions do not stop): listing it raises PermissionError."""
    real_scandir = os.scandir
    locked = {folder.resolve() for folder in folders}

    def scandir(path: Any = ".") -> Any:
        if Path(path).resolve() in locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def project(tmp_path: Path) -> Path:
    """A pack-layout project with one rule, its two fixtures and a baseline."""
    root = tmp_path / "project"
    (root / "rules" / "q_business").mkdir(parents=True)
    (root / "rules" / "q_business" / "aws_cloudtrail_hostile_probe.yml").write_text(rule_text())
    fixtures = root / "fixtures" / "q_business" / "aws_cloudtrail_hostile_probe"
    fixtures.mkdir(parents=True)
    (fixtures / "pos_deleted.json").write_text(json.dumps(record()))
    (fixtures / "neg_denied.json").write_text(json.dumps(record(errorCode="AccessDenied")))
    (root / "fixtures" / "_baseline").mkdir()
    (root / "fixtures" / "_baseline" / "day.json").write_text(json.dumps(record("GetIndex")))
    return root


# --- folders that cannot be listed --------------------------------------------------------
# Before: Path.rglob skipped such a folder without a word (rules, exports, fixture format,
# baseline: "0 records", exit 0), and a pack fixture folder raised a PermissionError
# traceback out of `sigmaq test` and `sigmaq validate`.


def _rules_case(tmp_path: Path) -> tuple[Path, Path, Callable[[], list[str]]]:
    top = tmp_path / "rules"
    (top / "locked").mkdir(parents=True)
    (top / "ok.yml").write_text(rule_text())
    (top / "locked" / "other.yml").write_text(rule_text("Other", RULE_ID[:-1] + "2"))

    def run() -> list[str]:
        result = load_rules([top])
        assert [loaded.path.name for loaded in result.rules] == ["ok.yml"]
        return [str(error) for error in result.errors]

    return top, top / "locked", run


def _exports_case(tmp_path: Path) -> tuple[Path, Path, Callable[[], list[str]]]:
    top = tmp_path / "exports"
    (top / "s3").mkdir(parents=True)
    (top / "describe-trails.json").write_text(json.dumps({"trailList": []}))

    def run() -> list[str]:
        documents, problems = read_documents([top])
        assert [d.path.name for d in documents] == ["describe-trails.json"]
        return [f"{p.path}: {p.message}" for p in problems]

    return top, top / "s3", run


def _format_case(tmp_path: Path) -> tuple[Path, Path, Callable[[], list[str]]]:
    top = tmp_path / "fixtures"
    (top / "locked").mkdir(parents=True)
    (top / "a.json").write_text('{"eventName": "A"}')

    def run() -> list[str]:
        report = format_fixtures([top], check=True)
        assert [p.name for p in report.rewritten] == ["a.json"]
        return [f"{path}: {reason}" for path, reason in report.skipped]

    return top, top / "locked", run


def _fixture_folder_case(tmp_path: Path) -> tuple[Path, Path, Callable[[], list[str]]]:
    root = project(tmp_path)
    locked = root / "fixtures" / "q_business" / "aws_cloudtrail_hostile_probe"

    def run() -> list[str]:
        report = run_tests(root)
        assert report.failed
        validation = validate_paths([root / "rules"], project_root=root, profile="cloudtrail")
        return [str(problem.message) for problem in report.problems] + [
            f"{f.path}: {f.message}" for f in validation.findings if f.severity == "error"
        ]

    return root, locked, run


def _baseline_case(tmp_path: Path) -> tuple[Path, Path, Callable[[], list[str]]]:
    root = project(tmp_path)

    def run() -> list[str]:
        report = run_tests(root)
        assert report.failed and report.baseline is not None
        return list(report.baseline.problems)

    return root, root / "fixtures" / "_baseline", run


@pytest.mark.parametrize(
    "case",
    [_rules_case, _exports_case, _format_case, _fixture_folder_case, _baseline_case],
    ids=["rules", "readiness-exports", "fixture-format", "pack-fixture-folder", "baseline"],
)
def test_a_folder_that_cannot_be_listed_is_named_and_the_rest_is_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: Callable[[Path], tuple[Path, Path, Callable[[], list[str]]]],
) -> None:
    _top, locked, run = case(tmp_path)
    lock(monkeypatch, locked)
    messages = run()
    named = [m for m in messages if str(locked) in m and "cannot list folder" in m]
    assert named, messages
    assert all("Permission denied" in m for m in named)


def test_rule_folders_behind_symbolic_links_are_read_once_and_loops_end(tmp_path: Path) -> None:
    """Before: a rules/ subfolder that is a symbolic link (vendored rules) was skipped
    without a word; hunt follows such links, validate did not."""
    elsewhere = tmp_path / "vendored"
    elsewhere.mkdir()
    (elsewhere / "vendored.yml").write_text(rule_text("Vendored", RULE_ID[:-1] + "3"))
    top = tmp_path / "rules"
    top.mkdir()
    (top / "ok.yml").write_text(rule_text())
    (top / "vendor").symlink_to(elsewhere, target_is_directory=True)
    (top / "again").symlink_to(elsewhere, target_is_directory=True)  # the same folder twice
    (elsewhere / "loop").symlink_to(top, target_is_directory=True)  # and back: a loop
    result = load_rules([top])
    assert result.errors == []
    assert sorted(loaded.path.name for loaded in result.rules) == ["ok.yml", "vendored.yml"]


# --- JSON the stdlib reads but JSON is not: nesting, NaN ----------------------------------
# Before: `sigmaq validate` (fixture checks) and `sigmaq readiness` ended in a RecursionError
# traceback on JSON nested thousands deep, and both took NaN/Infinity as valid JSON where
# the replay readers (and `sigmaq test`) call the same file malformed.

DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (DEEP, "nested too deeply"),
        (json.dumps(record()).replace('"1.11"', "NaN"), "NaN is not a JSON number"),
        (json.dumps(record()).replace('"1.11"', "-Infinity"), "-Infinity is not a JSON number"),
    ],
    ids=["deep", "nan", "infinity"],
)
def test_a_fixture_that_is_not_json_is_a_located_finding(
    tmp_path: Path, text: str, reason: str
) -> None:
    folder = tmp_path / "flat"
    folder.mkdir()
    rule = folder / "aws_cloudtrail_hostile_probe.yml"
    rule.write_text(rule_text())
    (folder / "aws_cloudtrail_hostile_probe.pos_deleted.json").write_text(json.dumps(record()))
    bad = folder / "aws_cloudtrail_hostile_probe.neg_bad.json"
    bad.write_text(text)
    report = validate_paths([folder], profile="cloudtrail")
    read = [f for f in report.findings if f.validator == "fixture_read"]
    assert [(f.path, f.severity) for f in read] == [(str(bad), "error")]
    assert reason in read[0].message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (DEEP, "nested too deeply"),
        ('{"trailList": [], "x": NaN}', "NaN is not a JSON number"),
    ],
    ids=["deep", "nan"],
)
def test_an_export_that_is_not_json_is_a_problem_not_a_crash(
    tmp_path: Path, text: str, reason: str
) -> None:
    bad = tmp_path / "describe-trails.json"
    bad.write_text(text)
    documents, problems = read_documents([bad])
    assert documents == []
    assert [(p.path, reason in p.message) for p in problems] == [(str(bad), True)]


# --- output that cannot be written ----------------------------------------------------------
# Before: every command ended in an OSError traceback when standard output could not be
# written (`sigmaq hunt ... > /dev/full`, exit 1); `hunt -o /dev/full` likewise (the check
# before the run only opened the file); investigate and `readiness --fix-out` raised on a
# report path they could not write, and investigate then wrote no report after it.

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")


def cli(*args: str | Path) -> Any:
    from click.testing import CliRunner

    from sigmaq.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [["--version"], ["list", "targets"], ["hunt", "--format", "ndjson", "-j", "1"]],
    ids=["version", "list-targets", "hunt"],
)
def test_standard_output_on_a_full_disk_is_an_error_message_not_a_traceback(
    tmp_path: Path, args: list[str]
) -> None:
    import subprocess
    import sys

    if args[0] == "hunt":
        rules = tmp_path / "rule.yml"
        rules.write_text(rule_text())
        data = tmp_path / "trail.json"
        data.write_text(json.dumps({"Records": [record()]}))
        args = [*args, "--rules", str(rules), "--no-validate", str(data)]
    with FULL.open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "sigmaq", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=120,
            check=False,
        )
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "error: cannot write the output: No space left on device"
    )
    assert done.returncode == 2


@needs_dev_full
@pytest.mark.parametrize("output_format", ["table", "json", "csv", "ndjson"])
def test_hunt_output_file_that_fills_up_is_named(tmp_path: Path, output_format: str) -> None:
    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    result = cli(
        "hunt", "--format", output_format, "-o", FULL, "--rules", rules, "--no-validate", data
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error: cannot write /dev/full: [Errno 28] No space left on device" in result.output
    assert result.exit_code == 2


def test_investigate_writes_every_report_it_can_and_names_the_other(tmp_path: Path) -> None:
    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    out = tmp_path / "report"
    (out / "report.md").mkdir(parents=True)  # the Markdown report's path is taken
    result = cli("investigate", "--no-progress", "--rules", rules, "-o", out, data)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error: cannot write {out / 'report.md'}" in result.output
    assert (out / "report.html").is_file() and (out / "report.json").is_file()
    assert result.exit_code == 2


def test_readiness_fix_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    exports = Path(__file__).parents[1] / "data" / "readiness" / "advanced-org"
    fix = tmp_path / "fix"
    (fix / "put-event-selectors.json").mkdir(parents=True)
    result = cli("readiness", "--fix-out", fix, exports)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error: cannot write {fix / 'put-event-selectors.json'}" in result.output
    assert result.exit_code == 2


def test_investigate_json_names_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """Before: the JSON report raised UnicodeEncodeError (a traceback, an empty
    report.json) on a delivery file whose name is not UTF-8; hunt wrote it as \\xff."""
    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    folder = tmp_path / "archive"
    folder.mkdir()
    try:
        data = Path(os.fsdecode(os.fsencode(folder) + b"/trail\xff.json"))
        data.write_text(json.dumps({"Records": [record()]}))
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses a name that is not UTF-8")
    out = tmp_path / "report"
    result = cli(
        "investigate", "--no-progress", "--format", "json", "--rules", rules, "-o", out, folder
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0, result.output
    text = (out / "report.json").read_text(encoding="utf-8")
    json.loads(text)
    assert "trail\\\\xff.json" in text


# --- sigmaq list rules ------------------------------------------------------------------------
# Before: a broken rule file was named on stderr but the command exited 0 (README: 1 for
# broken rules), and a PATH that does not exist raised a RuleLoadError traceback.


@pytest.mark.parametrize(
    ("files", "exit_code", "message"),
    [
        ({"ok.yml": rule_text(), "broken.yml": "title: [\n"}, 1, "broken.yml:"),
        ({"ok.yml": rule_text()}, 0, ""),
    ],
    ids=["broken-file", "clean"],
)
def test_list_rules_exit_code_follows_the_rule_files(
    tmp_path: Path, files: dict[str, str], exit_code: int, message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = cli("list", "rules", "--format", "json", tmp_path)
    assert result.exit_code == exit_code
    assert message in result.output
    assert "Hostile Probe" in result.output  # the good rule is still listed


def test_list_rules_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("list", "rules", tmp_path / "nope")
    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


# --- rules pySigma loads but replay refuses ---------------------------------------------------
# Before: each of these passed `sigmaq validate` clean (cloudtrail profile, exit 0), then
# `sigmaq hunt` refused it as "Usage: ... none of the selected rules can be replayed"
# (exit 2, a usage error for a broken rule), naming the file without a line; a field-less
# null was shown as "<sigma.types.SigmaNull object at 0x...>".

BASE_C = RULE.replace("eventName: DeleteIndex", "eventName: DeleteApplication")


def _single(detection: str) -> dict[str, str]:
    text = rule_text().split("detection:\n")[0] + "detection:\n" + detection + "level: medium\n"
    return {"probe.yml": text}


def _alias_missing_a_rule() -> dict[str, str]:
    base_b = rule_text().replace("title: Hostile Probe", "title: Base B\nname: base_b")
    base_c = BASE_C.format(title="Base C\nname: base_c", id=RULE_ID[:-1] + "4")
    correlation = """\
title: Deleted After Deleted
id: 7c3e2a10-5b4d-4e6f-8a9b-0c1d2e3f4a05
status: test
correlation:
  type: temporal
  rules: [base_b, base_c]
  group-by: [who]
  aliases:
    who:
      base_b: userIdentity.arn
  timespan: 5m
level: high
"""
    return {"base_b.yml": base_b, "base_c.yml": base_c, "probe.yml": correlation}


UNREPLAYABLE = {
    "field-less-null": (
        _single("  selection:\n  condition: selection\n"),
        "detection:",
        "value of type SigmaNull (null)",
    ),
    "selector-matching-nothing": (
        _single(
            "  selection:\n    eventSource: qbusiness.amazonaws.com\n  condition: 1 of nomatch*\n"
        ),
        "  condition: 1 of nomatch*",
        "condition is empty",
    ),
    "regex-backreference": (
        _single(
            "  selection:\n    eventSource: qbusiness.amazonaws.com\n"
            "    userAgent|re: '(a)\\1'\n  condition: selection\n"
        ),
        "detection:",
        "is refused: groupref",
    ),
    "regex-lookahead": (
        _single(
            "  selection:\n    eventSource: qbusiness.amazonaws.com\n"
            "    userAgent|re: '(?=a)b'\n  condition: selection\n"
        ),
        "detection:",
        "is refused: assert",
    ),
    "alias-missing-a-rule": (
        _alias_missing_a_rule(),
        "  aliases:",
        "alias 'who' gives no field for referenced rule 'base_c'",
    ),
}


def _write_rules(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder / "probe.yml"


@pytest.mark.parametrize("case", list(UNREPLAYABLE))
def test_validate_names_a_rule_replay_refuses_at_its_line(tmp_path: Path, case: str) -> None:
    files, line_text, reason = UNREPLAYABLE[case]
    probe = _write_rules(tmp_path / "rules", files)
    line = probe.read_text().splitlines().index(line_text) + 1
    report = validate_paths([tmp_path / "rules"], profile="cloudtrail")
    flagged = [f for f in report.findings if f.validator == "sigmaq_replayable"]
    assert [(f.path, f.line, f.severity) for f in flagged] == [(str(probe), line, "medium")]
    assert reason in flagged[0].message
    assert "object at 0x" not in flagged[0].message


@pytest.mark.parametrize("case", list(UNREPLAYABLE))
def test_hunt_refuses_such_a_rule_with_its_line_and_exit_1(tmp_path: Path, case: str) -> None:
    files, line_text, reason = UNREPLAYABLE[case]
    probe = _write_rules(tmp_path / "rules", files)
    line = probe.read_text().splitlines().index(line_text) + 1
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    result = cli("hunt", "-j", "1", "--rules", probe.parent, data)
    assert result.exit_code == 1, result.output
    assert f"rule error {probe}:{line}: " in result.output
    assert reason in result.output
    assert "Usage:" not in result.output


def test_hunt_with_every_rule_file_broken_exits_1_not_as_a_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("title: x\ndetection:\n\tselection: 1\n")
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    result = cli("hunt", "--no-validate", "--rules", broken, data)
    assert result.exit_code == 1
    assert f"rule error {broken}:3: " in result.output
    assert "Usage:" not in result.output


# --- an empty path argument -------------------------------------------------------------------
# Before: Path("") is the current folder, so `sigmaq hunt "$ARCHIVE"` with the variable
# unset hunted (and investigate investigated, readiness read, validate validated) whatever
# lay in the current folder, and `-o ""` / `--fix-out ""` wrote there.


@pytest.mark.parametrize(
    "args",
    [
        ["hunt", ""],
        ["hunt", "-o", "", "trail.json"],
        ["investigate", ""],
        ["investigate", "-o", "", "trail.json"],
        ["readiness", ""],
        ["readiness", "--fix-out", "", "trail.json"],
        ["validate", ""],
        ["test", ""],
        ["list", "rules", ""],
        ["convert", "-t", "splunk", ""],
    ],
    ids=lambda args: " ".join(a or repr(a) for a in args),
)
def test_an_empty_path_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trail.json").write_text(json.dumps({"Records": [record()]}))
    result = cli(*args)
    assert result.exit_code == 2
    assert "an empty path names no file or folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trail.json"]  # nothing written


# --- a broken rule names its line ---------------------------------------------------------------
# Before: these were placed at line 1 (the document), some with a Python exception for a
# message ("AttributeError: 'int' object has no attribute 'split'", "Unsupported type:
# <class 'list'>"); a file that is not UTF-8 had no line at all; pySigma's own location
# (" in <path>:1") was appended to correlation errors; a rule with three bad tags got the
# same error three times.


def _with_item(item: str) -> str:
    return rule_text().replace(
        "    eventName: DeleteIndex\n", f"    eventName: DeleteIndex\n{item}"
    )


LOCATED = {
    "numeric-field-name": (_with_item("    5: x\n"), "    5: x", "field name 5 in detection"),
    "list-in-value-list": (
        _with_item("    userAgent: [[a, b]]\n"),
        "    userAgent: [[a, b]]",
        "a list inside the value list of field 'userAgent'",
    ),
    "binary-value": (
        _with_item("    userAgent: !!binary aGVsbG8=\n"),
        "    userAgent: !!binary aGVsbG8=",
        "binary (!!binary) value under field 'userAgent'",
    ),
    "invalid-cidr": (
        _with_item("    sourceIPAddress|cidr: 999.1.1.1/99\n"),
        "    sourceIPAddress|cidr: 999.1.1.1/99",
        "Invalid CIDR expression",
    ),
    "correlation-condition": (
        """\
title: Two Conditions
id: 7c3e2a10-5b4d-4e6f-8a9b-0c1d2e3f4a06
status: test
correlation:
  type: event_count
  rules: [7c3e2a10-5b4d-4e6f-8a9b-0c1d2e3f4a01]
  group-by: [userIdentity.arn]
  timespan: 5m
  condition:
    gte: 2
    lte: 1
level: high
""",
        "  condition:",
        "exactly one condition item",
    ),
    "three-bad-tags": (
        rule_text().replace("level: medium", "level: medium\ntags: [5, null, {a: b}]"),
        "tags: [5, null, {a: b}]",
        "tags must be a list of strings",
    ),
}


@pytest.mark.parametrize("case", list(LOCATED))
def test_a_broken_rule_is_named_once_at_its_line(tmp_path: Path, case: str) -> None:
    text, line_text, fragment = LOCATED[case]
    path = tmp_path / "probe.yml"
    path.write_text(text)
    result = load_rules([path])
    assert [(e.path, e.line) for e in result.errors] == [
        (path, text.splitlines().index(line_text) + 1)
    ]
    message = result.errors[0].message
    assert fragment in message
    assert "Error: '" not in message and "<class" not in message and str(path) not in message


def test_a_rule_that_is_not_utf8_is_named_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(rule_text().replace("sigmaq tests", "J\xe9r\xf4me").encode("latin-1"))
    result = load_rules([path])
    assert [(e.path, e.line) for e in result.errors] == [(path, 5)]
    assert "not UTF-8, byte 0xe9 at column 10" in result.errors[0].message


# --- sigmaq new ---------------------------------------------------------------------------------
# Before: `sigmaq new` promises a rule valid as written, yet wrote a title with a line
# break (which `sigmaq validate` then refuses), an empty title, and for a title without
# a letter or digit the file aws_cloudtrail_.yml; a 300-character title became a rule
# over the Sigma schema's 256 (a 5,000-character one an OS "File name too long").


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("", "the title is empty"),
        ("   ", "the title is empty"),
        ("Line\nBreak", "one line of text: it holds a control character (\\x0a)"),
        ("Tab\there", "one line of text"),
        ("!!!", "has no letter or digit"),
        ("x" * 257, "over Sigma's 256"),
    ],
    ids=["empty", "blank", "line-break", "tab", "no-slug", "too-long"],
)
def test_new_refuses_a_title_the_rule_could_not_carry(
    tmp_path: Path, title: str, reason: str
) -> None:
    result = cli(
        "new", title, "--dir", tmp_path, "--event-name", "DeleteIndex",
        "--event-source", "qbusiness.amazonaws.com",
    )  # fmt: skip
    assert result.exit_code == 2
    assert reason in result.output
    assert list(tmp_path.iterdir()) == []


# --- sigmaq.yml ---------------------------------------------------------------------------------
# Before: a key written twice in sigmaq.yml was read last-wins without a word (a second
# `exclusions:` dropped every exclusion of the first), where a rule file refuses it.


def test_a_key_written_twice_in_sigmaq_yml_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "probe.yml").write_text(rule_text())
    (tmp_path / "sigmaq.yml").write_text("profile: cloudtrail\nrules: [rules]\nprofile: amazon_q\n")
    monkeypatch.chdir(tmp_path)
    result = cli("validate")
    assert result.exit_code == 2
    assert "duplicate key 'profile' (line 3)" in result.output


# --- hunt CSV ------------------------------------------------------------------------------------
# Before: rows ended in a bare "\n", and Python's csv writer quotes only cells holding a
# character of the line terminator, so a record value holding a bare "\r" (a forged ARN,
# user agent or source address) was written unquoted: a CSV reader split the row in two,
# 10 findings read back as 11 rows, one of them a row the attacker shaped.


@pytest.mark.parametrize("breaker", ["\r", "\n", "\r\n", "\r=1+1\r"], ids=repr)
def test_a_line_break_in_a_record_value_stays_in_its_csv_cell(tmp_path: Path, breaker: str) -> None:
    import csv

    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    arns = [f"arn:aws:iam::123456789012:user/a{n}{breaker}b" for n in range(3)]
    records = [
        record(n=n + 1, userIdentity={"type": "IAMUser", "arn": arn}, sourceIPAddress=breaker)
        for n, arn in enumerate(arns)
    ]
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": records}))
    out = tmp_path / "findings.csv"
    result = cli("hunt", "--format", "csv", "-o", out, "--rules", rules, "--no-validate", data)
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3  # one finding per matching event, each one row
    assert sorted(row["principals"] for row in rows) == sorted(arns)
    assert {row["rule_title"] for row in rows} == {"Hostile Probe"}


# --- convert options that reach the query text ----------------------------------------------------
# Before: --splunk-macro was written unchecked between backticks at the head of every
# search, so `x`\n| delete` closed the macro call and, through the conf line continuation,
# added a `| delete` stage; --index-pattern was written unchecked after ES|QL's `from`
# (`logs | DROP x` added a processing command) and into each Kibana rule ("" and "x\ny"
# were accepted as index patterns).


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--splunk-macro", "x`\n| delete"),
        ("--splunk-macro", "x` | delete `y"),
        ("--splunk-macro", ""),
        ("--index-pattern", "logs | DROP x"),
        ("--index-pattern", "x\ny"),
        ("--index-pattern", ""),
        ("--index-pattern", "a,,b"),
        ("--index-pattern", 'logs"'),
    ],
    ids=repr,
)
def test_a_query_breaking_convert_option_is_a_usage_error(
    tmp_path: Path, option: str, value: str
) -> None:
    rule = tmp_path / "probe.yml"
    rule.write_text(rule_text())
    target = "splunk" if option == "--splunk-macro" else "esql"
    result = cli("convert", "-t", target, option, value, rule)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert "delete" not in result.output.split("Error:")[0]  # no query was written


@pytest.mark.parametrize(
    ("option", "value", "target", "written"),
    [
        ("--splunk-macro", "my_macro(aws)", "splunk", "`my_macro(aws)`"),
        ("--index-pattern", "remote:logs-*", "esql", "from remote:logs-*"),
    ],
    ids=["macro-with-argument", "remote-cluster"],
)
def test_a_valid_convert_option_still_reaches_the_query(
    tmp_path: Path, option: str, value: str, target: str, written: str
) -> None:
    rule = tmp_path / "probe.yml"
    rule.write_text(rule_text())
    result = cli("convert", "-t", target, option, value, rule)
    assert result.exit_code == 0, result.output
    assert written in result.output


# --- hunt -o onto its own input -------------------------------------------------------------------
# Before: `sigmaq hunt -o trail.json trail.json` (or -o archive/x.json archive/) read the
# delivery file, then overwrote it with the findings: the evidence was gone, exit 0. And
# -o naming a new file inside an input folder created it empty before the run, which then
# read it as an input ("warning: empty file").


@pytest.mark.parametrize("how", ["same-file", "inside-folder", "symbolic-link"])
def test_hunt_refuses_to_write_findings_over_its_input(tmp_path: Path, how: str) -> None:
    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    archive = tmp_path / "archive"
    archive.mkdir()
    trail = archive / "trail.json"
    trail.write_text(json.dumps({"Records": [record()]}))
    before = trail.read_bytes()
    source: Path = trail
    output: Path = trail
    if how == "inside-folder":
        source = archive
    elif how == "symbolic-link":
        output = tmp_path / "link.json"
        output.symlink_to(trail)
    result = cli(
        "hunt", "--format", "json", "-o", output, "--rules", rules, "--no-validate", source
    )
    assert result.exit_code == 2
    assert "is an input of this command" in result.output
    assert trail.read_bytes() == before


def test_hunt_output_new_in_an_input_folder_is_not_read_as_an_input(tmp_path: Path) -> None:
    rules = tmp_path / "rule.yml"
    rules.write_text(rule_text())
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "trail.json").write_text(json.dumps({"Records": [record()]}))
    output = archive / "findings.json"
    result = cli(
        "hunt", "--format", "json", "-o", output, "--rules", rules, "--no-validate", archive
    )
    assert result.exit_code == 0, result.output
    assert "empty file" not in result.output
    assert json.loads(output.read_text())["summary"]["files"] == 1


# Before: `sigmaq validate -o rule.yml rule.yml` left the rule file empty (a clean text
# report), and convert -o / test -o / --junit-xml replaced the rule with a query or a
# report, exit 0.


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--profile", "cloudtrail", "-o", "{rule}", "{rule}"],
        ["validate", "--profile", "cloudtrail", "--junit-xml", "{rule}", "{folder}"],
        ["test", "--format", "json", "-o", "{rule}", "{folder}"],
        ["convert", "-t", "splunk", "-o", "{rule}", "{rule}"],
        ["convert", "-t", "splunk", "-o", "{rule}", "{folder}"],
    ],
    ids=["validate-o", "validate-junit", "test-o", "convert-o-file", "convert-o-folder"],
)
def test_a_report_is_never_written_over_the_rule_it_reads(tmp_path: Path, args: list[str]) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    rule = folder / "probe.yml"
    rule.write_text(rule_text())
    result = cli(*(a.format(rule=rule, folder=folder) for a in args))
    assert result.exit_code == 2
    assert f"{rule} is an input of this command" in result.output
    assert rule.read_text() == rule_text()


# --- readiness with a broken rule file ----------------------------------------------------------
# Before: a rule file that could not be loaded was a "warning: rule left out" and, with
# --fail-on partial or never, readiness exited 0: the verdicts silently lacked that rule.


@pytest.mark.parametrize("fail_on", ["blind", "partial", "never"])
def test_readiness_exits_1_when_a_rule_file_is_broken(tmp_path: Path, fail_on: str) -> None:
    exports = Path(__file__).parents[1] / "data" / "readiness" / "advanced-org"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "probe.yml").write_text(rule_text())
    (rules / "broken.yml").write_text("title: [\n")
    result = cli("readiness", "--rules", rules, "--fail-on", fail_on, exports)
    assert result.exit_code == 1
    assert f"error: rule left out: {rules / 'broken.yml'}:" in result.output
    clean = cli("readiness", "--rules", rules / "probe.yml", "--fail-on", "never", exports)
    assert clean.exit_code == 0, clean.output


# --- Rich markup from fixtures and rules ----------------------------------------------------
# Before: `sigmaq test` printed fixture problems, file names and event ids as Rich markup:
# a fixture record with a key "[/x]" ended in a MarkupError traceback, and `sigmaq list
# rules` rendered a rule title's "[link=...]" as a terminal hyperlink ("[bold]" vanished).


def test_test_shows_a_fixture_holding_markup_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "aws_cloudtrail_hostile_probe.yml").write_text(rule_text())
    (folder / "aws_cloudtrail_hostile_probe.pos_deleted.json").write_text(json.dumps(record()))
    keys = {"[/x]": 1, "[bold]y": 2}
    (folder / "aws_cloudtrail_hostile_probe.neg_markup.json").write_text(json.dumps(keys))
    result = cli("test", folder)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "(keys: [/x], [bold]y)" in result.output.replace("\n", "")


def test_list_rules_shows_a_title_holding_markup_as_written(tmp_path: Path) -> None:
    title = "Hostile [bold]Bold[/bold] [link=http://198.51.100.1]x[/link]"
    rule = tmp_path / "probe.yml"
    rule.write_text(rule_text(f'"{title}"'))
    result = cli("list", "rules", rule)
    assert result.exit_code == 0, result.output
    assert "[bold]Bold[/bold]" in result.output


def test_investigate_names_a_rule_error_holding_markup_as_written(tmp_path: Path) -> None:
    """Before: investigate printed rule errors as Rich markup: a modifier written
    '|[/x]' ended in a MarkupError traceback (hunt escaped the same message)."""
    good = tmp_path / "good.yml"
    good.write_text(rule_text())
    odd = tmp_path / "odd.yml"
    odd.write_text(
        rule_text("Odd", RULE_ID[:-1] + "7").replace("eventName: DeleteIndex", "eventName|[/x]: A")
    )
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    out = tmp_path / "report"
    result = cli("investigate", "--no-progress", "--rules", good, "--rules", odd, "-o", out, data)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "Unknown modifier '[/x]'" in result.output
    assert (out / "report.json").is_file()


# --- RE2's own limits ------------------------------------------------------------------------
# Before: a |re pattern RE2 refuses by its own limits (a repetition over 1000 in all)
# made RE2's C++ library write "WARNING: All log messages before absl::InitializeLog()..."
# and "E0000 ... re2.cc:242] Error parsing ..." straight to stderr, and the refusal read
# "is refused by RE2: b'invalid repetition size: {100,100}'" (a bytes repr).


@pytest.mark.parametrize("pattern", ["(((a{100}){100}){100}){100}", "((a{50}){50})"])
def test_a_pattern_over_re2_limits_is_refused_quietly(
    capfd: pytest.CaptureFixture[str], pattern: str
) -> None:
    from sigmaq.core.errors import ReplayError
    from sigmaq.replay.regex import compile_search

    with pytest.raises(ReplayError) as refused:
        compile_search(pattern)
    assert "is refused by RE2: invalid repetition size" in refused.value.message
    assert "b'" not in refused.value.message
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_a_sigma_rule_collection_is_named_once_for_what_it_is(tmp_path: Path) -> None:
    """Before: a Sigma 1 rule collection (action: global, then documents that rely on it)
    loaded each document on its own: the global one vanished without a word and every
    other one failed with 'Sigma rule must have a title' and '... a log source', which
    does not say why."""
    text = (
        "action: global\ntitle: Global Probe\nstatus: test\n"
        "logsource:\n  product: aws\n  service: cloudtrail\nlevel: medium\n---\n"
        "id: 7c3e2a10-5b4d-4e6f-8a9b-0c1d2e3f4a08\n"
        "detection:\n  selection:\n    eventName: DeleteIndex\n  condition: selection\n"
    )
    path = tmp_path / "collection.yml"
    path.write_text(text)
    result = load_rules([path])
    assert result.rules == []
    assert [(e.path, e.line) for e in result.errors] == [(path, 1)]
    assert "'action: global' makes this file a Sigma rule collection" in result.errors[0].message


def test_a_lake_csv_cell_over_128_kib_is_read_with_every_row_after_it(tmp_path: Path) -> None:
    """Before: Python's csv refuses a cell over 128 KiB (its field_size_limit); a
    CloudTrail Lake result row with a large requestParameters (one event may be 256 KB)
    made the rest of the file 'invalid CSV': the rows after it were lost and the file
    counted unreadable."""
    import csv
    import io

    from sigmaq.replay.readers import ReadStats, read_file

    columns = ["eventVersion", "eventSource", "eventName", "eventTime", "eventID"]
    columns.append("requestParameters")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for n, size in enumerate([10, 200_000, 10, 10], start=1):
        when = f"2026-12-01T10:00:0{n}Z"
        parameters = json.dumps({"indexId": "i" * size})
        writer.writerow(
            ["1.11", "qbusiness.amazonaws.com", "DeleteIndex", when, f"lake-{n}", parameters]
        )
    path = tmp_path / "result_1.csv"
    path.write_text(buffer.getvalue())
    stats = ReadStats()
    limit = csv.field_size_limit()
    ids = [record["eventID"] for record, _ref in read_file(path, stats)]
    assert ids == ["lake-1", "lake-2", "lake-3", "lake-4"]
    assert (stats.unreadable_files, stats.malformed, stats.problems) == (0, 0, [])
    assert csv.field_size_limit() == limit  # process-wide: other CSV readers keep theirs


# --- sigmaq build's prove stage ------------------------------------------------------------------
# Before: one fixture the proof could not read (a record that is not a CloudTrail record,
# invalid JSON) raised ValueError out of proof.fixture_cases: `sigmaq build` ended in a
# traceback in its convert stage and proved nothing for any rule or target.


def test_an_unusable_fixture_makes_its_rule_differ_and_proves_the_rest(tmp_path: Path) -> None:
    from sigmaq.core.layout import ProjectLayout
    from sigmaq.export.proof import Outcome, ProofCase, Verdict, fixture_cases, prove_rule

    root = project(tmp_path)
    folder = root / "fixtures" / "q_business" / "aws_cloudtrail_hostile_probe"
    (folder / "neg_broken.json").write_text('{"[/x]": 1}')
    (loaded,) = load_rules([root / "rules"]).rules
    cases = fixture_cases(ProjectLayout(root), loaded)
    assert [(Path(c.label).name, c.problem is not None) for c in cases] == [
        ("pos_deleted.json", False),
        ("neg_broken.json", True),
        ("neg_denied.json", False),
    ]

    def evaluator(_query: Any, case: ProofCase) -> Outcome:
        return Outcome(case.expect is True, records=frozenset({0} if case.expect else ()))

    proof = prove_rule(loaded, "splunk", None, evaluator, cases)
    assert proof.verdict == Verdict.DIFFERS
    assert "neg_broken.json cannot be used" in proof.reason
    good = [c for c in cases if c.problem is None]
    assert prove_rule(loaded, "splunk", None, evaluator, good).verdict == Verdict.PROVEN


# --- sigmaq update ------------------------------------------------------------------------------
# Before: with one rule file that did not load (a duplicate key), `sigmaq update` exited 0
# without naming it, deleted its golden snapshots and those of the correlations over it
# ("removed backends/.../golden/..."), and rewrote the README table and coverage pages
# without it, as if the rule had been removed on purpose.


def test_update_with_a_broken_rule_names_it_and_keeps_every_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sigmaq.pack.golden import update_golden
    from sigmaq.pack.update import update_project

    root = project(tmp_path)
    (root / "backends" / "splunk" / "golden").mkdir(parents=True)
    update_golden(root)
    snapshots = sorted(p.name for p in (root / "backends").rglob("golden/*") if p.is_file())
    assert snapshots  # the rule has its snapshots
    rule = root / "rules" / "q_business" / "aws_cloudtrail_hostile_probe.yml"
    rule.write_text(rule.read_text() + "level: high\n")  # a duplicate key
    line = len(rule.read_text().splitlines())
    report = update_project(root, coverage=False)
    assert report.golden_removed == [] and report.golden_written == []
    assert [e.split(": ")[0] for e in report.rule_errors] == [f"{rule}:{line}"]
    assert sorted(p.name for p in (root / "backends").rglob("golden/*") if p.is_file()) == (
        snapshots
    )
    monkeypatch.chdir(root)
    result = cli("update")
    assert result.exit_code == 1
    assert f"error: {rule}:{line}: duplicate key 'level'" in result.output


@pytest.mark.parametrize("args", [[], ["--navigator"], ["--navigator", "-"]], ids=repr)
def test_coverage_with_a_broken_rule_writes_nothing_and_exits_1(
    tmp_path: Path, args: list[str]
) -> None:
    """Before: `sigmaq coverage` warned "rule left out" and rewrote the README table,
    docs/coverage.md and the Navigator layer without the rule, exit 0."""
    root = project(tmp_path)
    (root / "rules" / "q_business" / "aws_cloudtrail_broken.yml").write_text("title: [\n")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = cli("coverage", "--root", root, *args)
    assert result.exit_code == 1
    assert (
        "error: rule left out:" in result.output and "aws_cloudtrail_broken.yml:" in result.output
    )
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_fixture_format_names_a_fifo_it_was_given(tmp_path: Path) -> None:
    """Before: `sigmaq fixture format --check fifo.json` said '0 to format, 0 already
    canonical, 0 skipped' and exited 0: the named path was dropped without a word."""
    fifo = tmp_path / "stream.json"
    try:
        os.mkfifo(fifo)
    except (AttributeError, OSError):
        pytest.skip("no FIFOs on this system")
    result = cli("fixture", "format", "--check", fifo)
    assert result.exit_code == 1
    assert f"skipped {fifo}: not a regular file or folder" in result.output


@pytest.mark.parametrize("opening", ["[", "{a: "], ids=["flow-sequences", "flow-maps"])
def test_yaml_nested_past_the_recursion_limit_is_named_at_its_line(
    tmp_path: Path, opening: str
) -> None:
    """Before: 'YAML nesting too deep' carried no line (the reader's position was lost)."""
    closing = "]" if opening == "[" else "}"
    inner = "1" if opening != "[" else ""
    text = rule_text() + "x: " + opening * 5000 + inner + closing * 5000 + "\n"
    path = tmp_path / "deep.yml"
    path.write_text(text)
    result = load_rules([path])
    assert [(e.path, e.line, e.message) for e in result.errors] == [
        (path, len(text.splitlines()), "YAML nesting too deep")
    ]


# --- one finding, one line -----------------------------------------------------------------------
# Before: a message quoting a rule's own text (a key written twice, a field name the
# validators reject) printed that text raw; a quoted key holding "\n::error file=..."
# started a line of its own in `sigmaq validate`'s text report (and in convert, hunt,
# list, readiness, update, coverage, test and build), which GitHub Actions reads as a
# workflow command from an untrusted rule file (README "Security": rules are untrusted).

FORGED = '"eventName\\n::error file=README.md::forged\\n"'


def _forging_rule(duplicate: bool) -> str:
    items = f"    {FORGED}: DeleteIndex\n" + (
        f"    {FORGED}: DeleteApplication\n" if duplicate else ""
    )
    return rule_text().replace("    eventName: DeleteIndex\n", items)


@pytest.mark.parametrize(
    ("args", "duplicate"),
    [
        (["validate", "--profile", "cloudtrail"], True),
        (["validate", "--profile", "amazon_q"], False),
        (["convert", "-t", "splunk"], True),
        (["list", "rules"], True),
        (["test"], True),
        (["hunt", "--no-validate", "--rules"], True),
        (["readiness", "--rules"], True),
    ],
    ids=["validate", "validate-findings", "convert", "list", "test", "hunt", "readiness"],
)
def test_no_rule_text_starts_a_line_of_its_own(
    tmp_path: Path, args: list[str], duplicate: bool
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "aws_cloudtrail_hostile_probe.yml").write_text(_forging_rule(duplicate))
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record()]}))
    exports = Path(__file__).parents[1] / "data" / "readiness" / "advanced-org"
    tail = {"hunt": [data], "readiness": [exports]}.get(args[0], [])
    result = cli(*args, folder, *tail)
    lines = result.output.splitlines()
    assert not [line for line in lines if line.lstrip("│ ").startswith("::")], result.output
    assert "\\x0a::error file=README.md::forged\\x0a" in result.output.replace("\n", "")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("nul\x00byte", "nul\\x00byte"),
        ("back\x08space", "back\\x08space"),
        ("form\x0cfeed", "form\\x0cfeed"),
        ("lone\udcffsurrogate", "lone\\udcffsurrogate"),
    ],
    ids=["esc", "nul", "backspace", "form-feed", "surrogate"],
)
def test_junit_xml_stays_well_formed_whatever_the_text(
    tmp_path: Path, text: str, written: str
) -> None:
    """Before: ElementTree wrote control characters (from a rule's own text, quoted in a
    validation message) as they are, and a lone surrogate (a file name that is not UTF-8)
    as a character reference XML forbids: `sigmaq validate --junit-xml` and `sigmaq test
    --junit-xml` wrote a report every JUnit reader refuses as not well-formed."""
    import xml.etree.ElementTree as ET

    from sigmaq.testing.junit import JUnitCase, write_junit

    path = tmp_path / "junit.xml"
    write_junit(path, "sigmaq validate", [JUnitCase(f"case {text}", f"class.{text}", text)])
    case = ET.parse(path).getroot().find("testsuite/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert (failure.text, failure.get("message")) == (written, written)
    assert (case.get("name"), case.get("classname")) == (f"case {written}", f"class.{written}")
