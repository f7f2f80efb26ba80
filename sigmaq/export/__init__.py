"""Export: the only adapter over pySigma backends.

Owns the target registry (``targets``), conversion of rule sets with per-rule
outcomes (``convert``), processing pipelines generated from the field table
(``pipelines``), backend fixes and refusals (``backend_fixes``), schedules of
exported searches (``schedules``), ECS documents of CloudTrail records (``ecs``) and
the Splunk target family: app, SPL model and proof (``splunk``).

May import: ``sigmaq.core`` and ``sigmaq.replay`` (the reference every exported
query is proven against).
"""
