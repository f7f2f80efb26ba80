-- IAM Admin Policy Attached To Amazon Q Chat Channel Role (85b9bc03-211f-4509-b26d-df0659603ccc), level medium; sliding 86400 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'roleName') AS g0
  FROM $EDS_ID
  WHERE (eventsource = 'iam.amazonaws.com' AND eventname = 'CreateRole' AND lower(element_at(requestparameters, 'assumeRolePolicyDocument')) LIKE '%"chatbot.amazonaws.com"%' ESCAPE '\' OR eventsource = 'iam.amazonaws.com' AND eventname = 'UpdateAssumeRolePolicy' AND lower(element_at(requestparameters, 'policyDocument')) LIKE '%"chatbot.amazonaws.com"%' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'roleName') AS g0
  FROM $EDS_ID
  WHERE eventsource = 'iam.amazonaws.com' AND eventname = 'AttachRolePolicy' AND (lower(element_at(requestparameters, 'policyArn')) LIKE '%:policy/administratoraccess' ESCAPE '\' OR lower(element_at(requestparameters, 'policyArn')) LIKE '%:policy/poweruseraccess' ESCAPE '\' OR lower(element_at(requestparameters, 'policyArn')) LIKE '%:policy/iamfullaccess' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
),
windows AS (
  SELECT g0, k0, t, cardinality(array_distinct(array_agg(rule_slot) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 86400 FOLLOWING))) AS metric
  FROM grouped
)
SELECT min_by(g0, t) AS "requestParameters.roleName", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 2
GROUP BY k0
