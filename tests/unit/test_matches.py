"""The columnar store of correlation matches: exact round trips, dedupe, hand-over."""

from __future__ import annotations

import pickle
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigmaq.core.model import EventRef
from sigmaq.replay.matches import (
    EventIdColumn,
    MatchColumns,
    MatchTables,
    SharedInterner,
    from_micros,
    pack_uuid,
    stamp,
    to_micros,
    unpack_uuid,
)

UUID_A = "3038ebd2-c98a-4c65-9b6e-e22506292313"
UUID_B = "6e5b1c30-1c1f-4b1a-9c1e-000000000002"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 7, 23, 12, 0, 0, tzinfo=UTC),
        datetime(2025, 7, 23, 12, 0, 0, 123000, tzinfo=UTC),
        datetime(2025, 7, 23, 12, 0, 0, 999999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_microseconds_round_trip_exactly(moment: datetime) -> None:
    assert from_micros(to_micros(moment)) == moment
    assert from_micros(to_micros(moment)).tzinfo is UTC


def test_offsets_and_naive_times_are_the_same_instant() -> None:
    tokyo = datetime(2025, 7, 23, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    assert to_micros(tokyo) == to_micros(datetime(2025, 7, 23, 12, 0, tzinfo=UTC))
    assert to_micros(datetime(2025, 7, 23, 12, 0)) == to_micros(tokyo)


@pytest.mark.parametrize(
    ("text", "packs"),
    [
        (UUID_A, True),
        (UUID_A.upper(), False),  # would come back lower-case: kept as text
        (UUID_A.replace("-", "_"), False),
        (UUID_A[:35] + " ", False),  # fromhex skips whitespace: must not pack
        ("3038ebd2-c98a-4c65-9b6e-e2250629231g", False),
        ("3038ebd2-c98a-4c65-9b6e-e225062923é1", False),
        (UUID_A + "0", False),
        ("", False),
    ],
)
def test_only_canonical_uuids_pack(text: str, packs: bool) -> None:
    packed = pack_uuid(text)
    assert (packed is not None) is packs
    if packed is not None:
        assert len(packed) == 16
        assert unpack_uuid(packed) == text


ODD_IDS = [UUID_A, None, "not-a-uuid", UUID_A.upper(), "\udc80 lone surrogate", "日本語", UUID_B]


def test_event_id_column_keeps_every_kind_of_id() -> None:
    column = EventIdColumn()
    for event_id in ODD_IDS:
        column.append(event_id)
    assert [column[row] for row in range(len(column))] == ODD_IDS
    assert column.key(1) is None
    assert column.key(0) != column.key(3)  # case differs: different eventIDs
    assert column.select([6, 2, 0]).__getitem__(1) == "not-a-uuid"
    both = EventIdColumn()
    both.append("x")
    both.extend(column)  # blob offsets rebased
    assert [both[row] for row in range(len(both))] == ["x", *ODD_IDS]
    uuids_only = EventIdColumn()
    for event_id in (UUID_B, None):
        uuids_only.append(event_id)
    both.extend(uuids_only)  # the byte-copy path
    assert [both[row] for row in range(len(both))][-2:] == [UUID_B, None]


@given(st.lists(st.one_of(st.none(), st.uuids().map(str), st.text(max_size=40)), max_size=40))
def test_event_ids_survive_a_pickled_hand_over(ids: list[str | None]) -> None:
    column = EventIdColumn()
    for event_id in ids:
        column.append(event_id)
    received = EventIdColumn()
    received.append("first")
    received.extend(pickle.loads(pickle.dumps(column)))
    assert [received[row] for row in range(len(received))] == ["first", *ids]


def _columns(tables: MatchTables) -> MatchColumns:
    return MatchColumns(tables, {"userIdentity.arn": 0})


T0 = datetime(2025, 7, 23, 12, 0, tzinfo=UTC)


def _fill(columns: MatchColumns, rows: list[tuple[int, str | None, str]]) -> None:
    tables = columns.tables
    for second, event_id, arn in rows:
        moment = T0 + timedelta(seconds=second)
        row = stamp(
            tables,
            EventRef("f.json", second, event_id, moment),
            to_micros(moment),
            (arn, "192.0.2.1"),
        )
        columns.append(row, tables.values.id(((arn,),)))


def test_rows_become_references_and_fields() -> None:
    columns = _columns(MatchTables.empty())
    _fill(columns, [(0, UUID_A, "arn:a"), (5, None, "arn:b")])
    assert columns.ref(1) == EventRef("f.json", 5, None, T0 + timedelta(seconds=5))
    assert columns.ref(0).annotation == ("arn:a", "192.0.2.1")
    assert dict(columns.fields(1)) == {"userIdentity.arn": ("arn:b",)}
    assert columns.time(1) == (T0 + timedelta(seconds=5)).timestamp()
    assert columns.fields_keys()[0] != columns.fields_keys()[1]


def test_dedupe_keeps_the_first_delivery_and_every_row_without_an_id() -> None:
    columns = _columns(MatchTables.empty())
    _fill(
        columns,
        [(0, UUID_A, "arn:a"), (1, None, "arn:a"), (2, UUID_A, "arn:b"), (3, None, "arn:a")],
    )
    _fill(columns, [(4, "odd-id", "arn:a"), (5, "odd-id", "arn:a"), (6, UUID_B, "arn:c")])
    assert columns.dedupe() == 2
    assert [columns.ref(row).position for row in range(len(columns))] == [0, 1, 3, 4, 6]
    assert [dict(columns.fields(row))["userIdentity.arn"] for row in (0, 4)] == [
        ("arn:a",),
        ("arn:c",),
    ]
    assert columns.dedupe() == 0


def test_a_batch_moves_rows_between_engines_with_their_tables() -> None:
    worker = _columns(MatchTables.empty())
    _fill(worker, [(0, UUID_A, "arn:a"), (1, "odd-id", "arn:b"), (2, None, "arn:a")])
    batch = pickle.loads(pickle.dumps(worker.batch("r-1", untimed=2, ungrouped=1)))
    assert (len(batch), batch.rule_id, batch.untimed, batch.ungrouped) == (3, "r-1", 2, 1)
    parent_tables = MatchTables.empty()
    parent_tables.values.id((("arn:z",),))  # ids differ from the worker's
    parent = _columns(parent_tables)
    source = parent_tables.sources.id("g.json")
    values = [parent_tables.values.id(value) for value in batch.value_table]
    notes = [parent_tables.notes.id(note) for note in batch.note_table]
    first = parent_tables.events.reserve(max(batch.events) + 1)
    parent.extend(batch, source, values, notes, first)
    moved = [parent.ref(row) for row in range(len(parent))]
    assert moved == [
        EventRef("g.json", 0, UUID_A, T0),
        EventRef("g.json", 1, "odd-id", T0 + timedelta(seconds=1)),
        EventRef("g.json", 2, None, T0 + timedelta(seconds=2)),
    ]
    assert [ref.annotation for ref in moved] == [
        ("arn:a", "192.0.2.1"),
        ("arn:b", "192.0.2.1"),
        ("arn:a", "192.0.2.1"),
    ]
    assert [dict(parent.fields(row)) for row in range(3)] == [
        {"userIdentity.arn": ("arn:a",)},
        {"userIdentity.arn": ("arn:b",)},
        {"userIdentity.arn": ("arn:a",)},
    ]
    assert parent.fields_keys()[0] == parent.fields_keys()[2] != parent.fields_keys()[1]


def test_uuid_module_agrees_on_the_packed_form() -> None:
    assert pack_uuid(UUID_A) == uuid.UUID(UUID_A).bytes


def test_rows_of_one_event_in_two_rules_share_one_reference() -> None:
    tables = MatchTables.empty()
    first, second = _columns(tables), _columns(tables)
    moment = T0 + timedelta(seconds=3)
    row = stamp(tables, EventRef("f.json", 7, UUID_A, moment), to_micros(moment), None)
    other = stamp(tables, EventRef("f.json", 8, UUID_B, moment), to_micros(moment), None)
    first.append(row, tables.values.id((("arn:a",),)))
    second.append(other, tables.values.id((("arn:b",),)))
    second.append(row, tables.values.id((("arn:a",),)))
    assert first.ref(0) is second.ref(1)
    assert first.ref(0) is not second.ref(0)
    assert second.ref(0) == EventRef("f.json", 8, UUID_B, moment)
    assert first.ref(0).event_time is second.ref(0).event_time  # one instant, one object
    first.forget_refs()
    rebuilt = second.ref(1)
    assert rebuilt == first.ref(0) and rebuilt.position == 7


def test_a_shared_interner_numbers_equal_values_once_whatever_the_object() -> None:
    interner: SharedInterner[tuple[str, ...]] = SharedInterner()
    first = ("arn:a", "192.0.2.1")
    assert interner.id(first) == interner.id(first) == 0
    assert interner.id(("arn:" + "a", "192.0.2.1")) == 0  # equal, another object
    assert interner.id(("arn:b", "192.0.2.1")) == 1
    assert interner.id([1]) == 2 and interner.id([1]) == 3  # unhashable: kept, not shared
    assert interner[0] is first and len(interner) == 4
