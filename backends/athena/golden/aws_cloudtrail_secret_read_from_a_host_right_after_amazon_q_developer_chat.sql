-- Secret Read From A Host Right After Amazon Q Developer Chat (b2813491-f2e5-4372-b087-502339aa5c5b), level low; sliding 300 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, sourceipaddress AS g0
  FROM cloudtrail_logs_pp
  WHERE (eventsource = 'codewhisperer.amazonaws.com' AND (eventname IN ('GenerateAssistantResponse', 'SendMessage')) OR eventsource = 'q.amazonaws.com' AND eventname = 'SendMessage') AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, sourceipaddress AS g0
  FROM cloudtrail_logs_pp
  WHERE (eventsource = 'secretsmanager.amazonaws.com' AND (eventname IN ('GetSecretValue', 'BatchGetSecretValue')) OR eventsource = 'ssm.amazonaws.com' AND (eventname IN ('GetParameter', 'GetParameters', 'GetParametersByPath')) AND lower(json_extract_scalar(requestparameters, '$.withDecryption')) = 'true' OR eventsource = 'iam.amazonaws.com' AND (eventname IN ('CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile')) OR eventsource = 'sts.amazonaws.com' AND (eventname IN ('GetSessionToken', 'GetFederationToken'))) AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(useridentity.invokedby IS NOT NULL AND NOT coalesce(useridentity.invokedby = 'q.amazonaws.com', false), false)
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "sourceIPAddress", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 300 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
