"""Point pySigma at the data files sigmaq vendors, so nothing is downloaded.

pySigma 1.5 and pySigma-validators-sigmahq 0.21 fetch ATT&CK, the SigmaHQ
taxonomy and the SigmaHQ file-name patterns from GitHub on first use and cache
them under ``~/.cache/pysigma`` (TOOLCHAIN.md, "Loading and validation").
``use_vendored_data()`` redirects every loader to the files in ``sigmaq/data``
and to a private, per-process cache directory, so validation and the Kibana
``siem_rule`` formats work with no network and never read a stale user cache.

Vendored versions (regenerate with the scripts under ``tools/``):
- ATT&CK Enterprise v18.1 (``attack-enterprise-v18.1.json``, ``tools/vendor_attack.py``)
- SigmaHQ taxonomy 20251103 and file-name patterns 20240809
  (``sigmahq_taxonomy.json``, ``sigmahq_filename.json``, ``tools/vendor_sigmahq_data.py``)

MITRE D3FEND data has no source on the package index, so the ``d3_fendtag``
validator is not run (see README).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from importlib import resources
from pathlib import Path

ATTACK_VERSION = "18.1"
ATTACK_FILE = "attack-enterprise-v18.1.json"
SIGMAHQ_TAXONOMY_FILE = "sigmahq_taxonomy.json"
SIGMAHQ_FILENAME_FILE = "sigmahq_filename.json"

_lock = threading.Lock()
_configured = False


def data_path(name: str) -> Path:
    """Absolute path of a file shipped in ``sigmaq/data``.

    Raises FileNotFoundError when the package data is missing (a broken install).
    """
    path = Path(str(resources.files("sigmaq").joinpath("data", name)))
    if not path.is_file():
        raise FileNotFoundError(f"sigmaq package data file missing: {path}")
    return path


def use_vendored_data() -> None:
    """Configure pySigma's data loaders for offline use (idempotent, thread-safe).

    Effects: ``sigma.data.mitre_attack`` reads the vendored ATT&CK bundle; the
    SigmaHQ validators' taxonomy and file-name loaders read the vendored JSON;
    all caches live in a temporary directory removed at exit.
    Raises FileNotFoundError when a vendored file is missing.
    """
    global _configured
    with _lock:
        if _configured:
            return
        from sigma.data import mitre_attack
        from sigma.validators.sigmahq.data import data_filename, data_taxonomy

        cache_root = Path(tempfile.mkdtemp(prefix="sigmaq-pysigma-cache-"))
        atexit.register(shutil.rmtree, cache_root, ignore_errors=True)

        mitre_attack.set_cache_dir(str(cache_root / "mitre_attack"))
        mitre_attack.set_url(str(data_path(ATTACK_FILE)))
        for name, loader, file_name in (
            ("taxonomy", data_taxonomy, SIGMAHQ_TAXONOMY_FILE),
            ("filename", data_filename, SIGMAHQ_FILENAME_FILE),
        ):
            loader.set_cache_dir(str(cache_root / f"sigmahq_{name}"))
            loader.set_url(str(data_path(file_name)))
        _configured = True
