"""Replay engine: evaluate Sigma rules over CloudTrail records.

Single-event semantics (this package's ``fields``, ``values``, ``conditions`` and
``compile`` modules) follow docs/replay-semantics.md. Entry point::

    compiled = compile_rule(sigma_rule)          # raises ReplayError if unsupported
    compiled.matches(record)                     # bool
"""

from sigmaq.replay.compile import CompiledRule, compile_rule, index_key
from sigmaq.replay.fields import has_field, resolve

__all__ = ["CompiledRule", "compile_rule", "has_field", "index_key", "resolve"]
