-- Sessions Of Amazon Q Role Revoked (eddd0e93-475f-4bda-bd31-d447ac18b6e2), level informational; sliding 86400 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.sessioncontext.sessionissuer.username AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource IN ('qbusiness.amazonaws.com', 'qapps.amazonaws.com', 'q.amazonaws.com', 'codewhisperer.amazonaws.com', 'qconnect.amazonaws.com', 'wisdom.amazonaws.com', 'chatbot.amazonaws.com')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, json_extract_scalar(requestparameters, '$.roleName') AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource = 'iam.amazonaws.com' AND eventname = 'PutRolePolicy' AND lower(json_extract_scalar(requestparameters, '$.policyName')) = 'awsrevokeoldersessions' AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "role", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 86400 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
