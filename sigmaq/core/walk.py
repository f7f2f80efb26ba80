"""Files under a folder, naming every folder that could not be listed.

``Path.rglob`` skips a subfolder it may not list (``chmod 000``, a mount gone stale)
without a word, so a rule, fixture or export in it would be lost silently. ``walk_files``
returns those folders with the error instead; each caller reports them as it reports an
unreadable file. Symbolic links to folders are followed, as ``sigmaq hunt`` follows
them (``sigmaq.replay.paths``); each real folder is walked once, so link loops end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FolderWalk", "walk_files"]


@dataclass(frozen=True)
class FolderWalk:
    """``files``: the entries kept, sorted; ``unlisted``: (folder, reason) for each
    folder that could not be listed, in the order met."""

    files: list[Path] = field(default_factory=list)
    unlisted: list[tuple[Path, str]] = field(default_factory=list)


def walk_files(folder: Path, keep: Callable[[Path], bool]) -> FolderWalk:
    """Every entry under ``folder`` that is not a folder and whose path relative to
    ``folder`` passes ``keep``, with the folders that could not be listed.

    Entries that are not regular files (a FIFO, a dangling or looping symbolic link)
    are kept when ``keep`` accepts them, so that the reader names them. Never raises for
    an unreadable folder: it is in ``unlisted`` with the reason (``cannot list folder:
    [Errno 13] Permission denied: '...'``).
    """
    files: list[Path] = []
    unlisted: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def unreadable(error: OSError) -> None:
        unlisted.append((Path(error.filename or folder), f"cannot list folder: {error}"))

    for root, dirs, names in os.walk(folder, followlinks=True, onerror=unreadable):
        real = os.path.realpath(root)
        if real in seen:  # reached again through a link: walked once, loops end
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in names:
            path = Path(root, name)
            if keep(path.relative_to(folder)):
                files.append(path)
    return FolderWalk(sorted(files), unlisted)
