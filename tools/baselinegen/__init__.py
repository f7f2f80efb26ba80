"""Generator of ``fixtures/_baseline/``: one working day of ordinary Amazon Q use in CloudTrail.

``common`` holds identities, user agents and the record builder; one module per surface
(``console_chat``, ``on_behalf``, ``q_business``, ``ide``, ``cli``, ``iam_reads``) appends
records to a shared :class:`~baselinegen.common.Day`; ``assembly`` runs them in a fixed order
and renders the files. The entry script is ``tools/make_baseline.py``.
"""
