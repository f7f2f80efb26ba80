"""``sigmaq update``: regenerate every generated artefact of the project after a change.

In order: fixtures rewritten in canonical JSON (``sigmaq.authoring.fixture_format``),
golden snapshots (``sigmaq.pack.golden``), the real-data judgements file when the
public data is present (``sigmaq.pack.real_data``; new matches get ``TODO``), and the
coverage documents, README rule table and ``docs/coverage.md``
(``sigmaq.pack.coverage``), which render the judgements. Everything ``sigmaq build``
reports with "run `sigmaq update`" is fixed by this, except judgements and catalogue
coverage, which need a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sigmaq.authoring.fixture_format import format_fixtures
from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import load_rules
from sigmaq.pack.coverage import build_report, generated_files, write_files
from sigmaq.pack.golden import has_golden, update_golden
from sigmaq.pack.real_data import (
    JUDGEMENTS_FILE,
    data_folder,
    run_real_data,
    write_judgements,
)

log = logging.getLogger(__name__)


@dataclass
class UpdateReport:
    """Files each step changed; ``notes``: steps skipped or left for a person."""

    fixtures: list[Path] = field(default_factory=list)
    golden_written: list[Path] = field(default_factory=list)
    golden_removed: list[Path] = field(default_factory=list)
    judgements: list[Path] = field(default_factory=list)
    coverage: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Rule files that do not load (``RuleLoadError`` text, with file and line): while
    # there is one, nothing generated from the rules is rewritten.
    rule_errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[Path]:
        return [
            *self.fixtures,
            *self.golden_written,
            *self.golden_removed,
            *self.judgements,
            *self.coverage,
        ]


def update_project(
    root: Path, *, real_data: Path | None = None, coverage: bool = True
) -> UpdateReport:
    """Regenerate the generated files of the project at ``root``.

    ``real_data``: the public data folder (default ``sigmaq.pack.real_data.data_folder``);
    ``coverage``: also regenerate the Amazon Q coverage documents (the amazon_q
    profile). While a rule file does not load (``report.rule_errors``), only fixtures are
    formatted: nothing generated from the rules is rewritten. Raises ConfigError when the
    README has no rule-table markers and OSError when a file cannot be written.
    """
    layout = ProjectLayout(root)
    report = UpdateReport()
    if layout.fixtures_dir.is_dir():
        formatted = format_fixtures([layout.fixtures_dir])
        report.fixtures = formatted.rewritten
        report.notes += [f"not JSON, left as is: {path}: {why}" for path, why in formatted.skipped]
    rule_errors = load_rules([layout.rules_dir]).errors if layout.rules_dir.is_dir() else []
    if rule_errors:
        # A rule that does not load has no query and no table row: regenerating now would
        # delete its golden snapshots (and those of the correlations over it) and drop it
        # from the coverage documents, as if it had been removed on purpose.
        report.rule_errors = [str(error) for error in rule_errors]
        report.notes.append(
            f"golden snapshots, judgements and coverage documents not regenerated: "
            f"{len(rule_errors)} rule errors (fix them, `sigmaq validate`, then update again)"
        )
        return report
    if has_golden(root):
        golden = update_golden(root)
        report.golden_written, report.golden_removed = golden.written, golden.removed
    else:
        report.notes.append("no backends/<target>/golden/ folder: golden snapshots not kept")
    judgements = root / JUDGEMENTS_FILE
    data = data_folder(root, real_data)
    if judgements.is_file() and data.is_dir():
        if write_judgements(root, run_real_data(root, data, hunt=False)):
            report.judgements.append(judgements)
    elif judgements.is_file():
        report.notes.append(f"real-data judgements kept as they are: no data at {data}")
    if coverage:
        report.coverage = write_files(generated_files(root, build_report(root)))
    return report
