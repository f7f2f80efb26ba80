"""pySigma processing pipelines mapping CloudTrail rules onto each target.

``splunk_pipeline()`` and ``elastic_pipeline(language)`` are built from
``sigmaq.fields``; ``RuleRefused``/``UnmappedFieldError`` are how they stop a rule.
"""

from sigmaq.pipelines.cloudtrail import (
    ELASTIC_INDEX_PATTERN,
    SPLUNK_SOURCETYPE,
    elastic_pipeline,
    splunk_pipeline,
)
from sigmaq.pipelines.errors import RuleRefused, UnmappedFieldError

__all__ = [
    "ELASTIC_INDEX_PATTERN",
    "SPLUNK_SOURCETYPE",
    "RuleRefused",
    "UnmappedFieldError",
    "elastic_pipeline",
    "splunk_pipeline",
]
