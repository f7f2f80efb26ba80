"""Hunt: stream the pack over CloudTrail archives and report findings.

Owns rule selection and roles (``rules``), the streaming run with worker
processes (``runner``), finding output formats (``output``) and the Spark engine
(``spark``: Spark SQL over archives; the exported Athena conditions come from the CLI).

May import: ``sigmaq.core`` and ``sigmaq.replay``.
"""
