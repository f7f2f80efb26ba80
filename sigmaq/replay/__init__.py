"""Replay engine: evaluate Sigma rules over CloudTrail records.

Single-event semantics (this package's ``fields``, ``values``, ``conditions`` and
``compile`` modules) follow docs/replay-semantics.md. Entry point::

    compiled = compile_rule(sigma_rule)          # raises ReplayError if unsupported
    compiled.matches(record)                     # bool

Owns CloudTrail readers, field-path resolution, value matching, condition
evaluation and correlation windows: the reference semantics every export is
proven against.

May import: ``sigmaq.core``.
"""

from sigmaq.replay.compile import CompiledRule, compile_rule, index_key
from sigmaq.replay.fields import has_field, resolve

__all__ = ["CompiledRule", "compile_rule", "has_field", "index_key", "resolve"]
