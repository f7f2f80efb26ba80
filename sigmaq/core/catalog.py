"""The CloudTrail API catalogue: which eventNames each eventSource really logs.

Generated into ``sigmaq/data/catalog.json`` by ``tools/gen_catalog.py`` from
botocore's service models (operation names are eventNames) plus
``tools/catalog_sources.yml`` (the Amazon Q management/data split and data-event
``resources.type`` from the AWS CloudTrail pages, q/codewhisperer names that have
no public model, and names CloudTrail logs that no SDK operation carries).

Amazon Q eventSources carry per-event facts (``EventInfo``); other services carry
names only. ``iam_action_names`` reads the IAM action names of every service
(``sigmaq/data/iam_actions.json.gz``, from the AWS Service Authorization Reference by
``tools/vendor_iam_actions.py``): CloudTrail logs console-only and internal calls, which
no SDK model has, under their action name. Lookups are exact (canonical casing);
``canonical_*`` helpers find the canonical spelling of a value written in the wrong case.
"""

from __future__ import annotations

import difflib
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

Category = Literal["Management", "Data"]

AMAZON_Q_EVENT_SOURCES = (
    "qbusiness.amazonaws.com",
    "qapps.amazonaws.com",
    "q.amazonaws.com",
    "codewhisperer.amazonaws.com",
    "qconnect.amazonaws.com",
    "wisdom.amazonaws.com",
    "chatbot.amazonaws.com",
)

# S3 object-level and Lambda invoke calls are data events too (CloudTrail
# "Logging data events" page); the catalogue records categories for Q sources only.
OTHER_DATA_EVENTS: dict[tuple[str, str], str] = {
    **{
        ("s3.amazonaws.com", name): "AWS::S3::Object"
        for name in (
            "GetObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
            "HeadObject",
            "GetObjectAcl",
            "PutObjectAcl",
            "RestoreObject",
        )
    },
    ("lambda.amazonaws.com", "Invoke"): "AWS::Lambda::Function",
}


def close_matches(value: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` candidates that look like a misspelling of ``value``, best first.

    Compared without case (``stoploging`` finds ``StopLogging``) with difflib's ratio
    (cutoff 0.8); candidates are returned in their own spelling.
    """
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(value.lower(), list(by_lower), n=limit, cutoff=0.8)
    return [by_lower[item] for item in found]


@dataclass(frozen=True)
class EventInfo:
    """Facts about one Amazon Q eventName.

    ``category``: Management or Data (CloudTrail ``eventCategory``); ``read_only``:
    derived from the HTTP verb or the docs, None when unknown; ``resource_types``:
    the advanced-selector ``resources.type`` values that log it as a data event.
    """

    event_source: str
    event_name: str
    category: Category
    read_only: bool | None
    resource_types: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """eventSource -> eventName sets, plus ``EventInfo`` for Amazon Q sources."""

    names_by_source: dict[str, frozenset[str]]
    q_events: dict[tuple[str, str], EventInfo]
    botocore_version: str

    @property
    def event_sources(self) -> frozenset[str]:
        return frozenset(self.names_by_source)

    def names(self, event_source: str) -> frozenset[str]:
        """eventNames of ``event_source`` (empty when the source is unknown)."""
        return self.names_by_source.get(event_source, frozenset())

    def has(self, event_source: str, event_name: str) -> bool:
        """True when ``event_name`` is logged under ``event_source`` (exact case)."""
        return event_name in self.names(event_source)

    def info(self, event_source: str, event_name: str) -> EventInfo | None:
        """``EventInfo`` for an Amazon Q event, None for other services or unknown names."""
        return self.q_events.get((event_source, event_name))

    def canonical_source(self, value: str) -> str | None:
        """The catalogue spelling of an eventSource written in any case, or None."""
        return _lower_index(self.names_by_source.keys()).get(value.lower())

    def canonical_name(self, event_source: str, value: str) -> str | None:
        """The catalogue spelling of an eventName of ``event_source`` in any case, or None."""
        return _lower_index(self.names(event_source)).get(value.lower())

    def sources_for_name(self, event_name: str) -> frozenset[str]:
        """Every eventSource that logs ``event_name`` (exact case)."""
        return frozenset(s for s, names in self.names_by_source.items() if event_name in names)

    def similar_sources(self, value: str) -> list[str]:
        """Known eventSources that ``value`` is probably a misspelling of (best first)."""
        return close_matches(value, self.names_by_source)

    def similar_names(self, event_sources: Iterable[str], value: str) -> list[str]:
        """eventNames of ``event_sources`` (all sources when empty) that ``value`` is
        probably a misspelling of, best first (``StopLoging`` -> ``StopLogging``)."""
        sources = [s for s in event_sources if s in self.names_by_source]
        pool = {name for s in sources or self.names_by_source for name in self.names(s)}
        return close_matches(value, pool)

    def data_event_types(self, event_source: str, event_name: str) -> tuple[str, ...]:
        """``resources.type`` values under which CloudTrail logs the call as a data
        event; empty for a management event (or an unknown call)."""
        info = self.info(event_source, event_name)
        if info is not None:
            return info.resource_types if info.category == "Data" else ()
        other = OTHER_DATA_EVENTS.get((event_source, event_name))
        return (other,) if other else ()


def _lower_index(names: Any) -> dict[str, str]:
    return {name.lower(): name for name in names}


def catalog_from_dict(data: dict[str, Any]) -> Catalog:
    """Build a ``Catalog`` from the JSON layout of ``catalog.json``.

    Raises KeyError/TypeError when the layout is wrong.
    """
    names = {source: frozenset(values) for source, values in data["event_sources"].items()}
    q_events: dict[tuple[str, str], EventInfo] = {}
    for source, spec in data["amazon_q"].items():
        for name, info in spec["events"].items():
            q_events[(source, name)] = EventInfo(
                event_source=source,
                event_name=name,
                category=info["category"],
                read_only=info.get("read_only"),
                resource_types=tuple(info.get("resource_types", ())),
            )
    return Catalog(names, q_events, str(data.get("botocore_version", "")))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalogue (read once per process).

    Raises FileNotFoundError when the package data is missing.
    """
    text = resources.files("sigmaq").joinpath("data", "catalog.json").read_text(encoding="utf-8")
    return catalog_from_dict(json.loads(text))


def iam_prefix(event_source: str) -> str:
    """The IAM service prefix an eventSource most likely belongs to:
    ``sso-directory.amazonaws.com`` -> ``sso-directory`` (the host's first label)."""
    return event_source.split(".", 1)[0]


@dataclass(frozen=True)
class IamActions:
    """IAM action names by service prefix, and for the actions that authorize an API
    operation of another name, that operation (``operations[prefix][action]``)."""

    actions: dict[str, frozenset[str]]
    operations: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def iam_actions() -> IamActions:
    """The vendored IAM actions (``sigmaq/data/iam_actions.json.gz``), read on first use
    (not at start-up).

    Source: AWS Service Authorization Reference ("Actions defined by ..." tables and their
    API links), as vendored by ``tools/vendor_iam_actions.py``. Raises FileNotFoundError
    when the package data is missing.
    """
    raw = resources.files("sigmaq").joinpath("data", "iam_actions.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    return IamActions(
        {prefix: frozenset(names) for prefix, names in data["actions"].items()},
        {prefix: dict(mapping) for prefix, mapping in data["operations"].items()},
    )


def iam_action_names(event_source: str) -> frozenset[str]:
    """IAM action names of the service behind ``event_source`` (``iam_prefix``), empty
    when the reference has no such prefix."""
    return iam_actions().actions.get(iam_prefix(event_source), frozenset())


def iam_action_operation(event_source: str, action: str) -> str | None:
    """The API operation of another name that IAM action ``action`` of ``event_source``'s
    service authorizes (``s3``/``PutLifecycleConfiguration`` ->
    ``PutBucketLifecycleConfiguration``), or None."""
    return iam_actions().operations.get(iam_prefix(event_source), {}).get(action)
