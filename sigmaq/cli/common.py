"""Small helpers shared by the CLI commands (paths, configuration, usage errors)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from sigmaq.core.layout import ProjectLayout, bundled_pack_root, find_project_root
from sigmaq.core.unseen import first_unseen, show_unseen

if TYPE_CHECKING:
    from sigmaq.core.loader import LoadResult


class NonEmptyPath(click.Path):
    """``click.Path`` that refuses an empty argument: ``Path("")`` is the current folder,
    so ``sigmaq hunt "$ARCHIVE"`` with the variable unset would hunt whatever lies here,
    and ``-o ""`` would write there. A usage error (exit 2) instead."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value:
            self.fail("an empty path names no file or folder (an unset variable?)", param, ctx)
        return super().convert(value, param, ctx)


# indexes.conf.spec: "numbers, lowercase letters, underscores, and hyphens", not starting
# with an underscore or hyphen; a search may also name several with the `*` wildcard.
_SPLUNK_INDEX = re.compile(r"[a-z0-9*][a-z0-9_*-]*")
# One Elasticsearch index name or pattern (Create index API, "Path parameters"): lowercase,
# none of \ / ? " < > | , # or a space, not starting with -, _ or +; `*` wildcards and a
# remote cluster prefix (`cluster:`) allowed. Anything else would break the ES|QL `from`.
_ELASTIC_INDEX = re.compile(r"[a-z0-9.*][a-z0-9._*:+-]*")


def splunk_index_name(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    """Click callback: ``value`` if it is a Splunk index name (or pattern), else BadParameter
    (a quote or space would break the source macro, and with it every search)."""
    if value is not None and not _SPLUNK_INDEX.fullmatch(value):
        raise click.BadParameter(
            f"{value!r} is not a Splunk index name (lowercase letters, digits, '_', '-', "
            "'*'; not starting with '_' or '-')"
        )
    return value


def splunk_macro_name(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    """Click callback: ``value`` unless it holds a backtick or a control character. The
    name is written between backticks at the head of every search: a backtick would end
    the macro call there and let the rest run as SPL (`` x` | delete ``), and a line break
    would end the ``search =`` key of savedsearches.conf."""
    if value is None:
        return None
    shown = first_unseen(value)
    if not value.strip() or "`" in value or shown is not None:
        raise click.BadParameter(
            f"{value!r} is not a Splunk macro name: no backtick, line break or other "
            "control character (a macro call such as my_macro or my_macro(aws))"
        )
    return value


def elastic_index_pattern(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """Click callback: ``value`` if it is one Elasticsearch index name or pattern, else
    BadParameter (a quote, pipe, comma or space would change the ES|QL ``from`` or the
    Kibana rule's ``index``)."""
    if not _ELASTIC_INDEX.fullmatch(value) or value in (".", ".."):
        raise click.BadParameter(
            f"{value!r} is not one Elasticsearch index pattern (lowercase letters, digits, "
            "'.', '_', '-', '+', '*', ':'; not starting with '_', '-' or '+')"
        )
    return value


PROFILE_OPTION = click.option(
    "--profile",
    type=click.Choice(["amazon_q", "cloudtrail"]),
    default=None,
    help="Validator profile: amazon_q (this pack's conventions) or cloudtrail (CloudTrail "
    "facts only). Default: the project's sigmaq.yml, else cloudtrail.",
)


def project_layout() -> ProjectLayout | None:
    """The project around the current directory, or None."""
    root = find_project_root(Path.cwd())
    return ProjectLayout(root) if root is not None else None


def project_or_installed_layout() -> tuple[ProjectLayout, bool] | None:
    """The project around the current directory (layout, False), else the rule pack that
    comes with sigmaq (layout, True; ``layout.bundled_pack_root``: what ``pip install
    sigmaq`` ships), announced on stderr, else None."""
    layout = project_layout()
    if layout is not None:
        return layout, False
    bundled = bundled_pack_root()
    if bundled is None:
        return None
    _note_bundled(bundled)
    return ProjectLayout(bundled), True


def archive_rule_paths(given: tuple[Path, ...] | list[Path]) -> list[Path]:
    """The rules ``hunt``, ``investigate`` and ``readiness`` run: ``given`` (``--rules``),
    else the ``rules:`` of the sigmaq.yml around the current directory, else the project's
    ``rules/``, else ``./rules`` when it is a folder (a rule repository without fixtures,
    as ``default_rule_paths``), else those of the pack installed with sigmaq (announced on
    stderr). Raises ConfigError when there is none (``hunt.rules.default_rules_dir``) and
    exits 2 on a broken sigmaq.yml."""
    from sigmaq.hunt.rules import default_rules_dir

    if given:
        return list(given)
    configured = configured_rule_paths()
    if configured:
        return configured
    in_project = find_project_root(Path.cwd()) is not None
    if not in_project and (Path.cwd() / "rules").is_dir():
        return [Path("rules")]
    rules = default_rules_dir(Path.cwd())
    if not in_project:
        _note_bundled(rules.parent)
    return [rules]


def _note_bundled(root: Path) -> None:
    click.echo(
        f"note: no sigmaq project here: using the rule pack installed with sigmaq ({root})",
        err=True,
    )


def configured_rule_paths() -> list[Path]:
    """The ``rules:`` of the sigmaq.yml around the current directory, else ``[]``.

    Exits with code 2 (usage error) when the configuration is broken.
    """
    from sigmaq.core.errors import ConfigError
    from sigmaq.validate.config import load_project_config

    try:
        return list(load_project_config(Path.cwd()).rules)
    except ConfigError as exc:
        exit_with_usage_error(str(exc))


def default_rule_paths(*, bundled: bool = False) -> list[Path]:
    """The rule paths of the configuration around the current directory (``rules:``),
    else ``[<project>/rules]``, else ``./rules`` when it is a folder (a rule repository
    without fixtures, such as SigmaHQ's layout), else, with ``bundled``, the rules of the
    pack installed with sigmaq (announced on stderr). Commands that gate a repository
    (validate, test) never take ``bundled``: checking our pack in place of a missing one
    would pass a CI job that checked nothing.

    Exits with code 2 (usage error) when none exists or the config is broken.
    """
    configured = configured_rule_paths()
    if configured:
        return configured
    layout = project_layout()
    if layout is not None:
        return [layout.rules_dir]
    if (Path.cwd() / "rules").is_dir():
        return [Path("rules")]
    installed = bundled_pack_root() if bundled else None
    if installed is not None:
        _note_bundled(installed)
        return [installed / "rules"]
    exit_with_usage_error(
        "no PATHS given, no `rules:` in a sigmaq.yml and no rules/ folder here: pass the "
        f"rule files or folders (e.g. `{_rule_paths_example()}`) or set `rules: "
        "[detections]` in a sigmaq.yml at the repository root"
    )


def _rule_paths_example() -> str:
    """How the running command takes rule paths, for the message above: as arguments
    (``sigmaq test detections/``) or with ``--rules`` (``sigmaq fixture capture ...
    --rules detections/``)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "sigmaq validate detections/"
    names: list[str] = []
    current: click.Context | None = ctx
    while current is not None and current.parent is not None:
        names.append(current.info_name or "")
        current = current.parent
    command = " ".join(["sigmaq", *reversed(names)])
    takes_option = any(
        isinstance(param, click.Option) and "--rules" in param.opts for param in ctx.command.params
    )
    return f"{command} ... --rules detections/" if takes_option else f"{command} detections/"


def shown(text: object) -> str:
    """``text`` on one visible line: every control or format character (a line break, ESC)
    as its escape (``sigmaq.core.unseen``). Rule keys, values and file names end up in
    messages; a line break there would start a line of its own, which a CI runner may
    read as a command (GitHub Actions: a line starting ``::error``)."""
    return show_unseen(str(text))


def exit_with_usage_error(message: str) -> NoReturn:
    """Print ``message`` on stderr and exit with code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def refuse_overwriting_inputs(
    output: Path | None, inputs: Sequence[Path], reads: Callable[[Path], bool], option: str
) -> None:
    """Exit 2 when ``output`` is a file this command reads: one of ``inputs``, or a file
    inside an input folder that ``reads`` says the command would read. Writing there
    would replace a rule or a record with the command's report (``sigmaq validate -o
    rule.yml rule.yml`` left an empty rule file)."""
    if output is None or not output.is_file():
        return
    for source in inputs:
        try:
            same = source.is_file() and os.path.samefile(source, output)
            inside = (
                source.is_dir()
                and output.resolve().is_relative_to(source.resolve())
                and reads(output)
            )
        except OSError:  # a source that cannot be read is the run's to report
            continue
        if same or inside:
            exit_with_usage_error(
                f"{option} {output} is an input of this command ({source}): writing there "
                "would overwrite what it reads; choose another path"
            )


def reads_rule_or_fixture(path: Path) -> bool:
    """True for a file a rule folder is read for: a rule or a fixture."""
    return path.name.endswith((".yml", ".yaml", ".json", ".json.gz", ".ndjson"))


def write_output(text: str, output: Path | None) -> None:
    """``text`` to ``output`` (parents created) or stdout; exit 2 when unwritable."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        exit_with_usage_error(f"cannot write {output}: {exc}")


NO_VALIDATE_OPTION = click.option(
    "--no-validate",
    is_flag=True,
    help="Skip the validation run that stops on rule errors (load errors and findings of "
    "severity high: unknown eventName/eventSource/field, ...).",
)


def validate_first(rule_paths: list[Path], profile: str | None, command: str) -> LoadResult:
    """Validate ``rule_paths`` (rule validators only) and exit 1 on blocking findings.

    Blocking: load errors and findings at severity ``high`` or above, such as an
    eventName CloudTrail never logs (``q:SendMessage``): converting or hunting with
    them silently finds nothing. Lower findings are left to `sigmaq validate`.
    Returns the rules as loaded for validation (``load_rules(rule_paths)``), so the
    command does not parse them again.
    """
    import dataclasses

    from sigmaq.core.condition_trees import shared_condition_trees
    from sigmaq.core.errors import SigmaqError
    from sigmaq.core.loader import load_rules
    from sigmaq.core.runtime import start_up_gc
    from sigmaq.validate.config import load_project_config
    from sigmaq.validate.runner import validate_paths

    try:
        config = load_project_config(rule_paths[0] if rule_paths else None, profile=profile)
        config = dataclasses.replace(config, validators=(*config.validators, "-fixtures"))
        with start_up_gc(), shared_condition_trees():
            loaded = load_rules(rule_paths)
            report = validate_paths(rule_paths, config=config, loaded=loaded)
    except SigmaqError as exc:
        exit_with_usage_error(str(exc))
    blocking = report.failing("high")
    if not blocking:
        return loaded
    for finding in blocking:
        location = f"{finding.path}:{finding.line}" if finding.line else str(finding.path)
        click.echo(
            f"{shown(location)}: {finding.severity}: {finding.validator}: {shown(finding.message)}",
            err=True,
        )
    click.echo(
        f"error: {len(blocking)} rule errors: fix them (`sigmaq validate`) or run "
        f"`sigmaq {command} --no-validate`",
        err=True,
    )
    sys.exit(1)
