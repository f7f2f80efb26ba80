"""One error root for sigmaq, with the location of the offending input.

Modelled on pySigma's ``SigmaError``: every error carries the file (and line,
where known) and the rule id it concerns, so a CI log names the culprit.
"""

from __future__ import annotations

from pathlib import Path


class SigmaqError(Exception):
    """Root of every error sigmaq raises on purpose.

    Attributes:
        message: what went wrong, without location.
        path: the file concerned, or None.
        line: 1-based line in ``path``, or None.
        rule_id: the Sigma rule id (or title when there is no id), or None.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.rule_id = rule_id

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``), empty when unknown."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)

    def __str__(self) -> str:
        parts = []
        if self.location:
            parts.append(self.location)
        if self.rule_id:
            parts.append(f"rule {self.rule_id}")
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigError(SigmaqError):
    """Bad user configuration or command-line usage (exit code 2)."""


class RuleLoadError(SigmaqError):
    """A rule file could not be read, parsed or resolved."""


class FixtureError(SigmaqError):
    """A fixture file is missing, unreadable or not a CloudTrail record."""


class ConversionError(SigmaqError):
    """A rule could not be converted for a target, or was refused on purpose."""


class ReplayError(SigmaqError):
    """The replay engine met a rule feature it does not implement."""
