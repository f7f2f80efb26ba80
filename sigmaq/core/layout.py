"""Path and naming conventions, computed in one place (CONTRIBUTING.md, "Layout").

Pack layout: rules live at ``rules/<component>/aws_cloudtrail_<slug of title>.yml``;
their fixtures at ``fixtures/<component>/<rule stem>/pos_*.json`` and ``neg_*.json``.
Flat layout (any rule folder): fixtures sit beside the rule as
``<rule stem>.pos_*.json`` and ``<rule stem>.neg_*.json``. Nothing inside a rule
points at its fixtures: the path is the link.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from sigmaq.core.errors import FixtureError
from sigmaq.core.walk import FolderWalk, walk_files

RULE_PREFIX = "aws_cloudtrail_"
RULE_SUFFIX = ".yml"
POSITIVE_PREFIX = "pos_"
NEGATIVE_PREFIX = "neg_"
FIXTURE_SUFFIXES = (".json", ".json.gz", ".ndjson")
BASELINE_DIR = "_baseline"
# Project configuration files: never loaded as rules when a folder is scanned.
CONFIG_FILES = ("sigmaq.yml", "sigmaq.yaml", "sigmaq-validation.yml")
KNOWN_MATCHES_FILE = "known_matches.yml"

# Component folders under rules/ (and fixtures/): one per Amazon Q surface, plus
# the IAM/CloudTrail activity that the playbook's containment steps care about.
COMPONENTS = (
    "q_business",
    "q_apps",
    "q_developer",
    "q_agent",
    "q_connect",
    "q_chat_apps",
    "containment",
)


# path -> path.resolve(), while resolve_paths_once() runs.
_RESOLVED: ContextVar[dict[Path, Path] | None] = ContextVar("sigmaq_resolved_paths", default=None)


@contextmanager
def resolve_paths_once() -> Iterator[None]:
    """Within the block, ``resolved`` resolves each path once (``Path.resolve`` costs an
    ``lstat`` per path component; a validation run asks for the same rule paths and
    ``rules/`` folder many times over). The files must not move meanwhile. Nested use
    keeps the outer block's answers."""
    if _RESOLVED.get() is not None:
        yield
        return
    token = _RESOLVED.set({})
    try:
        yield
    finally:
        _RESOLVED.reset(token)


def resolved(path: Path) -> Path:
    """``path.resolve()``, remembered inside ``resolve_paths_once``. Raises as
    ``Path.resolve`` (OSError, RuntimeError on a symbolic-link loop)."""
    answers = _RESOLVED.get()
    if answers is None:
        return path.resolve()
    answer = answers.get(path)
    if answer is None:
        answer = answers[path] = path.resolve()
    return answer


def _files(folder: Path, name_ok: Callable[[str], bool]) -> list[Path]:
    """The regular files (symbolic links followed, as ``Path.is_file``) of ``folder``
    whose name passes ``name_ok``, sorted; entries are typed by the directory listing
    itself, so only links cost a ``stat``. Raises FixtureError (with the folder) when
    ``folder`` cannot be listed: its fixtures must not be lost without a word."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                folder / entry.name
                for entry in entries
                if name_ok(entry.name) and _is_file(folder, entry)
            )
    except OSError as exc:
        raise FixtureError(f"cannot list folder: {exc}", path=folder) from exc


def _is_file(folder: Path, entry: os.DirEntry[str]) -> bool:
    try:
        if not entry.is_symlink():
            return entry.is_file(follow_symlinks=False)
    except OSError:
        pass
    return (folder / entry.name).is_file()  # a link (or an odd entry): as Path.is_file


def slugify(title: str) -> str:
    """Lower-case ``title`` and join its ASCII words with underscores.

    >>> slugify("Q Business plugin created (custom)")
    'q_business_plugin_created_custom'
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")


def expected_rule_filename(title: str) -> str:
    """File name a rule with ``title`` must have: ``aws_cloudtrail_<slug>.yml``."""
    slug = slugify(title)
    if slug.startswith(RULE_PREFIX):
        slug = slug[len(RULE_PREFIX) :]
    return f"{RULE_PREFIX}{slug}{RULE_SUFFIX}"


@dataclass(frozen=True)
class ProjectLayout:
    """Where a project's rules, fixtures and backend material live.

    ``root`` is the project folder (the one holding ``rules/`` and ``fixtures/``).
    """

    root: Path

    @property
    def rules_dir(self) -> Path:
        return self.root / "rules"

    @property
    def fixtures_dir(self) -> Path:
        return self.root / "fixtures"

    @property
    def baseline_dir(self) -> Path:
        return self.fixtures_dir / BASELINE_DIR

    @property
    def backends_dir(self) -> Path:
        return self.root / "backends"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def component_of(self, rule_path: Path) -> str:
        """The component folder of a rule file (``q_business`` …).

        Raises ValueError when the file is not inside ``rules/<component>/``.
        """
        rel = resolved(rule_path).relative_to(resolved(self.rules_dir))
        if len(rel.parts) < 2:
            raise ValueError(f"{rule_path} is not inside rules/<component>/")
        return rel.parts[0]

    def fixture_dir_for(self, rule_path: Path) -> Path:
        """``fixtures/<component>/<rule stem>/`` for a rule file."""
        return self.fixtures_dir / self.component_of(rule_path) / rule_path.stem

    def fixtures_for(self, rule_path: Path) -> tuple[list[Path], list[Path]]:
        """(positive, negative) fixture files of a rule, sorted by name. Raises
        FixtureError when the rule's fixture folder cannot be listed."""
        folder = self.fixture_dir_for(rule_path)
        if not folder.is_dir():
            return [], []
        files = _files(folder, lambda name: name.endswith(FIXTURE_SUFFIXES))
        return (
            [p for p in files if p.name.startswith(POSITIVE_PREFIX)],
            [p for p in files if p.name.startswith(NEGATIVE_PREFIX)],
        )

    def baseline_files(self) -> list[Path]:
        """Every fixture file under ``fixtures/_baseline/``, sorted (``baseline_walk``
        also names the folders that could not be listed)."""
        return self.baseline_walk().files

    def baseline_walk(self) -> FolderWalk:
        """The fixture files under ``fixtures/_baseline/`` (regular files, sorted) and
        the folders there that could not be listed (``sigmaq.core.walk``)."""
        folder = self.baseline_dir
        if not folder.is_dir():
            return FolderWalk()
        walk = walk_files(folder, is_fixture_file)
        return FolderWalk([p for p in walk.files if p.is_file()], walk.unlisted)

    def golden_path(self, target: str, rule_path: Path, extension: str) -> Path:
        """``backends/<target>/golden/<rule stem>.<ext>``."""
        return self.backends_dir / target / "golden" / f"{rule_path.stem}.{extension}"


def is_fixture_file(path: Path) -> bool:
    """True for ``.json``, ``.json.gz`` and ``.ndjson`` files."""
    return path.name.endswith(FIXTURE_SUFFIXES)


def flat_fixtures_for(rule_path: Path) -> tuple[list[Path], list[Path]]:
    """(positive, negative) fixtures beside a rule: ``<stem>.pos_*`` / ``<stem>.neg_*``."""
    folder = rule_path.parent
    if not folder.is_dir():
        return [], []
    prefix = rule_path.stem + "."
    files = _files(folder, lambda name: name.startswith(prefix) and name.endswith(FIXTURE_SUFFIXES))
    kinds = [p.name[len(prefix) :] for p in files]
    return (
        [p for p, kind in zip(files, kinds, strict=True) if kind.startswith(POSITIVE_PREFIX)],
        [p for p, kind in zip(files, kinds, strict=True) if kind.startswith(NEGATIVE_PREFIX)],
    )


def rule_fixtures(rule_path: Path, root: Path | None) -> tuple[list[Path], list[Path]]:
    """(positive, negative) fixtures of a rule in either layout, sorted by path.

    Pack layout when ``root`` is a project and the rule sits in ``rules/<component>/``
    (``fixtures/<component>/<stem>/``), plus the flat ``<stem>.pos_*`` files beside
    the rule in any case. Raises FixtureError when a fixture folder cannot be listed.
    """
    positives, negatives = flat_fixtures_for(rule_path)
    if root is not None:
        try:
            pack_pos, pack_neg = ProjectLayout(root).fixtures_for(rule_path)
        except ValueError:
            pack_pos, pack_neg = [], []
        positives, negatives = sorted(pack_pos + positives), sorted(pack_neg + negatives)
    return positives, negatives


def fixture_home(rule_path: Path, root: Path | None) -> str:
    """Where a rule's fixtures go, for messages: the pack folder, or the flat pattern
    beside the rule (``rules/x.{pos,neg}_*.json``)."""
    if root is not None:
        layout = ProjectLayout(root)
        try:
            return str(layout.fixture_dir_for(rule_path)) + "/"
        except ValueError:
            pass
    return str(rule_path.parent / f"{rule_path.stem}.{{pos,neg}}_*.json")


def is_config_file(path: Path) -> bool:
    """True for sigmaq's own configuration files (``sigmaq.yml`` …), never rules."""
    return path.name in CONFIG_FILES


# Where a wheel carries the rule pack inside the package (written by setup.py).
BUNDLED_PACK = "_pack"


def bundled_pack_root() -> Path | None:
    """The folder holding the rule pack that comes with sigmaq (``rules/``, ``fixtures/``),
    or None.

    A wheel install (``pip install .``) carries it inside the package, found with
    ``importlib.resources`` at ``sigmaq/_pack/``; a checkout (an editable install, or
    the source tree on ``sys.path``) has it beside the ``sigmaq`` package. None when
    neither holds ``rules/`` (also when the package is imported from a zip archive).
    """
    from importlib import resources

    shipped = resources.files("sigmaq").joinpath(BUNDLED_PACK)
    if isinstance(shipped, Path) and (shipped / "rules").is_dir():
        return shipped
    checkout = Path(__file__).resolve().parents[2]  # sigmaq/core/layout.py -> the checkout
    return checkout if (checkout / "rules").is_dir() else None


def is_installed_pack(root: Path) -> bool:
    """True when ``root`` is the rule pack a wheel install carries inside the package
    (``sigmaq/_pack/``): rules, fixtures and ``sigmaq.yml`` only, without the checkout's
    README, ``docs/`` and ``backends/`` (the build stages that check those skip)."""
    from importlib import resources

    shipped = resources.files("sigmaq").joinpath(BUNDLED_PACK)
    if not isinstance(shipped, Path):
        return False
    try:
        return root.resolve() == shipped.resolve()
    except (OSError, RuntimeError):
        return False


def find_project_root(start: Path) -> Path | None:
    """Nearest folder at or above ``start`` holding both ``rules/`` and ``fixtures/``."""
    try:
        current = start.resolve()
    except (OSError, RuntimeError):  # symlink loop or unreadable path: no project
        return None
    if current.is_file():
        current = current.parent
    for candidate in (current, *current.parents):
        if (candidate / "rules").is_dir() and (candidate / "fixtures").is_dir():
            return candidate
    return None


# Top-level key that ``sigmaq new`` puts in the fixture stubs it writes; validation
# reports a fixture still holding it (the stub has not been edited yet).
FIXTURE_STUB_KEY = "sigmaqStub"
