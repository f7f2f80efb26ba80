"""Limits that keep a hostile or broken log file from exhausting the reader.

``ReadLimits`` bounds what one file may cost: its expanded size (gzip is stream-decoded
in slices with a ``max_length``, never inflated whole and checked afterwards), its
compression ratio, and how deeply a record may nest. Records larger than CloudTrail's
own event size limit are counted, reported and still read. ``bounded_gunzip`` and
``nesting_depth`` are the two checks; ``readers`` applies them and counts what they
refuse.

Sources: CloudTrail quotas ("Event size: 256 KB", AWS CloudTrail User Guide, "Quotas
in AWS CloudTrail"); RFC 1952 (gzip members, concatenation); zlib's
``Decompress.decompress(data, max_length)`` / ``unconsumed_tail`` contract, which
python-isal's ``isal_zlib`` follows.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

GZIP_MAGIC = b"\x1f\x8b"
# CloudTrail's largest event ("Quotas in AWS CloudTrail": event size 256 KB).
CLOUDTRAIL_EVENT_LIMIT = 256 * 1024


class LimitExceeded(ValueError):
    """A file refused by a ``ReadLimits`` bound (its message says which and by how much)."""


class TruncatedGzip(EOFError):
    """A gzip stream that ends before its end-of-stream marker (a file cut short).

    ``partial``: every byte expanded before the cut (the members before it included),
    within the ``ReadLimits`` ceiling, for a reader to salvage the complete records it
    holds; ``compressed``: the size of the cut file (bytes).
    """

    kind = "truncated gzip"  # how the readers name the cut ("truncated gzip: N complete …")

    def __init__(self, partial: bytes, compressed: int) -> None:
        super().__init__(
            f"truncated gzip stream (compressed file ended early, {compressed:,} bytes "
            f"compressed, {len(partial):,} expanded before the cut)"
        )
        self.partial = partial
        self.compressed = compressed


class CorruptGzip(TruncatedGzip, ValueError):
    """A gzip file whose stream turns corrupt (a bad deflate block or checksum, or
    bytes that are not gzip) after ``partial``: the output of every complete member
    before it, each verified by its CRC (the corrupt member's own output is dropped:
    it may hold silently damaged bytes). ``at``: byte offset of the corrupt member."""

    def __init__(self, partial: bytes, compressed: int, at: int, detail: str) -> None:
        ValueError.__init__(
            self,
            f"corrupt gzip stream at byte {at:,} of {compressed:,} ({detail}); "
            f"{len(partial):,} bytes expanded from the complete members before it",
        )
        self.partial = partial
        self.compressed = compressed
        self.at = at
        self.kind = f"corrupt gzip from byte {at:,} ({detail})"


@dataclass(frozen=True)
class ReadLimits:
    """Per-file bounds of the readers.

    ``max_expanded_bytes``: largest file content held in memory, after gunzip (bytes);
    a file over it is refused as unreadable, and so is a plain file larger than it on
    disk. ``max_ratio`` / ``ratio_floor``: once ``ratio_floor`` bytes are expanded, a
    gzip stream expanding more than ``max_ratio`` times its compressed size so far is
    refused (CloudTrail files compress about 10x; a gzip bomb about 1000x), so a bomb is
    refused after ``ratio_floor`` bytes whatever its final size. ``max_depth``: deepest
    nesting of objects/arrays inside one record (CloudTrail records nest about 10 deep);
    deeper records are malformed. ``record_bytes``: records whose JSON text is longer
    are counted in ``ReadStats.oversized_records`` with a warning, and still read.
    """

    max_expanded_bytes: int = 1 << 30
    max_ratio: int = 100
    ratio_floor: int = 32 << 20
    max_depth: int = 100
    record_bytes: int = CLOUDTRAIL_EVENT_LIMIT


DEFAULT_LIMITS = ReadLimits()


def _fastest_gunzip() -> tuple[Callable[..., Any], tuple[type[Exception], ...]]:
    """ISA-L's zlib-compatible decoder (python-isal, 2-3x zlib's speed on CloudTrail
    files: 0.18 s against 0.47 s for 257 MB) where it is installed, else zlib."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - a platform without isal wheels
        return zlib.decompressobj, (zlib.error,)
    return isal_zlib.decompressobj, (zlib.error, cast("type[Exception]", isal_zlib.error))


DECOMPRESSOBJ, GZIP_ERRORS = _fastest_gunzip()
# compressed bytes handed to the decoder per call: bounds what one call can expand to
_SLICE = 1 << 20


def bounded_gunzip(
    data: bytes,
    limits: ReadLimits = DEFAULT_LIMITS,
    decompressobj: Callable[..., Any] = DECOMPRESSOBJ,
) -> bytes:
    """``data`` gunzipped when it starts with the gzip magic, else unchanged.

    Concatenated members are all read and joined (``cat a.gz b.gz > c.gz``); NUL
    padding between members is skipped. The stream is decoded ``_SLICE`` compressed
    bytes at a time with ``max_length`` set to what the budget has left, so memory
    never exceeds ``limits.max_expanded_bytes`` plus one slice, and a bomb is refused
    after at most ``limits.ratio_floor`` expanded bytes.

    Raises LimitExceeded (over the size or ratio bound), TruncatedGzip (an EOFError
    carrying what was expanded before the cut) for a truncated stream, CorruptGzip (a
    TruncatedGzip and a ValueError carrying the complete members before it) for a
    corrupt member or trailing bytes that are not gzip.
    """
    if not data.startswith(GZIP_MAGIC):
        if len(data) > limits.max_expanded_bytes:
            raise LimitExceeded(
                f"file is {len(data):,} bytes, over the {limits.max_expanded_bytes:,}-byte limit"
            )
        return data
    view = memoryview(data)
    parts: list[bytes] = []
    expanded = 0
    budget = limits.max_expanded_bytes
    position = 0
    while position < len(data):
        decoder = decompressobj(wbits=31)
        member, complete = position, len(parts)  # where this member starts
        while True:
            piece = view[position : position + _SLICE]
            if not piece:
                raise TruncatedGzip(b"".join(parts), len(data))
            try:
                chunk = decoder.decompress(piece, budget - expanded + 1)
            except GZIP_ERRORS as err:
                raise CorruptGzip(b"".join(parts[:complete]), len(data), member, str(err)) from err
            parts.append(chunk)
            expanded += len(chunk)
            if expanded > budget or decoder.unconsumed_tail:
                raise LimitExceeded(
                    f"expands past the {budget:,}-byte limit "
                    f"({len(data):,} bytes compressed): refused unread"
                )
            used = len(piece) - len(decoder.unused_data)
            position += used
            if expanded > limits.ratio_floor and expanded > limits.max_ratio * position:
                raise LimitExceeded(
                    f"expands more than {limits.max_ratio}x ({expanded:,} bytes from the "
                    f"first {position:,} compressed): refused as a decompression bomb"
                )
            if decoder.eof:
                break
        while position < len(data) and data[position] == 0:
            position += 1
        if position < len(data) and not data.startswith(GZIP_MAGIC, position):
            detail = "trailing garbage after gzip stream: not a gzip member"
            raise CorruptGzip(b"".join(parts), len(data), position, detail)
    # one piece (a whole file in one call, the common case) is returned without a copy
    return parts[0] if len(parts) == 1 else b"".join(parts)


# A string (escapes included) or one bracket: strings are skipped whole, in C.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def deeper_than(text: bytes | memoryview, limit: int) -> bool:
    """True when one JSON text nests objects/arrays more than ``limit`` levels deep
    (brackets inside strings do not count).

    Costs two byte counts for most records: a text holding at most ``limit`` brackets
    cannot nest deeper, and is not scanned.
    """
    raw = bytes(text)
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(raw):
        first = token.group()[:1]
        if first == b"[" or first == b"{":
            depth += 1
            if depth > limit:
                return True
        elif first == b"]" or first == b"}":
            depth -= 1
    return False
