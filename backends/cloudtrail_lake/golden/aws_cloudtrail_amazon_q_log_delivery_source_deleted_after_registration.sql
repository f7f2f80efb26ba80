-- Amazon Q Log Delivery Source Deleted After Registration (6b46278b-9c88-4cd0-8c72-1894e80d26db), level medium; sliding 86400 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'name') AS g0
  FROM $EDS_ID
  WHERE eventsource = 'logs.amazonaws.com' AND eventname = 'PutDeliverySource' AND (element_at(requestparameters, 'resourceArn') LIKE 'arn:aws:qbusiness:%' ESCAPE '\' OR element_at(requestparameters, 'resourceArn') LIKE 'arn:aws-us-gov:qbusiness:%' ESCAPE '\' OR element_at(requestparameters, 'resourceArn') LIKE 'arn:aws:wisdom:%' ESCAPE '\' OR element_at(requestparameters, 'resourceArn') LIKE 'arn:aws-us-gov:wisdom:%' ESCAPE '\' OR element_at(requestparameters, 'resourceArn') LIKE 'arn:aws:codewhisperer:%' ESCAPE '\' OR element_at(requestparameters, 'resourceArn') LIKE 'arn:aws-us-gov:codewhisperer:%' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'name') AS g0
  FROM $EDS_ID
  WHERE eventsource = 'logs.amazonaws.com' AND (eventname IN ('DeleteDeliverySource', 'DeleteDelivery', 'DeleteDeliveryDestination')) AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "requestParameters.name", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 86400 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
