"""sigmaq's Splunk backend as a pySigma backend plugin (for sigma-cli).

pySigma's ``InstalledSigmaPlugins.autodiscover`` imports every module of the
``sigma.backends`` namespace package and registers each ``Backend`` subclass it finds
under its identifier, so after ``pip install sigmaq``::

    sigma convert -t sigmaq_splunk -p sigmaq_cloudtrail_splunk rules/

gives exactly what ``sigmaq convert -t splunk -f default`` gives, correlations included
(sliding windows, Sigma's meaning). With the stock ``-t splunk`` backend, single-event
rules convert identically and correlations use pySigma's fixed buckets.
"""

from __future__ import annotations

from sigmaq.export.splunk.backend import SigmaqSplunkBackend as _SigmaqSplunkBackend


class SigmaqSplunkBackend(_SigmaqSplunkBackend):
    """Splunk SPL over the Splunk Add-on for AWS, with sigmaq's fixes and correlations."""

    identifier = "sigmaq_splunk"


del _SigmaqSplunkBackend
