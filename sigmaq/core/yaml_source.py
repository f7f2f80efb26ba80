"""Safe YAML reading for rule files: line numbers kept, aliases refused.

PyYAML's safe loader accepts anchors and aliases, so a small file can expand
into an enormous structure once pySigma walks it (the "billion laughs" alias
bomb). Sigma rules have no use for aliases, so any alias is refused at compose
time, before anything is expanded. Duplicate mapping keys, which YAML silently
collapses to the last value, are refused too. Timestamps stay strings so that
an impossible date becomes a pySigma date error with a line, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

MAX_RULE_FILE_BYTES = 1024 * 1024
MAX_NODES = 50_000


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
_NoAliasLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """One YAML document: its data and the 1-based line of each key path.

    ``key_lines`` maps dotted key paths (``detection.selection.eventName``) to
    the line where the key is written; ``line`` is the document's first line.
    """

    data: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, *candidates: str) -> int:
        """Line of the first candidate key path present, else the document line."""
        for key in candidates:
            if key in self.key_lines:
                return self.key_lines[key]
        return self.line


def _record_lines(node: Node, prefix: str, out: dict[str, int], depth: int = 0) -> None:
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
            _record_lines(value_node, path, out, depth + 1)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _record_lines(item, prefix, out, depth + 1)


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
    try:  # the reader refuses control characters (NUL...) before any parsing
        loader = _NoAliasLoader(text)
    except ReaderError as exc:
        where = text.count("\n", 0, exc.position) + 1
        raise YamlSourceError(f"YAML error: {exc.reason} ({_char(exc.character)})", where) from exc
    documents: list[YamlDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            key_lines: dict[str, int] = {}
            _record_lines(node, "", key_lines)
            data = loader.construct_document(node)
            documents.append(YamlDocument(data, node.start_mark.line + 1, key_lines))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSourceError(f"YAML syntax error: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"YAML error: {exc}") from exc
    except RecursionError as exc:
        raise YamlSourceError("YAML nesting too deep") from exc
    finally:
        loader.dispose()
    return documents
