"""The Spark engine of ``sigmaq hunt --engine spark`` (``engine``), and the translation of
exported Athena conditions to Spark SQL (``sql``). pyspark is optional (the ``spark``
extra) and imported only when a hunt runs."""

from __future__ import annotations

from pathlib import Path

REMOTE_SCHEMES = ("s3://", "s3a://", "s3n://", "gs://", "abfss://", "hdfs://", "dbfs:/")


def is_remote(path: str | Path) -> bool:
    """True for a URI Spark reads itself (``s3://…``), not a local path."""
    return str(path).startswith(REMOTE_SCHEMES)
