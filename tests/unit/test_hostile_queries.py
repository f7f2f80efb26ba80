"""Query injection: a rule value means exactly that value in every target and format.

Property-based (hypothesis, derandomized: the same examples on every run and in CI):
values are drawn from the characters that carry meaning in some query language or
file format (quotes, backslash, newline, pipe, brackets, backtick, ``$``, Sigma
wildcards ``*``/``?`` and their escaped forms ``\\*``/``\\?``, Lucene/EQL/ES|QL
specials, SQL quote and LIKE characters, ``#``, non-ASCII text), put in a
single-event rule on ``userAgent`` (a keyword field) or ``requestParameters.displayName``
(a keyed flattened field in Elastic, a JSON path in SQL) under every string modifier,
converted to every target and format, then

* read back structurally (``tests/unit/hostile.py``): no pipe stage, command, clause,
  statement, conf stanza or key, NDJSON line or field the rule did not ask for;
* run by the target's model over records holding exactly the value and near misses
  (a character changed, a prefix or suffix added, the case flipped, the raw Sigma
  text): the model must match exactly the records replay matches.

A target that cannot express a value refuses the rule with a reason (never a silently
different query). The models are models of Splunk, Elasticsearch, Trino and Logs
Insights (see each module), not the engines.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hostile import Broken, Exported, export, record, rule_yaml, strict_conf, write_rule
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from sigma.types import SigmaString, SpecialChars

from sigmaq.core import fields
from sigmaq.core.loader import load_file
from sigmaq.export.pipelines.transformations import is_case_safe
from sigmaq.export.proof import ProofCase, replay_outcome
from sigmaq.export.targets import TARGETS

FIELDS = ("userAgent", "requestParameters.displayName")
STRING_MODIFIERS: tuple[tuple[str, ...], ...] = (
    (),
    ("contains",),
    ("startswith",),
    ("endswith",),
    ("cased",),
    ("contains", "cased"),
    ("startswith", "cased"),
    ("endswith", "cased"),
)
HOSTILE = [
    '"', "\\", "\n", "\r", "\t", "|", "[", "]", "`", "$", "*", "?", "\\*", "\\?", "\\\\",
    "+", "-", "&&", "||", "!", "(", ")", "{", "}", "^", "~", ":", "/", "'", ";", "%", "_",
    "#", "=", "<", ">", ",", ".", " ", "@", "a", "B", "x", "Q", "7", "or", "AND", "NOT",
    "é", "ß", "İ", "ǅ", "\u2028", "\x85", "日本",
]  # fmt: skip
ATTACKS = [
    'x" | delete',
    'x") OR true',
    "x' OR '1'='1",
    "*",
    "\\",
    "ab\\",
    "a\n| outputlookup x",
    "x\n# y",
    'x"; DROP TABLE t; --',
    "x` | eval",
    "$EDS_ID",
    "a\\*b",
    "a\\?b",
    "a?b",
    "%_\\",
    "x\\\n[other]\nsearch = *",
]
# Generated examples per target; each converts the rule to every format of the target.
EXAMPLES = 300


@dataclass(frozen=True)
class HostileCase:
    field: str
    modifiers: tuple[str, ...]
    value: str


def _values() -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(HOSTILE),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    )
    return st.lists(piece, min_size=1, max_size=8).map("".join)


def hostile_cases() -> st.SearchStrategy[HostileCase]:
    return st.builds(
        HostileCase, st.sampled_from(FIELDS), st.sampled_from(STRING_MODIFIERS), _values()
    )


# --------------------------------------------------------------------------- records
def _instance(parts: tuple[object, ...], many: str, one: str) -> str:
    out = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(many)
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(one)
        else:
            out.append(str(part))
    return "".join(out)


def _changed(text: str, index: int) -> str:
    if not text:
        return "a"
    index %= len(text)
    new = "b" if text[index].lower() == "a" else "a"
    return text[:index] + new + text[index + 1 :]


def candidates(case: HostileCase) -> list[str]:
    """Record values: the first one must match (the value itself, embedded as the
    modifier allows); the others are near misses and near hits, judged by replay."""
    parts = tuple(SigmaString(case.value).s)
    exact = _instance(parts, "", "x")
    filled = _instance(parts, 'Zz|"\n', "Q")
    mods = set(case.modifiers)
    before = "pre" if mods & {"contains", "endswith"} else ""
    after = "suf" if mods & {"contains", "startswith"} else ""
    first = before + exact + after
    values = [first, before + filled + after, exact, filled, case.value]
    for text in (exact, first):
        values += [
            _changed(text, 0),
            _changed(text, len(text) // 2),
            _changed(text, -1),
            "p" + text,
            text + "s",
            text[:-1],
            text[1:],
            text.swapcase(),
            text.upper(),
            text + "\n",
            "\\" + text,
            text + "\\",
        ]
    return list(dict.fromkeys(values))


_LABELS = itertools.count()


def _assumed_cased(case: HostileCase, target: str) -> bool:
    """The Elastic pipeline's documented assumption: on a keyed flattened field (case
    sensitive, no regexp), an AWS enumeration constant (``ANONYMOUS``) or JSON literal is
    written in one case by AWS, so it is matched as if ``|cased``
    (``transformations.is_case_safe``). Replay is then asked the ``|cased`` question."""
    if target not in ("elastic", "esql", "eql") or "cased" in case.modifiers:
        return False
    resolved = fields.resolve(case.field)
    assert resolved is not None
    value = SigmaString(case.value)
    text = "".join(p for p in value.s if isinstance(p, str))
    return (
        resolved.elastic_kind is fields.ElasticKind.FLATTENED
        and text.lower() != text.upper()
        and is_case_safe(resolved, value)
    )


def check(case: HostileCase, target: str, *, generated: bool = False) -> None:
    """Convert ``case``'s rule to every format of ``target``; each query must have the
    expected structure and match exactly the records replay matches."""
    text_value = case.value
    with tempfile.TemporaryDirectory() as folder:
        path = write_rule(Path(folder), case.field, case.modifiers, text_value)
        key = "|".join([case.field, *case.modifiers])
        loaded_value = yaml.safe_load(path.read_text(encoding="utf-8"))["detection"]["selection"]
        if generated:
            assume(loaded_value == {key: text_value})  # YAML round trip
        assert loaded_value == {key: text_value}
        (loaded,), errors = load_file(path)
        assert not errors, errors
        values = candidates(case)
        records = tuple(record(case.field, v, i) for i, v in enumerate(values))
        proof_case = ProofCase(f"hostile{next(_LABELS)}", records)
        expected = replay_outcome(loaded, proof_case).records
        assert 0 in expected, f"replay does not match {values[0]!r} for {case}"
        if _assumed_cased(case, target):
            cased = write_rule(
                Path(folder) / "cased", case.field, (*case.modifiers, "cased"), text_value
            )
            (loaded_cased,), _ = load_file(cased)
            expected = replay_outcome(loaded_cased, proof_case).records
        exports = export(path, target, case.field)
        compare(exports, proof_case, values, expected, str(case), "" if generated else None)


def compare(
    exports: list[Exported],
    proof_case: ProofCase,
    values: list[str],
    expected: frozenset[int],
    label: str,
    event_tag: str | None,
) -> None:
    """Each export refused with a reason, or matching exactly the records replay matches;
    ``event_tag`` (generated cases) records refused/converted in hypothesis' statistics."""
    for exported in exports:
        where = f"{exported.target}/{exported.format} {label}"
        if event_tag is not None:
            outcome = "refused" if exported.refused else "converted"
            event(f"{exported.format}{event_tag}: {outcome}")
        if exported.refused:
            assert exported.message.strip(), f"{where}: refused without a reason"
            continue
        actual = exported.run(proof_case)
        if actual != expected:
            wrong = sorted(actual ^ expected)
            detail = ", ".join(
                f"{values[i]!r} ({'replay matches' if i in expected else 'replay does not'})"
                for i in wrong[:4]
            )
            pytest.fail(f"{where}: query {exported.query!r} differs on {detail}")


@pytest.mark.parametrize("target", list(TARGETS))
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(case=hostile_cases())
@example(case=HostileCase("userAgent", (), 'x" | delete'))
@example(case=HostileCase("userAgent", (), "a\n| outputlookup x"))
@example(case=HostileCase("requestParameters.displayName", (), "x' OR '1'='1"))
@example(case=HostileCase("userAgent", (), "'"))  # a Lucene term starting with '
@example(case=HostileCase("userAgent", ("startswith", "cased"), "Arn:*"))  # EQL 'like'
def test_generated_values_mean_themselves_in_every_format(target: str, case: HostileCase) -> None:
    check(case, target, generated=True)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("modifiers", [(), ("contains",), ("endswith", "cased")], ids="|".join)
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", ATTACKS, ids=repr)
def test_attack_strings(target: str, modifiers: tuple[str, ...], field: str, value: str) -> None:
    check(HostileCase(field, modifiers, value), target)


@pytest.mark.parametrize(
    ("target", "field", "modifiers", "value", "named"),
    [
        ("elastic", "userAgent", (), "a\nb", "U+000A"),
        ("splunk", "userAgent", (), "a\u2028b", "U+2028"),
        ("splunk", "userAgent", ("re",), "a\nb", "U+000A"),
        ("logs_insights", "userAgent", ("re",), "a\rb", "U+000D"),
        ("eql", "userAgent", (), "a\\?b", "literal '?'"),
        ("eql", "userAgent", (), "a\\*b", "literal '*'"),
        ("cloudtrail_lake", "userAgent", (), "x$EDS_ID", "$EDS_ID"),
        ("athena", "userAgent", (), "\u0130", "U+0130"),
        ("elastic", "userAgent", (), "*", "empty string"),
    ],
)
def test_refusals_name_the_character(
    tmp_path: Path, target: str, field: str, modifiers: tuple[str, ...], value: str, named: str
) -> None:
    path = write_rule(tmp_path, field, modifiers, value)
    for exported in export(path, target, field):
        assert exported.refused, f"{target}/{exported.format} converted {value!r}"
        assert named in exported.message


@pytest.mark.parametrize("target", list(TARGETS))
def test_keyword_rules_are_refused_everywhere(tmp_path: Path, target: str) -> None:
    document = yaml.safe_load(rule_yaml("userAgent", (), "x"))
    document["detection"] = {
        "keywords": ['x" | delete', "a\n| outputlookup x"],
        "condition": "keywords",
    }
    path = tmp_path / "hostile_value_rule.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    for exported in export(path, target, "userAgent"):
        assert exported.refused and "keyword" in exported.message


def test_conf_reader_rejects_what_splunk_would_read_as_a_new_key() -> None:
    with pytest.raises(Broken):
        strict_conf("[a]\nsearch = x \\\nmore\nsearch2\n")
    with pytest.raises(Broken):
        strict_conf("[a]\nsearch = x\r\n")
    assert strict_conf("[a]\nsearch = x \\\n| y\n") == [("a", [("search", "x \n| y")])]


# --------------------------------------------------------------------------- |re values
# A regex is the author's own language, so ``|re`` is tested with regexes that spell a
# hostile literal: every metacharacter escaped with a backslash, control characters as
# ``\n``/``\r``/``\t`` (the subset of escapes PCRE, RE2, Lucene and Java regex share).
_REGEX_META = set("\\.^$|?*+()[]{}/")
_REGEX_CONTROL = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def regex_for(literal: str) -> str:
    """``literal`` as a regex matching exactly that text (unanchored, like Sigma ``|re``)."""
    return "".join(_REGEX_CONTROL.get(ch, "\\" + ch if ch in _REGEX_META else ch) for ch in literal)


def check_regex(field: str, literal: str, target: str, *, generated: bool = False) -> None:
    """A ``|re`` rule spelling ``literal`` converts, per format, to a query that matches
    exactly the records replay matches, or is refused with a reason."""
    pattern = regex_for(literal)
    with tempfile.TemporaryDirectory() as folder:
        path = write_rule(Path(folder), field, ("re",), pattern)
        loaded_value = yaml.safe_load(path.read_text(encoding="utf-8"))["detection"]["selection"]
        if generated:
            assume(loaded_value == {f"{field}|re": pattern})
        (loaded,), errors = load_file(path)
        if generated:
            assume(not errors)  # a pattern no RE2/Python regex accepts is the rule's error
        assert not errors, errors
        values = list(
            dict.fromkeys(
                [
                    "pre" + literal + "suf",
                    literal,
                    _changed(literal, 0),
                    _changed(literal, -1),
                    literal[:-1],
                    literal.swapcase(),
                    pattern,
                    literal + "\n",
                    "\\" + literal,
                ]
            )
        )
        records = tuple(record(field, v, i) for i, v in enumerate(values))
        proof_case = ProofCase(f"hostile-re{next(_LABELS)}", records)
        expected = replay_outcome(loaded, proof_case).records
        assert 0 in expected, f"replay does not match {values[0]!r} for {pattern!r}"
        exports = export(path, target, field)
        label = f"{field}|re: {pattern!r}"
        compare(exports, proof_case, values, expected, label, " re" if generated else None)


@pytest.mark.parametrize("target", list(TARGETS))
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(field=st.sampled_from(FIELDS), literal=_values())
@example(field="userAgent", literal='x" | delete')
@example(field="requestParameters.displayName", literal="x') OR true")
def test_generated_regexes_mean_themselves_in_every_format(
    target: str, field: str, literal: str
) -> None:
    check_regex(field, literal, target, generated=True)
