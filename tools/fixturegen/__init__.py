"""Deterministic generators of the pack's CloudTrail fixtures.

Two generators, each a thin entry script over a package of scenario modules:

* ``python tools/fixturegen/q_business.py [--check]`` writes ``fixtures/q_business/``
  (package ``business``);
* ``python tools/fixturegen/agents_containment.py [--check]`` writes
  ``fixtures/{q_agent,q_apps,q_developer,q_connect,q_chat_apps,containment}/`` (package ``agents``);
* ``python tools/fixturegen [--check]`` runs both.

``common`` holds what both share: identities and callers, user agents, the CloudTrail record
builder, reproducible identifiers and the write/``--check`` logic. ``--check`` exits 0 only when
every committed fixture is reproduced byte for byte and no stale fixture is left.
"""
