"""Point pySigma at the data files sigmaq vendors, so nothing is downloaded.

pySigma 1.5 and pySigma-validators-sigmahq 0.21 fetch ATT&CK, the SigmaHQ
taxonomy and the SigmaHQ file-name patterns from GitHub on first use and cache
them under ``~/.cache/pysigma`` (TOOLCHAIN.md, "Loading and validation").
``use_vendored_data()`` redirects every loader to the files in ``sigmaq/data``
and replaces each loader's disk cache (``diskcache.Cache``) with an in-memory
one, so validation and the Kibana ``siem_rule`` formats work with no network,
never read a stale user cache, write nothing to disk, and parse each data set
once per process (pySigma's loaders look the whole data set up in their cache on
every attribute access: with a disk cache that was a SQLite read and a JSON or
pickle decode per rule validated).

Vendored versions (regenerate with the scripts under ``tools/``):
- ATT&CK Enterprise v18.1 (``attack-enterprise-v18.1.json``, ``tools/vendor_attack.py``)
- SigmaHQ taxonomy 20251103 and file-name patterns 20240809
  (``sigmahq_taxonomy.json``, ``sigmahq_filename.json``, ``tools/vendor_sigmahq_data.py``)

MITRE D3FEND data has no source on the package index, so the ``d3_fendtag``
validator is not run (see README).
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from typing import Any

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


class MemoryCache:
    """The part of ``diskcache.Cache`` pySigma's data loaders call (``get``, ``set``,
    ``clear``, ``close``), held in memory: a loaded data set is kept as the object it
    is, for the life of the process, and nothing is written to disk."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def set(self, key: str, value: Any, *_args: Any, **_kwargs: Any) -> bool:
        self._items[key] = value
        return True

    def clear(self) -> int:
        count = len(self._items)
        self._items.clear()
        return count

    def close(self) -> None:
        """Nothing to release."""


def use_vendored_data() -> None:
    """Configure pySigma's data loaders for offline use (idempotent, thread-safe).

    Effects: ``sigma.data.mitre_attack`` reads the vendored ATT&CK bundle; the
    SigmaHQ validators' taxonomy and file-name loaders read the vendored JSON;
    each loader's cache is a ``MemoryCache`` (pySigma 1.5 ``mitre_attack._cache``,
    pySigma-validators-sigmahq 0.21 ``SigmahqDataLoader._cache``), so a data set is
    read and parsed on first use only, once per process. Nothing is read here.
    Raises FileNotFoundError when a vendored file is missing.
    """
    global _configured
    with _lock:
        if _configured:
            return
        from sigma.data import mitre_attack
        from sigma.validators.sigmahq.data import data_filename, data_taxonomy

        mitre_attack._cache = MemoryCache()  # type: ignore[assignment]  # set_url clears it
        mitre_attack.set_url(str(data_path(ATTACK_FILE)))
        for module, file_name in (
            (data_taxonomy, SIGMAHQ_TAXONOMY_FILE),
            (data_filename, SIGMAHQ_FILENAME_FILE),
        ):
            loader = module.set_url.__self__  # the module API's loader instance
            loader._cache = MemoryCache()  # set_url clears it, then drops it
            loader.set_url(str(data_path(file_name)))
            loader._cache = MemoryCache()
        _configured = True
