"""Export: the only adapter over pySigma backends.

Owns the target registry (``targets``), conversion of rule sets with per-rule
outcomes (``convert``), processing pipelines generated from the field table
(``pipelines``), backend fixes and refusals (``backend_fixes``), the AWS-native
targets (``aws``: Athena, CloudTrail Lake, Logs Insights), schedules of
exported searches (``schedules``) and ECS documents of CloudTrail records (``ecs``).

May import: ``sigmaq.core`` and ``sigmaq.replay`` (the reference every exported
query is proven against).
"""
