"""pySigma processing pipelines mapping CloudTrail rules onto each target.

``splunk_pipeline()`` and ``elastic_pipeline(language)`` are built from
``sigmaq.core.fields``; ``RuleRefused``/``UnmappedFieldError`` are how they stop a rule.
"""

from sigmaq.export.pipelines.cloudtrail import (
    ELASTIC_INDEX_PATTERN,
    SPLUNK_SOURCETYPE,
    elastic_pipeline,
    splunk_pipeline,
)
from sigmaq.export.pipelines.errors import RuleRefused, UnmappedFieldError

__all__ = [
    "ELASTIC_INDEX_PATTERN",
    "SPLUNK_SOURCETYPE",
    "RuleRefused",
    "UnmappedFieldError",
    "elastic_pipeline",
    "splunk_pipeline",
]
