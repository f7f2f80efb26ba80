"""How a model of Elasticsearch reads an ECS field of the AWS integration's documents.

Shared by the evaluators: the field's type in the ``logs-aws.cloudtrail-*`` mapping
(keyword, flattened leaf, ip, boolean, date) and its values as a list. Types follow the
integration's ``fields.yml`` (external-data.md §3) and ``sigmaq.core.fields``; the
``sigmaq.cloudtrail.*`` fields of sigmaq's custom pipeline are keywords.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sigmaq.core.errors import ConversionError
from sigmaq.export.ecs import lookup

FLATTENED_ROOT = "aws.cloudtrail.flattened."


class EsType(StrEnum):
    KEYWORD = "keyword"
    FLATTENED = "flattened"
    IP = "ip"
    BOOLEAN = "boolean"
    DATE = "date"


_SPECIAL: dict[str, EsType] = {
    "source.ip": EsType.IP,
    "aws.cloudtrail.read_only": EsType.BOOLEAN,
    "@timestamp": EsType.DATE,
    "event.ingested": EsType.DATE,
    "aws.cloudtrail.user_identity.session_context.creation_date": EsType.DATE,
}


class UnsupportedQuery(ConversionError):
    """A query (or part of one) outside the subset an evaluator models: never 'no match'."""


def es_type(field: str) -> EsType:
    """Mapping type of an ECS field of the integration (keyword unless known otherwise)."""
    if field.startswith(FLATTENED_ROOT):
        return EsType.FLATTENED
    return _SPECIAL.get(field, EsType.KEYWORD)


def field_values(doc: dict[str, Any], field: str) -> list[Any]:
    """Every value of ``field`` in ``doc`` (arrays flattened; [] when absent).

    Keyword values are indexed as text: JSON booleans become ``true``/``false`` and
    numbers their JSON text (a keyword or flattened field stores strings).
    """
    found = lookup(doc, field)
    if found is None:
        return []
    items = found if isinstance(found, list) else [found]
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        elif item is not None and not isinstance(item, dict):
            flat.append(item)
    kind = es_type(field)
    if kind in (EsType.KEYWORD, EsType.FLATTENED):
        return [_keyword_text(v) for v in flat]
    return flat


def _keyword_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
