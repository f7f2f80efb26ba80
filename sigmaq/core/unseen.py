"""Characters a reader cannot see: control and format characters and line separators.

A forged log value or a rule title may hold a newline, an ESC sequence or a bidi
override (Unicode categories Cc, Cf, Zl, Zp). Wherever sigmaq writes such text on one
visible line (a terminal table, a Markdown report, a shell command, a conf stanza name)
it either refuses it or shows each such character as an escape.
"""

from __future__ import annotations

import unicodedata

UNSEEN_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp"))


def is_unseen(ch: str) -> bool:
    """True for a control or format character or a line/paragraph separator."""
    return unicodedata.category(ch) in UNSEEN_CATEGORIES


def escape(ch: str) -> str:
    """``\\xNN`` (code points below 256) or ``\\uNNNN`` for one character."""
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def first_unseen(text: str) -> str | None:
    """The escape of the first unseen character of ``text``, or None."""
    return next((escape(ch) for ch in text if is_unseen(ch)), None)


def show_unseen(text: str) -> str:
    """``text`` with every unseen character replaced by its escape."""
    return "".join(escape(ch) if is_unseen(ch) else ch for ch in text)
