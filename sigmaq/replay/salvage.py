"""JSON texts that are not one whole document: documents written back to back
(``concatenated_documents``), texts cut off (``salvage``: a truncated gzip stream,
a half-copied file), whose complete records the readers read, reporting the rest lost,
and record lists that one bad record keeps from decoding (``split_record_list``: a raw
control character, a lone surrogate escape...), whose other records are read.

msgspec (like orjson) refuses a partial document, so a small structural scanner finds
where each top-level value, and each item of the cut document's record list, ends.
Strings are skipped whole by one regular expression (escapes included), so brackets
and quotes inside strings never count; only the structure between items (``,``,
``]``, the ``"Records"`` key) is checked here: each item is decoded and validated on
its own later, as every record of a record list is.

Recognised texts: zero or more complete JSON documents, then one cut document that is
a delivery file ``{"Records": [...`` (``Records`` may follow other keys) or a JSON
array ``[...`` (a cut document of another shape, after complete ones, is one lost
item). Anything else (a lone cut single record, a structural error before the cut, a
text that is not cut at all) is not salvaged: ``salvage`` returns None.
NDJSON needs no scanner (each complete line is read; the cut line is malformed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

__all__ = ["Salvage", "concatenated_documents", "salvage", "split_record_list"]

# A string, closed (group 1 set) or running to the end of the text (group 1 None:
# ``[^"\\]*`` stops only at a quote, a backslash or the end, and ``\\.`` needs a
# character after the backslash), or one bracket.
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*(")?'
_TOKENS = re.compile(_STRING + rb"|[\[\]{}]", re.DOTALL)
_STRING_ONLY = re.compile(_STRING, re.DOTALL)
# a number or a literal (true, false, null): anything up to a delimiter
_SCALAR = re.compile(rb'[^ \t\r\n,:\[\]{}"]+')
_SPACE = re.compile(rb"[ \t\r\n]*")
_QUOTE, _OPEN_OBJECT, _OPEN_ARRAY = ord('"'), ord("{"), ord("[")
_RECORDS_KEY = b'"Records"'


class _Cut(Exception):
    """The text ended inside the value being scanned."""


class _Bad(Exception):
    """The text is not JSON where the scanner looked."""


@dataclass(frozen=True)
class Salvage:
    """What a cut text still holds.

    ``documents``: the complete documents before the cut one (each a view of the
    text); ``items``: the complete items of the cut document's record list, in order;
    ``delivery``: True for ``{"Records": [...`` and False for an array; ``cut_item``:
    True when an item had begun at the cut (one record lost in part, not just those
    after it); ``complete``: where the last complete item ends (byte offset).
    """

    documents: list[memoryview]
    items: list[memoryview]
    delivery: bool
    cut_item: bool
    complete: int


def salvage(text: bytes) -> Salvage | None:
    """The complete documents and record-list items of a cut JSON ``text`` (bytes of
    UTF-8 JSON, any whitespace), or None when ``text`` is not one of the recognised
    shapes (see the module docstring) or is not cut. Linear time; the result holds
    views of ``text``, no copy."""
    view = memoryview(text)
    documents: list[memoryview] = []
    position = _skip(text, 0)
    while position < len(text):
        if text[position] not in (_OPEN_OBJECT, _OPEN_ARRAY):
            return None  # documents are objects or arrays
        try:
            end = _value_end(text, position)
        except _Cut:
            found = _cut_document(text, view, position, documents)
            if found is None and documents:  # the cut document holds no record list
                return Salvage(documents, [], False, True, position)
            return found
        except _Bad:
            return None
        documents.append(view[position:end])
        position = _skip(text, end)
    return None  # every document complete: nothing was cut


def _skip(text: bytes, position: int) -> int:
    found = _SPACE.match(text, position)
    return found.end() if found else position


def _value_end(text: bytes, position: int) -> int:
    """Where the JSON value starting at ``position`` ends (exclusive).

    Raises _Cut when the text ends first, _Bad when no value starts there. Brackets
    are counted, not paired (``{]`` closes): the decoder of each item finds that."""
    if position >= len(text):
        raise _Cut
    first = text[position]
    if first == _QUOTE:
        found = _STRING_ONLY.match(text, position)
        if found is None or found.group(1) is None:
            raise _Cut
        return found.end()
    if first in (_OPEN_OBJECT, _OPEN_ARRAY):
        depth = 0
        for token in _TOKENS.finditer(text, position):
            kind = text[token.start()]
            if kind == _QUOTE:
                if token.group(1) is None:
                    raise _Cut
            elif kind in (_OPEN_OBJECT, _OPEN_ARRAY):
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return token.end()
        raise _Cut
    found = _SCALAR.match(text, position)
    if found is None:
        raise _Bad
    if found.end() == len(text):
        raise _Cut  # "12" may be the start of "123"
    return found.end()


def _cut_document(
    text: bytes, view: memoryview, position: int, documents: list[memoryview]
) -> Salvage | None:
    """The items of the cut document at ``position``, or None when it holds no record
    list (or the text before its list is not a delivery file's)."""
    if text[position] == _OPEN_ARRAY:
        return _items(text, view, position + 1, documents, delivery=False)
    if text[position] != _OPEN_OBJECT:
        return None
    found: list[Salvage | None] = []

    def at_records(start: int) -> None:  # the cut is in this list: stop there
        found.append(_items(text, view, start + 1, documents, delivery=True))

    try:
        _envelope_end(text, position + 1, at_records)
    except (_Cut, _Bad):
        return None  # cut (or broken) before the Records list began: no record there
    return found[0] if found else None


def _envelope_end(
    text: bytes, position: int, at_records: Callable[[int], int | None]
) -> int | None:
    """Walk the members of the object whose ``{`` ends at ``position``, as a delivery
    file's envelope: each key a string, then ``:``, a value, and ``,`` or ``}``. A
    ``"Records"`` key whose value is a list is handed to ``at_records`` (where its ``[``
    is), which returns where that value ends, or None to stop the walk (then None is
    returned); other values are skipped. Returns where the object's ``}`` ends. Raises
    _Cut when the text ends first, _Bad where it is not such an object."""
    position = _skip(text, position)
    while True:
        if text[position : position + 1] != b'"':
            raise _Bad
        key_end = _value_end(text, position)
        key = text[position:key_end]
        position = _skip(text, key_end)
        if text[position : position + 1] != b":":
            raise _Bad
        position = _skip(text, position + 1)
        if key == _RECORDS_KEY and text[position : position + 1] == b"[":
            end = at_records(position)
            if end is None:
                return None
            position = end
        else:
            position = _value_end(text, position)
        position = _skip(text, position)
        if text[position : position + 1] == b"}":
            return position + 1
        if text[position : position + 1] != b",":
            raise _Bad
        position = _skip(text, position + 1)


def _items(
    text: bytes, view: memoryview, position: int, documents: list[memoryview], *, delivery: bool
) -> Salvage | None:
    items: list[memoryview] = []
    complete = position
    position = _skip(text, position)
    if text[position : position + 1] == b"]":
        return Salvage(documents, items, delivery, False, position + 1)
    while position < len(text):
        try:
            end = _value_end(text, position)
        except _Cut:
            return Salvage(documents, items, delivery, True, complete)
        except _Bad:
            return None
        items.append(view[position:end])
        complete = end
        position = _skip(text, end)
        if position >= len(text) or text[position] == ord("]"):
            break  # cut right after an item, or the list closed and its envelope was cut
        if text[position] != ord(","):
            return None
        position = _skip(text, position + 1)
    return Salvage(documents, items, delivery, False, complete)


def split_record_list(text: bytes) -> tuple[list[memoryview], bool] | None:
    """The items of one whole delivery file (True) or JSON array (False) ``text`` that
    the list decoder refused because some item is invalid JSON (a raw control
    character, RFC 8259 section 7; an unpaired surrogate escape, section 8.2; an invalid
    escape or literal; nesting past the decoder's limit): each item's text, a view of
    ``text``, to be decoded (and refused) on its own. None when ``text`` is not one such
    document with valid JSON around its items: anything after it, a structural error
    between items, or an envelope that does not decode once its list is left out, is
    an object with an ``eventName`` (a record, not an envelope) or has another
    ``Records`` key last (the last of duplicate keys wins). Linear time."""
    view = memoryview(text)
    position = _skip(text, 0)
    found: tuple[list[memoryview], int, int] | None = None

    def at_records(start: int) -> int:  # the last Records list wins, as in the decoder
        nonlocal found
        items, end = _whole_items(text, view, start + 1)
        found = (items, start, end)
        return end

    try:
        if text[position : position + 1] == b"[":
            items, end = _whole_items(text, view, position + 1)
            return (items, False) if _skip(text, end) == len(text) else None
        if text[position : position + 1] != b"{":
            return None
        closed = _envelope_end(text, position + 1, at_records)
    except (_Cut, _Bad, IndexError):
        return None
    if found is None or closed is None or _skip(text, closed) != len(text):
        return None
    items, start, end = found
    try:  # the envelope without its list: valid JSON, and a delivery file's
        envelope = _ENVELOPE.decode(text[:start] + b"[]" + text[end:])
    except (msgspec.DecodeError, RecursionError):
        return None
    if type(envelope) is not dict or envelope.get("Records") != [] or "eventName" in envelope:
        return None
    return items, True


_ENVELOPE = msgspec.json.Decoder()


def _whole_items(text: bytes, view: memoryview, position: int) -> tuple[list[memoryview], int]:
    """The items of the list whose ``[`` ends at ``position`` and where its ``]`` ends.
    Raises _Cut or _Bad when the list is cut or is not a list of values."""
    items: list[memoryview] = []
    position = _skip(text, position)
    if text[position : position + 1] == b"]":
        return items, position + 1
    while True:
        end = _value_end(text, position)
        items.append(view[position:end])
        position = _skip(text, end)
        following = text[position : position + 1]
        if following == b"]":
            return items, position + 1
        if following != b",":
            raise _Bad
        position = _skip(text, position + 1)


_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def concatenated_documents(data: bytes) -> list[bytes] | None:
    """The texts of two or more JSON documents one after another (objects or arrays,
    whitespace between or none), or None. The standard library's decoder finds where
    each document ends (only tried once the main decoder has refused the whole text);
    it accepts what msgspec refuses (unpaired surrogate escapes, ``NaN``, ``1e400``),
    so the readers decode each text again, as every other JSON text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    documents: list[bytes] = []
    index = _skip_space(text, 0)
    while index < len(text):
        if text[index] not in "{[":
            return None
        start = index
        try:
            _, index = decoder.raw_decode(text, index)
        except (ValueError, RecursionError):  # the standard decoder recurses per level
            return None
        documents.append(text[start:index].encode("utf-8"))  # the exact bytes read
        index = _skip_space(text, index)
    return documents if len(documents) > 1 else None


def _skip_space(text: str, index: int) -> int:
    found = _JSON_SPACE.match(text, index)
    return found.end() if found else index
