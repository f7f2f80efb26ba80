"""Reproducible uuid4-shaped identifiers (``eventID``, ``requestID``, tokens).

Each generator seeds its identifiers with the fixture's path, so a re-run writes every file
byte for byte again and two fixtures never share an identifier.
"""

from __future__ import annotations

import hashlib
import random
import uuid


class HashedIds:
    """The n-th call returns a uuid4 made of ``sha256(namespace/seed/n)``."""

    def __init__(self, namespace: str, seed: str) -> None:
        self.prefix = f"{namespace}/{seed}"
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        digest = hashlib.sha256(f"{self.prefix}/{self.count}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


class SeededIds:
    """uuid4s drawn from a ``random.Random`` seeded with ``sha256(seed)``."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(hashlib.sha256(seed.encode()).digest())

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def hashed_uuid(text: str) -> str:
    """A uuid4 made of ``sha256(text)`` (stable ids for things named in a scenario)."""
    return str(uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16], version=4))
