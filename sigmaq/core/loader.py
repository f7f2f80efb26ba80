"""Load Sigma rules with file and line locations; report every broken file.

pySigma's ``SigmaCollection.load_ruleset(collect_errors=True)`` still raises on
YAML syntax errors and missing correlation targets, and does not check that a
condition names defined detections (TOOLCHAIN.md). This loader reads each file
on its own (``yaml_source``), hands the documents to pySigma with
``collect_errors=True``, forces condition parsing, resolves correlation
references across the whole set, and turns every failure into a
``RuleLoadError`` with path and line. One broken file never hides another.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule
from sigma.rule.detection import EmptySigmaDetections

from sigmaq.core.condition_trees import condition_trees
from sigmaq.core.errors import RuleLoadError
from sigmaq.core.layout import is_config_file
from sigmaq.core.unseen import first_unseen
from sigmaq.core.walk import walk_files
from sigmaq.core.yaml_source import (
    MAX_RULE_FILE_BYTES,
    YamlDocument,
    YamlSourceError,
    read_yaml_documents,
)

log = logging.getLogger(__name__)

NOT_REGULAR = (
    "not a regular file (a broken or looping symbolic link, a FIFO or a device): "
    "no rule was read from it"
)

# pySigma error class name fragment -> rule keys whose line best locates it.
_ERROR_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Identifier", ("id",)),
    ("Title", ("title",)),
    ("Status", ("status",)),
    ("Level", ("level",)),
    ("Modified", ("modified",)),
    ("Date", ("date",)),
    ("Author", ("author",)),
    ("Description", ("description",)),
    ("Reference", ("references",)),
    ("Tag", ("tags",)),
    ("LogSource", ("logsource",)),
    ("FalsePositive", ("falsepositives",)),
    ("Related", ("related",)),
    ("Condition", ("detection.condition", "correlation.condition")),
    ("Timespan", ("correlation.timespan",)),
    ("Correlation", ("correlation",)),
    ("RuleNotFound", ("correlation.rules",)),
    ("Modifier", ("detection",)),
    ("Regular", ("detection",)),
    ("Value", ("detection",)),
    ("Detection", ("detection",)),
    ("Fields", ("fields",)),
    ("License", ("license",)),
    ("Taxonomy", ("taxonomy",)),
    ("Scope", ("scope",)),
    ("Recursion", ("detection.condition", "correlation.condition")),
)
# "Sigma rule name must be a string": pySigma names the key in the message only
_NAMED_KEY = re.compile(r"\bSigma (?:rule |correlation )?(\w+) (?:must|cannot)\b")
# "... incompatible to value type of '1e999999'", "Invalid CIDR expression: '999.1.1.1/99'
# does not appear ...": a quoted text that is a detection value names its detection item.
_QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class LoadedRule:
    """A rule that pySigma parsed without error, with where it came from.

    ``document`` gives the line of any key path via ``document.line_of``.
    """

    rule: SigmaRule | SigmaCorrelationRule
    path: Path
    document: YamlDocument

    @property
    def rule_id(self) -> str:
        """The rule's id, or its title when the id is missing."""
        return str(self.rule.id) if self.rule.id is not None else str(self.rule.title)

    @property
    def is_correlation(self) -> bool:
        return isinstance(self.rule, SigmaCorrelationRule)


@dataclass
class LoadResult:
    """Everything a load produced.

    ``rules``: the rules that loaded cleanly, references resolved (build a fresh
    ``SigmaCollection`` from them for each conversion: conversion mutates rules).
    ``errors``: one ``RuleLoadError`` per problem, each with path and line.
    ``files``: every rule file that was read.
    """

    rules: list[LoadedRule] = field(default_factory=list)
    errors: list[RuleLoadError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def by_path(self) -> dict[Path, list[LoadedRule]]:
        """Clean rules grouped by their file."""
        grouped: dict[Path, list[LoadedRule]] = {}
        for loaded in self.rules:
            grouped.setdefault(loaded.path, []).append(loaded)
        return grouped


def iter_rule_files(paths: Iterable[Path | str]) -> list[Path]:
    """Every ``.yml``/``.yaml`` file under ``paths`` (``rule_files``, without the
    folders that could not be listed). Raises RuleLoadError as ``rule_files`` does."""
    return rule_files(paths)[0]


def rule_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[RuleLoadError]]:
    """Every ``.yml``/``.yaml`` file under ``paths`` (files are taken as given), and one
    error per folder that could not be listed (``sigmaq.core.walk``: a rule in it would
    otherwise be lost without a word).

    Folder entries that are not regular files (a broken or looping symbolic link, a
    FIFO, a device) are kept so that ``load_file`` names them instead of losing a rule
    silently. Symbolic links to folders are followed, each real folder once. In folders,
    sigmaq's configuration files (``sigmaq.yml``, ``sigmaq-validation.yml``)
    and anything under a hidden folder or named with a leading dot (``.github/``,
    ``.pre-commit-config.yaml``) are not rules and are left out. Sorted,
    de-duplicated. Raises RuleLoadError for a path that does not exist or, named
    explicitly, is not a regular file or folder.
    """
    found: set[Path] = set()
    errors: list[RuleLoadError] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_file():
                found.add(path)
            elif path.is_dir():
                walk = walk_files(path, _is_rule_entry)
                found.update(walk.files)
                errors += [RuleLoadError(reason, path=folder) for folder, reason in walk.unlisted]
            elif os.path.lexists(path):
                raise RuleLoadError(NOT_REGULAR, path=path)
            else:
                raise RuleLoadError("no such file or directory", path=path)
        except (OSError, RuntimeError) as exc:  # unreadable folder, symlink loop
            raise RuleLoadError(f"cannot read path: {exc}", path=path) from exc
    return sorted(found), errors


def _is_rule_entry(relative: Path) -> bool:
    """A rule file found in a folder: ``*.yml``/``*.yaml``, not a sigmaq configuration
    file, nothing hidden on the way (``relative`` to the folder named)."""
    return (
        relative.name.endswith((".yml", ".yaml"))
        and not is_config_file(relative)
        and not any(part.startswith(".") for part in relative.parts)
    )


_UNKNOWN_MODIFIER = re.compile(r"Unknown modifier '([^']*)'")


def _modifier_hint(error: Exception) -> str:
    """ "; did you mean 'contains'?" for an unknown modifier close to a known one."""
    found = _UNKNOWN_MODIFIER.search(str(error))
    if found is None:
        return ""
    from sigma.modifiers import modifier_mapping

    close = difflib.get_close_matches(found.group(1), sorted(modifier_mapping), n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


def _modifier_line(document: YamlDocument, modifier: str) -> int | None:
    """Line of the first detection item whose field spec uses ``|modifier``."""
    for key in document.key_lines:
        if key.startswith("detection.") and modifier in key.split("|")[1:]:
            return document.line_of(key)
    return None


def _error_line(error: Exception, document: YamlDocument) -> int:
    """The line of the key ``error`` is about: by pySigma's exception class, a key the
    message names, a detection value the message quotes, else where pySigma placed it
    (or the document's first line)."""
    name = type(error).__name__.lower()
    message = str(error)
    unknown = _UNKNOWN_MODIFIER.search(message)
    if unknown is not None:
        line = _modifier_line(document, unknown.group(1))
        if line is not None:
            return line
    for quoted in _QUOTED.findall(message):
        line = _detection_value_line(document, quoted)
        if line is not None:
            return line
    for fragment, keys in _ERROR_KEYS:
        if fragment.lower() in name and any(key in document.key_lines for key in keys):
            return document.line_of(*keys)
    named = _NAMED_KEY.search(message)
    if named is not None and named.group(1) in document.key_lines:
        return document.line_of(named.group(1))
    source = getattr(error, "source", None)
    if isinstance(source, SigmaRuleLocation) and source.line is not None:
        return source.line
    return document.line


def _detection_value_line(document: YamlDocument, text: str) -> int | None:
    """Line of the first detection item (``detection.<selection>.<field>``) one of
    whose values reads ``text``, or None."""
    detection = document.data.get("detection") if isinstance(document.data, dict) else None
    if not isinstance(detection, dict) or not text:
        return None
    for selection, body in detection.items():
        items = body if isinstance(body, list) else [body]
        for item in items:
            if not isinstance(item, dict):
                continue
            for field_spec, value in item.items():
                values = value if isinstance(value, list) else [value]
                if any(str(v) == text for v in values):
                    key = f"detection.{selection}.{field_spec}"
                    if key in document.key_lines:
                        return document.line_of(key)
    return None


def _rule_id(rule: SigmaRule | SigmaCorrelationRule | None, document: YamlDocument) -> str | None:
    if rule is not None and rule.id is not None:
        return str(rule.id)
    if isinstance(document.data, dict):
        value = document.data.get("id") or document.data.get("title")
        return str(value) if value is not None else None
    return None


def shape_errors(path: Path, document: YamlDocument) -> list[RuleLoadError]:
    """Errors for rule parts whose YAML type pySigma does not check before using them.

    A ``detection.condition`` must be a string or a list of strings, a
    ``correlation.condition`` a map (Sigma specification, "Condition"; correlation
    specification, "Condition"); otherwise pySigma fails with a bare TypeError.
    Every ``falsepositives`` entry must be text (the specification's JSON schemas:
    ``items: {type: string}``): an unquoted entry holding ": " is read by YAML as a
    map, which pySigma keeps and the SigmaHQ falsepositives validators then crash on.
    """
    data = document.data
    errors: list[RuleLoadError] = []
    identifier = data.get("id") if isinstance(data, dict) else None
    if identifier is not None and not isinstance(identifier, str):
        errors.append(
            RuleLoadError(
                f"id must be a string (a UUID), not {type(identifier).__name__}: {identifier!r}",
                path=path,
                line=document.line_of("id"),
                rule_id=None,
            )
        )
    detection = data.get("detection") if isinstance(data, dict) else None
    if isinstance(detection, dict) and "condition" in detection:
        condition = detection["condition"]
        conditions = condition if isinstance(condition, list) else [condition]
        if not conditions or not all(isinstance(c, str) for c in conditions):
            errors.append(
                RuleLoadError(
                    f"detection condition must be a string or a list of strings, not "
                    f"{type(condition).__name__}: {condition!r}",
                    path=path,
                    line=document.line_of("detection.condition"),
                    rule_id=_rule_id(None, document),
                )
            )
    errors += _falsepositives_errors(path, document)
    errors += _one_line_errors(path, document)
    correlation = data.get("correlation") if isinstance(data, dict) else None
    if isinstance(correlation, dict):
        errors += _correlation_shape_errors(path, document, correlation)
    return errors


def _correlation_shape_errors(
    path: Path, document: YamlDocument, correlation: dict[str, Any]
) -> list[RuleLoadError]:
    """A correlation's ``rules`` must name at least one rule and its condition counts
    must be integers: pySigma casts them with ``int()``, so 1.5 would become 1 and
    ``true`` 1, silently changing the threshold every target exports."""
    messages: list[tuple[str, str]] = []
    if correlation.get("rules") == []:
        messages.append(("correlation references no rules: name at least one", "rules"))
    condition = correlation.get("condition")
    if "condition" in correlation and not isinstance(condition, dict):
        messages.append(
            (
                "correlation condition must be a map such as {gte: 5}, not "
                f"{type(condition).__name__}: {condition!r}",
                "condition",
            )
        )
    elif isinstance(condition, dict):
        for key, value in condition.items():
            if key in ("field", "percentile"):
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                if value < 0:
                    messages.append(
                        (f"correlation condition {key}: count {value} is negative", "condition")
                    )
                continue
            messages.append(
                (
                    f"correlation condition {key}: count must be an integer, not "
                    f"{type(value).__name__}: {value!r}",
                    "condition",
                )
            )
    timespan = correlation.get("timespan")
    if isinstance(timespan, str) and (match := _TIMESPAN.fullmatch(timespan.strip())):
        seconds = int(match.group(1)) * _TIMESPAN_UNITS[match.group(2)]
        if seconds > MAX_TIMESPAN_SECONDS:
            messages.append(
                (
                    f"correlation timespan {timespan} is over a year: no target keeps or scans "
                    "that much (Splunk wrote a look-back of billions of minutes)",
                    "timespan",
                )
            )
    return [
        RuleLoadError(
            message,
            path=path,
            line=document.line_of(f"correlation.{key}", "correlation"),
            rule_id=_rule_id(None, document),
        )
        for message, key in messages
    ]


# Sigma correlation timespans (specification: s, m, h, d, w, M, y) and the longest kept.
_TIMESPAN = re.compile(r"(\d+)([smhdwMy])")
_TIMESPAN_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2629746, "y": 31556952}
MAX_TIMESPAN_SECONDS = 366 * 86400


# Line breaks and other control or format characters (C0/C1 controls, U+2028/U+2029, bidi
# overrides). Exporters write a title or a name on one line (a Splunk stanza and macro
# name, an SQL or Logs Insights comment): a line break there would start a conf key or a
# statement the rule never asked for. Sigma's title is "a brief title" (specification,
# "Title"; 256 characters at most).
_ONE_LINE_KEYS = ("title", "name")


def _one_line_errors(path: Path, document: YamlDocument) -> list[RuleLoadError]:
    data = document.data
    errors: list[RuleLoadError] = []
    for key in _ONE_LINE_KEYS:
        value = data.get(key) if isinstance(data, dict) else None
        shown = first_unseen(value) if isinstance(value, str) else None
        if shown is not None:
            errors.append(
                RuleLoadError(
                    f"{key} must be one line of text: it holds a control character ({shown})",
                    path=path,
                    line=document.line_of(key),
                    rule_id=_rule_id(None, document),
                )
            )
    return errors


def _falsepositives_errors(path: Path, document: YamlDocument) -> list[RuleLoadError]:
    data = document.data
    entries = data.get("falsepositives") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    errors: list[RuleLoadError] = []
    for entry in entries:
        if isinstance(entry, str):
            continue
        if isinstance(entry, dict):
            text = "; ".join(f"{key}: {value}" for key, value in entry.items())
            first = next(iter(entry), "")
            message = (
                f"falsepositives entry must be text, not a map: YAML read '{text}' as "
                "key: value because of the ': ' in it; quote the entry"
            )
            line = document.line_of(f"falsepositives.{first}", "falsepositives")
        else:
            message = f"falsepositives entry must be text, not {type(entry).__name__}: {entry!r}"
            line = document.line_of("falsepositives")
        errors.append(
            RuleLoadError(message, path=path, line=line, rule_id=_rule_id(None, document))
        )
    return errors


def nested_map_errors(path: Path, document: YamlDocument) -> list[RuleLoadError]:
    """Errors for detection items whose YAML shape pySigma rejects without saying where.

    A value that is a YAML map instead of dotted names (pySigma: a bare "Unsupported
    type: dict") names the field, the line and the fix (write
    ``requestParameters.identityType``). A value list holding a list, a ``!!binary``
    value, and a field name that YAML read as a number, boolean or null (pySigma:
    "Unsupported type: <class 'list'>", an AttributeError, placed at line 1) are named at
    their line too.
    """
    data = document.data
    detection = data.get("detection") if isinstance(data, dict) else None
    if not isinstance(detection, dict):
        return []
    errors: list[RuleLoadError] = []

    def error(message: str, name: object, field_spec: object) -> None:
        errors.append(
            RuleLoadError(
                message,
                path=path,
                line=document.line_of(f"detection.{name}.{field_spec}", f"detection.{name}"),
                rule_id=_rule_id(None, document),
            )
        )

    for name, definition in detection.items():
        if name == "condition":
            continue
        maps = definition if isinstance(definition, list) else [definition]
        for item in maps:
            if not isinstance(item, dict):
                continue
            for field_spec, value in item.items():
                if not isinstance(field_spec, str):
                    error(
                        f"field name {field_spec!r} in detection '{name}' is not text (YAML "
                        f"read it as {type(field_spec).__name__}): quote it, or name a field",
                        name,
                        field_spec,
                    )
                    continue
                values = value if isinstance(value, list) else [value]
                field = field_spec.split("|")[0]
                if any(isinstance(v, dict) for v in values):
                    error(
                        f"nested YAML map under field '{field}' in detection '{name}': "
                        f"write dotted field names instead (e.g. '{field}.<key>: value')",
                        name,
                        field_spec,
                    )
                elif any(isinstance(v, list) for v in values):
                    error(
                        f"a list inside the value list of field '{field}' in detection "
                        f"'{name}': a value list holds values, not lists; flatten it",
                        name,
                        field_spec,
                    )
                elif any(isinstance(v, bytes) for v in values):
                    error(
                        f"binary (!!binary) value under field '{field}' in detection '{name}': "
                        "CloudTrail fields hold text; write the text",
                        name,
                        field_spec,
                    )
    return errors


def _check_conditions(rule: SigmaRule) -> None:
    """Force pySigma to parse conditions, raising on undefined detection names (inside
    ``shared_condition_trees`` the trees are kept for the validators)."""
    condition_trees(rule)


def load_file(path: Path) -> tuple[list[LoadedRule], list[RuleLoadError]]:
    """Load one rule file without resolving correlation references.

    Returns (clean rules, errors); never raises for a bad file.
    """
    if not path.is_file():  # never opened: reading a FIFO or a device would block
        return [], [RuleLoadError(NOT_REGULAR, path=path)]
    try:
        size = path.stat().st_size
        if size > MAX_RULE_FILE_BYTES:  # refused unread: a huge file would be held whole
            return [], [
                RuleLoadError(
                    f"rule file larger than {MAX_RULE_FILE_BYTES} bytes ({size})", path=path
                )
            ]
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        return [], [RuleLoadError(f"cannot read file: {exc}", path=path)]
    except UnicodeDecodeError as exc:  # named at the line of the first byte that is not UTF-8
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return [], [
            RuleLoadError(
                f"cannot read file: not UTF-8, byte 0x{raw[exc.start]:02x} at column {column} "
                f"({exc.reason}); "
                "save the file as UTF-8",
                path=path,
                line=line,
            )
        ]
    try:
        documents = read_yaml_documents(text)
    except YamlSourceError as exc:
        return [], [RuleLoadError(str(exc), path=path, line=exc.line)]
    if not documents:
        return [], [RuleLoadError("file holds no YAML document", path=path, line=1)]

    loaded: list[LoadedRule] = []
    errors: list[RuleLoadError] = []
    sigma_v1 = next((d for d in documents if isinstance(d.data, dict) and "action" in d.data), None)
    if sigma_v1 is not None:  # its later documents mean nothing without the first
        return [], [_collection_error(path, sigma_v1)]
    for document in documents:
        if not isinstance(document.data, dict):
            errors.append(
                RuleLoadError("YAML document is not a mapping", path=path, line=document.line)
            )
            continue
        early = shape_errors(path, document) + nested_map_errors(path, document)
        if early:
            errors.extend(early)
            continue
        source = SigmaRuleLocation(path, document.line)
        try:
            collection = SigmaCollection.from_dicts(
                [document.data],
                collect_errors=True,
                source=source,
                collect_filters=True,
                resolve_references=False,
            )
        except Exception as exc:  # pySigma raises many types on odd input; never crash
            errors.append(
                RuleLoadError(
                    f"{type(exc).__name__}: {_strip_location(exc)}{_modifier_hint(exc)}",
                    path=path,
                    line=_error_line(exc, document),
                    rule_id=_rule_id(None, document),
                )
            )
            continue
        rule_error_ids = {id(e) for rule in collection.rules for e in rule.errors}
        for collection_error in collection.errors:
            if id(collection_error) in rule_error_ids:
                continue
            errors.append(
                RuleLoadError(
                    f"{type(collection_error).__name__}: {_strip_location(collection_error)}"
                    f"{_modifier_hint(collection_error)}",
                    path=path,
                    line=_error_line(collection_error, document),
                    rule_id=_rule_id(None, document),
                )
            )
        if collection.filters:
            errors.append(
                RuleLoadError(
                    "Sigma filter documents are not supported; nothing in this document was loaded",
                    path=path,
                    line=document.line,
                    rule_id=_rule_id(None, document),
                )
            )
        for rule in collection.rules:
            rule_errors: list[Exception] = list(rule.errors)
            if isinstance(rule, SigmaRule) and not isinstance(rule.detection, EmptySigmaDetections):
                try:
                    _check_conditions(rule)
                except Exception as exc:  # SigmaError, or a TypeError on odd input
                    rule_errors.append(exc)
            for rule_error in rule_errors:
                errors.append(
                    RuleLoadError(
                        f"{type(rule_error).__name__}: {_strip_location(rule_error)}"
                        f"{_modifier_hint(rule_error)}",
                        path=path,
                        line=_error_line(rule_error, document),
                        rule_id=_rule_id(rule, document),
                    )
                )
            if not rule_errors:
                loaded.append(LoadedRule(rule, path, document))
    # pySigma reports some problems once per offending entry (each bad tag): say it once
    unique = {str(error): error for error in reversed(errors)}
    return loaded, [error for error in errors if unique.get(str(error)) is error]


_TOO_DEEP = "the rule nests too deeply to parse (Python's recursion limit)"


def _collection_error(path: Path, document: YamlDocument) -> RuleLoadError:
    """One error for a file written as a Sigma 1 rule collection (``action: global``,
    ``reset``, ``repeat``): sigmaq reads each YAML document as a whole rule, so the
    documents after ``action: global`` would each lack what it holds (title, logsource)
    and fail with errors that do not say why."""
    action = document.data.get("action") if isinstance(document.data, dict) else None
    return RuleLoadError(
        f"'action: {action}' makes this file a Sigma rule collection, which sigmaq does not "
        "read: write each rule whole, one per file (or one per YAML document)",
        path=path,
        line=document.line_of("action"),
        rule_id=_rule_id(None, document),
    )


def _strip_location(error: Exception) -> str:
    """pySigma appends ' in <path>' to messages; our errors carry the path."""
    if isinstance(error, RecursionError):
        return _TOO_DEEP
    return str(error.args[0]) if error.args else str(error)


def resolve_references(rules: list[LoadedRule]) -> tuple[list[LoadedRule], list[RuleLoadError]]:
    """Resolve correlation ``rules:`` references within ``rules``.

    A correlation naming a rule that is absent (or that failed to load) is an
    error located at its ``correlation.rules`` key, and is dropped.
    """
    collection = SigmaCollection(
        [loaded.rule for loaded in rules], resolve_references=False, collect_filters=True
    )
    kept: list[LoadedRule] = []
    errors: list[RuleLoadError] = []
    for loaded in rules:
        if isinstance(loaded.rule, SigmaCorrelationRule):
            try:
                loaded.rule.resolve_rule_references(collection)
            except SigmaError as exc:
                errors.append(
                    RuleLoadError(
                        f"{type(exc).__name__}: {_strip_location(exc)}",
                        path=loaded.path,
                        line=loaded.document.line_of("correlation.rules", "correlation"),
                        rule_id=loaded.rule_id,
                    )
                )
                continue
        kept.append(loaded)
    return kept, errors


def cycle_errors(rules: list[LoadedRule]) -> tuple[list[LoadedRule], list[RuleLoadError]]:
    """Drop correlations that reference themselves, directly or through others.

    pySigma resolves such references without complaint; evaluating or converting
    them recurses forever. Each correlation on a cycle is an error at its
    ``correlation.rules`` key.
    """
    edges: dict[int, list[int]] = {}
    by_id = {id(loaded.rule): loaded for loaded in rules}
    for loaded in rules:
        if isinstance(loaded.rule, SigmaCorrelationRule):
            edges[id(loaded.rule)] = [
                id(reference.rule)
                for reference in loaded.rule.rules or []
                if getattr(reference, "rule", None) is not None
            ]
    on_cycle: set[int] = set()
    for start in edges:
        stack, seen = list(edges[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                on_cycle.add(start)
                break
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, []))
    errors = [
        RuleLoadError(
            "correlation references itself through its rules (a cycle); remove the loop",
            path=by_id[key].path,
            line=by_id[key].document.line_of("correlation.rules", "correlation"),
            rule_id=by_id[key].rule_id,
        )
        for key in sorted(on_cycle, key=lambda k: str(by_id[k].path))
    ]
    return [loaded for loaded in rules if id(loaded.rule) not in on_cycle], errors


def load_rules(paths: Sequence[Path | str]) -> LoadResult:
    """Load every rule file under ``paths``.

    Returns a ``LoadResult``; errors are collected, never raised, except a
    ``RuleLoadError`` for a path that does not exist.
    """
    files, unlisted = rule_files(paths)
    result = LoadResult(files=files, errors=unlisted)
    loaded: list[LoadedRule] = []
    for path in result.files:
        file_rules, file_errors = load_file(path)
        loaded.extend(file_rules)
        result.errors.extend(file_errors)
    # Resolve until stable: a correlation over a dropped correlation drops too.
    while True:
        kept, errors = resolve_references(loaded)
        result.errors.extend(errors)
        if len(kept) == len(loaded):
            break
        loaded = kept
    kept, errors = cycle_errors(kept)
    result.errors.extend(errors)
    if errors:  # correlations over a dropped cycle member drop too
        while True:
            still, more = resolve_references(kept)
            result.errors.extend(more)
            if len(still) == len(kept):
                break
            kept = still
    result.rules = kept
    log.debug("loaded %d rules from %d files", len(kept), len(result.files))
    return result
