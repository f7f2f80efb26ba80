"""Run both fixture generators: ``python tools/fixturegen [--check]``.

Writes (or, with ``--check``, compares) ``fixtures/q_business/`` and
``fixtures/{q_agent,q_apps,q_developer,q_connect,q_chat_apps,containment}/``; exits 1 when
``--check`` finds a differing or stale fixture.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python tools/fixturegen`: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # sigmaq, without an install

from fixturegen import agents, business
from fixturegen.common.output import main

if __name__ == "__main__":
    sys.exit(
        main(
            __doc__.splitlines()[0],
            [(business.plan, business.ROOTS), (agents.plan, agents.ROOTS)],
        )
    )
