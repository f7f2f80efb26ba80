"""Generate the fixtures of the agent, Q Developer/Apps/Connect, chat-app and containment rules.

Usage::

    python tools/fixturegen/agents_containment.py          # (re)write the fixtures
    python tools/fixturegen/agents_containment.py --check  # exit 1 if a committed fixture differs

Covers ``fixtures/{q_agent,q_developer,q_apps,q_connect,q_chat_apps,containment}/``. The scenarios
live in the ``agents`` package next to this script (one module per component), the record builders,
identities and user agents in ``common`` (shared with ``q_business.py``). The records are
SYNTHETIC, assembled from the Amazon Q CloudTrail brief (record format §3, services §2.2-2.6, the
July 2025 wiper incident §4.1, user agents §6) and from the shapes of real records in
``../shared/data/external``. Identifiers (``eventID``, ``requestID``) are uuid4-shaped values
derived from a hash of the fixture path, so a re-run is byte-identical. Documentation values only:
accounts 123456789012 / 111122223333 / 444455556666, RFC 5737 addresses, ``example.com`` names,
``...EXAMPLE`` key ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the fixturegen package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # sigmaq, without an install

from fixturegen import agents
from fixturegen.common.output import main

if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], [(agents.plan, agents.ROOTS)]))
