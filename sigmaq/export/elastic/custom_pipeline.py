"""sigmaq's ``logs-aws.cloudtrail@custom`` ingest pipeline and its mappings.

The Elastic AWS integration drops some CloudTrail values (``userIdentity.onBehalfOf.*``,
``sessionCredentialFromConsole``, ``userIdentity.userName`` of assumed roles…) and keeps
``requestParameters``/``responseElements``/… as ``flattened`` fields, which EQL and
ES|QL cannot read and on which Elasticsearch rejects wildcard and regexp queries.
This pipeline re-reads the raw record from ``event.original`` and writes each listed
CloudTrail path as a keyword field ``sigmaq.cloudtrail.<path>`` (values along arrays
collected; nulls and empty strings dropped, like the integration's own first script).

How it runs (verified in Kibana's Fleet source, ``server/services/epm/elasticsearch/
ingest_pipeline/helpers.ts`` and its test): Fleet appends ``pipeline`` processors for
``global@custom``, ``logs@custom`` and ``logs-<dataset>@custom`` (``ignore_missing_pipeline:
true``) at the end of every integration data stream's default pipeline, so
``logs-aws.cloudtrail@custom`` runs after the integration's processors. It needs
``event.original``, which the integration keeps only when the policy enables
*Preserve original event* (tag ``preserve_original_event``).

It also writes **lower-cased** keyword copies ``sigmaq.lower.<path>`` of the fields that
Kibana threshold rules group on and EQL sequences join ``by`` (``lower_paths``): one
Elasticsearch ``lowercase`` processor per path, reading the parsed raw record
(``field`` = the path under the temporary parse target, ``target_field`` = the copy,
``ignore_missing``). The processor converts a string (every member of an array of
strings) to lower case and throws on anything else (Elasticsearch reference, "Lowercase
processor"; ``LowercaseProcessor``: ``String.toLowerCase(Locale.ROOT)``); its ``if``
condition lets it run only when the path reaches a non-empty string through objects
(ingest field paths do not walk arrays by name), so a number, an array or an empty
string leaves no copy. Terms aggregations and EQL ``by`` keys compare exact keyword
values; on these copies they group case-insensitively, as replay does.

``sigmaq.export.ecs.to_ecs(record, custom_paths=…, lower_paths=…)`` models this
pipeline's output (``custom_values`` and ``lower_values`` below are the same walks), so
proofs run on what it would index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sigmaq.core.fields import (
    ELASTIC_CUSTOM_PREFIX,
    ELASTIC_LOWER_PREFIX,
    elastic_custom_name,
    elastic_lower_name,
)

PIPELINE_NAME = "logs-aws.cloudtrail@custom"
COMPONENT_TEMPLATE_NAME = "logs-aws.cloudtrail@custom"
_TMP = "sigmaq_tmp_original"
_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Painless: walk each dotted path through maps and lists, collect scalar leaves as text.
_SCRIPT = """
Map out = new HashMap();
for (String path : params.paths) {
  List nodes = new ArrayList();
  nodes.add(ctx['sigmaq_tmp_original']);
  for (String part : path.splitOnToken('.')) {
    List next = new ArrayList();
    for (def node : nodes) {
      if (node instanceof Map && ((Map) node).containsKey(part)) {
        def child = ((Map) node).get(part);
        if (child instanceof List) { next.addAll((List) child); } else { next.add(child); }
      }
    }
    nodes = next;
  }
  List found = new ArrayList();
  for (def value : nodes) {
    if (value == null || value instanceof Map || value instanceof List) { continue; }
    String text = value.toString();
    if (text.isEmpty() || found.contains(text)) { continue; }
    found.add(text);
  }
  if (found.size() == 1) { out.put(path, found.get(0)); }
  else if (found.size() > 1) { out.put(path, found); }
}
if (!out.isEmpty()) {
  if (ctx.sigmaq == null) { ctx.sigmaq = new HashMap(); }
  ctx.sigmaq.cloudtrail = out;
}
""".strip()


def pipeline_body(paths: Iterable[str], lower_paths: Iterable[str] = ()) -> dict[str, Any]:
    """The ingest pipeline (``PUT _ingest/pipeline/logs-aws.cloudtrail@custom`` body).

    ``paths``: CloudTrail paths to write as ``sigmaq.cloudtrail.<path>`` keywords;
    ``lower_paths``: CloudTrail paths to write lower-cased as ``sigmaq.lower.<path>``
    keywords (``lowercase`` processors). Raises ValueError when a lower path has a part
    that is not a plain identifier (the processor's ``if`` script names each part).
    """
    listed = sorted(set(paths))
    lowered = sorted(set(lower_paths))
    processors: list[dict[str, Any]] = [
        {
            "json": {
                "field": "event.original",
                "target_field": _TMP,
                "if": "ctx.event?.original != null",
                "ignore_failure": True,
                "tag": "sigmaq_parse_original",
            }
        }
    ]
    if listed:
        processors.append(
            {
                "script": {
                    "lang": "painless",
                    "source": _SCRIPT,
                    "params": {"paths": listed},
                    "if": f"ctx['{_TMP}'] instanceof Map",
                    "tag": "sigmaq_restore_fields",
                }
            }
        )
    processors.extend(_lowercase_processor(path) for path in lowered)
    processors.append({"remove": {"field": _TMP, "ignore_missing": True, "tag": "sigmaq_cleanup"}})
    meta: dict[str, Any] = {"managed_by": "sigmaq", "paths": listed}
    if lowered:
        meta["lower_paths"] = lowered
    return {
        "description": "sigmaq: CloudTrail values the AWS integration drops or keeps only as "
        "flattened fields, as keyword fields sigmaq.cloudtrail.<CloudTrail path>, and "
        "lower-cased keyword copies sigmaq.lower.<CloudTrail path> of the fields correlations "
        "group on (needs the integration's 'Preserve original event' option). Generated by "
        "sigmaq build.",
        "processors": processors,
        "_meta": meta,
    }


def _lowercase_processor(path: str) -> dict[str, Any]:
    """One ``lowercase`` processor: ``<tmp>.<path>`` -> ``sigmaq.lower.<path>``, run only
    when the path reaches a non-empty string through objects."""
    parts = path.split(".")
    if not all(_PART.fullmatch(part) for part in parts):
        raise ValueError(f"{path}: a lower-cased copy needs identifier path parts")
    keys = ", ".join(f"'{part}'" for part in parts)
    condition = (
        f"def v = ctx['{_TMP}']; for (String k : [{keys}]) {{ if (!(v instanceof Map)) "
        "{ return false; } v = ((Map) v).get(k); } "
        "return v instanceof String && !((String) v).isEmpty();"
    )
    return {
        "lowercase": {
            "field": f"{_TMP}.{path}",
            "target_field": elastic_lower_name(path),
            "ignore_missing": True,
            "if": condition,
            "tag": f"sigmaq_lower_{path}",
        }
    }


def component_template_body(
    paths: Iterable[str], lower_paths: Iterable[str] = ()
) -> dict[str, Any]:
    """Mappings for the restored fields (``PUT _component_template/logs-aws.cloudtrail@custom``).

    Every ``sigmaq.cloudtrail.<path>`` and ``sigmaq.lower.<path>`` is a ``keyword``
    (``ignore_above`` 8191 like the integration's ``aws.cloudtrail.request_parameters``).
    Raises ValueError when a path is a prefix of another (a field cannot be both
    keyword and object).
    """
    listed = sorted(set(paths))
    lowered = sorted(set(lower_paths))
    for group in (listed, lowered):
        for first in group:
            for second in group:
                if second.startswith(first + "."):
                    raise ValueError(f"{first} and {second}: a field cannot be keyword and object")
    keyword = {"type": "keyword", "ignore_above": 8191}
    root: dict[str, Any] = {}
    if listed or not lowered:
        _nest(root, ELASTIC_CUSTOM_PREFIX.split("."), {path: dict(keyword) for path in listed})
    if lowered:
        # Nested object mappings (one property per path part) for the lower-cased copies.
        lower_root: dict[str, Any] = {}
        for path in lowered:
            *parents, leaf = path.split(".")
            _nest(lower_root, parents, {leaf: dict(keyword)})
        _nest(root, ELASTIC_LOWER_PREFIX.split("."), lower_root["properties"])
    meta: dict[str, Any] = {"managed_by": "sigmaq", "paths": listed}
    if lowered:
        meta["lower_paths"] = lowered
    return {"template": {"mappings": root}, "_meta": meta}


def _nest(node: dict[str, Any], parts: list[str], leaves: dict[str, Any]) -> None:
    """Put ``leaves`` under the object mapping ``parts`` of ``node`` (``properties``)."""
    for part in parts:
        node = node.setdefault("properties", {}).setdefault(part, {})
    node.setdefault("properties", {}).update(leaves)


def custom_values(raw: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """What the pipeline writes for one raw CloudTrail record: field name -> value.

    Same walk as the Painless script: dotted path through objects and arrays, scalar
    leaves as text (booleans ``true``/``false``, numbers as JSON writes them), nulls,
    empty strings, objects and duplicates dropped; one value as a string, several as
    a list.
    """
    out: dict[str, Any] = {}
    for path in sorted(set(paths)):
        nodes: list[Any] = [raw]
        for part in path.split("."):
            following: list[Any] = []
            for node in nodes:
                if isinstance(node, Mapping) and part in node:
                    child = node[part]
                    if isinstance(child, list):
                        following.extend(child)
                    else:
                        following.append(child)
            nodes = following
        found: list[str] = []
        for value in nodes:
            if value is None or isinstance(value, (Mapping, list)):
                continue
            text = _java_text(value)
            if text and text not in found:
                found.append(text)
        if len(found) == 1:
            out[elastic_custom_name(path)] = found[0]
        elif found:
            out[elastic_custom_name(path)] = found
    return out


def _java_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lower_values(raw: Mapping[str, Any], paths: Iterable[str]) -> dict[str, str]:
    """What the ``lowercase`` processors write for one raw record: field name -> value.

    A path is followed through objects only; a non-empty string there is written
    lower-cased (Python ``str.lower``; Elasticsearch uses Java
    ``toLowerCase(Locale.ROOT)``, the same on ASCII). Numbers, booleans, arrays, empty
    strings and missing paths leave no copy (the processor's ``if`` skips them).
    """
    out: dict[str, str] = {}
    for path in sorted(set(paths)):
        node: Any = raw
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node:
            out[elastic_lower_name(path)] = node.lower()
    return out
