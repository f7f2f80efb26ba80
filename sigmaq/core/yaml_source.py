"""Safe YAML reading for rule files: line numbers kept, aliases refused.

PyYAML's safe loader accepts anchors and aliases, so a small file can expand
into an enormous structure once pySigma walks it (the "billion laughs" alias
bomb). Sigma rules have no use for aliases, so any alias is refused at compose
time, before anything is expanded. Duplicate mapping keys, which YAML silently
collapses to the last value, are refused too. Timestamps stay strings so that
an impossible date becomes a pySigma date error with a line, not a crash.

Two readers give the same documents, key lines and errors. libyaml's C parser
(``yaml.CSafeLoader``, present when PyYAML was built with libyaml:
``yaml.__with_libyaml__``) reads a rule file about six times faster than PyYAML's
pure-Python scanner; it answers only when the text holds nothing on which the two
scanners are known to disagree (``_NOT_FOR_LIBYAML``) and a first C pass over the
events (``_plain_events``) finds no alias, tag or anchor, at most ``MAX_NODES``
nodes, nesting within ``MAX_DEPTH`` and none of the constructs the two place or read
differently. Everything else, every error included, goes through the pure-Python
``_NoAliasLoader``, which composes one node at a time and refuses an alias before
anything is expanded: an error reads the same whichever reader saw the file first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader, ReaderError

MAX_RULE_FILE_BYTES = 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 64


class YamlSourceError(ValueError):
    """A YAML document could not be read; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and counts nodes while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._node_count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            raise YamlSourceError(
                "YAML aliases are not allowed in rule files (alias bomb protection)",
                event.start_mark.line + 1,
            )
        self._node_count += 1
        if self._node_count > MAX_NODES:
            raise YamlSourceError(f"rule file has more than {MAX_NODES} YAML nodes")
        node: Node | None = super().compose_node(parent, index)
        return node


# Keep timestamps as strings: pySigma parses dates itself and reports bad ones.
_IMPLICIT_RESOLVERS = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_NoAliasLoader.yaml_implicit_resolvers = _IMPLICIT_RESOLVERS

# libyaml's loader with the same resolvers (None: PyYAML built without libyaml).
_CLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):
    _CLoader = type("_CRuleLoader", (yaml.CSafeLoader,), {})
    _CLoader.yaml_implicit_resolvers = _IMPLICIT_RESOLVERS

# Text on which libyaml and PyYAML's scanner are known to disagree: a tab after ``:`` or
# at a line end (libyaml reads it, PyYAML refuses it), a tab in a block scalar's
# indentation (the reverse), a block scalar header followed by ``#`` with no space
# (``|#``: libyaml reads it, PyYAML refuses it), and the line breaks other than \n (line
# counting). A text holding one goes to the pure-Python reader; the differential tests
# (tests/unit/test_yaml_source.py) found these.
_NOT_FOR_LIBYAML = re.compile("[\t\r\x85\u2028\u2029\ufeff]|[|>][-+0-9]*#")


@dataclass
class YamlDocument:
    """One YAML document: its data and the 1-based line of each key path.

    ``key_lines`` maps dotted key paths (``detection.selection.eventName``) to
    the line where the key is written; ``value_lines`` maps (key path, scalar text)
    to the line of the first such scalar under that key (an item of a list included);
    ``line`` is the document's first line.
    """

    data: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    value_lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def line_of(self, *candidates: str) -> int:
        """Line of the first candidate key path present, else the document line."""
        for key in candidates:
            if key in self.key_lines:
                return self.key_lines[key]
        return self.line


def _record_lines(
    node: Node,
    prefix: str,
    out: dict[str, int],
    depth: int = 0,
    values: dict[tuple[str, str], int] | None = None,
) -> None:
    if depth > 64:
        raise YamlSourceError("YAML nesting deeper than 64 levels", node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in seen:
                raise YamlSourceError(
                    f"duplicate key '{key}'" + (f" under '{prefix}'" if prefix else ""),
                    key_node.start_mark.line + 1,
                )
            seen.add(key)
            path = f"{prefix}.{key}" if prefix else key
            out.setdefault(path, key_node.start_mark.line + 1)
            _record_lines(value_node, path, out, depth + 1, values)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _record_lines(item, prefix, out, depth + 1, values)
    elif values is not None and isinstance(node, ScalarNode) and prefix:
        values.setdefault((prefix, str(node.value)), node.start_mark.line + 1)


def _char(character: Any) -> str:
    code = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"unacceptable character #x{code:04x}"


def read_yaml_documents(text: str) -> list[YamlDocument]:
    """Parse every document of ``text`` safely.

    Returns one ``YamlDocument`` per non-empty document.
    Raises YamlSourceError (with the line) on syntax errors, characters YAML
    forbids (NUL and other C0/C1 controls, YAML 1.1 section 5.1), aliases,
    duplicate keys, excessive size or nesting.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULE_FILE_BYTES:
        raise YamlSourceError(f"rule file larger than {MAX_RULE_FILE_BYTES} bytes")
    documents = libyaml_documents(text)
    return documents if documents is not None else python_documents(text)


def _plain_events(text: str) -> bool:
    """True when libyaml parses ``text`` into events that both readers are known to
    read alike, within the limits: no alias, tag or anchor, at most ``MAX_NODES``
    nodes, nesting below ``MAX_DEPTH``, no empty plain scalar as a document or a key
    (its position differs: libyaml puts an empty document at the next line), no plain
    scalar holding ``?`` inside a flow collection (PyYAML's scanner ends a plain
    scalar there, libyaml reads on). False on anything else, an error included.
    Events are dropped as they come: nothing is composed."""
    parser = _CLoader(text)
    nodes = 0
    # one entry per open collection: [is a mapping, children so far, in flow context]
    open_collections: list[list[Any]] = []
    try:
        while parser.check_event():
            event = parser.get_event()
            kind = type(event)
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                open_collections.pop()
                continue
            if kind is AliasEvent:
                return False
            if (
                kind is not ScalarEvent
                and kind is not MappingStartEvent
                and (kind is not SequenceStartEvent)
            ):
                continue  # stream and document start and end
            nodes += 1
            if nodes > MAX_NODES or event.tag is not None or event.anchor is not None:
                return False
            parent = open_collections[-1] if open_collections else None
            key_or_root = parent is None or (parent[0] and parent[1] % 2 == 0)
            flow = parent is not None and parent[2]
            if parent is not None:
                parent[1] += 1
            if kind is ScalarEvent:
                if not event.style and (
                    (key_or_root and not event.value) or (flow and "?" in event.value)
                ):
                    return False
            elif len(open_collections) + 1 >= MAX_DEPTH:
                return False
            else:
                open_collections.append([kind is MappingStartEvent, 0, flow or event.flow_style])
    except (yaml.YAMLError, ValueError):  # UnicodeEncodeError on a lone surrogate
        return False
    finally:
        parser.dispose()
    return True


def libyaml_documents(text: str) -> list[YamlDocument] | None:
    """The documents of ``text`` read by libyaml's C parser, or None when this reader
    does not decide: libyaml absent, a character the two scanners disagree on, an
    alias, too many nodes, deep nesting or any error (``python_documents`` then reads
    the text and raises what it finds). Same result as ``python_documents`` otherwise
    (``tests/unit/test_yaml_source.py`` compares them)."""
    if (
        _CLoader is None
        or _NOT_FOR_LIBYAML.search(text)
        or Reader.NON_PRINTABLE.search(text)
        or not _plain_events(text)
    ):
        return None
    loader = _CLoader(text)
    documents: list[YamlDocument] = []
    try:
        documents.extend(_composed(loader))
    except Exception:  # every error is the pure-Python reader's to report
        return None
    finally:
        loader.dispose()
    return documents


def _composed(loader: Any) -> Iterator[YamlDocument]:
    """Each document ``loader`` composes, with the line of every key (either loader)."""
    while loader.check_node():
        node = loader.get_node()
        if node is None:
            continue
        key_lines: dict[str, int] = {}
        value_lines: dict[tuple[str, str], int] = {}
        _record_lines(node, "", key_lines, values=value_lines)
        data = loader.construct_document(node)
        yield YamlDocument(data, node.start_mark.line + 1, key_lines, value_lines)


def python_documents(text: str) -> list[YamlDocument]:
    """The documents of ``text`` read by PyYAML's pure-Python loader, which refuses
    an alias before composing it; raises as ``read_yaml_documents``."""
    try:  # the reader refuses control characters (NUL...) before any parsing
        loader = _NoAliasLoader(text)
    except ReaderError as exc:
        where = text.count("\n", 0, exc.position) + 1
        raise YamlSourceError(f"YAML error: {exc.reason} ({_char(exc.character)})", where) from exc
    documents: list[YamlDocument] = []
    try:
        documents.extend(_composed(loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSourceError(f"YAML syntax error: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"YAML error: {exc}") from exc
    except RecursionError as exc:  # named where the reader stopped: inside the nesting
        line = loader.line + 1 if isinstance(getattr(loader, "line", None), int) else None
        raise YamlSourceError("YAML nesting too deep", line) from exc
    finally:
        loader.dispose()
    return documents
