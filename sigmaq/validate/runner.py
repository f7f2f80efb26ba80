"""Run every validator over a rule set and collect located findings.

Validators: pySigma's core validators, the SigmaHQ validators (offline, vendored
data: ``sigmaq.core.offline``) and the house validators (``sigmaq.validate.house``), through
pySigma's own ``SigmaValidator`` (validator selection, per-rule exclusions and
per-validator config, as in sigma-cli's validation config). Load errors and
validation issues become one list of ``ValidationFinding`` with path and line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from sigma.validators.base import SigmaRuleValidator, SigmaValidationIssue

from sigmaq.core.errors import ConfigError
from sigmaq.core.layout import find_project_root
from sigmaq.core.loader import LoadedRule, LoadResult, load_rules
from sigmaq.validate.house.base import HouseIssue

log = logging.getLogger(__name__)

CONFIG_FILE = "sigmaq-validation.yml"
SEVERITIES = ("low", "medium", "high", "error")

# Left out by default, each for a stated reason (README "Validation").
EXCLUDED_BY_DEFAULT: dict[str, str] = {
    "d3_fendtag": "MITRE D3FEND data cannot be obtained from the package index (no offline copy)",
    "sigmahq_unknown_field": "replaced by sigmaq_unknown_field, which allows the sigmaq: block",
    "sigmahq_correlation_filename_prefix": (
        "sigmaq names correlation rules aws_cloudtrail_<slug>.yml like every other rule"
    ),
}

# Issue class name fragment -> rule key whose line locates it.
_ISSUE_KEYS: tuple[tuple[str, str], ...] = (
    ("Title", "title"),
    ("Description", "description"),
    ("Falsepositive", "falsepositives"),
    ("FalsePositive", "falsepositives"),
    ("Tag", "tags"),
    ("Attack", "tags"),
    ("Modified", "modified"),
    ("Date", "date"),
    ("Status", "status"),
    ("Level", "level"),
    ("Author", "author"),
    ("Reference", "references"),
    ("Link", "references"),
    ("Logsource", "logsource"),
    ("LogSource", "logsource"),
    ("Correlation", "correlation"),
    ("Identifier", "id"),
    ("Condition", "detection.condition"),
)


@dataclass(frozen=True)
class ValidationFinding:
    """One located problem. ``severity`` is low/medium/high for validator issues and
    ``error`` for rules that could not be loaded; ``validator`` is ``load`` then."""

    path: str | None
    line: int | None
    rule_id: str | None
    title: str | None
    validator: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "rule_id": self.rule_id,
            "title": self.title,
            "validator": self.validator,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class ValidationReport:
    """Findings of one validation run, sorted by path and line."""

    findings: list[ValidationFinding] = field(default_factory=list)
    files: int = 0
    rules: int = 0
    validators: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def failing(self, fail_on: str = "low") -> list[ValidationFinding]:
        """Findings at or above ``fail_on`` (low < medium < high < error)."""
        threshold = SEVERITIES.index(fail_on)
        return [f for f in self.findings if SEVERITIES.index(f.severity) >= threshold]


def available_validators() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of every validator: pySigma plugins and house validators."""
    from sigma.plugins import InstalledSigmaPlugins

    from sigmaq.validate.house import house_validators

    plugins = InstalledSigmaPlugins.autodiscover(include_backends=False, include_pipelines=False)
    found: dict[str, type[SigmaRuleValidator]] = dict(plugins.validators)  # type: ignore[arg-type]
    return {**found, **house_validators()}


def load_config(project_root: Path | None, config_path: Path | None = None) -> dict[str, Any]:
    """The validation config: ``validators``, ``exclusions``, ``config`` (sigma-cli layout).

    Reads ``config_path`` or ``<project>/sigmaq-validation.yml`` when present and
    merges it over the defaults (all validators minus ``EXCLUDED_BY_DEFAULT``).
    Raises ConfigError on an unreadable or malformed file.
    """
    config: dict[str, Any] = {
        "validators": ["all", *(f"-{name}" for name in EXCLUDED_BY_DEFAULT)],
        "exclusions": {},
        "config": {},
    }
    path = config_path or (project_root / CONFIG_FILE if project_root else None)
    if path is None or not path.is_file():
        if config_path is not None:
            raise ConfigError("validation config not found", path=config_path)
        return config
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read validation config: {exc}", path=path) from exc
    if not isinstance(loaded, dict):
        raise ConfigError("validation config must be a map", path=path)
    for key in ("validators", "exclusions", "config"):
        if key in loaded:
            config[key] = loaded[key]
    problem = _config_shape_problem(config)
    if problem:
        raise ConfigError(f"validation config: {problem}", path=path)
    return _resolve_validator_set(config)


def _config_shape_problem(config: dict[str, Any]) -> str | None:
    """What is wrong with the config's shape (sigma-cli layout), or None."""
    validators = config.get("validators")
    if not isinstance(validators, list) or not all(isinstance(v, str) for v in validators):
        return "'validators' must be a list of validator names"
    exclusions = config.get("exclusions")
    if not isinstance(exclusions, dict):
        return "'exclusions' must map rule ids to a validator name or a list of names"
    for rule_id, names in exclusions.items():
        try:
            UUID(str(rule_id))
        except ValueError:
            return f"exclusion key {rule_id!r} is not a rule id (UUID)"
        if not isinstance(names, str) and not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            return f"exclusions of {rule_id} must be a validator name or a list of names"
    settings = config.get("config")
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        return "'config' must map validator names to maps of settings"
    return None


def _resolve_validator_set(config: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``config`` whose default exclusions survive a user's ``validators``
    list that starts with ``all`` (so ``[all, -x]`` keeps d3_fendtag off)."""
    names = list(config.get("validators", []))
    if names[:1] == ["all"]:
        names += [f"-{name}" for name in EXCLUDED_BY_DEFAULT if f"-{name}" not in names]
    return {**config, "validators": names}


def _issue_line(issue: SigmaValidationIssue, loaded: LoadedRule) -> int:
    document = loaded.document
    if isinstance(issue, HouseIssue):
        return document.line_of(issue.key_path)
    for attribute in ("field", "fieldname"):
        value = getattr(issue, attribute, None)
        if isinstance(value, str):
            matches = [line for key, line in document.key_lines.items() if key.endswith(value)]
            if matches:
                return min(matches)
    name = type(issue).__name__
    for fragment, key in _ISSUE_KEYS:
        if fragment in name and key in document.key_lines:
            return document.key_lines[key]
    return document.line


def _issue_message(issue: SigmaValidationIssue) -> str:
    if isinstance(issue, HouseIssue):
        return f"{issue.description}: {issue.detail}"
    extras = []
    for name, value in vars(issue).items():
        if name in ("rules",) or value in (None, "", []):
            continue
        extras.append(f"{name}={value}")
    return issue.description + (f" ({'; '.join(extras)})" if extras else "")


def validate_load_result(
    result: LoadResult,
    *,
    project_root: Path | None,
    config: dict[str, Any],
) -> ValidationReport:
    """Validate the clean rules of ``result`` and merge its load errors.

    Raises ConfigError for unknown validator names in ``config``.
    """
    from sigma.exceptions import SigmaConfigurationError
    from sigma.validation import SigmaValidator

    from sigmaq.core.offline import use_vendored_data

    use_vendored_data()
    validators = available_validators()
    run_config = dict(config)
    if project_root is not None:
        run_config.setdefault("config", {})
        run_config["config"] = {
            **run_config["config"],
            "sigmaq_fixtures": {"project_root": str(project_root)},
        }
    try:
        validator = SigmaValidator.from_dict(run_config, validators)
    except (SigmaConfigurationError, ValueError, TypeError) as exc:
        raise ConfigError(f"validation config: {exc}") from exc

    report = ValidationReport(files=len(result.files), rules=len(result.rules))
    report.validators = sorted(
        identifier
        for identifier, cls in validators.items()
        if any(type(instance) is cls for instance in validator.validators)
    )
    for error in result.errors:
        report.findings.append(
            ValidationFinding(
                path=str(error.path) if error.path else None,
                line=error.line,
                rule_id=error.rule_id,
                title=None,
                validator="load",
                severity="error",
                message=error.message,
            )
        )
    by_rule = {id(loaded.rule): loaded for loaded in result.rules}
    names = {cls: name for name, cls in validators.items()}
    # The same loop as SigmaValidator.validate_rule/finalize (exclusions by rule id),
    # run per validator so each issue is reported with the identifier that raised it.
    issues: list[tuple[str, SigmaValidationIssue]] = []
    instances = sorted(validator.validators, key=lambda v: names.get(type(v), ""))
    for loaded in result.rules:
        excluded = validator.exclusions[loaded.rule.id]
        for instance in instances:
            if type(instance) not in excluded:
                name = names.get(type(instance), type(instance).__name__)
                issues.extend((name, issue) for issue in instance.validate(loaded.rule))
    for instance in instances:
        name = names.get(type(instance), type(instance).__name__)
        issues.extend((name, issue) for issue in instance.finalize())
    for validator_name, issue in issues:
        for rule in issue.rules:
            loaded_rule = by_rule.get(id(rule))
            if loaded_rule is None:
                continue
            report.findings.append(
                ValidationFinding(
                    path=str(loaded_rule.path),
                    line=_issue_line(issue, loaded_rule),
                    rule_id=loaded_rule.rule_id,
                    title=str(rule.title),
                    validator=validator_name,
                    severity=issue.severity.name.lower(),
                    message=_issue_message(issue),
                )
            )
    report.findings.sort(key=lambda f: (f.path or "", f.line or 0, f.validator, f.message))
    return report


def validate_paths(
    paths: Sequence[Path | str],
    *,
    config_path: Path | None = None,
    project_root: Path | None = None,
) -> ValidationReport:
    """Load and validate every rule file under ``paths``.

    ``project_root`` defaults to the project holding the first path (folder with
    ``rules/`` and ``fixtures/``). Raises RuleLoadError for a missing path and
    ConfigError for a bad validation config; everything else is a finding.
    """
    root = project_root or (find_project_root(Path(paths[0])) if paths else None)
    config = load_config(root, config_path)
    result = load_rules(paths)
    return validate_load_result(result, project_root=root, config=config)


def validator_docs() -> list[tuple[str, str, str]]:
    """(identifier, origin, first docstring line) for every validator, sorted."""
    rows = []
    for identifier, cls in sorted(available_validators().items()):
        origin = "sigmaq" if cls.__module__.startswith("sigmaq.") else cls.__module__.split(".")[2]
        doc = (cls.__doc__ or "").strip().splitlines()
        status = "excluded by default" if identifier in EXCLUDED_BY_DEFAULT else ""
        rows.append(
            (identifier, origin, (doc[0] if doc else "") + (f" [{status}]" if status else ""))
        )
    return rows
