"""pySigma transformations that map CloudTrail rules onto a target, or refuse them.

Every decision reads ``sigmaq.core.fields``; nothing here spells a target field name.
Languages: ``spl`` (Splunk), ``lucene``, ``eql`` and ``esql`` (Elastic). The
checks encode what each query language does with the data the Elastic AWS
integration indexes (TOOLCHAIN.md, external-data.md §3):

- keyed ``flattened`` leaves (``requestParameters.*`` …) accept term, prefix and
  exists queries only; Elasticsearch rejects wildcard and regexp queries on them,
  and ES|QL cannot read them at all;
- keyword matching is case-sensitive in Lucene and ES|QL, while Sigma strings are
  case-insensitive; EQL's ``:`` is case-insensitive;
- the ingest pipeline drops null and empty values, so ``''`` cannot be told from
  a missing field;
- Lucene, EQL and ES|QL regular expressions are anchored Lucene regexps, not the
  unanchored PCRE-style search Sigma ``|re`` means;
- SPL cannot escape ``*`` in a search term, and the Splunk backend turns the
  single-character wildcard ``?`` into ``*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
    FieldMappingTransformationBase,
    PreprocessingTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaType,
    SpecialChars,
)

from sigmaq.core import fields
from sigmaq.core.fields import ElasticKind, ResolvedField
from sigmaq.export.pipelines.errors import RuleRefused, UnmappedFieldError
from sigmaq.export.textsafety import (
    PCRE_END,
    pcre_literal,
    unsafe_chars,
    unstable_case_chars,
)

LANGUAGES = ("spl", "lucene", "eql", "esql")
_TARGET_OF = {"spl": "splunk", "lucene": "elastic", "eql": "elastic", "esql": "elastic"}
_LANGUAGE_NAME = {"spl": "Splunk SPL", "lucene": "Lucene", "eql": "EQL", "esql": "ES|QL"}
# AWS API enumeration constants (ANONYMOUS, PLUGIN_MODE, CREATE_IN_PROGRESS) and
# JSON booleans are written in one case by AWS.
_ENUM_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_JSON_LITERALS = frozenset({"true", "false"})
SPLUNK_SUCCESS_VALUE = "success"
# ES|QL field-name marker: the backend emits ``TO_LOWER(<field>)`` and the values are
# lower-cased, which makes the comparison case-insensitive (sigmaq.export.backend_fixes).
ESQL_LOWER_MARKER = "sigmaq.lower:"


def _rule_name(rule: SigmaRule | SigmaCorrelationRule | None) -> str:
    if rule is None:
        return "rule"
    return f"rule '{rule.title}'" + (f" ({rule.id})" if rule.id else "")


def _plain_text(value: SigmaString) -> str:
    return "".join(part for part in value.s if isinstance(part, str))


def _has_cased_letters(text: str) -> bool:
    return any(ch.lower() != ch.upper() for ch in text)


def is_case_safe(resolved: ResolvedField, value: SigmaString) -> bool:
    """True when a case-sensitive match of ``value`` equals Sigma's case-insensitive one.

    Safe: ``|cased`` values; values without cased letters; fields whose values AWS
    writes in one case (``case_canonical``, value spelt canonically: the validator
    checks event names and sources against the catalogue); and, under
    ``requestParameters`` & co., AWS enumeration constants (``ANONYMOUS``) and JSON
    literals (``true``).
    """
    if isinstance(value, SigmaCasedString):
        return True
    text = _plain_text(value)
    if not _has_cased_letters(text):
        return True
    if resolved.case_canonical:
        # A known AWS enumeration spelt in another case (``assumedrole``) is not safe.
        return not fields.is_wrong_case(resolved.path, text)
    if resolved.elastic_kind is ElasticKind.FLATTENED:
        return _ENUM_RE.match(text) is not None or text in _JSON_LITERALS
    return False


def _lowered(value: SigmaString) -> SigmaString:
    """``value`` with every literal part lower-cased (wildcards kept)."""
    lowered = SigmaString("")
    lowered.s = [part.lower() if isinstance(part, str) else part for part in value.s]
    return lowered


def _wildcard_positions(value: SigmaString) -> list[tuple[int, SpecialChars]]:
    return [(index, part) for index, part in enumerate(value.s) if isinstance(part, SpecialChars)]


def case_insensitive_lucene_regex(value: SigmaString) -> SigmaRegularExpression:
    """An anchored Lucene regexp matching ``value`` case-insensitively.

    Lucene regexps match the whole term, like a Sigma string with wildcards, so
    ``*AmazonQ*`` becomes ``.*[aA][mM]…[qQ].*``. Every non-alphanumeric character is
    escaped (Lucene's RegExp treats ``\\c`` as the literal ``c``) except ``/``, which
    the backend escapes itself.
    """
    out: list[str] = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            for ch in part:
                if ch.lower() != ch.upper() and len(ch.lower()) == len(ch.upper()) == 1:
                    # the character itself too: a titlecase letter (U+01C5) is neither
                    out.append("[" + "".join(dict.fromkeys((ch.lower(), ch.upper(), ch))) + "]")
                elif ch.isalnum() or ch == "/":
                    out.append(ch)
                else:
                    out.append("\\" + ch)
        else:
            raise RuleRefused(f"unsupported string part {part!r}")
    return SigmaRegularExpression("".join(out))


def anchored_pcre(value: SigmaString) -> SigmaRegularExpression:
    """A case-insensitive anchored PCRE equal to ``value`` (wildcards ``*``/``?`` kept as such).

    Used for Splunk values SPL search terms cannot express exactly: a literal ``*``
    (SPL cannot escape it), the single-character wildcard ``?`` (the backend widens it
    to ``*``), or a control or line-breaking character (``is_unsafe_char``: a search
    string and a ``savedsearches.conf`` line must not carry it raw; it is written
    ``\\xHH``). ``| regex`` runs PCRE, unanchored, so ``^…$(?!\\n)`` anchor it (``$``
    alone also matches before a trailing newline); a Sigma wildcard matches any
    characters, newlines included (a pretty-printed policy document is one value over
    many lines), so ``(?s)`` lets ``.`` match them too.
    """
    out = ["^"]
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            out.append(pcre_literal(part))
        else:
            raise RuleRefused(f"unsupported string part {part!r}")
    out.append(PCRE_END)
    regex = SigmaRegularExpression("".join(out))
    regex.add_flag(SigmaRegularExpressionFlag.DOTALL)
    if not isinstance(value, SigmaCasedString):
        regex.add_flag(SigmaRegularExpressionFlag.IGNORECASE)
    return regex


@dataclass
class RequireCloudTrailLogsource(PreprocessingTransformation):
    """Refuse any rule whose logsource is not ``product: aws, service: cloudtrail``."""

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        super().apply(rule)
        if isinstance(rule, SigmaRule):
            logsource = rule.logsource
            if logsource.product != "aws" or logsource.service != "cloudtrail":
                raise RuleRefused(
                    f"{_rule_name(rule)}: logsource is product={logsource.product} "
                    f"service={logsource.service}, category={logsource.category}; these "
                    "pipelines map only product: aws, service: cloudtrail",
                    source=rule.source,
                )


@dataclass
class SplunkErrorCodeSuccess(DetectionItemTransformation):
    """``errorCode: null`` -> ``errorCode: null OR errorCode: success`` for Splunk.

    Raw CloudTrail omits ``errorCode`` on success; data indexed through the Splunk
    Add-on for AWS can carry ``errorCode=success`` (ESCU searches filter on it;
    SigmaHQ PR #5799). A Sigma "succeeded" test must match both. A named detection that
    already tests ``errorCode: success`` (the pack's ``succeeded`` blocks do) is left as
    written: adding the value again only repeated the term in every search.
    """

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        # DetectionItemTransformation.apply, less the named detections left as written
        super(DetectionItemTransformation, self).apply(rule)
        if isinstance(rule, SigmaRule):
            for detection in rule.detection.detections.values():
                if not _tests_success(detection):
                    self.apply_detection(detection)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if detection_item.field != "errorCode" or not any(
            isinstance(value, SigmaNull) for value in detection_item.value
        ):
            return None
        values: list[SigmaType] = list(detection_item.value)
        if not any(
            isinstance(v, SigmaString) and str(v).lower() == SPLUNK_SUCCESS_VALUE for v in values
        ):
            values.append(SigmaString(SPLUNK_SUCCESS_VALUE))
        return SigmaDetectionItem("errorCode", [], values, auto_modifiers=False)


def _tests_success(detection: SigmaDetection) -> bool:
    """True when ``detection`` (nested detections included) has an ``errorCode`` item
    with the value ``success`` (any case)."""
    for item in detection.detection_items:
        if isinstance(item, SigmaDetection):
            if _tests_success(item):
                return True
        elif item.field == "errorCode" and any(
            isinstance(v, SigmaString) and str(v).lower() == SPLUNK_SUCCESS_VALUE
            for v in item.value
        ):
            return True
    return False


@dataclass
class CloudTrailFieldMapping(FieldMappingTransformationBase):
    """Map CloudTrail paths to ``language``'s field names; refuse what it cannot express.

    Raises ``UnmappedFieldError`` for a path ``sigmaq.core.fields`` does not know and
    ``RuleRefused`` (naming rule, field and reason) for a path or value the
    target cannot match faithfully. Values are rewritten where an exact
    equivalent exists (see the module docstring).
    """

    language: str
    custom_paths: frozenset[str] = frozenset()
    """CloudTrail paths read from sigmaq's Elastic custom pipeline (keyword copies under
    ``sigmaq.cloudtrail.*``) instead of the integration's field (``fields.elastic_custom_name``)."""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; known: {LANGUAGES}")
        self._rule: SigmaRule | SigmaCorrelationRule | None = None
        self._lower = False

    @property
    def target(self) -> str:
        return _TARGET_OF[self.language]

    # -- field names --------------------------------------------------------
    def _resolve(self, path: str) -> ResolvedField:
        resolved = fields.resolve(path)
        if resolved is None:
            raise UnmappedFieldError(
                f"{_rule_name(self._rule)}: field '{path}' has no mapping in sigmaq.core.fields "
                f"for {self.target} (fail closed: add it to the field table)"
            )
        if self.target == "elastic" and path in self.custom_paths:
            return ResolvedField(
                path=resolved.path,
                splunk=resolved.splunk,
                elastic=fields.elastic_custom_name(path),
                sql=resolved.sql,
                elastic_kind=ElasticKind.KEYWORD,
                case_canonical=resolved.case_canonical,
            )
        return resolved

    def _name(self, path: str) -> str:
        resolved = self._resolve(path)
        name = resolved.name_for(self.target)
        if name is None:
            raise RuleRefused(
                f"{_rule_name(self._rule)}: field '{path}' cannot be used with "
                f"{_LANGUAGE_NAME[self.language]}: {resolved.reason_for(self.target)}"
            )
        return name

    def apply_field_name(self, field: str | None) -> str | list[str] | None:
        if field is None:
            return None
        rule = getattr(self, "_rule", None)
        if isinstance(rule, SigmaCorrelationRule) and field in {a.alias for a in rule.aliases}:
            return field  # an alias name (group-by or value_count field) is not a record field
        return self._name(field)

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        self._rule = rule
        if isinstance(rule, SigmaCorrelationRule):
            self._check_correlation(rule)
        super().apply(rule)

    def _check_correlation(self, rule: SigmaCorrelationRule) -> None:
        paths = list(rule.group_by or [])
        aliases = {alias.alias for alias in rule.aliases}
        for alias in rule.aliases:
            paths.extend(alias.mapping.values())
        for path in paths:
            if path in aliases:
                continue
            resolved = self._resolve(path)
            if (
                self.target == "elastic"
                and resolved.elastic_kind is ElasticKind.FLATTENED
                and self.language in ("esql", "eql")
            ):
                raise RuleRefused(
                    f"{_rule_name(rule)}: cannot group by '{path}' in "
                    f"{_LANGUAGE_NAME[self.language]}: it is a keyed flattened field "
                    "(ES|QL cannot read keyed flattened sub-fields; EQL join keys need "
                    "ordinary keyword fields); use the splunk target"
                )

    # -- detection items ----------------------------------------------------
    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        path = detection_item.field
        if path is None:
            raise RuleRefused(
                f"{_rule_name(self._rule)}: keyword (unbound) search has no defined meaning "
                "over CloudTrail's structured fields in any target; name the field"
            )
        resolved = self._resolve(path)
        name = self._name(path)
        self._lower = self.language == "esql" and self._needs_lower(resolved, detection_item)
        values: list[SigmaType] = []
        for value in detection_item.value:
            values.extend(self._convert_value(resolved, value))
        if self._lower:
            name = ESQL_LOWER_MARKER + name
        if self.target == "elastic" and resolved.elastic_cidr and values:
            if all(isinstance(v, SigmaCIDRExpression) for v in values):
                name = resolved.elastic_cidr
            elif any(isinstance(v, SigmaCIDRExpression) for v in values):
                raise RuleRefused(
                    f"{_rule_name(self._rule)}: '{path}' mixes |cidr and string values; Elastic "
                    f"keeps strings in {resolved.elastic} and IPs in {resolved.elastic_cidr}: "
                    "split them into separate detection items"
                )
        detection_item.value = values
        detection_item.field = name
        return detection_item

    def _needs_lower(self, resolved: ResolvedField, item: SigmaDetectionItem) -> bool:
        """ES|QL: whether the item needs the ``TO_LOWER`` form (a value whose case may vary,
        or a case-insensitive |fieldref between fields AWS does not write in one case)."""
        for value in item.value:
            if isinstance(value, SigmaFieldReference):
                other = self._resolve(value.field)
                if not (resolved.case_canonical and other.case_canonical):
                    return True
            elif (
                isinstance(value, SigmaString)
                and not isinstance(value, SigmaRegularExpression)
                and not is_case_safe(resolved, value)
            ):
                return True
        return False

    def _refuse(self, path: str, why: str, instead: str) -> RuleRefused:
        return RuleRefused(
            f"{_rule_name(self._rule)}: '{path}' cannot be matched faithfully in "
            f"{_LANGUAGE_NAME[self.language]}: {why}; {instead}"
        )

    def _convert_value(self, resolved: ResolvedField, value: SigmaType) -> list[SigmaType]:
        if (
            isinstance(value, SigmaString)
            and not isinstance(value, (SigmaRegularExpression, SigmaCasedString))
            and unstable_case_chars(_plain_text(value))
        ):
            raise self._refuse(
                resolved.path,
                f"'{value}' holds {', '.join(unstable_case_chars(_plain_text(value)))}, whose "
                "lower case is not one character everywhere (replay lower-cases as Python "
                "does, the engine may not)",
                "match it with |cased or wildcards",
            )
        if self.language == "spl":
            return [self._spl_value(resolved, value)]
        return [self._elastic_value(resolved, value)]

    def _spl_value(self, resolved: ResolvedField, value: SigmaType) -> SigmaType:
        if isinstance(value, SigmaRegularExpression) and unsafe_chars(str(value.regexp)):
            raise self._refuse(
                resolved.path,
                f"the |re pattern holds {', '.join(unsafe_chars(str(value.regexp)))} raw, "
                "which a search string and a savedsearches.conf line cannot carry",
                "write it as \\x{HHHH} in the pattern",
            )
        if isinstance(value, SigmaFieldReference):
            return SigmaFieldReference(self._name(value.field), value.starts_with, value.ends_with)
        if isinstance(value, SigmaString) and not isinstance(value, SigmaRegularExpression):
            wide = [c for c in unsafe_chars(_plain_text(value)) if not c.startswith("U+00")]
            if wide:
                raise self._refuse(
                    resolved.path,
                    f"the value holds {', '.join(wide)}, which a savedsearches.conf line "
                    "cannot carry and PCRE cannot escape in Python-compatible syntax",
                    "match the text around it with wildcards",
                )
            has_single = any(p is SpecialChars.WILDCARD_SINGLE for p in value.s)
            has_literal_star = any(isinstance(p, str) and "*" in p for p in value.s)
            if has_single or has_literal_star or unsafe_chars(_plain_text(value)):
                return anchored_pcre(value)
        return value

    def _elastic_value(self, resolved: ResolvedField, value: SigmaType) -> SigmaType:
        path = resolved.path
        lang = self.language
        flattened = resolved.elastic_kind is ElasticKind.FLATTENED
        if flattened and lang == "esql":
            raise self._refuse(
                path,
                f"ES|QL cannot read keyed sub-fields of the flattened field {resolved.elastic}",
                "use the elastic (Lucene) target, or sigmaq's custom ingest pipeline",
            )
        if flattened and lang == "eql":
            raise self._refuse(
                path,
                f"EQL does not support the flattened field type, so it cannot read "
                f"{resolved.elastic} (elastic/elasticsearch#101985: 'Cannot use field … with "
                "unsupported type [flattened]')",
                "use the elastic (Lucene) target, or sigmaq's custom ingest pipeline",
            )
        if isinstance(value, SigmaFieldReference):
            if lang in ("lucene", "eql"):
                raise self._refuse(
                    path,
                    "|fieldref (field-to-field comparison) is not supported",
                    "use the splunk or esql target",
                )
            other = self._resolve(value.field)
            if other.elastic_kind is ElasticKind.FLATTENED:
                raise self._refuse(
                    path,
                    f"|fieldref compares with {other.elastic}, a keyed sub-field of a flattened "
                    "field, which ES|QL cannot read",
                    "use the splunk target",
                )
            if value.starts_with or value.ends_with:
                raise self._refuse(
                    path,
                    "|fieldref with |startswith/|endswith/|contains has no ES|QL form here",
                    "use the splunk target",
                )
            ref_name = self._name(value.field)
            if self._lower:
                ref_name = ESQL_LOWER_MARKER + ref_name
            return SigmaFieldReference(ref_name, value.starts_with, value.ends_with)
        if isinstance(value, SigmaRegularExpression):
            raise self._refuse(
                path,
                "Sigma |re is an unanchored PCRE-style search, Elastic regexps are anchored "
                "Lucene regexps without PCRE classes",
                "use the splunk target, or express the match with wildcards",
            )
        if isinstance(value, SigmaCIDRExpression):
            if resolved.elastic_cidr is None:
                raise self._refuse(path, "|cidr needs an ip-typed field", "match strings instead")
            return value
        if isinstance(value, SigmaBool):
            if resolved.elastic_kind is ElasticKind.KEYWORD_BOOLEAN or flattened:
                return SigmaString("true" if value.boolean else "false")
            return value
        if isinstance(value, SigmaNumber):
            return SigmaString(str(value.number)) if flattened else value
        if isinstance(value, SigmaString):
            return self._elastic_string(resolved, value)
        return value

    def _elastic_string(self, resolved: ResolvedField, value: SigmaString) -> SigmaType:
        path = resolved.path
        lang = self.language
        flattened = resolved.elastic_kind is ElasticKind.FLATTENED
        if not value.s:
            raise self._refuse(
                path,
                "the Elastic ingest pipeline drops empty strings, so '' cannot be told from a "
                "missing field",
                "test for null instead",
            )
        if all(part is SpecialChars.WILDCARD_MULTI for part in value.s):
            raise self._refuse(
                path,
                f"'{value}' also matches the empty string, which the Elastic ingest pipeline "
                "drops, so an empty value cannot be told from a missing field",
                "test for null, or |exists, instead",
            )
        unsafe = unsafe_chars(_plain_text(value))
        if unsafe and lang == "lucene":
            raise self._refuse(
                path,
                f"the value holds {', '.join(unsafe)}, which a Lucene query string line "
                "cannot carry (no escape for it in query_string or regexp syntax)",
                "use the eql or esql target, or match the text around it with wildcards",
            )
        wildcards = _wildcard_positions(value)
        for literal in ("*", "?"):
            if any(isinstance(p, str) and literal in p for p in value.s) and lang == "eql":
                raise self._refuse(
                    path,
                    f"a literal '{literal}': EQL's ':' reads every '{literal}' as a wildcard "
                    "and has no escape for it",
                    "use the elastic (Lucene) target",
                )
        if flattened and wildcards:
            prefix_only = (
                lang == "lucene"
                and len(wildcards) == 1
                and wildcards[0] == (len(value.s) - 1, SpecialChars.WILDCARD_MULTI)
            )
            if not prefix_only:
                raise self._refuse(
                    path,
                    f"{resolved.elastic} is a keyed flattened field, on which Elasticsearch "
                    "rejects wildcard queries (only exact and, in Lucene, prefix matches work)",
                    "match the exact value or use the splunk target",
                )
        if self._lower:
            if isinstance(value, SigmaCasedString):
                raise self._refuse(
                    path,
                    "a |cased value and a case-insensitive one in one ES|QL comparison",
                    "split them into separate detection items",
                )
            return _lowered(value)
        if lang == "eql" or is_case_safe(resolved, value):
            return value
        # Case-insensitive match needed on a case-sensitive field.
        if lang == "lucene" and not flattened:
            return case_insensitive_lucene_regex(value)
        raise self._refuse(
            path,
            f"'{value}' may vary in case and {resolved.elastic} is a case-sensitive "
            "flattened keyword (no regexp or case-insensitive syntax in Lucene)",
            "use the eql or splunk target, |cased if the case is fixed, or an enum value",
        )
