"""Export: the only adapter over pySigma backends.

Owns the target registry (``targets``), conversion of rule sets with per-rule
outcomes (``convert``), processing pipelines generated from the field table
(``pipelines``), backend fixes and refusals (``backend_fixes``), schedules of
exported searches (``schedules``), ECS documents of CloudTrail records (``ecs``),
the Splunk target family: app, SPL model and proof (``splunk``), the Elastic family
(``elastic``) and the AWS-native targets (``aws``: Athena, CloudTrail Lake, Logs
Insights).

May import: ``sigmaq.core`` and ``sigmaq.replay`` (the reference every exported
query is proven against).
"""
