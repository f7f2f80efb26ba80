"""Hunt: stream the pack over CloudTrail archives and report findings.

Owns rule selection and roles (``rules``), the streaming run with worker
processes (``runner``) and finding output formats (``output``).

May import: ``sigmaq.core`` and ``sigmaq.replay``.
"""
