-- Destructive AWS API Calls In Several Accounts By One Principal (c05eb75c-56e9-4fbc-bf5f-f23ca987a006), level high; sliding 900 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(eventtime) AS t, useridentity.arn AS g0, recipientaccountid AS v
  FROM $EDS_ID
  WHERE readonly = false AND (eventsource = 'ec2.amazonaws.com' AND (eventname IN ('TerminateInstances', 'DeleteVolume', 'DeleteSnapshot')) OR eventsource = 's3.amazonaws.com' AND (eventname IN ('DeleteBucket', 'DeleteObject', 'DeleteObjects', 'PutBucketPolicy')) OR eventsource = 'iam.amazonaws.com' AND (eventname IN ('DeleteUser', 'DeleteRole', 'DeleteAccessKey', 'DeleteLoginProfile')) OR eventsource = 'rds.amazonaws.com' AND (eventname IN ('DeleteDBInstance', 'DeleteDBCluster')) OR eventsource = 'cloudformation.amazonaws.com' AND eventname = 'DeleteStack' OR eventsource = 'lambda.amazonaws.com' AND (eventname IN ('DeleteFunction20150331', 'DeleteFunction')) OR eventsource = 'dynamodb.amazonaws.com' AND eventname = 'DeleteTable' OR eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'DeleteSecret' OR eventsource = 'kms.amazonaws.com' AND eventname = 'ScheduleKeyDeletion' OR eventsource = 'cloudtrail.amazonaws.com' AND (eventname IN ('DeleteTrail', 'StopLogging')) OR eventsource = 'logs.amazonaws.com' AND eventname = 'DeleteLogGroup') AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(useridentity.type = 'AWSService' OR lower(useridentity.sessioncontext.sessionissuer.arn) LIKE '%:role/aws-service-role/%' ESCAPE '\', false) AND NOT coalesce((useridentity.invokedby IS NOT NULL OR sourceipaddress LIKE '%.amazonaws.com' ESCAPE '\') AND NOT coalesce(useridentity.invokedby = 'q.amazonaws.com', false), false) AND NOT coalesce(lower(useragent) LIKE '%terraform/%' ESCAPE '\' OR lower(useragent) LIKE '%opentofu/%' ESCAPE '\' OR lower(useragent) LIKE '%pulumi%' ESCAPE '\' OR lower(useragent) LIKE '%aws-cdk/%' ESCAPE '\' OR lower(useragent) LIKE '%crossplane-provider-aws%' ESCAPE '\', false) AND NOT coalesce((eventname IN ('DeleteDBInstance', 'DeleteDBCluster')) AND lower(element_at(requestparameters, 'skipFinalSnapshot')) = 'false', false)
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
  SELECT g0, k0, t, cardinality(filter(array_distinct(array_agg(lower(v)) OVER (PARTITION BY k0 ORDER BY t RANGE BETWEEN CURRENT ROW AND 900 FOLLOWING)), x -> x IS NOT NULL)) AS metric
  FROM (SELECT * FROM events WHERE eventid IS NULL OR copy = 1)
)
SELECT min_by(g0, t) AS "userIdentity.arn", from_unixtime(min(t)) AS first_window_start, max(metric) AS metric
FROM windows
WHERE metric >= 2
GROUP BY k0
