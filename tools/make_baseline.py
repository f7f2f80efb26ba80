#!/usr/bin/env python3
"""Generate ``fixtures/_baseline/``: one working day of ordinary Amazon Q use in CloudTrail.

The baseline is the pack's benign corpus: every rule above ``informational`` is
replayed over it and must stay silent (``tests/content/test_baseline.py``), except
for the matches reviewed in ``fixtures/_baseline/known_matches.yml``.

The day is 2026-11-24, 08:00-18:00 UTC, in the documentation accounts
123456789012 (engineering) and 111122223333 (the Q Business tenant). Surfaces, one
``{"Records": [...]}`` file each:

* ``q_console_chat.json``: console chat (q.amazonaws.com StartConversation,
  SendMessage, GetConversation, troubleshooting) with utterances redacted as ``***``.
* ``q_on_behalf.json``: Q acting for a console user (q PassRequest plus the target
  service's read call with ``invokedBy``/``sourceIPAddress``/``userAgent`` =
  ``q.amazonaws.com``) and Q's permission probes (``requestParameters.dryRun: true``,
  ``errorCode: Client.DryRunOperation``).
* ``q_business_chat.json``: Q Business web-experience chat (Chat/ChatSync data
  events, identity-enhanced role sessions with ``onBehalfOf``), conversation lists,
  feedback.
* ``q_business_admin_reads.json``: an administrator browsing the Q Business console
  (GetApplication, ListIndices, ListRetrievers, GetIndex ...).
* ``q_apps_reads.json``: Q Apps library and app reads.
* ``q_developer_ide.json``: IDE inline completions and chat (codewhisperer data
  events, IdentityCenterUser, ``AmazonQ-For-VSCode/...`` user agents).
* ``q_developer_cli.json``: the Q CLI's own chat calls and ordinary read-only AWS
  CLI calls it runs through ``use_aws`` (``exec-env/AmazonQ-For-CLI-Version-...``).
* ``iam_reads.json``: routine IAM reads and ``sts:GetCallerIdentity``.

Shapes follow the AWS documentation samples (Q Developer, Q Business and Q Apps
"Logging ... using AWS CloudTrail" pages) and CloudTrail record-contents rules;
see /work/shared/docs/amazon-q-cloudtrail.md sections 2, 3 and 6. Values are
documentation values only (RFC 5737 IPs, example accounts and keys,
``example.com`` users).

Deterministic: a fixed seed, no clock, no environment. ``python tools/make_baseline.py``
rewrites the files; ``--check`` exits 1 when a committed file differs. The generator lives in
the ``tools/baselinegen`` package (one module per surface); this script is its entry point.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run or loaded by path: make ``baselinegen`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselinegen.assembly import SEED, build_baseline, canonical, iter_rendered

__all__ = ["SEED", "build_baseline", "canonical", "iter_rendered", "main"]

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "fixtures" / "_baseline"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    parser.add_argument("--check", action="store_true", help="exit 1 if committed files differ")
    args = parser.parse_args(argv)
    out: Path = args.out
    stale: list[str] = []
    expected_names: set[str] = set()
    for name, text in iter_rendered():
        expected_names.add(name)
        path = out / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    extra = sorted(p.name for p in out.glob("*.json") if p.name not in expected_names)
    if args.check:
        problems = [f"stale: {n}" for n in stale] + [f"not generated: {n}" for n in extra]
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for name in extra:
        print(f"warning: {out / name} is not produced by this generator", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
