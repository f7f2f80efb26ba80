-- CloudTrail Delivery Bucket Policy Or Retention Changed (ae3691d3-356a-4396-b38a-fefa2d77d8d5), level medium; sliding 86400 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'bucketName') AS g0
  FROM $EDS_ID
  WHERE eventsource = 's3.amazonaws.com' AND eventname = 'GetBucketAcl' AND useridentity.invokedby = 'cloudtrail.amazonaws.com' AND (errorcode IS NULL OR errorcode = 'success')
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(eventtime) AS t, element_at(requestparameters, 'bucketName') AS g0
  FROM $EDS_ID
  WHERE eventsource = 's3.amazonaws.com' AND (eventname IN ('PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketLifecycle', 'DeleteBucket')) AND (errorcode IS NULL OR errorcode = 'success')
),
grouped AS (
  SELECT *, lower(g0) AS k0
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "requestParameters.bucketName", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 86400 AND e1.k0 = e0.k0 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0
