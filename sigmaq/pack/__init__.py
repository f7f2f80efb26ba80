"""Pack: jobs over the whole project that combine the stages.

Owns ``sigmaq build`` (``build``: validate, test, convert into ``dist/``) and the
generated coverage pages (``coverage``).

May import: ``sigmaq.core`` and every stage (``validate``, ``replay``, ``export``,
``testing``, ``hunt``); never ``sigmaq.cli``.
"""
