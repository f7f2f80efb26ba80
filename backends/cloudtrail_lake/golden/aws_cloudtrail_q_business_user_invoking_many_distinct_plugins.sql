-- Q Business User Invoking Many Distinct Plugins (a2dc2898-5704-4128-ac80-22ff1c42babc), level low; sliding 3600 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.onbehalfof.userid AS g0, json_extract_scalar(element_at(requestparameters, 'chatModeConfiguration'), '$.pluginConfiguration.pluginId') AS v
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'ChatSync' AND json_extract(element_at(requestparameters, 'chatModeConfiguration'), '$.pluginConfiguration.pluginId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.onbehalfof.userid AS g0, json_extract_scalar(element_at(requestparameters, 'actionExecution'), '$.pluginId') AS v
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'ChatSync' AND json_extract(element_at(requestparameters, 'actionExecution'), '$.pluginId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 2 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.onbehalfof.userid AS g0, json_extract_scalar(element_at(requestparameters, 'inputStream'), '$.configurationEvent.chatModeConfiguration.pluginConfiguration.pluginId') AS v
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'Chat' AND json_extract(element_at(requestparameters, 'inputStream'), '$.configurationEvent.chatModeConfiguration.pluginConfiguration.pluginId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 3 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.onbehalfof.userid AS g0, json_extract_scalar(element_at(requestparameters, 'inputStream'), '$.actionExecutionEvent.pluginId') AS v
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'Chat' AND json_extract(element_at(requestparameters, 'inputStream'), '$.actionExecutionEvent.pluginId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
),
events AS (
  SELECT *, row_number() OVER (PARTITION BY eventid, k0 ORDER BY t, rule_slot) AS copy
  FROM grouped
),
windows AS (
  SELECT g0, k0, t, cardinality(filter(array_distinct(array_agg(lower(v)) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 3600 FOLLOWING)), x -> x IS NOT NULL)) AS metric
  FROM (SELECT * FROM events WHERE eventid IS NULL OR copy = 1)
)
SELECT min_by(g0, t) AS "userIdentity.onBehalfOf.userId", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 3
GROUP BY k0
