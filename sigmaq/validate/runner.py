"""Run the selected validators over a rule set and its fixtures; collect located findings.

Rule validators: pySigma's core validators, the SigmaHQ validators (offline, vendored
data: ``sigmaq.core.offline``) and the house validators (``sigmaq.validate.house``),
through pySigma's own ``SigmaValidator`` (per-rule exclusions and per-validator
settings, as in sigma-cli's validation config). Fixture checks:
``sigmaq.validate.fixtures``. Which run is the profile plus the project's changes
(``sigmaq.validate.registry``, ``sigmaq.validate.config``). Load errors, validator
issues, validator crashes and fixture problems become one list of
``ValidationFinding`` with path and line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma.validators.base import SigmaRuleValidator, SigmaValidationIssue

from sigmaq.core.condition_trees import shared_condition_trees
from sigmaq.core.errors import ConfigError
from sigmaq.core.layout import ProjectLayout, find_project_root, resolve_paths_once
from sigmaq.core.loader import LoadedRule, LoadResult, load_rules
from sigmaq.validate.config import ProjectConfig, load_project_config
from sigmaq.validate.house.base import HouseIssue
from sigmaq.validate.registry import rule_validator_classes

log = logging.getLogger(__name__)

SEVERITIES = ("low", "medium", "high", "error")

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
    """Findings of one validation run, sorted by path and line.

    ``validators``: names of the rule validators and fixture checks that ran;
    ``fixtures``: fixture files checked; ``profile``: the profile used;
    ``config``: the configuration file read (None: defaults).
    """

    findings: list[ValidationFinding] = field(default_factory=list)
    files: int = 0
    rules: int = 0
    validators: list[str] = field(default_factory=list)
    fixtures: int = 0
    profile: str = ""
    config: Path | None = None

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def failing(self, fail_on: str = "low") -> list[ValidationFinding]:
        """Findings at or above ``fail_on`` (low < medium < high < error)."""
        threshold = SEVERITIES.index(fail_on)
        return [f for f in self.findings if SEVERITIES.index(f.severity) >= threshold]


def available_validators() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of every rule validator (``sigmaq.validate.registry``)."""
    return rule_validator_classes()


def _key_line(loaded: LoadedRule, key_path: str) -> int:
    """Line of ``key_path`` in the rule's YAML: the key itself, the key written with
    modifiers (``field|contains``), or its nearest parent key."""
    lines = loaded.document.key_lines
    path = key_path
    while path:
        if path in lines:
            return lines[path]
        with_modifier = [line for key, line in lines.items() if key.startswith(path + "|")]
        if with_modifier:
            return min(with_modifier)
        path = path.rpartition(".")[0]
    return loaded.document.line


def _value_line(loaded: LoadedRule, key_path: str, value: str) -> int | None:
    """Line of ``value`` under ``key_path`` (the key itself or written with modifiers),
    or None when the YAML text differs from the value's (escapes, numbers)."""
    lines = [
        line
        for (key, text), line in loaded.document.value_lines.items()
        if text == value and (key == key_path or key.startswith(key_path + "|"))
    ]
    return min(lines) if lines else None


def _issue_line(issue: SigmaValidationIssue, loaded: LoadedRule) -> int:
    document = loaded.document
    if isinstance(issue, HouseIssue):
        if issue.value is not None:
            line = _value_line(loaded, issue.key_path, issue.value)
            if line is not None:
                return line
        return _key_line(loaded, issue.key_path)
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


def _is_empty(value: Any) -> bool:
    # Never compare with ``==``: pySigma's SigmaString raises on comparison with a list.
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def _issue_message(issue: SigmaValidationIssue) -> str:
    if isinstance(issue, HouseIssue):
        return f"{issue.description}: {issue.detail}"
    extras = []
    for name, value in vars(issue).items():
        if name in ("rules",) or _is_empty(value):
            continue
        extras.append(f"{name}={value}")
    return issue.description + (f" ({'; '.join(extras)})" if extras else "")


def _crash_finding(
    loaded: LoadedRule | None, validator: str, error: Exception
) -> ValidationFinding:
    """A validator that raised: one finding naming rule, file and validator."""
    where = f"on rule {loaded.path.name}" if loaded is not None else "while finishing"
    return ValidationFinding(
        path=str(loaded.path) if loaded is not None else None,
        line=loaded.document.line if loaded is not None else None,
        rule_id=loaded.rule_id if loaded is not None else None,
        title=str(loaded.rule.title) if loaded is not None else None,
        validator=validator,
        severity="error",
        message=f"validator {validator} failed {where}: {type(error).__name__}: {error} "
        "(a sigmaq or pySigma bug: please report it with the rule)",
    )


def _rule_validator(selected: set[str], config: ProjectConfig, project_root: Path | None) -> Any:
    """pySigma's ``SigmaValidator`` for the selected rule validators (sigma-cli layout).

    Raises ConfigError when pySigma rejects the exclusions or settings.
    """
    from sigma.exceptions import SigmaConfigurationError
    from sigma.validation import SigmaValidator

    classes = rule_validator_classes()
    names = sorted(name for name in selected if name in classes)
    settings = {name: dict(values) for name, values in config.settings.items() if name in classes}
    if project_root is not None and "sigmaq_fixtures" in names:
        settings["sigmaq_fixtures"] = {
            **settings.get("sigmaq_fixtures", {}),
            "project_root": str(project_root),
        }
    exclusions = {
        rule_id: [name for name in rule_names if name in classes]
        for rule_id, rule_names in config.exclusions.items()
    }
    run_config = {"validators": names, "exclusions": exclusions, "config": settings}
    try:
        return SigmaValidator.from_dict(run_config, classes)
    except (SigmaConfigurationError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"validation config: {exc}", path=config.source) from exc


def validate_load_result(
    result: LoadResult,
    *,
    project_root: Path | None,
    config: ProjectConfig | None = None,
    whole_project: bool = False,
) -> ValidationReport:
    """Validate the clean rules of ``result`` and their fixtures; merge load errors.

    ``config`` gives profile, validator changes, exclusions and settings (default:
    no file, profile ``cloudtrail``). ``whole_project``: every rule of
    ``project_root`` is in ``result``, so the baseline and fixture folders without a
    rule are checked too. A validator that raises becomes one ``error`` finding.
    Raises ConfigError for unknown validator names or a bad config.
    """
    from sigmaq.core.offline import use_vendored_data
    from sigmaq.validate.fixtures.checks import FIXTURE_CHECKS
    from sigmaq.validate.registry import resolve_validators

    config = config or ProjectConfig()
    use_vendored_data()
    selected = resolve_validators(config.profile, config.validators)
    validator = _rule_validator(selected, config, project_root)
    classes = rule_validator_classes()

    report = ValidationReport(
        files=len(result.files),
        rules=len(result.rules),
        profile=config.profile,
        config=config.source,
    )
    report.validators = sorted(
        name for name in selected if name in classes or name in FIXTURE_CHECKS
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
    names = {cls: name for name, cls in classes.items()}
    # The same loop as SigmaValidator.validate_rule/finalize (exclusions by rule id),
    # run per validator so each issue is reported with the identifier that raised it,
    # and a validator that raises is one finding, not a traceback.
    issues: list[tuple[str, SigmaValidationIssue]] = []
    instances = sorted(validator.validators, key=lambda v: names.get(type(v), ""))
    # Validators only read the rules and files: parse each condition, resolve each path once.
    with shared_condition_trees(), resolve_paths_once():
        for loaded in result.rules:
            excluded = validator.exclusions[loaded.rule.id]
            for instance in instances:
                if type(instance) in excluded:
                    continue
                name = names.get(type(instance), type(instance).__name__)
                try:
                    found = list(instance.validate(loaded.rule))
                except Exception as exc:  # a validator bug must not abort the run
                    log.debug("validator %s raised", name, exc_info=True)
                    report.findings.append(_crash_finding(loaded, name, exc))
                    continue
                issues.extend((name, issue) for issue in found)
        for instance in instances:
            name = names.get(type(instance), type(instance).__name__)
            try:
                found = list(instance.finalize())
            except Exception as exc:
                log.debug("validator %s raised in finalize", name, exc_info=True)
                report.findings.append(_crash_finding(None, name, exc))
                continue
            issues.extend((name, issue) for issue in found)
    for validator_name, issue in issues:
        for rule in issue.rules:
            loaded_rule = by_rule.get(id(rule))
            if loaded_rule is None:
                continue
            try:
                line = _issue_line(issue, loaded_rule)
                message = _issue_message(issue)
            except Exception as exc:
                report.findings.append(_crash_finding(loaded_rule, validator_name, exc))
                continue
            report.findings.append(
                ValidationFinding(
                    path=str(loaded_rule.path),
                    line=line,
                    rule_id=loaded_rule.rule_id,
                    title=str(rule.title),
                    validator=validator_name,
                    severity=issue.severity.name.lower(),
                    message=message,
                )
            )

    enabled_checks = {name for name in selected if name in FIXTURE_CHECKS}
    if enabled_checks:
        from sigmaq.validate.fixtures.runner import fixture_targets, run_fixture_checks

        targets, orphans = fixture_targets(result.rules, project_root, whole_project=whole_project)
        report.fixtures = len(targets)
        for found_fixture in run_fixture_checks(
            targets, enabled_checks, exclusions=config.exclusions, orphans=orphans
        ):
            report.findings.append(
                ValidationFinding(
                    path=str(found_fixture.path),
                    line=found_fixture.line,
                    rule_id=found_fixture.rule_id,
                    title=found_fixture.title,
                    validator=found_fixture.check,
                    severity=found_fixture.severity,
                    message=found_fixture.message,
                )
            )
    report.findings.sort(key=lambda f: (f.path or "", f.line or 0, f.validator, f.message))
    return report


def covers_project(paths: Sequence[Path | str], root: Path | None) -> bool:
    """True when ``paths`` include the whole ``rules/`` folder of project ``root``."""
    if root is None:
        return False
    layout = ProjectLayout(root)
    wanted = {layout.rules_dir.resolve(), layout.root.resolve()}
    return any(Path(p).resolve() in wanted for p in paths)


def validate_paths(
    paths: Sequence[Path | str],
    *,
    config_path: Path | None = None,
    project_root: Path | None = None,
    profile: str | None = None,
    config: ProjectConfig | None = None,
    loaded: LoadResult | None = None,
) -> ValidationReport:
    """Load and validate every rule file under ``paths``, and their fixtures.

    ``loaded``: what ``load_rules(paths)`` returned when the caller loaded them already
    (validators only read the rules), so a command that validates then runs the rules
    parses them once.

    ``project_root`` defaults to the project holding the first path (folder with
    ``rules/`` and ``fixtures/``); ``config`` defaults to the sigmaq config found
    at or above the first path (``config_path`` names one), with ``profile``
    overriding its profile. Raises RuleLoadError for a missing path and
    ConfigError for a bad configuration; everything else is a finding.
    """
    first = Path(paths[0]) if paths else None
    root = project_root or (find_project_root(first) if first is not None else None)
    if config is None:
        config = load_project_config(first, config_path=config_path, profile=profile)
    else:
        config = config.with_profile(profile)
    with shared_condition_trees():  # the loader's parse serves the validators
        result = loaded if loaded is not None else load_rules(paths)
        return validate_load_result(
            result, project_root=root, config=config, whole_project=covers_project(paths, root)
        )
