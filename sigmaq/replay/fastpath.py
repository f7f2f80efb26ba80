"""Feed record lists to a ``ReplayEngine`` decoding only what dispatch reads.

Most records of an archive match no rule, and the engine's index rejects them by their
``eventSource``/``eventName`` (and a few guard fields). So each undecoded record of a
``RawRecords`` list is first decoded into a small typed ``msgspec`` struct holding just
those fields (eventName, eventSource, eventTime and each guard path); the
record is decoded in full (``readers.decode_json``, the decoder every reader uses) only
when some rule is a candidate for it, and an ``EventRef`` is built only when a rule
matches. A record the small struct cannot type (a list where a string is expected, no
eventTime, a flat ``"userIdentity.type"`` key holding a value...) takes the full path
(``readers.record_outcomes`` + ``ReplayEngine.feed``), so findings and counters are
exactly those of ``read_file`` + ``feed`` (``tests/unit/test_fastpath.py`` compares
them over every fixture, the baseline, the external data and records built to be odd).
One documented difference, on hostile records only: the nesting limit, and the UTF-8
and the number ranges (``1e400``, integers over 4300 digits) of parts the head skips,
are checked when a record is decoded in full, so a record that is never decoded in full
(no rule is a candidate for it, the pre-filters rule out every candidate, or ``keeps``
leaves it out of the time range) that nests too deeply, or hides such text in a field
no rule reads, is counted as read (and evaluated or filtered out) here and as
malformed by ``read_file`` (no finding differs: no rule could match it). A record
decoded in full and found malformed is counted as ``read_file`` counts it: malformed
only.

Pre-filters: the top-level tests a rule's every match passes (``CompiledRule.required``,
such as ``userAgent|contains`` beside a ``readOnly: false`` guard) are read from the
head too (those fields are typed as JSON scalars: a list or an object there fails to
type) and drop the candidates they rule out before the record is decoded in full.

Why this is exact: dispatch is a pre-filter whose answer depends only on the values
``RuleIndex.candidates`` reads; the struct reads the same keys with the same decoder
(last duplicate wins in both), declares every dotted alternative of a guard path
(``fields.py``: ``a.b`` also names a flat ``"a.b"`` key) as a field that only ``null``
may fill, and accepts only the value types whose index keys it computes like the
index does (strings, booleans, null); anything else fails to type and goes the full way.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import repeat
from typing import Annotated, Any, Union, cast

import msgspec

from sigmaq.core.model import EventRef, Finding
from sigmaq.replay.engine import ReplayEngine, RuleSlot
from sigmaq.replay.limits import DEFAULT_LIMITS, ReadLimits, deeper_than
from sigmaq.replay.readers import (
    RawRecords,
    ReadStats,
    decode_json,
    note_oversized,
    parse_event_time,
    record_outcomes,
)

__all__ = ["FastFeeder", "MatchCallback"]

UNSET: Any = msgspec.UNSET
_Scalar = Union[str, int, float, bool, None]  # noqa: UP007 - a runtime type for msgspec
_Guarded = Union[str, bool, None]  # noqa: UP007

MatchCallback = Callable[[dict[str, Any], list[Finding]], None]
"""Called with a record (decoded in full) and the single-event findings it produced."""
TimeFilter = Callable[[datetime | None], bool]
Probe = Callable[[Any], Any]


def _level(name: str, tails: list[tuple[str, ...]]) -> dict[str, Any]:
    """Field types of one object level of the guard paths (``tails``: each path's
    remaining segments here). A first segment is a field (a nested struct for a
    continuing path, a string/boolean/null leaf otherwise); every dotted join of
    segments is a field that only null may fill."""
    fields: dict[str, Any] = {}
    children: dict[str, list[tuple[str, ...]]] = {}
    for tail in tails:
        if len(tail) == 1:
            fields[tail[0]] = _Guarded
        else:
            children.setdefault(tail[0], []).append(tail[1:])
        for end in range(2, len(tail) + 1):
            fields[".".join(tail[:end])] = None
    for key, rests in children.items():
        if fields.get(key) is _Guarded:  # a leaf and an object level at once
            fields[key] = Any
            continue
        inner = _struct(f"{name}_{len(fields)}", _level(f"{name}_{len(fields)}", rests))
        fields[key] = Union[inner, str, int, float, bool, None]  # noqa: UP007
    return fields


def _struct(name: str, fields: Mapping[str, Any], required: int = 0) -> Any:
    """A struct declaring ``fields`` (JSON key -> type) under attributes ``f0``..;
    the first ``required`` have no default, the others default to UNSET."""
    attrs = [
        (f"f{i}", kind, msgspec.NODEFAULT if i < required else UNSET)
        for i, kind in enumerate(fields.values())
    ]
    rename = {f"f{i}": key for i, key in enumerate(fields)}
    return msgspec.defstruct(name, attrs, rename=rename, gc=False)


def _head_type(guard_paths: Iterable[str], scalars: Iterable[str] = ()) -> Any:
    """The head struct: eventName (``f0``, required, a non-empty string), eventTime
    (``f1``), eventSource (``f2``), then the guard paths' levels, then ``scalars``
    (top-level fields the rules' pre-filters read, typed as JSON scalars: a list or an
    object there does not type, and the record takes the full path). (eventID is read
    from the record decoded in full, once a rule matched.)"""
    fields: dict[str, Any] = {
        "eventName": Annotated[str, msgspec.Meta(min_length=1)],
        "eventTime": _Scalar,
        "eventSource": Union[str, None],  # noqa: UP007
    }
    guards = _level("Guards", [tuple(path.split(".")) for path in guard_paths])
    for key, kind in guards.items():
        fields.setdefault(key, kind)
    for key in scalars:
        fields.setdefault(key, _Scalar)
    return _struct("Head", fields, required=1)


Prefilter = tuple[tuple[Callable[[Any], Any], Callable[[Any], bool]], ...]
# fields whose tests the dispatch by eventSource/eventName already answers for most rules
_DISPATCHED = frozenset({"eventSource", "eventName"})


def _prefilters(head: Any, slots: Iterable[RuleSlot]) -> dict[int, Prefilter]:
    """id(slot) -> (read the field from a head, the rule's test of it) for each rule
    with ``CompiledRule.required`` tests the head can read: scalar top-level fields
    (a guard field typed string/boolean/null is one too)."""
    readable: dict[str, Callable[[Any], Any]] = {}
    for field_info in msgspec.structs.fields(head):
        kinds = getattr(field_info.type, "__args__", (field_info.type,))
        if all(kind in (str, int, float, bool, type(None)) for kind in kinds):
            readable[str(field_info.encode_name)] = operator.attrgetter(field_info.name)
    found: dict[int, Prefilter] = {}
    for slot in slots:
        tests = tuple(
            (readable[name], test)
            for name, test in slot.compiled.required
            if name in readable and name not in _DISPATCHED
        )
        if tests:
            found[id(slot)] = tests
    return found


def _passes(tests: Prefilter, head: Any) -> bool:
    """True unless the head shows the rule cannot match (an absent field fails)."""
    for read, test in tests:
        value = read(head)
        if value is UNSET or not test(value):
            return False
    return True


_UNSURE: Any = object()  # a value the head cannot key like the index: take the full path


def _attr_of(struct: Any, key: str) -> str:
    for field_info in msgspec.structs.fields(struct):
        if field_info.encode_name == key:
            return str(field_info.name)
    raise KeyError(key)  # pragma: no cover - the struct was built from the same paths


def _probe(head: Any, table: Sequence[tuple[str, Mapping[str, tuple[RuleSlot, ...]]]]) -> Probe:
    """One function reading every guard path of ``table`` from a head and returning the
    rules their values admit (as ``RuleIndex.candidates`` would), or ``_UNSURE`` when a
    value is one the index would look into (a list, an object not typed as a struct, a
    number): the record then takes the full path. Generated once per engine: the hot
    loop calls it once per record."""
    lines = ["def probe(head):", "    extra = ()"]
    scope: dict[str, Any] = {"UNSET": UNSET, "UNSURE": _UNSURE, "Struct": msgspec.Struct}
    for number, (path, keyed) in enumerate(table):
        scope[f"keyed{number}"] = keyed
        segments = path.split(".")
        lines.append(f"    v = head.{_attr_of(head, segments[0])}")
        for _segment in segments[1:]:
            lines += [
                "    if isinstance(v, Struct):",
                f"        v = getattr(v, ATTRS{number}.get(type(v), '_'), UNSET)",
                "    elif type(v) is dict or type(v) is list:",
                "        return UNSURE",
                "    elif v is not UNSET:",
                "        v = UNSET",
            ]
        lines += [
            "    if type(v) is str:",
            f"        hit = keyed{number}.get(v.lower())",
            "    elif type(v) is bool:",
            f"        hit = keyed{number}.get('true' if v else 'false')",
            "    elif v is None or v is UNSET:",
            "        hit = None",
            "    else:",
            "        return UNSURE",
            "    if hit:",
            "        extra += hit",
        ]
    lines.append("    return extra")
    for number, (path, _) in enumerate(table):
        scope[f"ATTRS{number}"] = _level_attrs(head, path.split("."))
    # generated from the rules' field paths as attribute names f0.., no record text
    exec("\n".join(lines), scope)
    return cast(Probe, scope["probe"])


def _level_attrs(head: Any, segments: list[str]) -> dict[Any, str]:
    """For one guard path: struct type at each nested level -> attribute of the next
    segment (a level and its type are found by walking the head's field types)."""
    found: dict[Any, str] = {}
    kinds = [head]
    for segment in segments:
        following: list[Any] = []
        for kind in kinds:
            for field_info in msgspec.structs.fields(kind):
                if field_info.encode_name != segment:
                    continue
                if kind is not head:
                    found[kind] = str(field_info.name)
                following.extend(_structs_of(field_info.type))
        kinds = following
    return found


def _structs_of(kind: Any) -> list[Any]:
    members = getattr(kind, "__args__", (kind,))
    return [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]


def _make_ref(
    source: str, position: int, event: Mapping[str, Any], event_time: datetime | None
) -> EventRef:
    event_id = event.get("eventID")
    return EventRef(
        source=source,
        position=position,
        event_id=event_id if type(event_id) is str and event_id else None,
        event_time=event_time,
    )


def _vector_getter(head: Any, path: str) -> Callable[[list[Any]], Iterable[Any]] | None:
    """A C-level reader of one guard path over a list of heads (``attrgetter`` and
    ``getattr`` mapped level by level), or None when the path cannot be read that way
    (its leaf may hold a value other than a string, boolean or null)."""
    segments = path.split(".")
    if segments[0] in ("eventName", "eventTime", "eventSource"):
        return None
    attrs: list[str] = []
    kind = head
    for number, segment in enumerate(segments):
        field_info = next(f for f in msgspec.structs.fields(kind) if f.encode_name == segment)
        attrs.append(str(field_info.name))
        if number == len(segments) - 1:
            if field_info.type is not _Guarded:
                return None
        else:
            structs = _structs_of(field_info.type)
            if len(structs) != 1:
                return None
            kind = structs[0]
    first = operator.attrgetter(attrs[0])

    def read(heads: list[Any]) -> Iterable[Any]:
        values: Iterable[Any] = map(first, heads)
        for attr in attrs[1:]:  # a scalar level has no such attribute: UNSET
            values = map(getattr, values, repeat(attr), repeat(UNSET))
        return values

    return read


_NAME = operator.attrgetter("f0")
_TIME = operator.attrgetter("f1")
_SOURCE = operator.attrgetter("f2")
MAX_CACHED = 100_000  # distinct keys cached per table (bounded on crafted input)


def _guard_hits(value: Any, keyed: Mapping[str, tuple[RuleSlot, ...]]) -> tuple[RuleSlot, ...]:
    if type(value) is str:
        return keyed.get(value.lower(), ())
    if type(value) is bool:
        return keyed.get("true" if value else "false", ())
    return ()


def _decode_in_full(
    raw: msgspec.Raw, source: str, position: int, stats: ReadStats, max_depth: int
) -> dict[str, Any] | None:
    """A record decoded in full, or None when that shows it malformed: nested deeper
    than ``max_depth``, or invalid text in a part the head skipped (the head decoder
    does not validate what it skips, such as the UTF-8 of an unread string). For None,
    ``malformed`` is counted with a problem; the caller takes back what it counted for
    the record as read (``records_read``, ``invalid_event_time``, evaluated), as
    ``read_file`` counts a malformed record as nothing else."""
    problem = None
    if deeper_than(raw, max_depth):
        problem = f"nested deeper than {max_depth} levels"
    else:
        try:
            event = decode_json(raw)
        except (msgspec.DecodeError, RecursionError) as err:
            problem = f"invalid JSON: {err}"
        else:
            if type(event) is dict:
                return event
            problem = "not a JSON object"  # pragma: no cover - the head typed an object
    stats.malformed += 1
    stats.add_problem(source, None, f"record {position}: {problem}")
    return None


class FastFeeder:
    """Feeds ``RawRecords`` to ``engine`` (see the module docstring).

    ``limits``: the readers' limits (record size and nesting are checked as
    ``read_file`` checks them). Build once per engine; not thread-safe.
    """

    def __init__(self, engine: ReplayEngine, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self.engine = engine
        self.limits = limits
        index = engine.index
        self._guard_table = index.guard_table
        scalars = {
            name
            for slot in engine.slots
            for name, _ in slot.compiled.required
            if name not in _DISPATCHED and name != "eventTime"
        }
        head = _head_type((path for path, _ in self._guard_table), sorted(scalars))
        self._prefilter = _prefilters(head, engine.slots)
        self._filtered: dict[int, tuple[Sequence[RuleSlot], tuple[Any, ...]]] = {}
        self._decode = msgspec.json.Decoder(head).decode
        self._probe = _probe(head, self._guard_table) if self._guard_table else None
        self._heads_of_delivery = msgspec.json.Decoder(
            msgspec.defstruct("Heads", [("Records", list[head])])  # type: ignore[valid-type]
        ).decode
        self._heads_of_array = msgspec.json.Decoder(list[head]).decode  # type: ignore[valid-type]
        getters = [_vector_getter(head, path) for path, _ in self._guard_table]
        self._vector_guards: list[tuple[Callable[[list[Any]], Iterable[Any]], Any]] | None = (
            None
            if any(g is None for g in getters)
            else [(g, keyed) for g, (_, keyed) in zip(getters, self._guard_table, strict=True) if g]
        )
        self._dispatch: dict[tuple[Any, ...], Sequence[RuleSlot]] = {}

    def feed(
        self,
        batch: RawRecords,
        stats: ReadStats,
        on_match: MatchCallback,
        keeps: TimeFilter | None = None,
    ) -> tuple[int, int]:
        """Count, dispatch and evaluate every item of ``batch``; call ``on_match`` for
        each record that produced single-event findings. ``keeps``: a filter on the
        parsed eventTime (records it refuses are counted, not evaluated). Returns
        (records evaluated, records filtered out).

        The heads of all items are decoded in one call and dispatched with C-level
        maps over the list (Python runs per candidate record only); a batch where one
        item does not type as a head is fed item by item instead.
        """
        heads = self._all_heads(batch)
        if heads is None:
            return self._feed_each(batch, stats, on_match, keeps)
        times = list(map(_TIME, heads))
        moments = {value: parse_event_time(value) for value in set(times)}
        if UNSET in moments:  # a record without eventTime: the shape checks decide
            return self._feed_each(batch, stats, on_match, keeps)
        engine = self.engine
        source = batch.source
        items = batch.items
        count = len(heads)
        limits = self.limits
        # sizes: one max over the list; the per-record check only when it can matter
        if max(map(len, items), default=0) > limits.record_bytes:
            for position, raw in enumerate(items, batch.start):
                if len(raw) > limits.record_bytes:
                    note_oversized(stats, source, position, len(raw), limits)
        bad = {value for value, moment in moments.items() if moment is None}
        stats.records_read += count
        if bad:
            stats.invalid_event_time += sum(map(bad.__contains__, times))
        wanted: Iterable[bool] = repeat(True)
        filtered = 0
        if keeps is not None:
            kept = [keeps(moments[value]) for value in times]
            filtered = count - sum(kept)
            wanted = kept
        # One dispatch key per record: eventSource, eventName and every guard value;
        # the rules each distinct key admits are computed once (``_dispatch``).
        columns: list[Iterable[Any]] = [map(_SOURCE, heads), map(_NAME, heads)]
        columns += [read(heads) for read, _ in self._vector_guards or ()]
        keys = list(zip(*columns, strict=True))
        table = self._dispatch
        found: list[Any] = list(map(table.get, keys))
        if None in found:  # keys met for the first time (a C-level scan)
            if len(table) > MAX_CACHED:
                table.clear()
            for offset, candidates in enumerate(found):
                if candidates is None:
                    key = keys[offset]
                    answer = table.get(key)
                    if answer is None:
                        answer = table[key] = self._candidates_for(key)
                    found[offset] = answer
        chosen = itertools.compress(range(count), map(operator.and_, map(bool, found), wanted))
        start = batch.start
        max_depth = limits.max_depth
        plans = self._filtered
        malformed = 0  # counted as read and evaluated above, malformed once decoded in full
        for offset in chosen:
            candidates = found[offset]
            plan = plans.get(id(candidates))
            if plan is None or plan[0] is not candidates:
                plan = plans[id(candidates)] = self._plan(candidates)
            if plan[1]:  # pre-filters: drop the rules the head shows cannot match
                head = heads[offset]
                candidates = [
                    slot for slot, tests in plan[1] if tests is None or _passes(tests, head)
                ]
                if not candidates:
                    continue
            raw = items[offset]
            position = start + offset
            event = _decode_in_full(raw, source, position, stats, max_depth)
            moment = moments[times[offset]]
            if event is None:
                malformed += 1
                stats.records_read -= 1
                if moment is None:
                    stats.invalid_event_time -= 1
                continue
            matched = engine.feed_candidates(
                event, candidates, partial(_make_ref, source, position, event, moment)
            )
            if matched:
                on_match(event, matched)
        return count - filtered - malformed, filtered

    def _plan(self, candidates: Sequence[RuleSlot]) -> tuple[Sequence[RuleSlot], tuple[Any, ...]]:
        """(candidates, each with its pre-filter or None), or (candidates, ()) when none
        of them has one. Kept per candidate list (bounded like the dispatch table)."""
        if len(self._filtered) >= MAX_CACHED:
            self._filtered.clear()
        checks = tuple((slot, self._prefilter.get(id(slot))) for slot in candidates)
        if all(tests is None for _, tests in checks):
            checks = ()
        return candidates, checks

    def _candidates_for(self, key: tuple[Any, ...]) -> Sequence[RuleSlot]:
        """The rules a dispatch key admits: ``RuleIndex.lookup`` by eventSource and
        eventName plus the guarded rules each guard value admits, in the rules' order."""
        index = self.engine.index
        source_value, name = key[0], key[1]
        found = index.lookup(None if source_value is UNSET else source_value, name)
        extra: tuple[RuleSlot, ...] = ()
        for value, (_, keyed) in zip(key[2:], self._vector_guards or (), strict=True):
            extra += _guard_hits(value, keyed)
        return index.merged(found, extra) if extra else found

    def _all_heads(self, batch: RawRecords) -> list[Any] | None:
        """Every item's head, decoded in one call, or None when that is not possible
        (no document, guards that need per-record reading, an item that does not type)."""
        if batch.document is None or self._vector_guards is None or batch.start:
            return None
        try:
            if batch.delivery:
                envelope: Any = self._heads_of_delivery(batch.document)
                heads: list[Any] = envelope.Records
            else:
                heads = self._heads_of_array(batch.document)
        except (msgspec.DecodeError, RecursionError):
            return None
        return heads if len(heads) == len(batch.items) else None

    def _feed_each(
        self,
        batch: RawRecords,
        stats: ReadStats,
        on_match: MatchCallback,
        keeps: TimeFilter | None = None,
    ) -> tuple[int, int]:
        """``feed`` item by item: each item's head decoded on its own, and an item that
        does not type (or lacks eventTime) takes the full path."""
        engine = self.engine
        index = engine.index
        lookup = index.lookup
        merged = index.merged
        probe = self._probe
        decode = self._decode
        limits = self.limits
        source = batch.source
        record_bytes = limits.record_bytes
        max_depth = limits.max_depth
        check_size = max(map(len, batch.items), default=0) > record_bytes
        times: dict[Any, datetime | None] = {}
        extra: tuple[RuleSlot, ...] = ()
        evaluated = filtered = read = invalid = 0
        for position, raw in enumerate(batch.items, batch.start):
            try:
                head = decode(raw)
            except (msgspec.DecodeError, RecursionError):
                head = None
            if head is not None and probe is not None:
                extra = probe(head)
                if extra is _UNSURE:
                    head = None
            if head is None or head.f1 is UNSET:
                # not typed by the head struct: the full path decides
                for record, ref in record_outcomes(raw, source, position, stats, limits):
                    if keeps is not None and not keeps(ref.event_time):
                        filtered += 1
                        continue
                    evaluated += 1
                    found = engine.feed(record, ref)
                    if found:
                        on_match(record, found)
                continue
            read += 1
            if check_size and len(raw) > record_bytes:
                note_oversized(stats, source, position, len(raw), limits)
            moment = times.get(head.f1, UNSET)
            if moment is UNSET:
                moment = times[head.f1] = parse_event_time(head.f1)
            if moment is None:
                invalid += 1
            if keeps is not None and not keeps(moment):
                filtered += 1
                continue
            evaluated += 1
            source_value = head.f2
            candidates: Any = lookup(None if source_value is UNSET else source_value, head.f0)
            if extra:
                candidates = merged(candidates, extra)
            if not candidates:
                continue
            event = _decode_in_full(raw, source, position, stats, max_depth)
            if event is None:  # malformed: not read, not evaluated
                read -= 1
                evaluated -= 1
                if moment is None:
                    invalid -= 1
                continue
            found = engine.feed_candidates(
                event, candidates, partial(_make_ref, source, position, event, moment)
            )
            if found:
                on_match(event, found)
        stats.records_read += read
        stats.invalid_event_time += invalid
        return evaluated, filtered
