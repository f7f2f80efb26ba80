"""Read exported AWS configuration (JSON from the AWS CLI) into log sources.

Inputs are files or folders (read recursively, ``*.json`` only in folders; a file named on
the command line is read whatever its name). Each document is recognised by its shape, as
botocore's service models define the outputs:

==========================  =====================================================
shape                       command
==========================  =====================================================
``trailList``               ``aws cloudtrail describe-trails``
``IsLogging``               ``aws cloudtrail get-trail-status --name T``
``TrailARN`` + selectors    ``aws cloudtrail get-event-selectors --trail-name T``
``TrailName`` + selectors   a ``put-event-selectors`` request (what ``fix`` emits)
``EventDataStoreArn``       ``aws cloudtrail get-event-data-store``
``deliveries``...           ``aws logs describe-deliveries`` / ``-delivery-sources``
                            / ``-delivery-destinations``
``Policy`` ...              ``aws s3api get-bucket-policy`` / ``get-bucket-versioning``
                            / ``get-object-lock-configuration`` /
                            ``get-public-access-block``
``applications``            ``aws qbusiness list-applications``
list of OCSF findings       ``prowler aws --output-formats json-ocsf``
==========================  =====================================================

Two outputs name no resource: ``get-trail-status`` (matched to a trail whose name is the
file's folder, its stem or a dot-separated part of the stem; or to the only trail) and the
``s3api`` outputs (the bucket is the name of the file's folder: ``s3/<bucket>/...json``).
An empty ``get-bucket-versioning`` output (the CLI prints nothing for a bucket that was
never versioned) is accepted from a file whose name contains ``versioning``.

Nothing here raises on bad input: every unreadable, malformed or unmatched document becomes
an ``ExportProblem`` and the rest is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sigmaq.core.walk import walk_files
from sigmaq.readiness.selectors import (
    AdvancedSelector,
    BasicSelector,
    SelectorError,
    basic_to_advanced,
)

log = logging.getLogger(__name__)

TRAIL = "trail"
EVENT_DATA_STORE = "event-data-store"

# Default of a trail created without selectors (PutEventSelectors doc): all management events.
DEFAULT_SELECTORS = (BasicSelector(),)


@dataclass(frozen=True)
class ExportProblem:
    """A document that could not be used, with why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ExportDocument:
    """One recognised document: where it came from, its kind and its JSON."""

    path: Path
    kind: str
    data: Any
    root: Path

    def name_candidates(self) -> list[str]:
        """Resource names the file's location may carry (folder, stem, stem parts)."""
        stem = self.path.name.removesuffix(".json")
        out = [self.path.parent.name, stem, *stem.split(".")]
        return [c for c in dict.fromkeys(out) if c]

    def folder_name(self) -> str:
        return self.path.parent.name


@dataclass(frozen=True)
class LogSource:
    """A trail or an event data store, as far as the exports tell (None = unknown).

    ``selectors`` are the advanced form of what the source logs (basic selectors converted,
    ``BasicSelector.to_advanced``); None when the exports do not say. ``basic_selectors``
    keeps the original basic selectors. ``logging``: trail IsLogging / store Status ENABLED.
    """

    kind: str
    name: str
    arn: str | None = None
    home_region: str | None = None
    multi_region: bool | None = None
    organization: bool | None = None
    include_global_service_events: bool | None = None
    log_file_validation: bool | None = None
    cloudwatch_log_group: str | None = None
    cloudwatch_error: str | None = None
    kms_key: str | None = None
    s3_bucket: str | None = None
    logging: bool | None = None
    status: str | None = None
    selectors: tuple[AdvancedSelector, ...] | None = None
    basic_selectors: tuple[BasicSelector, ...] = ()
    selector_origin: str = "unknown"
    files: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class ExportSet:
    """Everything read: log sources, the other documents by kind, and the problems."""

    sources: tuple[LogSource, ...]
    documents: tuple[ExportDocument, ...]
    problems: tuple[ExportProblem, ...]

    def of_kind(self, kind: str) -> list[ExportDocument]:
        return [d for d in self.documents if d.kind == kind]


def _kind(data: Any, path: Path) -> str | None:
    """The export kind of a parsed document, None when unrecognised."""
    if isinstance(data, list):
        if data and all(isinstance(item, Mapping) for item in data):
            product = data[0].get("metadata", {}).get("product", {})
            if isinstance(product, Mapping) and product.get("name") == "Prowler":
                return "prowler-ocsf"
        return None
    if not isinstance(data, Mapping):
        return None
    keys = set(data)
    selectors = {"EventSelectors", "AdvancedEventSelectors"} & keys
    checks: list[tuple[bool, str]] = [
        ("trailList" in keys, "describe-trails"),
        ("IsLogging" in keys, "trail-status"),
        ("EventDataStoreArn" in keys, "event-data-store"),
        (bool(selectors) and "TrailARN" in keys, "event-selectors"),
        (bool(selectors) and "TrailName" in keys, "put-event-selectors"),
        ("deliveries" in keys, "deliveries"),
        ("deliverySources" in keys, "delivery-sources"),
        ("deliveryDestinations" in keys, "delivery-destinations"),
        ("Policy" in keys and isinstance(data.get("Policy"), str), "bucket-policy"),
        ("ObjectLockConfiguration" in keys, "object-lock"),
        ("PublicAccessBlockConfiguration" in keys, "public-access-block"),
        (bool(keys) and keys <= {"Status", "MFADelete"}, "bucket-versioning"),
        (not keys and "versioning" in path.name.lower(), "bucket-versioning"),
        ("applications" in keys, "qbusiness-applications"),
    ]
    return next((kind for matched, kind in checks if matched), None)


def _iter_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[ExportProblem]]:
    files: list[tuple[Path, Path]] = []
    problems: list[ExportProblem] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            walk = walk_files(path, lambda relative: relative.name.endswith(".json"))
            problems += [ExportProblem(str(folder), why) for folder, why in walk.unlisted]
            found = [p for p in walk.files if p.is_file()]
            problems += [
                ExportProblem(str(p), "not a regular file (a FIFO, or a broken link)")
                for p in walk.files
                if not p.is_file()
            ]
            if not found and not walk.unlisted:
                problems.append(ExportProblem(str(path), "folder holds no .json export"))
            pairs = [(p, path) for p in found]
        elif path.is_file():
            pairs = [(path, path.parent)]
        elif path.exists():  # a FIFO or a device: reading it could block
            problems.append(ExportProblem(str(path), "not a regular file"))
            continue
        else:
            problems.append(ExportProblem(str(path), "no such file or folder"))
            continue
        for file, root in pairs:
            resolved = file.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append((file, root))
    return files, problems


def _not_json(constant: str) -> Any:
    """Python's ``json`` reads ``NaN`` and ``Infinity``; the AWS CLI never writes them and
    JSON (RFC 8259 section 6) has no such number."""
    raise ValueError(f"{constant} is not a JSON number (RFC 8259 section 6)")


def read_documents(paths: Iterable[Path]) -> tuple[list[ExportDocument], list[ExportProblem]]:
    """Parse and recognise every export under ``paths``; problems are collected, not raised."""
    files, problems = _iter_files(paths)
    documents: list[ExportDocument] = []
    for path, root in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ExportProblem(str(path), f"cannot read: {exc}"))
            continue
        try:
            data = json.loads(text, parse_constant=_not_json) if text.strip() else {}
        except json.JSONDecodeError as exc:
            problems.append(ExportProblem(str(path), f"not JSON: {exc.msg} at line {exc.lineno}"))
            continue
        except ValueError as exc:  # NaN or Infinity
            problems.append(ExportProblem(str(path), f"not JSON: {exc}"))
            continue
        except RecursionError:
            problems.append(ExportProblem(str(path), "not JSON: nested too deeply to read"))
            continue
        kind = _kind(data, path)
        if kind is None:
            problems.append(ExportProblem(str(path), "not a recognised AWS CLI or Prowler export"))
            continue
        documents.append(ExportDocument(path, kind, data, root))
    return documents, problems


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _trail_from_json(item: Mapping[str, Any], path: Path) -> LogSource:
    return LogSource(
        kind=TRAIL,
        name=str(item.get("Name") or item.get("TrailARN") or "?"),
        arn=_str(item.get("TrailARN")),
        home_region=_str(item.get("HomeRegion")),
        multi_region=_bool(item.get("IsMultiRegionTrail")),
        organization=_bool(item.get("IsOrganizationTrail")),
        include_global_service_events=_bool(item.get("IncludeGlobalServiceEvents")),
        log_file_validation=_bool(item.get("LogFileValidationEnabled")),
        cloudwatch_log_group=_str(item.get("CloudWatchLogsLogGroupArn")),
        kms_key=_str(item.get("KmsKeyId")),
        s3_bucket=_str(item.get("S3BucketName")),
        # No custom selectors: the trail logs the default (all management events).
        selectors=(
            None
            if item.get("HasCustomEventSelectors") is not False
            else tuple(basic_to_advanced(DEFAULT_SELECTORS))
        ),
        basic_selectors=DEFAULT_SELECTORS if item.get("HasCustomEventSelectors") is False else (),
        selector_origin="default" if item.get("HasCustomEventSelectors") is False else "unknown",
        files=(str(path),),
    )


def _trail_name_of_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn


def parse_selectors(
    data: Mapping[str, Any], where: str
) -> tuple[tuple[AdvancedSelector, ...], tuple[BasicSelector, ...], str]:
    """(advanced form, basic selectors, origin) of a get/put-event-selectors document.

    Raises SelectorError on malformed selectors.
    """
    advanced = data.get("AdvancedEventSelectors") or []
    basic = data.get("EventSelectors") or []
    if not isinstance(advanced, list) or not isinstance(basic, list):
        raise SelectorError(f"{where}: selectors must be lists")
    if advanced and basic:
        raise SelectorError(f"{where}: a trail cannot have both basic and advanced selectors")
    if advanced:
        parsed = tuple(
            AdvancedSelector.from_json(item, f"{where}.AdvancedEventSelectors[{i}]")
            for i, item in enumerate(advanced)
        )
        return parsed, (), "advanced"
    basics = tuple(
        BasicSelector.from_json(item, f"{where}.EventSelectors[{i}]")
        for i, item in enumerate(basic)
    )
    return tuple(basic_to_advanced(basics)), basics, "basic"


class _Sources:
    """Log sources under construction, keyed by ARN or name."""

    def __init__(self) -> None:
        self.items: list[LogSource] = []

    def find(self, arn: str | None = None, name: str | None = None) -> int | None:
        for index, source in enumerate(self.items):
            if arn and source.arn == arn:
                return index
            if name and (source.name == name or (source.arn or "").endswith(f"/{name}")):
                return index
        return None

    def put(self, source: LogSource) -> None:
        index = self.find(source.arn, source.name)
        if index is None:
            self.items.append(source)
        else:
            old = self.items[index]
            self.items[index] = replace(old, files=(*old.files, *source.files))

    def update(self, index: int, path: Path, **changes: Any) -> None:
        old = self.items[index]
        self.items[index] = replace(old, files=(*old.files, str(path)), **changes)


def _attach_selectors(doc: ExportDocument, sources: _Sources) -> ExportProblem | None:
    data = doc.data
    arn = _str(data.get("TrailARN"))
    name = _str(data.get("TrailName"))
    if name and name.startswith("arn:"):
        arn, name = name, None
    try:
        advanced, basic, origin = parse_selectors(data, doc.path.name)
    except SelectorError as exc:
        return ExportProblem(str(doc.path), exc.message)
    index = sources.find(arn, name or (arn and _trail_name_of_arn(arn)))
    if index is None:
        sources.put(LogSource(TRAIL, name or _trail_name_of_arn(arn or "?"), arn=arn))
        index = len(sources.items) - 1
    elif sources.items[index].selector_origin in ("basic", "advanced"):
        return ExportProblem(
            str(doc.path), f"second selectors export for {sources.items[index].label}; ignored"
        )
    sources.update(
        index, doc.path, selectors=advanced, basic_selectors=basic, selector_origin=origin
    )
    return None


def _attach_status(doc: ExportDocument, sources: _Sources) -> ExportProblem | None:
    trails = [i for i, s in enumerate(sources.items) if s.kind == TRAIL]
    matches = [
        i
        for i in trails
        if sources.items[i].name in doc.name_candidates()
        or _trail_name_of_arn(sources.items[i].arn or "") in doc.name_candidates()
    ]
    if not matches and len(trails) == 1:
        matches = trails
    if len(matches) != 1:
        return ExportProblem(
            str(doc.path),
            "get-trail-status names no trail: put it in a folder (or file) named after the trail",
        )
    data = doc.data
    sources.update(
        matches[0],
        doc.path,
        logging=_bool(data.get("IsLogging")),
        cloudwatch_error=_str(data.get("LatestCloudWatchLogsDeliveryError")),
    )
    return None


def _event_data_store(doc: ExportDocument) -> LogSource | ExportProblem:
    data = doc.data
    try:
        advanced = tuple(
            AdvancedSelector.from_json(item, f"{doc.path.name}.AdvancedEventSelectors[{i}]")
            for i, item in enumerate(data.get("AdvancedEventSelectors") or [])
        )
    except SelectorError as exc:
        return ExportProblem(str(doc.path), exc.message)
    status = _str(data.get("Status"))
    arn = _str(data.get("EventDataStoreArn"))
    region = arn.split(":")[3] if arn and arn.count(":") >= 5 else None
    return LogSource(
        kind=EVENT_DATA_STORE,
        name=str(data.get("Name") or arn or "?"),
        arn=arn,
        home_region=region,
        multi_region=_bool(data.get("MultiRegionEnabled")),
        organization=_bool(data.get("OrganizationEnabled")),
        kms_key=_str(data.get("KmsKeyId")),
        logging=None if status is None else status == "ENABLED",
        status=status,
        selectors=advanced,
        selector_origin="advanced",
        files=(str(doc.path),),
    )


def build_sources(
    documents: Sequence[ExportDocument],
) -> tuple[list[LogSource], list[ExportProblem]]:
    """Log sources from the CloudTrail documents (trails first, then selectors and status)."""
    sources = _Sources()
    problems: list[ExportProblem] = []
    for doc in documents:
        if doc.kind != "describe-trails":
            continue
        trails = doc.data.get("trailList")
        if not isinstance(trails, list):
            problems.append(ExportProblem(str(doc.path), "trailList must be a list"))
            continue
        for item in trails:
            if isinstance(item, Mapping):
                sources.put(_trail_from_json(item, doc.path))  # shadow trails merge by ARN
            else:
                problems.append(ExportProblem(str(doc.path), "a trailList entry is not an object"))
    for doc in documents:
        problem: ExportProblem | None = None
        if doc.kind in ("event-selectors", "put-event-selectors"):
            problem = _attach_selectors(doc, sources)
        elif doc.kind == "event-data-store":
            made = _event_data_store(doc)
            if isinstance(made, ExportProblem):
                problem = made
            else:
                sources.put(made)
        if problem is not None:
            problems.append(problem)
    for doc in documents:
        if doc.kind == "trail-status":
            problem = _attach_status(doc, sources)
            if problem is not None:
                problems.append(problem)
    return sources.items, problems


def load_exports(paths: Iterable[Path | str]) -> ExportSet:
    """Read every export under ``paths`` and build the log sources (see module docstring)."""
    documents, problems = read_documents(Path(p) for p in paths)
    sources, more = build_sources(documents)
    for problem in (*problems, *more):
        log.warning("%s", problem)
    return ExportSet(tuple(sources), tuple(documents), (*problems, *more))
