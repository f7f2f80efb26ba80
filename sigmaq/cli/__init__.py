"""The ``sigmaq`` command line (click). Rendering and wiring only, no logic.

Sub-commands live in their own modules and are imported only when invoked,
so ``sigmaq --version`` and ``sigmaq -h`` stay fast and import nothing heavy.

May import: every subpackage (the top of the import direction).
"""

from __future__ import annotations

import gc
import importlib
from typing import Any, NoReturn

import click

from sigmaq import __version__

# command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "validate": "sigmaq.cli.validate_cmd:validate",
    "list": "sigmaq.cli.list_cmd:list_group",
    "test": "sigmaq.cli.test_cmd:test",
    "convert": "sigmaq.cli.convert_cmd:convert",
    "hunt": "sigmaq.cli.hunt_cmd:hunt",
    "investigate": "sigmaq.cli.investigate_cmd:investigate",
    "build": "sigmaq.cli.build_cmd:build",
    "coverage": "sigmaq.cli.coverage_cmd:coverage",
    "update": "sigmaq.cli.update_cmd:update",
    "new": "sigmaq.cli.new_cmd:new",
    "fixture": "sigmaq.cli.fixture_cmd:fixture_group",
    "readiness": "sigmaq.cli.readiness_cmd:readiness",
}

COMMAND_HELP: dict[str, str] = {
    "validate": "Validate Sigma rules offline (pySigma, SigmaHQ and house validators).",
    "list": "List targets, formats, validators or rules.",
    "test": "Replay every rule against its positive and negative fixtures.",
    "convert": "Convert rules to a target's query language.",
    "hunt": "Run the rule pack over CloudTrail archives and report findings.",
    "investigate": "Answer the Amazon Q playbook's questions from CloudTrail archives, "
    "with a timeline and a containment checklist.",
    "build": "Validate, test and convert the pack into dist/ (the main job).",
    "coverage": "Generate the rule table and the playbook coverage page.",
    "update": "Regenerate every generated file (golden, coverage, judgements, fixture format).",
    "new": "Scaffold a rule and its fixture stubs from the API catalogue.",
    "fixture": "Fixture tools: format (canonical JSON), capture (from a real archive).",
    "readiness": "Check exported CloudTrail configuration against the rules; emit the fix.",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMAND_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Click's ``main``, except that an OSError no command handled ends in a message
        and an exit code, never a traceback: standard output on a full disk or a closed
        descriptor (``sigmaq hunt > /dev/full``) exits 2 like every other "cannot write";
        any other exits 1. Click itself handles a closed pipe (``| head``)."""
        try:
            return super().main(*args, **kwargs)
        except OSError as exc:
            if kwargs.get("standalone_mode", True) is False:
                raise
            _exit_on_os_error(exc)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The process entry (the ``sigmaq`` script, ``python -m sigmaq``; click's test
        runner calls ``main`` instead): run the command, then ``gc.freeze()`` so that the
        interpreter's exit does not run the cyclic collector over every object still
        alive (rules, validators, vendored data: measured about 50 ms of every command);
        what sits in reference cycles goes with the process. Commands close their own
        files and ``atexit`` handlers still run."""
        try:
            return super().__call__(*args, **kwargs)
        finally:
            gc.freeze()


def _exit_on_os_error(exc: OSError) -> NoReturn:
    """Report ``exc`` on stderr and exit: 2 when it names no file (standard output could
    not be written), else 1. Standard output is pointed at the null device first, so the
    interpreter's last flush of what could not be written fails no second time."""
    import contextlib
    import os
    import sys

    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test runner's stream)
        pass
    if exc.filename is None:
        message = f"error: cannot write the output: {exc.strerror or exc}"
    else:
        message = f"error: {exc.filename}: {exc.strerror or exc}"
    with contextlib.suppress(OSError, ValueError):  # stderr gone too: the exit code tells
        click.echo(message, err=True)
    sys.exit(2 if exc.filename is None else 1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sigmaq")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """sigmaq: Sigma rules, fixtures and tooling for Amazon Q security events in CloudTrail."""
    import logging

    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
