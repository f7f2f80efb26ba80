"""The two YAML readers of ``sigmaq.core.yaml_source`` agree.

libyaml's C parser (``libyaml_documents``) reads a rule file only when its event pass
finds nothing the pure-Python reader (``python_documents``) could read differently;
everything else goes to the pure-Python reader, which is also the only one that reports
errors. These tests compare both on every rule of the pack, the third-party YAML under
``../shared/data/external`` (SigmaHQ, the Sigma specification's tests, Panther's
CloudTrail rules), the loader's broken corpus, odd YAML written for the purpose, and a
seeded set of mutations of all of those: whenever libyaml answers, its documents, lines
and key lines equal the pure-Python reader's, which does not raise.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from test_loader import ALIAS_BOMB, BROKEN

from sigmaq.core import yaml_source
from sigmaq.core.yaml_source import (
    MAX_NODES,
    YamlDocument,
    YamlSourceError,
    libyaml_documents,
    python_documents,
    read_yaml_documents,
)

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "data" / "external"
PACK_RULES = sorted((ROOT / "rules").rglob("*.yml"))
EXTERNAL_YAML = (
    sorted(p for pattern in ("*.yml", "*.yaml") for p in EXTERNAL.rglob(pattern))
    if EXTERNAL.is_dir()
    else []
)

needs_libyaml = pytest.mark.skipif(
    not yaml.__with_libyaml__, reason="PyYAML built without libyaml: one reader only"
)

# Odd YAML: each case a construct where the two scanners could disagree. Those marked
# in the comment are known disagreements the event pass must send to PyYAML.
ODD: dict[str, str] = {
    "tab_after_colon": "a:\tb\n",  # libyaml reads it, PyYAML refuses it
    "tab_line_end": "a: b\t\n",  # idem
    "tab_block_scalar": "a: |\n \tx\n",  # PyYAML reads it, libyaml refuses it
    "tab_after_key": "a:\t\n  b: 1\n",
    "block_header_comment": "a: |#\n  x\n",  # libyaml reads it, PyYAML refuses it
    "block_header_comment_chomp": "- >-#c\n  x\n",
    "block_header_spaced_comment": "a: |- # c\n  x\n",
    "question_in_flow_sequence": "a: [AQ-?32]\n",  # PyYAML ends the scalar at '?'
    "question_in_flow_mapping": "a: {b: c?d}\n",
    "question_in_block": "a: what?\nb: c ? d\n",
    "question_key": "? a\n: b\n",
    "question_complex_key": "? [a, b]\n: c\n",
    "empty_document": "---",  # libyaml puts the empty document on line 2
    "empty_document_comment": "--- # nothing\n",
    "empty_key": ": v\n",
    "empty_key_flow": "{: v}\n",
    "empty_value": "a:\nb:\n",
    "non_specific_tag": "a: ! 1\n",
    "non_specific_tag_flow": "{a: 1, ! }\n",
    "str_tag": "a: !!str 1\nb: !!int '2'\n",
    "local_tag_directive": "%TAG !e! tag:example.com,2000:\n---\na: !e!foo bar\n",
    "anchor_only": "a: &x 1\nb: 2\n",
    "alias": "a: &x 1\nb: *x\n",
    "merge_key": "<<: {a: 1}\nb: 2\n",
    "line_separator_plain": "a: x\u2028y\n",
    "line_separator_quoted": "a: 'x\u2028y'\n",
    "next_line": "a: 'x\x85y'\nb: 1\n",
    "bom": "\ufeffa: 1\nb: 2\n",
    "carriage_return": "a: 1\r\nb: 2\r\n",
    "nbsp_and_wide": "a: x\u00a0y\nb: \u3000\nc: \U0001f600\n",
    "folded_and_literal": "a: >\n  folded\n  text\n\n  more\nb: |-\n  lit\n   eral\n",
    "escapes": 'a: "esc \\x41 \\u00e9 \\n \\/"\n',
    "multi_document": "a: 1\n---\nb: [1, {c: d}]\n...\n",
    "yaml_directive": "%YAML 1.1\n---\na: 1\n",
    "yaml_12_directive": "%YAML 1.2\n---\na: 1\n",
    "flow_colon": "a: [b:c, d: e]\n",
    "flow_trailing_comma": "a: [1, 2,]\nb: {c: 1,}\n",
    "implicit_types": "a: 2024-01-01\nb: 0o17\nc: 0x1F\nd: .inf\ne: ~\nf: yes\ng: 1_000\n",
    "comments": "a:   # comment\n  - x\n  -   y # end\n# last\n",
    "quoted_keys": "'quoted key': v\n\"dq\": w\n",
    "duplicate_key": "a: 1\na: 2\n",
    "duplicate_nested_key": "a:\n  b: 1\n  b: 2\n",
    "nul": "a: b\x00c\n",
    "unclosed_flow": "a: [b\n",
    "bad_indent": "a:\n  b: 1\n c: 2\n",
    "plain_multiline": "a: one\n  two\n  three\nb: 1\n",
    "sequence_root": "- a\n- b\n",
    "scalar_root": "just text\n",
    "deep": "a: " + "[" * 70 + "]" * 70 + "\n",
    "alias_bomb": ALIAS_BOMB,
}

MUTATIONS = [":", "-", " ", "\n", "'", '"', "#", "&", "*", "!", "|", ">", "[", "]", "{", "}"]
MUTATIONS += [",", "?", "%", "@", "\\", "\t", "\u2028", "\x85", "\ufeff", "~", "<<", ": "]
MUTATIONS += ["- ", "\n  ", "---", "...", "!!", "&a ", "*a", "? ", "\u00a0", "\U0001f600"]


def _snapshot(documents: list[YamlDocument]) -> list[tuple[str, int, dict[str, int]]]:
    # repr keeps types apart (True/1, '1'/1) and the order of keys
    return [(repr(doc.data), doc.line, doc.key_lines) for doc in documents]


def assert_same(text: str) -> bool:
    """libyaml's answer, when it gives one, equals PyYAML's; True when it answered."""
    fast = libyaml_documents(text)
    if fast is None:
        return False
    slow = python_documents(text)  # must not raise: libyaml never accepts what PyYAML refuses
    assert _snapshot(fast) == _snapshot(slow)
    return True


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.5:
            text = text[:at] + rng.choice(MUTATIONS) + text[at:]
        elif roll < 0.7:
            text = text[:at] + text[at + 1 :]
        else:
            lines = text.split("\n")
            line = rng.randrange(len(lines))
            lines[line] = " " * rng.choice([1, 2, 4]) + lines[line] if roll < 0.85 else ""
            text = "\n".join(lines)
    return text


@needs_libyaml
@pytest.mark.parametrize("path", PACK_RULES, ids=lambda p: p.stem)
def test_pack_rule_read_by_libyaml_as_by_pyyaml(path: Path) -> None:
    # every pack rule takes the fast path (or start-up is slow again) and reads the same
    assert assert_same(path.read_text(encoding="utf-8")), path


@needs_libyaml
@pytest.mark.external
@pytest.mark.skipif(not EXTERNAL_YAML, reason=f"no third-party YAML under {EXTERNAL}")
def test_third_party_yaml_read_alike() -> None:
    answered = [assert_same(path.read_text(encoding="utf-8")) for path in EXTERNAL_YAML]
    assert sum(answered) >= len(answered) // 2, "libyaml should read most third-party files"


@needs_libyaml
@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_yaml_read_alike(name: str) -> None:
    assert_same(ODD[name])


@needs_libyaml
@pytest.mark.parametrize(
    "name",
    [
        "tab_after_colon",
        "tab_line_end",
        "tab_block_scalar",
        "block_header_comment",
        "block_header_comment_chomp",
        "question_in_flow_sequence",
        "question_in_flow_mapping",
        "empty_document",
        "empty_key",
        "non_specific_tag_flow",
        "alias",
        "anchor_only",
        "duplicate_key",
        "nul",
        "unclosed_flow",
        "line_separator_quoted",
        "bom",
        "deep",
    ],
)
def test_known_disagreements_and_errors_go_to_pyyaml(name: str) -> None:
    assert libyaml_documents(ODD[name]) is None


@needs_libyaml
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_loader_corpus_read_alike(name: str) -> None:
    assert_same(BROKEN[name][0])


@needs_libyaml
def test_mutated_yaml_read_alike() -> None:
    rng = random.Random(16)
    seeds = [p.read_text(encoding="utf-8") for p in PACK_RULES[::7]]
    seeds += [text for text, _, _ in BROKEN.values()] + list(ODD.values())
    answered = sum(assert_same(_mutate(rng, rng.choice(seeds))) for _ in range(600))
    assert answered > 100  # the comparison ran on many texts libyaml accepted


def _random_value(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        text = "".join(rng.choice("ab :-?#&*!|>[]{},'\"\\\n\u00e9\U0001f600") for _ in range(5))
        return rng.choice([text, "", "1", "0x1F", "true", "~", "2024-01-01", 7, None, 1.5])
    if roll < 0.75:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(_random_value(rng, 4)): _random_value(rng, depth + 1) for _ in range(3)}


@needs_libyaml
def test_generated_yaml_read_alike() -> None:
    rng = random.Random(61)
    answered = 0
    for _ in range(400):
        text = yaml.safe_dump(
            _random_value(rng),
            default_flow_style=rng.choice([None, True, False]),
            default_style=rng.choice([None, None, "'", '"', "|"]),
            width=rng.choice([20, 80]),
            allow_unicode=rng.random() < 0.5,
        )
        answered += assert_same(_mutate(rng, text) if rng.random() < 0.5 else text)
    assert answered > 100


@pytest.mark.parametrize("name", ["alias_bomb", "duplicate_key", "nul", "unclosed_flow"])
def test_errors_are_pyyaml_errors(name: str) -> None:
    with pytest.raises(YamlSourceError) as fast:
        read_yaml_documents(ODD[name])
    with pytest.raises(YamlSourceError) as slow:
        python_documents(ODD[name])
    assert (str(fast.value), fast.value.line) == (str(slow.value), slow.value.line)


def test_node_cap_holds_on_both_readers() -> None:
    text = "a: [" + ", ".join("1" for _ in range(MAX_NODES)) + "]\n"
    with pytest.raises(YamlSourceError, match=f"more than {MAX_NODES} YAML nodes"):
        read_yaml_documents(text)


def test_timestamps_stay_strings() -> None:
    (document,) = read_yaml_documents("date: 2024-02-30\nmodified: 2024-01-01T00:00:00Z\n")
    assert document.data == {"date": "2024-02-30", "modified": "2024-01-01T00:00:00Z"}


def test_without_libyaml_the_pure_python_reader_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    text = PACK_RULES[0].read_text(encoding="utf-8")
    expected = _snapshot(python_documents(text))
    monkeypatch.setattr(yaml_source, "_CLoader", None)
    assert libyaml_documents(text) is None
    assert _snapshot(read_yaml_documents(text)) == expected
