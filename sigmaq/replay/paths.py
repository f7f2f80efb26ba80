"""Which files a read covers: named files, and data files found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from sigmaq.replay.readstats import ReadStats

__all__ = ["DATA_SUFFIXES", "iter_paths"]

# Suffixes read when walking a folder (explicitly named files are always read).
DATA_SUFFIXES = (".json", ".gz", ".jsonl", ".ndjson", ".log", ".cloudtrail", ".csv")
# Archive and compression formats the readers do not open (only gzip is read): such a file
# in a folder is likely exported CloudTrail, so it is named with a warning, not only counted.
UNREAD_ARCHIVE_SUFFIXES = (".zip", ".bz2", ".xz", ".zst", ".7z", ".tar", ".tgz", ".rar")


def iter_paths(paths: Iterable[Path | str], stats: ReadStats) -> Iterator[Path]:
    """Files named in ``paths``, and data files found recursively in folders.

    Folders are walked in sorted order (so ``AWSLogs/<acct>/CloudTrail/<region>/<y>/<m>/<d>``
    comes out in time order), lazily, one folder listing at a time; symbolic links to
    folders are followed. Each real folder and file is read once across all of
    ``paths`` (a folder named twice, or reached again through a link, gets a warning
    and is skipped, so link loops end). Hidden entries (``.name``) are not visited;
    files whose suffix is not in ``DATA_SUFFIXES`` (and files without any suffix that do not
    start as gzip or JSON: ``_sniffs_as_data``) are counted in ``ignored_files`` (and an
    archive in ``UNREAD_ARCHIVE_SUFFIXES``, ``.zip``, ``.bz2``..., gets a warning naming it). A
    path that does not exist, is not a regular file, or a folder that cannot be listed
    counts as unreadable, and among ``files`` (so ``unreadable_files <= files``).
    """
    seen: set[str] = set()  # real paths of the folders and files met so far
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, stats, seen)
        elif not _first_time(path, os.path.realpath(path), seen, stats):
            continue
        elif path.is_file():
            yield path
        elif path.exists():  # a FIFO, socket or device would block or never end
            stats.files += 1  # counted among files, as unreadable
            stats.unreadable_files += 1
            stats.add_problem(str(path), None, "not a regular file")
        else:
            stats.files += 1  # counted among files, as unreadable
            stats.unreadable_files += 1
            stats.add_problem(str(path), None, "no such file or directory")


def _first_time(path: Path | str, real: str, seen: set[str], stats: ReadStats) -> bool:
    if real in seen:
        stats.add_problem(str(path), None, "already read (same file or folder)", warning=True)
        return False
    seen.add(real)
    return True


def _walk(folder: Path, stats: ReadStats, seen: set[str]) -> Iterator[Path]:
    # Symbolic links to folders are followed (archives are often assembled that way).
    def unlisted(error: OSError) -> None:
        stats.files += 1  # counted among files, as unreadable
        stats.unreadable_files += 1
        stats.add_problem(str(error.filename or folder), None, f"cannot list folder: {error}")

    for root, dirs, files in os.walk(folder, followlinks=True, onerror=unlisted):
        real_root = os.path.realpath(root)
        if not _first_time(root, real_root, seen, stats):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(DATA_SUFFIXES) or (
                "." not in name and _sniffs_as_data(Path(root, name))
            ):
                path = Path(root, name)
                real = (
                    os.path.realpath(path) if path.is_symlink() else os.path.join(real_root, name)
                )
                if not _first_time(path, real, seen, stats):
                    continue
                if path.is_file():
                    yield path
                else:  # FIFO, socket, device, dangling link, or a file removed since
                    stats.files += 1
                    stats.unreadable_files += 1
                    stats.add_problem(str(path), None, _not_a_file(path))
            else:
                stats.ignored_files += 1
                if name.lower().endswith(UNREAD_ARCHIVE_SUFFIXES):
                    stats.add_problem(
                        str(Path(root, name)),
                        None,
                        "not read: only gzip-compressed files are read; extract this archive "
                        "and hunt the extracted files",
                        warning=True,
                    )


def _sniffs_as_data(path: Path) -> bool:
    """True for a file without any suffix whose first bytes are gzip's magic or the start
    of a JSON document: Amazon Data Firehose names its S3 objects without an extension
    by default (``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>``), which is where a
    CloudWatch Logs subscription of a trail lands. A file that cannot be opened is taken,
    so the reader reports why."""
    try:
        with path.open("rb") as handle:
            start = handle.read(64)
    except OSError:
        return True
    return start[:2] == b"\x1f\x8b" or start.lstrip()[:1] in (b"{", b"[")


def _not_a_file(path: Path) -> str:
    """Why a listed folder entry that is not a regular file cannot be read."""
    if path.is_symlink():
        return "dangling symbolic link"
    if not os.path.lexists(path):
        return "no such file (removed after its folder was listed)"
    return "not a regular file"
