"""Testing: replay each rule over its fixtures and the baseline.

Owns the fixture runner (``runner``), the baseline check with its reviewed
known matches (``baseline``) and JUnit XML output (``junit``).

May import: ``sigmaq.core`` and ``sigmaq.replay``.
"""
