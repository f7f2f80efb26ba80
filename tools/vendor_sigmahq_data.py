#!/usr/bin/env python3
"""Regenerate ``sigmaq/data/sigmahq_taxonomy.json`` and ``sigmaq/data/sigmahq_filename.json``.

pySigma-validators-sigmahq 0.21 downloads these two files from GitHub at run time
(``data_taxonomy``, ``data_filename``); sigmaq must run offline. The package index
still serves pySigma-validators-sigmahq 0.12.2, whose wheel embeds the same data as
Python (``sigmahq_data.py``: taxonomy version 20251103, filename patterns 20240809).
This script downloads that wheel with pip (package index only), imports the module
from it and writes the data in the JSON layout the 0.21 loaders parse.

    python tools/vendor_sigmahq_data.py
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

WHEEL_SPEC = "pysigma-validators-sigmahq==0.12.2"
DATA_DIR = Path(__file__).resolve().parents[1] / "sigmaq" / "data"


def _logsource(source: Any) -> dict[str, str]:
    return {
        key: value
        for key, value in (
            ("product", source.product),
            ("category", source.category),
            ("service", source.service),
        )
        if value
    }


def _key(source: Any) -> str:
    return f"{source.product}_{source.category}_{source.service}"


def _load_embedded_data(tmp: Path) -> Any:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp), WHEEL_SPEC],
        check=True,
    )
    wheel = next(tmp.glob("*.whl"))
    member = "sigma/validators/sigmahq/sigmahq_data.py"
    with zipfile.ZipFile(wheel) as archive:
        (tmp / "sigmahq_data.py").write_bytes(archive.read(member))
    spec = importlib.util.spec_from_file_location("sigmahq_data_0122", tmp / "sigmahq_data.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot import sigmahq_data.py from the wheel")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        data = _load_embedded_data(Path(tmpdir))
    taxonomy: dict[str, Any] = {}
    for source, fields in data.ref_sigmahq_fieldsname.items():
        definition = data.ref_sigmahq_logsource_definition.get(source)
        logsource: dict[str, Any] = _logsource(source)
        if definition:
            logsource["definition"] = definition
        taxonomy[_key(source)] = {
            "logsource": logsource,
            "field": {
                "native": list(fields),
                "custom": [],
                "redundant": list(data.ref_sigmahq_redundant_field.get(source, [])),
            },
        }
    patterns = {
        _key(source): {"logsource": _logsource(source), "prefix": prefix}
        for source, prefix in data.ref_sigmahq_logsource_filepattern.items()
    }
    outputs = {
        "sigmahq_taxonomy.json": {"version": data.taxonomy_version, "taxonomy": taxonomy},
        "sigmahq_filename.json": {"version": data.file_pattern_version, "pattern": patterns},
    }
    for name, content in outputs.items():
        path = DATA_DIR / name
        path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
