-- Access Key Of Amazon Q User Deactivated Or Deleted (ebcf1fb9-9d1f-4c71-8e15-d503c7b2bd12), level informational; sliding 86400 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.username AS g0
  FROM $EDS_ID
  WHERE eventsource IN ('qbusiness.amazonaws.com', 'qapps.amazonaws.com', 'q.amazonaws.com', 'codewhisperer.amazonaws.com', 'qconnect.amazonaws.com', 'wisdom.amazonaws.com', 'chatbot.amazonaws.com')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'userName') AS g0
  FROM $EDS_ID
  WHERE eventsource = 'iam.amazonaws.com' AND (eventname = 'UpdateAccessKey' AND lower(element_at(requestparameters, 'status')) = 'inactive' OR eventname = 'DeleteAccessKey') AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "principal", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 86400 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
