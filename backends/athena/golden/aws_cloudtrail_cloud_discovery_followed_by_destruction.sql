-- Cloud Discovery Followed By Destruction (a3544502-b53b-4097-a1ef-802cd4783c7e), level low; sliding 900 s windows
WITH matches AS (
  SELECT 0 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.arn AS g0, recipientaccountid AS g1
  FROM cloudtrail_logs_pp
  WHERE (eventsource = 'sts.amazonaws.com' AND eventname = 'GetCallerIdentity' OR eventsource = 's3.amazonaws.com' AND eventname = 'ListBuckets' OR eventsource = 'ec2.amazonaws.com' AND eventname = 'DescribeInstances' OR eventsource = 'iam.amazonaws.com' AND eventname = 'ListUsers') AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(lower(sessioncredentialfromconsole) = 'true' OR lower(useragent) LIKE '%terraform/%' ESCAPE '\' OR lower(useragent) LIKE '%opentofu/%' ESCAPE '\' OR lower(useragent) LIKE '%pulumi%' ESCAPE '\' OR lower(useragent) LIKE '%aws-cdk/%' ESCAPE '\' OR lower(useragent) LIKE '%crossplane-provider-aws%' ESCAPE '\', false)
  UNION ALL
  SELECT 1 AS rule_slot, eventid, to_unixtime(try(from_iso8601_timestamp(eventtime))) AS t, useridentity.arn AS g0, recipientaccountid AS g1
  FROM cloudtrail_logs_pp
  WHERE lower(readonly) = 'false' AND (eventsource = 'ec2.amazonaws.com' AND (eventname IN ('TerminateInstances', 'DeleteVolume', 'DeleteSnapshot')) OR eventsource = 's3.amazonaws.com' AND (eventname IN ('DeleteBucket', 'DeleteObject', 'DeleteObjects', 'PutBucketPolicy')) OR eventsource = 'iam.amazonaws.com' AND (eventname IN ('DeleteUser', 'DeleteRole', 'DeleteAccessKey', 'DeleteLoginProfile')) OR eventsource = 'rds.amazonaws.com' AND (eventname IN ('DeleteDBInstance', 'DeleteDBCluster')) OR eventsource = 'cloudformation.amazonaws.com' AND eventname = 'DeleteStack' OR eventsource = 'lambda.amazonaws.com' AND (eventname IN ('DeleteFunction20150331', 'DeleteFunction')) OR eventsource = 'dynamodb.amazonaws.com' AND eventname = 'DeleteTable' OR eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'DeleteSecret' OR eventsource = 'kms.amazonaws.com' AND eventname = 'ScheduleKeyDeletion' OR eventsource = 'cloudtrail.amazonaws.com' AND (eventname IN ('DeleteTrail', 'StopLogging')) OR eventsource = 'logs.amazonaws.com' AND eventname = 'DeleteLogGroup') AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(useridentity.type = 'AWSService' OR lower(useridentity.sessioncontext.sessionissuer.arn) LIKE '%:role/aws-service-role/%' ESCAPE '\', false) AND NOT coalesce((useridentity.invokedby IS NOT NULL OR sourceipaddress LIKE '%.amazonaws.com' ESCAPE '\') AND NOT coalesce(useridentity.invokedby = 'q.amazonaws.com', false), false) AND NOT coalesce(lower(useragent) LIKE '%terraform/%' ESCAPE '\' OR lower(useragent) LIKE '%opentofu/%' ESCAPE '\' OR lower(useragent) LIKE '%pulumi%' ESCAPE '\' OR lower(useragent) LIKE '%aws-cdk/%' ESCAPE '\' OR lower(useragent) LIKE '%crossplane-provider-aws%' ESCAPE '\', false) AND NOT coalesce((eventname IN ('DeleteDBInstance', 'DeleteDBCluster')) AND lower(json_extract_scalar(requestparameters, '$.skipFinalSnapshot')) = 'false', false)
),
grouped AS (
  SELECT *, lower(g0) AS k0, lower(g1) AS k1
  FROM matches
  WHERE t IS NOT NULL AND g0 IS NOT NULL AND g1 IS NOT NULL
)
SELECT min_by(e0.g0, e0.t) AS "userIdentity.arn", min_by(e0.g1, e0.t) AS "recipientAccountId", from_unixtime(min(e0.t)) AS first_window_start
FROM grouped AS e0
JOIN grouped AS e1 ON e1.t >= e0.t AND e1.t <= e0.t + 900 AND e1.k0 = e0.k0 AND e1.k1 = e0.k1 AND e1.rule_slot = 1
WHERE e0.rule_slot = 0
GROUP BY e0.k0, e0.k1
