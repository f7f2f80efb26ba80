"""AWS-native targets: Amazon Athena, CloudTrail Lake and CloudWatch Logs Insights.

Backends (``sql_backend``: Trino SQL for Athena and Lake; ``insights``: Logs Insights
queries), their pipelines from the field table (``pipelines``), the evaluators that
prove the queries by running them (``duck``: DuckDB over tables in the Athena and Lake
shapes; ``insights_eval``: a Logs Insights subset), and the ``dist/`` packager
(``package``: queries, the Athena ``CREATE TABLE`` bundle, ``PROOF.md``).
"""
