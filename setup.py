"""Ship the rule pack inside the wheel; every other setting is in pyproject.toml.

A wheel (``pip install .``, ``python -m build``) carries ``rules/``, ``fixtures/`` and the
pack's ``sigmaq.yml`` under ``sigmaq/_pack/``, which ``sigmaq.core.layout.bundled_pack_root``
finds through ``importlib.resources``. An editable install (``pip install -e .``) copies
nothing: it reads them from the checkout, as before. setuptools' package data cannot
name folders outside the package, hence this build step.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PACK_FOLDERS = ("rules", "fixtures")
PACK_FILES = ("sigmaq.yml",)


class BuildPyWithPack(build_py):
    """``build_py``, then a copy of the rule pack into ``<build>/sigmaq/_pack/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "sigmaq" / "_pack"
        for name in PACK_FOLDERS:
            shutil.copytree(
                HERE / name,
                target / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".*", "__pycache__"),
            )
        for name in PACK_FILES:
            shutil.copy2(HERE / name, target / name)


setup(cmdclass={"build_py": BuildPyWithPack})
