"""One factory for the three AWS-native backends (used by ``sigmaq.export.targets``)."""

from __future__ import annotations

from typing import Any


def aws_backend(target: str) -> Any:
    """A fresh backend, with its pipeline, for ``athena``, ``cloudtrail_lake`` or
    ``logs_insights``. Raises ValueError for another target."""
    from sigmaq.export.aws.sql_backend import athena_backend, lake_backend

    if target == "athena":
        return athena_backend()
    if target == "cloudtrail_lake":
        return lake_backend()
    if target == "logs_insights":
        from sigmaq.export.aws.insights import insights_backend

        return insights_backend()
    raise ValueError(f"unknown AWS target {target!r}")
