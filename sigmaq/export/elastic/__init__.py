"""The Elastic target family: one Kibana rules file across query languages, proven.

- ``choose``: the Kibana rule type per Sigma rule (query/Lucene, EQL, threshold, ES|QL)
  and the reason;
- ``queries``: per-language conversion through pySigma with sigmaq's pipelines, and the
  EQL sequence / threshold / ES|QL aggregation forms of correlations;
- ``kibana``: the Kibana detection rule (import schema fields, schedule, suppression,
  required fields, setup, investigation guide);
- ``lucene_eval``, ``eql_eval``, ``esql_eval``, ``schedule``: evaluators, models of
  Elasticsearch/Kibana semantics (not the engines), run over ECS documents;
- ``custom_pipeline``: the ``logs-aws.cloudtrail@custom`` ingest pipeline;
- ``package``: the ``sigmaq build`` packager for the ``elastic``, ``esql`` and ``eql`` targets.
"""
