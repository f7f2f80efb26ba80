"""Every validator sigmaq knows, the profiles that pick them, and the user's changes.

Two kinds share one name space: *rule validators* (pySigma ``SigmaRuleValidator``
classes: pySigma's core ones, SigmaHQ's, and sigmaq's house ones) and *fixture
checks* (``sigmaq.validate.fixtures.checks``). A profile is a starting set:

* ``amazon_q``: everything that can run, minus the two SigmaHQ checks sigmaq
  replaces (``sigmahq_unknown_field``, ``sigmahq_correlation_filename_prefix``);
  the Amazon Q pack's conventions (file names, ``sigmaq:`` block, component layout,
  catalogue items, fixture discipline) included;
* ``cloudtrail``: CloudTrail facts only (API catalogue for every botocore service,
  eventSource/eventName pairing and case, AWS enumeration case, field paths, target
  expressibility, regex backtracking, unique ids, rules replay can run) and the factual
  fixture checks; no pack convention.

The ``validators`` list of the config then adds (``name``, ``+name``) or removes
(``-name``) validators or groups (``all``, ``core``, ``sigmahq``, ``house``,
``fixtures``). Validators that cannot run offline are listed as unavailable and
naming one is a ConfigError, never a network error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sigma.validators.base import SigmaRuleValidator

from sigmaq.core.catalog import close_matches
from sigmaq.core.errors import ConfigError
from sigmaq.validate.fixtures.checks import FIXTURE_CHECKS

# Validators pySigma's plugins offer that cannot run here, with why.
UNAVAILABLE: dict[str, str] = {
    "d3_fendtag": (
        "needs the MITRE D3FEND data, which pySigma downloads on first use and no package "
        "on the package index ships: it cannot run offline"
    ),
}
# Left out of the amazon_q profile, each replaced by a house validator.
REPLACED: dict[str, str] = {
    "sigmahq_unknown_field": "replaced by sigmaq_unknown_field, which allows the sigmaq: block",
    "sigmahq_correlation_filename_prefix": (
        "sigmaq names correlation rules aws_cloudtrail_<slug>.yml like every other rule"
    ),
}
CLOUDTRAIL_RULE_VALIDATORS = (
    "sigmaq_logsource",
    "sigmaq_catalog_values",
    "sigmaq_enum_case",
    "sigmaq_field_path",
    "sigmaq_target_expressible",
    "sigmaq_regex_backtracking",
    "sigmaq_unique_identity",
    "sigmaq_replayable",
)
CLOUDTRAIL_FIXTURE_CHECKS = (
    "fixture_read",
    "fixture_stub",
    "fixture_schema",
    "fixture_event_catalog",
    "fixture_request_parameters",
)
GROUPS = ("all", "core", "sigmahq", "house", "fixtures")


@dataclass(frozen=True)
class ValidatorInfo:
    """One validator: ``kind`` ``rule`` or ``fixture``; ``origin`` ``pysigma``,
    ``sigmahq`` or ``sigmaq``; ``unavailable``: why it cannot run (None: it can)."""

    name: str
    kind: str
    origin: str
    description: str
    severity: str | None = None
    unavailable: str | None = None


# The modules pySigma and pySigma-validators-sigmahq put in the ``sigma.validators``
# namespace package; another module there is a third-party validator plugin.
BUILT_IN_VALIDATOR_MODULES = ("sigma.validators.core", "sigma.validators.sigmahq")
_VALIDATOR_BASE_MODULE = "sigma.validators.base"


def plugin_validator_classes() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of the validators pySigma's plugin autodiscovery finds
    (``InstalledSigmaPlugins.autodiscover``), in its order.

    When the ``sigma.validators`` namespace holds only pySigma's own modules (core and
    SigmaHQ), their ``validators`` maps are read directly: the same classes, without
    importing ``sigma.plugins`` (which imports requests, packaging and every pipeline
    module: a third of a second before any rule is read). A third-party validator
    plugin in the namespace is discovered by pySigma itself.
    """
    import importlib
    import pkgutil

    import sigma.validators

    modules = [
        info.name
        for info in pkgutil.iter_modules(sigma.validators.__path__, "sigma.validators.")
        if info.name != _VALIDATOR_BASE_MODULE
    ]
    if all(name in BUILT_IN_VALIDATOR_MODULES for name in modules):
        found: dict[str, type[SigmaRuleValidator]] = {}
        for name in modules:
            found.update(importlib.import_module(name).validators)
        return found
    from sigma.plugins import InstalledSigmaPlugins

    plugins = InstalledSigmaPlugins.autodiscover(include_backends=False, include_pipelines=False)
    return dict(plugins.validators)  # type: ignore[arg-type]


@cache
def rule_validator_classes() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of every rule validator: pySigma's, its plugins' (SigmaHQ's,
    third-party ones) and the house ones."""
    from sigmaq.validate.house import house_validators

    return {**plugin_validator_classes(), **house_validators()}


def _origin(cls: type) -> str:
    if cls.__module__.startswith("sigmaq."):
        return "sigmaq"
    return "sigmahq" if ".sigmahq" in cls.__module__ else "pysigma"


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z])")
_RST_LITERAL = re.compile(r"``(.+?)``")


def docstring_summary(doc: str) -> str:
    """The first sentence of ``doc``'s first paragraph as one line of plain text: lines
    joined, reStructuredText literals (````x````) written ``'x'``. What ``sigmaq list
    validators`` shows and SARIF's ``shortDescription.text`` carries (SARIF 2.1.0,
    3.49.9: a concise, plain-text description)."""
    paragraph = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    text = " ".join(paragraph.split())
    end = _SENTENCE_END.search(text)
    if end is not None:
        text = text[: end.start() + 1]
    return _RST_LITERAL.sub(r"'\1'", text)


def validator_infos() -> list[ValidatorInfo]:
    """Every known validator (unavailable ones included), sorted by name."""
    infos = []
    for name, cls in rule_validator_classes().items():
        summary = docstring_summary(cls.__doc__ or "")
        infos.append(
            ValidatorInfo(name, "rule", _origin(cls), summary, None, UNAVAILABLE.get(name))
        )
    for check in FIXTURE_CHECKS.values():
        infos.append(
            ValidatorInfo(check.name, "fixture", "sigmaq", check.description, check.severity)
        )
    return sorted(infos, key=lambda info: info.name)


def _runnable() -> dict[str, ValidatorInfo]:
    return {info.name: info for info in validator_infos() if info.unavailable is None}


def group_members(group: str) -> set[str]:
    """Runnable validators of a group name (``all``, ``core``, ``sigmahq``, ...)."""
    runnable = _runnable()
    if group == "all":
        return set(runnable)
    if group == "fixtures":
        return {n for n, i in runnable.items() if i.kind == "fixture"}
    origin = {"core": "pysigma", "sigmahq": "sigmahq", "house": "sigmaq"}[group]
    return {n for n, i in runnable.items() if i.kind == "rule" and i.origin == origin}


def profile_validators(profile: str) -> set[str]:
    """The starting set of a profile (see the module docstring)."""
    if profile == "amazon_q":
        return group_members("all") - set(REPLACED)
    if profile == "cloudtrail":
        return set(CLOUDTRAIL_RULE_VALIDATORS) | set(CLOUDTRAIL_FIXTURE_CHECKS)
    raise ConfigError(f"unknown profile {profile!r}")


def _unknown(name: str, known: Iterable[str]) -> ConfigError:
    hints = close_matches(name, known)
    hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    return ConfigError(f"unknown validator {name!r}{hint}; `sigmaq list validators` lists them")


def resolve_validators(profile: str, changes: Iterable[str]) -> set[str]:
    """The validators to run: the profile's set with ``changes`` applied in order.

    A change is ``name``/``+name`` (add), ``-name`` (remove; removing one that is not
    in the set is fine) or a group name in either form. Raises ConfigError for an
    unknown name (with a "did you mean") and for a validator that cannot run offline.
    """
    selected = profile_validators(profile)
    known = {info.name for info in validator_infos()}
    for change in changes:
        remove = change.startswith("-")
        name = change.lstrip("+-").strip()
        if name in GROUPS:
            members = group_members(name)
        elif name in UNAVAILABLE:
            if remove:
                continue
            raise ConfigError(f"validator {name!r} cannot be enabled: {UNAVAILABLE[name]}")
        elif name in known:
            members = {name}
        else:
            raise _unknown(name, [*known, *GROUPS])
        selected = selected - members if remove else selected | members
    return selected
