"""sigmaq: detection-as-code for Amazon Q security events in AWS CloudTrail."""

__version__ = "0.1.0"
