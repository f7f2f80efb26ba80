"""Generate the CloudTrail fixtures of the ``q_business`` rules, deterministically.

Usage::

    python tools/fixturegen/q_business.py          # (re)write fixtures/q_business/
    python tools/fixturegen/q_business.py --check  # exit 1 if a committed fixture differs

The scenarios live in the ``business`` package next to this script (one module per catalogue
group), the record builders, identities and user agents in ``common`` (shared with
``agents_containment.py``). The records are SYNTHETIC; identifiers are uuid4-shaped values derived
from a hash of the fixture path, so a re-run reproduces every file byte for byte. Only
documentation values are used: accounts 123456789012 / 111122223333 / 444455556666, RFC 5737
addresses, ``example.com``/``example.net`` names, ``...EXAMPLE`` key ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the fixturegen package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # sigmaq, without an install

from fixturegen import business
from fixturegen.common.output import main

if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], [(business.plan, business.ROOTS)]))
