-- Q Business Conversation Purge By One User (52fb0c90-bb51-45d9-a804-2bc65f7609cb), level medium; sliding 600 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.onbehalfof.userid AS g0
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('DeleteConversation', 'DeleteAttachment')) AND useridentity.onbehalfof.userid IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
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
  SELECT g0, k0, t, count(*) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 600 FOLLOWING) AS metric
  FROM (SELECT * FROM events WHERE eventid IS NULL OR copy = 1)
)
SELECT min_by(g0, t) AS "userIdentity.onBehalfOf.userId", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 10
GROUP BY k0
