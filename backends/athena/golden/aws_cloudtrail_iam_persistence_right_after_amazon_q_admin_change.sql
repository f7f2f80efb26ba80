-- IAM Persistence Right After Amazon Q Admin Change (8ff2ebe8-6209-405b-a44e-3d626ee8c4a7), level medium; sliding 3600 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.arn AS g0
  FROM cloudtrail_logs_pp
  WHERE (eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('UpdatePlugin', 'CreateDataAccessor', 'UpdateDataAccessor', 'AssociatePermission', 'UpdateWebExperience')) OR eventsource = 'qbusiness.amazonaws.com' AND eventname = 'CreatePlugin' AND lower(json_extract_scalar(requestparameters, '$.type')) = 'custom' OR eventsource = 'codewhisperer.amazonaws.com' AND (eventname IN ('CreateCustomization', 'AssociateCustomizationPermission')) OR eventsource = 'q.amazonaws.com' AND (eventname IN ('CreatePlugin', 'UpdatePlugin', 'CreateOAuthAppConnection', 'CreateAuthGrant'))) AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.arn AS g0
  FROM cloudtrail_logs_pp
  WHERE eventsource = 'iam.amazonaws.com' AND (eventname IN ('CreateUser', 'CreateAccessKey', 'CreateLoginProfile', 'PutUserPolicy', 'PutRolePolicy', 'UpdateAssumeRolePolicy') OR (eventname IN ('AttachUserPolicy', 'AttachRolePolicy')) AND (lower(json_extract_scalar(requestparameters, '$.policyArn')) LIKE '%:policy/administratoraccess' ESCAPE '\' OR lower(json_extract_scalar(requestparameters, '$.policyArn')) LIKE '%:policy/amazonqfullaccess' ESCAPE '\' OR lower(json_extract_scalar(requestparameters, '$.policyArn')) LIKE '%:policy/amazonqdeveloperaccess' ESCAPE '\' OR lower(json_extract_scalar(requestparameters, '$.policyArn')) LIKE '%:policy/amazonqbusinessfullaccess' ESCAPE '\')) AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(eventname = 'PutRolePolicy' AND lower(json_extract_scalar(requestparameters, '$.policyName')) = 'awsrevokeoldersessions', false)
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
),
windows AS (
  SELECT g0, k0, t, cardinality(array_distinct(array_agg(rule_slot) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 3600 FOLLOWING))) AS metric
  FROM grouped
)
SELECT min_by(g0, t) AS "userIdentity.arn", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 2
GROUP BY k0
