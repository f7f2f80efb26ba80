-- Q Business Data Source Re-Pointed Then Synced (47b920a2-127c-4ac3-ba57-a292c74b06f6), level medium; sliding 3600 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, json_extract_scalar(requestparameters, '$.dataSourceId') AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'UpdateDataSource' AND (json_extract(requestparameters, '$.configuration.type') IS NOT NULL OR json_extract(requestparameters, '$.roleArn') IS NOT NULL OR json_extract(requestparameters, '$.documentEnrichmentConfiguration.preExtractionHookConfiguration.lambdaArn') IS NOT NULL OR json_extract(requestparameters, '$.documentEnrichmentConfiguration.postExtractionHookConfiguration.lambdaArn') IS NOT NULL) AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, json_extract_scalar(requestparameters, '$.dataSourceId') AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'StartDataSourceSyncJob' AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "requestParameters.dataSourceId", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 3600 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
