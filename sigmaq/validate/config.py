"""Project configuration: ``sigmaq.yml`` or ``[tool.sigmaq]`` in ``pyproject.toml``.

The file sits at the project root (the folder found first when walking up from the
rules, stopping at a git repository's root) and is never loaded as a rule. Keys
(README "Configuration")::

    profile: amazon_q          # amazon_q (this pack's conventions) or cloudtrail
    rules: [rules]             # default rule paths, relative to the file
    validators: [-sigmaq_filename, attacktag]   # changes to the profile's set
    exclusions: {<rule id>: [validator, ...]}   # per-rule exceptions (sigma-cli layout)
    config: {<validator>: {<setting>: value}}   # per-validator settings (sigma-cli layout)
    real_data: ../shared/data/external          # public CloudTrail data for `sigmaq build`
    author: sigmaq contributors                 # author: of the rules `sigmaq new` writes

``validators``/``exclusions``/``config`` follow sigma-cli's validation config. Without
any file the profile is ``cloudtrail`` (CloudTrail facts only) and the rule paths
are the project's ``rules/``. The pre-profile ``sigmaq-validation.yml`` is no longer
read: finding it without a ``sigmaq.yml`` is a ConfigError that says how to move it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from sigmaq.core.errors import ConfigError

CONFIG_FILES = ("sigmaq.yml", "sigmaq.yaml")
PYPROJECT = "pyproject.toml"
LEGACY_CONFIG_FILE = "sigmaq-validation.yml"
PROFILES = ("amazon_q", "cloudtrail")
DEFAULT_PROFILE = "cloudtrail"
# A config names a profile, rule paths and per-rule exclusions: far below this. Reading a
# multi-megabyte YAML file costs seconds and ~120 bytes of memory per byte (PyYAML).
MAX_CONFIG_BYTES = 1024 * 1024
KEYS = frozenset(["profile", "rules", "validators", "exclusions", "config", "real_data", "author"])


@dataclass(frozen=True)
class ProjectConfig:
    """A project's sigmaq configuration, paths resolved against ``root``.

    ``source``: the file read (None: no file, defaults). ``validators``: the
    modifier list (``name``/``+name`` adds, ``-name`` removes, ``all`` or a group
    adds many); ``exclusions``: rule id -> validator names; ``settings``: validator
    -> settings map; ``rules``: default rule paths; ``real_data``: folder of public
    CloudTrail data for the real-data stage (None: the project's default); ``author``:
    the ``author:`` that ``sigmaq new`` writes (None: ``git config user.name``).
    """

    root: Path | None = None
    source: Path | None = None
    profile: str = DEFAULT_PROFILE
    validators: tuple[str, ...] = ()
    exclusions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules: tuple[Path, ...] = ()
    real_data: Path | None = None
    author: str | None = None

    def with_profile(self, profile: str | None) -> ProjectConfig:
        """A copy using ``profile`` (None keeps the configured one).

        Raises ConfigError for an unknown profile name.
        """
        if profile is None:
            return self
        _check_profile(profile, self.source)
        return ProjectConfig(
            self.root,
            self.source,
            profile,
            self.validators,
            self.exclusions,
            self.settings,
            self.rules,
            self.real_data,
            self.author,
        )


def _check_profile(profile: object, source: Path | None) -> str:
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ConfigError(
            f"unknown profile {profile!r} (profiles: {', '.join(PROFILES)})", path=source
        )
    return profile


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    """``[tool.sigmaq]`` of a pyproject.toml, None when absent. Raises ConfigError."""
    text = _read_text(path, PYPROJECT)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {PYPROJECT}: {exc}", path=path) from exc
    table = data.get("tool", {}).get("sigmaq")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("[tool.sigmaq] must be a table", path=path)
    return table


def _read_text(path: Path, what: str) -> str:
    """The UTF-8 text of a config file of at most MAX_CONFIG_BYTES. Raises ConfigError."""
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"cannot read {what}: larger than {MAX_CONFIG_BYTES} bytes ({size})", path=path
            )
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc}", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {what}: not UTF-8 ({exc})", path=path) from exc


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"duplicate key '{key}'")
        self.line = line


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one map: YAML keeps the last one
    silently, so a second ``exclusions:`` would drop every exclusion of the first (rule
    files refuse duplicate keys the same way, ``sigmaq.core.yaml_source``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise _DuplicateKey(key_node.value, key_node.start_mark.line + 1)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path, "sigmaq config")
    try:
        loaded = yaml.load(text, Loader=_ConfigLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ConfigError(
            f"{exc} (line {exc.line}): YAML would keep only the last", path=path
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read sigmaq config: {exc}", path=path) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError("sigmaq config must be a map of settings", path=path)
    return loaded


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config at or above ``start``: (file, its settings), or None.

    Looks in each folder for ``sigmaq.yml``/``sigmaq.yaml``, then a ``pyproject.toml``
    with ``[tool.sigmaq]``; stops after the first folder holding ``.git``. Raises
    ConfigError for an unreadable file, and for a legacy ``sigmaq-validation.yml``
    found before any config (it is no longer read).
    """
    try:
        current = start.resolve()
    except (OSError, RuntimeError):
        return None
    if not current.is_dir():
        current = current.parent
    for folder in (current, *current.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                return candidate, _read_yaml(candidate)
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            table = _pyproject_table(pyproject)
            if table is not None:
                return pyproject, table
        legacy = folder / LEGACY_CONFIG_FILE
        if legacy.is_file():
            raise ConfigError(
                f"{LEGACY_CONFIG_FILE} is no longer read: move its validators, exclusions "
                "and config keys into sigmaq.yml next to it (and add `profile: amazon_q` "
                "for the Amazon Q pack conventions), then delete it",
                path=legacy,
            )
        if (folder / ".git").exists():
            break
    return None


def _string_list(value: Any, key: str, source: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"'{key}' must be a list of strings", path=source)


def parse_config(data: Mapping[str, Any], source: Path) -> ProjectConfig:
    """A ``ProjectConfig`` from the settings read out of ``source``.

    Raises ConfigError naming the key for every shape problem.
    """
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ConfigError(f"unknown keys {unknown} (known: {', '.join(sorted(KEYS))})", path=source)
    root = source.parent
    profile = _check_profile(data.get("profile", DEFAULT_PROFILE), source)
    validators = _string_list(data.get("validators", []), "validators", source)
    raw_exclusions = data.get("exclusions") or {}
    if not isinstance(raw_exclusions, dict):
        raise ConfigError(
            "'exclusions' must map rule ids to a validator name or a list of names", path=source
        )
    exclusions: dict[str, tuple[str, ...]] = {}
    for rule_id, names in raw_exclusions.items():
        try:
            UUID(str(rule_id))
        except ValueError:
            raise ConfigError(
                f"exclusion key {rule_id!r} is not a rule id (UUID)", path=source
            ) from None
        exclusions[str(rule_id)] = _string_list(names, f"exclusions.{rule_id}", source)
    settings = data.get("config") or {}
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise ConfigError("'config' must map validator names to maps of settings", path=source)
    rules = tuple(root / item for item in _string_list(data.get("rules", []), "rules", source))
    real_data = data.get("real_data")
    if real_data is not None and not isinstance(real_data, str):
        raise ConfigError("'real_data' must be a folder path", path=source)
    author = data.get("author")
    if author is not None and (not isinstance(author, str) or not author.strip()):
        raise ConfigError("'author' must be a name (the author: of new rules)", path=source)
    return ProjectConfig(
        root=root,
        source=source,
        profile=profile,
        validators=validators,
        exclusions=exclusions,
        settings={str(k): dict(v) for k, v in settings.items()},
        rules=rules,
        real_data=root / real_data if real_data else None,
        author=author.strip() if author else None,
    )


def load_project_config(
    start: Path | None, *, config_path: Path | None = None, profile: str | None = None
) -> ProjectConfig:
    """The configuration that applies to rules at ``start``.

    ``config_path`` names the file explicitly (a ``sigmaq.yml`` or a
    ``pyproject.toml``); ``profile`` overrides the configured profile (the CLI's
    ``--profile``). Without a file: defaults (profile ``cloudtrail``). Raises
    ConfigError for a missing explicit file or a malformed one.
    """
    found: tuple[Path, dict[str, Any]] | None
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError("config file not found", path=config_path)
        if config_path.name == PYPROJECT:
            table = _pyproject_table(config_path)
            found = (config_path, table or {})
        else:
            found = (config_path, _read_yaml(config_path))
    else:
        found = find_config_file(start) if start is not None else None
    config = parse_config(found[1], found[0]) if found else ProjectConfig()
    return config.with_profile(profile)
