"""The two ways a pipeline stops a rule: an expected refusal, or a mapping gap.

Both subclass pySigma's ``SigmaTransformationError`` so a backend treats them like
any other per-rule conversion error; sigmaq's conversion report tells them apart:
a ``RuleRefused`` is expected (the target cannot express the rule faithfully and
says what to use instead), an ``UnmappedFieldError`` is a failure (the field
table in ``sigmaq.core.fields`` lacks the path: fail closed, never guess a name).
"""

from __future__ import annotations

from sigma.exceptions import SigmaTransformationError


class RuleRefused(SigmaTransformationError):
    """The target cannot express the rule without being knowingly wrong.

    The message says why and what to use instead.
    """


class UnmappedFieldError(SigmaTransformationError):
    """A rule names a field that ``sigmaq.core.fields`` does not map (fail closed)."""
