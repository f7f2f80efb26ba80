"""Field-path resolution over one CloudTrail record (a decoded JSON object).

A Sigma field name such as ``requestParameters.applicationId`` is a dotted path
into the record. The rules, decided here once for the whole replay engine
(docs/replay-semantics.md, "Field paths"):

* Field names are case-sensitive: ``accountId`` does not find ``accountid``
  (JSON keys are case-sensitive, and so are Splunk and Elastic field names).
* Each dot may be a level of nesting *or* part of a key: a value is found under
  every way of splitting the path into existing keys, nested keys first. So
  ``a.b`` finds ``{"a": {"b": 1}}`` and ``{"a.b": 1}``. CloudTrail keys contain
  hyphens and colons (``idc-application-arn``) but rarely dots; this keeps such
  keys reachable without an escape syntax.
* A list met on the path expands: every element is walked with the rest of the
  path (``resources.ARN`` reads the ``ARN`` of every element of ``resources``).
  Matching then succeeds when *any* value matches; two conditions on the same
  list are not tied to the same element (per-element scoping is not Sigma).
* A list at the end of the path yields its elements (nested lists flattened);
  JSON ``null`` yields ``None``; a missing key, or a scalar where the path
  continues, yields nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["FieldPath", "compile_path", "has_field", "resolve", "scalar_leaves"]

_MISSING: Any = object()


def _is_mapping(obj: object) -> bool:
    # dict first: decoders produce dicts, and the ABC check is slower.
    return type(obj) is dict or isinstance(obj, Mapping)


def _emit(value: Any, out: list[Any]) -> None:
    if type(value) is list:
        for element in value:
            _emit(element, out)
    else:
        out.append(value)


@dataclass(frozen=True)
class FieldPath:
    """A dotted Sigma field name compiled for repeated resolution.

    Attributes:
        path: the field name as written in the rule.
        segments: the path split at dots.
    """

    path: str
    segments: tuple[str, ...]
    # steps[i]: (key, next segment index) candidates from segment i, nested keys first.
    _steps: tuple[tuple[tuple[str, int], ...], ...] = field(repr=False, compare=False)
    values: Callable[[Mapping[str, Any]], list[Any]] = field(repr=False, compare=False)

    def exists(self, event: Mapping[str, Any]) -> bool:
        """True when the path names a key present in ``event`` (its value may be null)."""
        return self._exists(event, 0)

    def _exists(self, obj: Any, index: int) -> bool:
        if index == len(self.segments):
            return True
        if _is_mapping(obj):
            for key, nxt in self._steps[index]:
                if key in obj and self._exists(obj[key], nxt):
                    return True
            return False
        if type(obj) is list:
            return any(self._exists(element, index) for element in obj)
        return False

    def _walk(self, obj: Any, index: int, out: list[Any]) -> None:
        if index == len(self.segments):
            _emit(obj, out)
        elif _is_mapping(obj):
            for key, nxt in self._steps[index]:
                value = obj.get(key, _MISSING)
                if value is not _MISSING:
                    self._walk(value, nxt, out)
        elif type(obj) is list:
            for element in obj:
                self._walk(element, index, out)


def _build(path: str) -> FieldPath:
    segments = tuple(path.split("."))
    n = len(segments)
    steps = tuple(
        tuple((".".join(segments[i:j]), j) for j in range(i + 1, n + 1)) for i in range(n)
    )
    holder: list[FieldPath] = []

    if n == 1:
        key = segments[0]

        def values(event: Mapping[str, Any]) -> list[Any]:
            value = event.get(key, _MISSING)
            if value is _MISSING:
                return []
            if type(value) is list:
                out: list[Any] = []
                _emit(value, out)
                return out
            return [value]
    else:
        # Dotted alternatives per level ("a.b" as one key): when none is present and
        # no list is met, the plain nested walk is the only resolution, so take it
        # with flat dict lookups and fall back to the general walk otherwise.
        alternatives = tuple(tuple(key for key, _ in step[1:]) for step in steps)
        plain = tuple(zip(segments, alternatives, strict=True))

        def general(event: Mapping[str, Any]) -> list[Any]:
            out: list[Any] = []
            holder[0]._walk(event, 0, out)
            return out

        def values(event: Mapping[str, Any]) -> list[Any]:
            obj: Any = event
            for segment, dotted in plain:
                if type(obj) is not dict:
                    return general(event)
                for key in dotted:
                    if key in obj:
                        return general(event)
                obj = obj.get(segment, _MISSING)
                if obj is _MISSING:
                    return []
            if type(obj) is list:
                out: list[Any] = []
                _emit(obj, out)
                return out
            return [obj]

    compiled = FieldPath(path=path, segments=segments, _steps=steps, values=values)
    holder.append(compiled)
    return compiled


@lru_cache(maxsize=4096)
def compile_path(path: str) -> FieldPath:
    """Compile (and cache) a dotted field name; see the module docstring for the rules."""
    return _build(path)


def resolve(event: Mapping[str, Any], path: str) -> list[Any]:
    """Leaf values at dotted ``path`` in ``event``.

    A list met on the path expands (any element may match); a list leaf yields its
    elements; JSON null yields ``[None]``; a missing path yields ``[]``. Objects
    at the end of the path are returned as they are (no string value matches them).
    """
    if not _is_mapping(event):
        return []
    return compile_path(path).values(event)


def has_field(event: Mapping[str, Any], path: str) -> bool:
    """True when the key at ``path`` exists in ``event``, even if its value is null.

    Through a list, true when any element has it (Sigma ``|exists``).
    """
    if not _is_mapping(event):
        return False
    return compile_path(path).exists(event)


def scalar_leaves(obj: Any) -> Iterator[Any]:
    """Every non-null scalar (str, number, bool) in ``obj``, depth first; keys are not yielded.

    Used by keyword (field-less) detections, which search the whole record.
    """
    if _is_mapping(obj):
        for value in obj.values():
            yield from scalar_leaves(value)
    elif type(obj) is list:
        for element in obj:
            yield from scalar_leaves(element)
    elif obj is not None:
        yield obj
