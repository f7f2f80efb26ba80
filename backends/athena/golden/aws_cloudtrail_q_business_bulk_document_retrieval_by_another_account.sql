-- Q Business Bulk Document Retrieval By Another Account (b71930dd-2a5d-47d2-b721-92d32896668e), level medium; sliding 900 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.accountid AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'GetDocumentContent' AND NOT coalesce(lower(useridentity.accountid) = lower(recipientaccountid), false) AND (errorcode IS NULL OR errorcode = 'success')
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
  SELECT g0, k0, t, count(*) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 900 FOLLOWING) AS metric
  FROM (SELECT * FROM events WHERE eventid IS NULL OR copy = 1)
)
SELECT min_by(g0, t) AS "userIdentity.accountId", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 10
GROUP BY k0
