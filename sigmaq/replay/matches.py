"""Columnar storage of the base-rule matches kept for correlations.

Correlations are evaluated once every file is read (archives arrive out of time
order), so each base-rule match a correlation may use is kept until then: on an
attack-dense archive that is hundreds of thousands of matches. One Python object per
match (a reference, a datetime, an eventID string, a tuple of field values) costs
about 0.6 KB; here a match is one row of typed arrays, about 57 bytes:

* ``eventTime`` as integer microseconds since the Unix epoch (exact for CloudTrail's
  second and millisecond stamps; a float would round);
* the file (an id in a shared ``Interner`` of paths) and the record's position in it;
* the ``eventID``, packed to 16 bytes when it is a canonical lower-case UUID (what
  CloudTrail writes), else as UTF-8 in a side blob (``EventIdColumn``);
* the recorded field values and the caller's annotation, each an id in a shared
  ``Interner`` (principals, accounts and addresses repeat across matches);
* the event's number in the engine (``MatchTables.events``): every rule's row for one
  record shares it, so the record's ``EventRef`` is built once, when a correlation
  finding first needs it, and shared by every finding that lists the record.

Redelivered events (same ``eventID`` twice for one rule) are dropped by ``dedupe``
when the correlations run, not while recording: no set of every eventID is held.
"""

from __future__ import annotations

import re
import struct
from array import array
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from sigmaq.core.model import EventRef

T = TypeVar("T", bound=Hashable)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of a tz-aware ``moment`` (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """The UTC datetime ``to_micros`` came from (exact)."""
    return EPOCH + timedelta(microseconds=micros)


class Interner(Generic[T]):
    """Distinct values numbered in order of first sight: ``id(value)`` and ``[id]``."""

    __slots__ = ("_ids", "values")

    def __init__(self) -> None:
        self._ids: dict[T, int] = {}
        self.values: list[T] = []

    def id(self, value: T) -> int:
        """The number of ``value``, assigning the next one on first sight. A value that
        cannot be hashed (a JSON object inside field values) gets a number of its own
        each time: kept exactly, only not shared."""
        try:
            number = self._ids.get(value)
        except TypeError:
            self.values.append(value)
            return len(self.values) - 1
        if number is None:
            number = self._ids[value] = len(self.values)
            self.values.append(value)
        return number

    def __getitem__(self, number: int) -> T:
        return self.values[number]

    def __len__(self) -> int:
        return len(self.values)


class SharedInterner(Interner[T]):
    """An ``Interner`` that finds the very object it numbered first by identity before
    hashing (for callers that share equal values, such as hunt's event annotations:
    the same object comes again and again, and a tuple's hash is recomputed on every
    lookup)."""

    __slots__ = ("_objects",)

    def __init__(self) -> None:
        super().__init__()
        self._objects: dict[int, int] = {}  # id() of an object in values -> its number

    def id(self, value: T) -> int:
        number = self._objects.get(id(value))
        if number is not None and self.values[number] is value:
            return number
        number = super().id(value)
        if self.values[number] is value:  # kept alive by values: its id() stays its own
            self._objects[id(value)] = number
        return number


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def pack_uuid(event_id: str) -> bytes | None:
    """16 bytes of a canonical lower-case UUID string, or None for any other string.

    ``unpack_uuid(pack_uuid(s)) == s`` whenever the result is not None.
    """
    if _CANONICAL_UUID.fullmatch(event_id) is None:
        return None
    return bytes.fromhex(event_id.replace("-", ""))


def unpack_uuid(packed: bytes) -> str:
    """The canonical string form of 16 packed bytes."""
    h = packed.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UUID, _OTHER, _NONE = 0, 1, 2
_SPAN = struct.Struct("<QQ")  # (offset, length) of a non-UUID eventID in the blob


_ZEROS = bytes(16)


def encode_event_id(event_id: str | None) -> tuple[int, bytes, bytes]:
    """(kind, 16 packed bytes, UTF-8 text) of one eventID for ``EventIdColumn``."""
    if event_id is None:
        return (_NONE, _ZEROS, b"")
    packed = pack_uuid(event_id)
    if packed is not None:
        return (_UUID, packed, b"")
    return (_OTHER, _ZEROS, event_id.encode("utf-8", "surrogatepass"))


class RowStamp(NamedTuple):
    """What the rows of every rule matching one event share, computed once per event:
    eventTime (µs), file id, position, the encoded eventID, the annotation id, the
    event's number in ``MatchTables.events``."""

    micros: int
    source: int
    position: int
    id_kind: int
    id_packed: bytes
    id_text: bytes
    note: int
    event: int


def stamp(tables: MatchTables, ref: EventRef, micros: int, note: Hashable) -> RowStamp:
    """The ``RowStamp`` of the event ``ref`` points to (``micros``: its eventTime);
    numbers the event in ``tables.events``."""
    kind, packed, text = encode_event_id(ref.event_id)
    return RowStamp(
        micros,
        tables.sources.id(ref.source),
        ref.position,
        kind,
        packed,
        text,
        tables.notes.id(note),
        tables.events.number(),
    )


class EventIdColumn:
    """eventIDs, one per row, about 17 bytes each.

    Per row a kind byte and 16 bytes: a canonical lower-case UUID packed (what
    CloudTrail writes), or for any other string its (offset, length) in a UTF-8 blob
    (lone surrogates kept), or nothing for a record without an eventID.
    """

    __slots__ = ("blob", "kinds", "packed")

    def __init__(self) -> None:
        self.kinds = bytearray()
        self.packed = bytearray()
        self.blob = bytearray()

    def __len__(self) -> int:
        return len(self.kinds)

    def append(self, event_id: str | None) -> None:
        self.append_encoded(*encode_event_id(event_id))

    def append_encoded(self, kind: int, packed: bytes, text: bytes) -> None:
        """Append what ``encode_event_id`` returned (computed once per event)."""
        self.kinds.append(kind)
        if kind == _OTHER:
            self.packed += _SPAN.pack(len(self.blob), len(text))
            self.blob += text
        else:
            self.packed += packed

    def _raw(self, row: int) -> bytes:
        return bytes(self.packed[16 * row : 16 * row + 16])

    def _encoded(self, row: int) -> tuple[int, bytes, bytes]:
        """Row ``row`` as ``encode_event_id`` gave it (bytes copied, nothing decoded)."""
        kind = self.kinds[row]
        if kind != _OTHER:
            return (kind, self._raw(row), b"")
        offset, length = _SPAN.unpack_from(self.packed, 16 * row)
        return (kind, _ZEROS, bytes(self.blob[offset : offset + length]))

    def _other(self, row: int) -> str:
        offset, length = _SPAN.unpack_from(self.packed, 16 * row)
        return bytes(self.blob[offset : offset + length]).decode("utf-8", "surrogatepass")

    def __getitem__(self, row: int) -> str | None:
        kind = self.kinds[row]
        if kind == _UUID:
            return unpack_uuid(self._raw(row))
        return self._other(row) if kind == _OTHER else None

    def key(self, row: int) -> Hashable | None:
        """Equal for rows with equal eventIDs; None for a row without one."""
        kind = self.kinds[row]
        if kind == _UUID:
            return self._raw(row)
        return self._other(row) if kind == _OTHER else None

    def select(self, rows: Iterable[int]) -> EventIdColumn:
        """A new column of ``rows`` (in the given order)."""
        chosen = EventIdColumn()
        for row in rows:
            chosen.append_encoded(*self._encoded(row))
        return chosen

    def extend(self, other: EventIdColumn) -> None:
        """Append every row of ``other``."""
        if not other.blob:  # UUIDs and missing ids only: copy the bytes
            self.kinds += other.kinds
            self.packed += other.packed
            return
        for row in range(len(other)):
            self.append_encoded(*other._encoded(row))


class FieldValues(Mapping[str, Sequence[Any]]):
    """A match's recorded fields as a mapping: path -> values, the path index shared."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[tuple[Any, ...], ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, path: str) -> Sequence[Any]:
        return self._values[self._index[path]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class EventTable:
    """The events recorded rows point to, by number (``RowStamp.event``): each event's
    ``EventRef``, built on first use and then shared (one object per record, however
    many rules and correlation findings list it), and cached ``eventTime`` datetimes."""

    __slots__ = ("_moments", "refs")

    def __init__(self) -> None:
        self.refs: list[EventRef | None] = []
        self._moments: dict[int, datetime] = {}

    def __len__(self) -> int:
        return len(self.refs)

    def number(self) -> int:
        """Number a new event (its reference not built yet)."""
        self.refs.append(None)
        return len(self.refs) - 1

    def reserve(self, count: int) -> int:
        """Number ``count`` new events at once; returns the first number."""
        first = len(self.refs)
        self.refs.extend([None] * count)
        return first

    def moment(self, micros: int) -> datetime:
        """``from_micros(micros)``, one object per distinct instant (bounded cache)."""
        moment = self._moments.get(micros)
        if moment is None:
            if len(self._moments) >= 65_536:
                self._moments.clear()
            moment = self._moments[micros] = from_micros(micros)
        return moment

    def forget(self) -> None:
        """Drop every built reference and cached instant (findings keep what they hold)."""
        self.refs = [None] * len(self.refs)
        self._moments = {}


@dataclass(frozen=True)
class MatchTables:
    """What one engine's match columns share: interners of paths, field values and
    annotations, and the ``EventTable`` of the events their rows point to."""

    sources: Interner[str]
    values: Interner[tuple[tuple[Any, ...], ...]]
    notes: Interner[Hashable]
    events: EventTable

    @classmethod
    def empty(cls) -> MatchTables:
        """Fresh tables; annotation id 0 is None (no annotation)."""
        tables = cls(Interner(), Interner(), SharedInterner(), EventTable())
        tables.notes.id(None)
        return tables


class MatchColumns:
    """The recorded matches of one base rule, one row per match, in arrival order.

    Row ``i``: ``micros[i]`` (eventTime, µs since epoch), ``sources[i]`` (id in
    ``tables.sources``), ``positions[i]``, ``ids[i]`` (the eventID), ``values[i]``
    (id in ``tables.values``: per path of ``field_index``, its values),
    ``notes[i]`` (id in ``tables.notes``: the caller's annotation) and ``events[i]``
    (the event's number in ``tables.events``). Implements ``correlate.Occurrences``.
    """

    __slots__ = (
        "events",
        "field_index",
        "ids",
        "micros",
        "notes",
        "positions",
        "sources",
        "tables",
        "values",
    )

    def __init__(self, tables: MatchTables, field_index: Mapping[str, int]) -> None:
        self.tables = tables
        self.field_index = field_index
        self.micros = array("q")
        self.sources = array("q")
        self.positions = array("q")
        self.values = array("q")
        self.notes = array("q")
        self.events = array("q")
        self.ids = EventIdColumn()

    def __len__(self) -> int:
        return len(self.micros)

    def append(self, row: RowStamp, values: int) -> None:
        """Add one row: the event's ``stamp`` and its field values' id in ``tables``."""
        micros, source, position, kind, packed, text, note, event = row
        self.micros.append(micros)
        self.sources.append(source)
        self.positions.append(position)
        self.values.append(values)
        self.notes.append(note)
        self.events.append(event)
        self.ids.append_encoded(kind, packed, text)

    def event_key(self, row: int) -> Hashable:
        """A key equal for two rows with the same eventID; rows without an eventID are
        keyed by (file id, position)."""
        key = self.ids.key(row)
        return key if key is not None else (self.sources[row], self.positions[row])

    def time(self, row: int) -> float:
        """eventTime of row ``row`` in epoch seconds."""
        return self.micros[row] / 1_000_000

    def seq(self, row: int) -> int:
        return row

    def fields_keys(self) -> Sequence[Hashable]:
        return self.values

    def fields(self, row: int) -> Mapping[str, Sequence[Any]]:
        """Row ``row``'s recorded values by field path."""
        return FieldValues(self.field_index, self.tables.values[self.values[row]])

    def refs(self, row: int) -> tuple[EventRef, ...]:
        return (self.ref(row),)

    def ref(self, row: int) -> EventRef:
        """The ``EventRef`` of row ``row`` (annotation included): one object per event,
        shared with every other rule's row for it, until ``forget_refs`` (an event is
        often in several correlations' findings)."""
        tables = self.tables
        events = tables.events
        number = self.events[row]
        ref = events.refs[number]
        if ref is None:
            ref = events.refs[number] = EventRef(
                tables.sources[self.sources[row]],
                self.positions[row],
                self.ids[row],
                events.moment(self.micros[row]),
                tables.notes[self.notes[row]],
            )
        return ref

    def forget_refs(self) -> None:
        """Drop the shared ``EventRef`` objects of every column of these tables
        (findings keep the ones they hold)."""
        self.tables.events.forget()

    def dedupe(self) -> int:
        """Drop every row whose eventID an earlier row has; return how many were dropped.

        Rows without an eventID are never duplicates of each other.
        """
        seen: set[Hashable] = set()
        keep: list[int] = []
        for row in range(len(self.micros)):
            key = self.ids.key(row)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            keep.append(row)
        dropped = len(self.micros) - len(keep)
        if dropped:
            for name in ("micros", "sources", "positions", "values", "notes", "events"):
                column: array[int] = getattr(self, name)
                setattr(self, name, array("q", (column[row] for row in keep)))
            self.ids = self.ids.select(keep)
        return dropped

    def extend(
        self, batch: MatchBatch, source: int, values: list[int], notes: list[int], first: int
    ) -> None:
        """Append every row of ``batch`` (one file, id ``source``); ``values``/``notes``
        map the batch's local table ids to ids in ``tables``; ``first``: the number in
        ``tables.events`` of the file's event numbered 0 in the batch."""
        self.micros.extend(batch.micros)
        self.sources.extend([source] * len(batch.micros))
        self.positions.extend(batch.positions)
        self.values.extend(values[local] for local in batch.values)
        self.notes.extend(notes[local] for local in batch.notes)
        self.events.extend(first + local for local in batch.events)
        self.ids.extend(batch.ids)

    def batch(self, rule_id: str, *, untimed: int = 0, ungrouped: int = 0) -> MatchBatch:
        """The rows as a ``MatchBatch`` of rule ``rule_id`` with local tables (every row
        from one file), with the counts of matches not recorded."""
        values: Interner[tuple[tuple[Any, ...], ...]] = Interner()
        notes: Interner[Hashable] = Interner()
        return MatchBatch(
            rule_id=rule_id,
            micros=self.micros,
            positions=self.positions,
            ids=self.ids,
            events=self.events,
            values=array("q", (values.id(self.tables.values[v]) for v in self.values)),
            notes=array("q", (notes.id(self.tables.notes[n]) for n in self.notes)),
            value_table=values.values,
            note_table=notes.values,
            untimed=untimed,
            ungrouped=ungrouped,
        )


@dataclass(frozen=True)
class MatchBatch:
    """One rule's matches from one file, self-contained, cheap to pickle between processes.

    ``rule_id``: the rule the rows belong to (checked by the receiving engine). Columns
    as in ``MatchColumns``; ``values``/``notes`` index ``value_table`` and
    ``note_table``; ``events`` number the file's events from 0 (rows of every rule
    batch of one file share them). ``untimed``/``ungrouped``: matches not recorded (no eventTime; no
    value for any consuming correlation's group-by fields).
    """

    rule_id: str
    micros: array[int]
    positions: array[int]
    ids: EventIdColumn
    events: array[int]
    values: array[int]
    notes: array[int]
    value_table: list[tuple[tuple[Any, ...], ...]]
    note_table: list[Hashable]
    untimed: int = 0
    ungrouped: int = 0

    def __len__(self) -> int:
        return len(self.micros)
