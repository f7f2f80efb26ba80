-- Access Denied Burst From Amazon Q Agent (1f151abd-d1ee-4eb4-985b-30228ac937ab), level medium; sliding 300 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.arn AS g0
  FROM cloudtrail_logs_pp
  WHERE (lower(useragent) LIKE '%exec-env/amazonq-for-%' ESCAPE '\' OR lower(useragent) LIKE '%-amazonq-for-cli-version%' ESCAPE '\' OR lower(useragent) LIKE '%-amazonq-for-ide-version%' ESCAPE '\') AND (errorcode IN ('AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation', 'AuthorizationError', 'AuthorizationErrorException', 'UnauthorizedAccess', 'Forbidden'))
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
  SELECT g0, k0, t, count(*) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 300 FOLLOWING) AS metric
  FROM (SELECT * FROM events WHERE eventid IS NULL OR copy = 1)
)
SELECT min_by(g0, t) AS "userIdentity.arn", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 10
GROUP BY k0
