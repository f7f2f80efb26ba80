-- Q Business Anonymous Web Experience URL Minting Burst (30c75312-db2d-44e2-8476-3eb6504e1dfa), level low; sliding 600 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.arn AS g0
  FROM $EDS_ID
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'CreateAnonymousWebExperienceUrl' AND (errorcode IS NULL OR errorcode = 'success')
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
SELECT min_by(g0, t) AS "userIdentity.arn", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 20
GROUP BY k0
