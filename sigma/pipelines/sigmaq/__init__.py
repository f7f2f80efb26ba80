"""sigmaq's CloudTrail processing pipelines as a pySigma pipeline plugin (for sigma-cli).

pySigma's ``InstalledSigmaPlugins.autodiscover`` imports every module of the
``sigma.pipelines`` namespace package and reads its ``pipelines`` dict (pySigma 1.5,
``sigma/plugins.py``), so after ``pip install sigmaq``::

    sigma convert -t splunk -p sigmaq_cloudtrail_splunk rules/        # or -t sigmaq_splunk
    sigma convert -t lucene -p sigmaq_cloudtrail_elastic rules/
    sigma convert -t esql -p sigmaq_cloudtrail_esql rules/
    sigma convert -t eql -p sigmaq_cloudtrail_eql rules/

Each factory builds the same pipeline ``sigmaq convert`` uses (``sigmaq.export.pipelines``);
sigmaq itself is imported only when a pipeline is built.
"""

from __future__ import annotations

from sigma.processing.pipeline import ProcessingPipeline


def sigmaq_cloudtrail_splunk() -> ProcessingPipeline:
    """CloudTrail -> Splunk Add-on for AWS (``sourcetype=aws:cloudtrail``), as ``sigmaq
    convert -t splunk``; for pySigma's ``splunk`` backend and sigmaq's ``sigmaq_splunk``."""
    from sigmaq.export.pipelines import splunk_pipeline

    pipeline = splunk_pipeline()
    pipeline.allowed_backends = frozenset({"splunk", "sigmaq_splunk"})
    return pipeline


def sigmaq_cloudtrail_elastic() -> ProcessingPipeline:
    """CloudTrail -> Elastic AWS integration, Lucene (``sigmaq convert -t elastic``)."""
    from sigmaq.export.pipelines import elastic_pipeline

    return elastic_pipeline("lucene")


def sigmaq_cloudtrail_esql() -> ProcessingPipeline:
    """CloudTrail -> Elastic AWS integration, ES|QL (``sigmaq convert -t esql``)."""
    from sigmaq.export.pipelines import elastic_pipeline

    return elastic_pipeline("esql")


def sigmaq_cloudtrail_eql() -> ProcessingPipeline:
    """CloudTrail -> Elastic AWS integration, EQL (``sigmaq convert -t eql``)."""
    from sigmaq.export.pipelines import elastic_pipeline

    return elastic_pipeline("eql")


pipelines = {
    "sigmaq_cloudtrail_splunk": sigmaq_cloudtrail_splunk,
    "sigmaq_cloudtrail_elastic": sigmaq_cloudtrail_elastic,
    "sigmaq_cloudtrail_esql": sigmaq_cloudtrail_esql,
    "sigmaq_cloudtrail_eql": sigmaq_cloudtrail_eql,
}
