"""Fixtures of the agent, Q Developer/Apps/Connect, chat-app and containment rules.

Run ``python tools/fixturegen/agents_containment.py [--check]``. One module per component
(``q_agent``, ``q_apps``, ``q_developer``, ``q_connect``, ``q_chat_apps``; containment in three:
``containment_q``, ``containment_iam``, ``containment_trail``), each returning
``{rule title: {scenario: record or [records]}}``; the rule stem is derived from the title with
``sigmaq.core.layout.expected_rule_filename``. The records are SYNTHETIC (see :mod:`.records`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sigmaq.core.layout import expected_rule_filename

from ..common.output import FIXTURES, ROOT, fixture_path
from .containment_iam import iam_fixtures
from .containment_q import q_fixtures
from .containment_trail import trail_fixtures
from .q_agent import agent_wipe_patterns, q_agent_specific
from .q_apps import q_apps
from .q_chat_apps import q_chat_apps
from .q_connect import q_connect
from .q_developer import q_developer
from .records import Fixtures, render

COMPONENTS: dict[str, tuple[Callable[[], Fixtures], ...]] = {
    "q_agent": (q_agent_specific,),
    "q_apps": (q_apps,),
    "q_developer": (q_developer,),
    "q_connect": (q_connect,),
    "q_chat_apps": (q_chat_apps,),
    "containment": (q_fixtures, iam_fixtures, trail_fixtures, agent_wipe_patterns),
}
ROOTS = tuple(FIXTURES / component for component in COMPONENTS)


def plan() -> dict[Path, str]:
    """Every fixture file this generator owns, path -> canonical text.

    Raises ValueError if two builders of a component produce the same fixture.
    """
    out: dict[Path, str] = {}
    for component, builds in COMPONENTS.items():
        for build in builds:
            for title, fixtures in build().items():
                stem = expected_rule_filename(title).removesuffix(".yml")
                for name, fixture in fixtures.items():
                    path = fixture_path(component, stem, name)
                    if path in out:
                        raise ValueError(f"{path.relative_to(ROOT)}: built twice")
                    out[path] = render(path.relative_to(ROOT).as_posix(), fixture)
    return out
