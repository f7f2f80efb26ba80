"""The loader reports every broken file with path and line and keeps the good ones."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
from rulebuilder import rule_text, write_rule

from sigmaq.core.errors import RuleLoadError
from sigmaq.core.loader import load_rules

GOOD_TITLE = "Q Business Application Created With Anonymous Access"

ALIAS_BOMB = """title: Bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
detection:
  sel:
    eventName: *i
  condition: sel
"""

CORRELATION = """title: Corr
id: 0b6f9d7e-7d55-4b4a-9e34-2f1b2a3c4d5f
status: experimental
correlation:
  type: event_count
  rules: {rules}
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {condition}
level: medium
"""

# name -> (file text, expected line or the text its line starts with, a fragment of the message)
BROKEN: dict[str, tuple[str, int | str, str]] = {
    "yaml_syntax": ("title: x\ndetection:\n  sel: [unclosed\n  condition: sel\n", 4, "YAML syntax"),
    "alias_bomb": (ALIAS_BOMB, 3, "aliases are not allowed"),
    "impossible_date": (rule_text(date="2024-02-30"), "date:", "date"),
    "undefined_condition": (
        rule_text(
            detection={
                "selection": {"eventSource": "q.amazonaws.com"},
                "condition": "selection and other",
            }
        ),
        "  condition:",
        "'other' not defined",
    ),
    "legacy_count": (
        rule_text(
            detection={
                "selection": {"eventSource": "q.amazonaws.com"},
                "condition": "selection | count() by userIdentity.arn > 5",
            }
        ),
        "  condition:",
        "pipe syntax",
    ),
    "nested_map": (
        rule_text(
            detection={
                "selection": {"requestParameters": {"identityType": "ANONYMOUS"}},
                "condition": "selection",
            }
        ),
        "    requestParameters:",
        "nested YAML map under field 'requestParameters'",
    ),
    "duplicate_key": ("title: a\ntitle: b\n", 2, "duplicate key 'title'"),
    "bad_modifier": (
        rule_text(detection={"selection": {"eventName|nosuchmod": "x"}, "condition": "selection"}),
        "    eventName|nosuchmod:",
        "Unknown modifier 'nosuchmod'",
    ),
    "misspelt_modifier": (
        rule_text(detection={"selection": {"eventName|contians": "x"}, "condition": "selection"}),
        "    eventName|contians:",
        "Unknown modifier 'contians'; did you mean 'contains'?",
    ),
    "bad_level": (rule_text(level="severe"), "level:", "level"),
    # pySigma crashed with "'int' object has no attribute 'replace'" at the first line
    "id_not_a_string": (rule_text(id=5), "id:", "id must be a string (a UUID), not int: 5"),
    "logsource_not_a_map": (rule_text(logsource="aws"), "logsource:", "logsource must be"),
    "fields_not_a_list": (rule_text(fields="eventName"), "fields:", "fields must be a list"),
    "name_not_a_string": (rule_text(name=5), "name:", "name must be a string"),
    "value_a_modifier_refuses": (
        rule_text(
            detection={
                "selection": {
                    "eventSource": "q.amazonaws.com",
                    "requestParameters.maxResults|gt": "1e999999",
                },
                "condition": "selection",
            }
        ),
        "    requestParameters.maxResults|gt:",
        "incompatible to value type of '1e999999'",
    ),
    "condition_nested_too_deeply": (
        rule_text(
            detection={
                "selection": {"eventSource": "q.amazonaws.com"},
                "condition": "not " * 2000 + "selection",
            }
        ),
        "  condition:",
        "nests too deeply to parse",
    ),
    "not_a_mapping": ("- just\n- a list\n", 1, "not a mapping"),
    "condition_not_a_string": (
        rule_text(detection={"selection": {"eventSource": "q.amazonaws.com"}, "condition": 5}),
        "  condition:",
        "must be a string or a list of strings, not int",
    ),
    "empty_file": ("", 1, "no YAML document"),
    # exporters write the title on one line (a Splunk stanza name, a SQL `--` comment):
    # a newline in it wrote a conf key or an SQL statement the rule never asked for
    "title_newline": (
        rule_text(title="Q Business App\n[x]\nsearch = | delete"),
        "title:",
        "title must be one line of text: it holds a control character (\\x0a)",
    ),
    "name_control": (
        rule_text(name="app_created\u2028DROP TABLE x"),
        "name:",
        "name must be one line of text: it holds a control character (\\u2028)",
    ),
    # YAML forbids most control characters; PyYAML refuses them before parsing starts
    "nul_byte": ("title: a\nauthor: b\x00c\n", 2, "#x0000"),
    # pySigma casts the count with int(): 1.5 would silently become 1, true would become 1
    "correlation_count_float": (
        CORRELATION.format(rules="[some_rule]", condition="{gte: 1.5}"),
        "  condition:",
        "count must be an integer, not float: 1.5",
    ),
    "correlation_count_bool": (
        CORRELATION.format(rules="[some_rule]", condition="{gt: true}"),
        "  condition:",
        "count must be an integer, not bool: True",
    ),
    "correlation_count_negative": (
        CORRELATION.format(rules="[some_rule]", condition="{gte: -1}"),
        "  condition:",
        "count -1 is negative",
    ),
    # Splunk wrote dispatch.earliest_time = -143999999999999999998635m@m for this
    "correlation_timespan_huge": (
        CORRELATION.format(rules="[some_rule]", condition="{gte: 2}").replace(
            "timespan: 10m", "timespan: 99999999999999999999d"
        ),
        "  timespan:",
        "is over a year",
    ),
    # an empty list passes pySigma and exports a query over no events (`| multisearch` alone)
    "correlation_no_rules": (
        CORRELATION.format(rules="[]", condition="{gte: 2}"),
        "  rules:",
        "correlation references no rules",
    ),
    # an unquoted ": " makes YAML read the entry as a map (pySigma keeps it as is)
    "falsepositives_map": (
        rule_text().replace(
            "- Intended public FAQ bots", "- Admins: scheduled review of public FAQ bots"
        ),
        "- Admins:",
        "falsepositives entry must be text, not a map",
    ),
}


def _line_starting(text: str, prefix: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(prefix))


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    for name, (text, _, _) in BROKEN.items():
        (tmp_path / f"{name}.yml").write_text(text, encoding="utf-8")
    (tmp_path / "not_utf8.yml").write_bytes(b"title: \xff\xfe\n")
    write_rule(tmp_path)
    return tmp_path


def test_every_broken_file_reported_once_with_line(corpus: Path) -> None:
    result = load_rules([corpus])
    by_file: dict[str, list[RuleLoadError]] = {}
    for error in result.errors:
        assert error.path is not None
        by_file.setdefault(error.path.stem, []).append(error)
    assert set(by_file) == {*BROKEN, "not_utf8"}
    for name, (text, where, fragment) in BROKEN.items():
        line = where if isinstance(where, int) else _line_starting(text, where)
        errors = by_file[name]
        assert len(errors) == 1, (name, [str(e) for e in errors])
        assert fragment in errors[0].message, (name, errors[0].message)
        assert errors[0].line == line, (name, errors[0].line, str(errors[0]))
    assert "cannot read file" in by_file["not_utf8"][0].message


def test_valid_rule_beside_broken_ones_still_loads(corpus: Path) -> None:
    result = load_rules([corpus])
    assert [str(loaded.rule.title) for loaded in result.rules] == [GOOD_TITLE]
    assert len(result.files) == len(BROKEN) + 2


def test_alias_bomb_rejected_fast_and_small(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    result = load_rules([path])
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.rules == []
    assert "aliases are not allowed" in result.errors[0].message
    # 9**9 elements if expanded; refused at the first alias instead.
    assert peak < 5_000_000, peak
    assert elapsed < 5, elapsed


def test_missing_correlation_target_is_located(tmp_path: Path) -> None:
    text = """title: Burst Of Something
id: 0b6f9d7e-7d55-4b4a-9e34-2f1b2a3c4d5e
status: experimental
correlation:
  type: event_count
  rules:
    - no_such_rule
  group-by:
    - userIdentity.arn
  timespan: 10m
  condition:
    gte: 5
level: medium
"""
    path = tmp_path / "corr.yml"
    path.write_text(text, encoding="utf-8")
    write_rule(tmp_path)
    result = load_rules([tmp_path])
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.path == path
    assert error.line == 6
    assert "no_such_rule" in error.message
    assert [str(r.rule.title) for r in result.rules] == [GOOD_TITLE]


def test_correlation_over_named_rule_resolves(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text(rule_text(name="anon_app"), encoding="utf-8")
    (tmp_path / "corr.yml").write_text(
        """title: Many Anonymous Apps
id: 1b6f9d7e-7d55-4b4a-9e34-2f1b2a3c4d5e
status: experimental
correlation:
  type: event_count
  rules: [anon_app]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 2}
level: medium
""",
        encoding="utf-8",
    )
    result = load_rules([tmp_path])
    assert result.errors == []
    assert sorted(loaded.is_correlation for loaded in result.rules) == [False, True]


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError) as excinfo:
        load_rules([tmp_path / "absent"])
    assert excinfo.value.path == tmp_path / "absent"


def test_correlation_cycle_and_bad_condition_are_located(tmp_path: Path) -> None:
    template = """title: {title}
id: {id}
name: {name}
status: experimental
correlation:
  type: event_count
  rules: [{target}]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {condition}
level: medium
"""
    cases = [  # a and b form a cycle; c refers to a and has a string condition
        ("a", "corr_b", "{gte: 2}"),
        ("b", "corr_a", "{gte: 2}"),
        ("c", "corr_a", "gte 5"),
    ]
    for number, (letter, target, condition) in enumerate(cases, start=1):
        (tmp_path / f"{letter}.yml").write_text(
            template.format(
                title=f"Corr {letter.upper()}",
                id=f"0b6f9d7e-7d55-4b4a-9e34-2f1b2a3c4d5{number}",
                name=f"corr_{letter}",
                target=target,
                condition=condition,
            ),
            encoding="utf-8",
        )
    result = load_rules([tmp_path])
    assert result.rules == []
    messages = {e.path.name: (e.line, e.message) for e in result.errors if e.path}
    assert sorted(messages) == ["a.yml", "b.yml", "c.yml"]
    for name in ("a.yml", "b.yml"):
        line, message = messages[name]
        assert line == 7  # the correlation.rules key
        assert "cycle" in message
    line, message = messages["c.yml"]
    assert line == 10  # the correlation.condition key
    assert "correlation condition must be a map" in message


def test_symlink_loop_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.yml").symlink_to(tmp_path / "b.yml")
    (tmp_path / "b.yml").symlink_to(tmp_path / "a.yml")
    with pytest.raises(RuleLoadError):
        load_rules([tmp_path / "a.yml"])


def test_rule_entries_that_are_not_regular_files_are_named_not_skipped(tmp_path: Path) -> None:
    # before: a dangling link, a FIFO or a device named *.yml in a rule folder was left out
    # silently (the rule it stood for was lost without a word); reading a FIFO would block
    write_rule(tmp_path)
    (tmp_path / "dangling.yml").symlink_to(tmp_path / "moved_away.yml")
    (tmp_path / "loop.yml").symlink_to(tmp_path / "loop.yml")
    (tmp_path / "device.yml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yml")
    result = load_rules([tmp_path])
    assert [str(loaded.rule.title) for loaded in result.rules] == [GOOD_TITLE]
    messages = {e.path.name: e.message for e in result.errors if e.path is not None}
    assert sorted(messages) == ["dangling.yml", "device.yml", "fifo.yml", "loop.yml"]
    assert all("not a regular file" in message for message in messages.values())
    for name in ("fifo.yml", "dangling.yml"):  # named explicitly: the same words
        with pytest.raises(RuleLoadError, match="not a regular file"):
            load_rules([tmp_path / name])


def test_an_oversized_rule_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: read whole, then refused (a 300 MB file took 612 MB of memory)
    big = tmp_path / "big.yml"
    with big.open("wb") as out:
        out.truncate(2 * 1024 * 1024)  # sparse
    read_text = Path.read_text

    def guarded(self: Path, *args: object, **kwargs: object) -> str:
        assert self != big, "the oversized file was read"
        return read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", guarded)
    result = load_rules([big])
    assert [(e.path, e.message) for e in result.errors] == [
        (big, "rule file larger than 1048576 bytes (2097152)")
    ]
