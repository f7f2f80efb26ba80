"""Containers with a hard cap, so memory follows what is distinct, never how many records.

Each keeps what fits and counts what did not; the report shows both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from sigmaq.investigate.model import Counted

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class CappedCounter:
    """Counts per distinct string for at most ``cap`` strings; further new strings only
    add to ``dropped`` (records not attributed to a kept value)."""

    __slots__ = ("cap", "counts", "dropped")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.counts: dict[str, int] = {}
        self.dropped = 0

    def add(self, value: str, count: int = 1) -> None:
        counts = self.counts
        if value in counts:
            counts[value] += count
        elif len(counts) < self.cap:
            counts[value] = count
        else:
            self.dropped += count

    def __len__(self) -> int:
        return len(self.counts)

    def __contains__(self, value: object) -> bool:
        return value in self.counts

    def top(self, limit: int | None = None) -> tuple[Counted, ...]:
        """Kept values, most frequent first (ties by value), at most ``limit``."""
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        if limit is not None:
            ordered = ordered[:limit]
        return tuple(Counted(value, count) for value, count in ordered)


class CappedList(Generic[T]):
    """The first ``cap`` items added, and how many were added in all (``total``)."""

    __slots__ = ("cap", "items", "total")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[T] = []
        self.total = 0

    def wants(self) -> bool:
        """True while an added item would be kept (build costly items only then)."""
        return len(self.items) < self.cap

    def add(self, item: T) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(item)

    def add_lazy(self, build: Callable[[], T]) -> None:
        """``add`` an item built only if it will be kept."""
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(build())

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class CappedMap(Generic[K, T]):
    """A dict of at most ``cap`` keys; ``get_or_create`` returns None (and counts the
    miss in ``dropped``) once full."""

    __slots__ = ("cap", "dropped", "items")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: dict[K, T] = {}
        self.dropped = 0

    def get_or_create(self, key: K, create: Callable[[], T]) -> T | None:
        found = self.items.get(key)
        if found is not None:
            return found
        if len(self.items) >= self.cap:
            self.dropped += 1
            return None
        made = self.items[key] = create()
        return made

    def get(self, key: K) -> T | None:
        return self.items.get(key)

    def values(self) -> list[T]:
        return list(self.items.values())

    def __len__(self) -> int:
        return len(self.items)
