-- Q Developer Prompt Log Bucket Policy Changed (645571dc-5095-4e2b-ade6-e2817e5ab0f2), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 's3.amazonaws.com' AND eventname = 'PutBucketPolicy' AND any_match(coalesce(try_cast(json_extract(requestparameters, '$.bucketPolicy.Statement') AS ARRAY(JSON)), ARRAY[json_extract(requestparameters, '$.bucketPolicy.Statement')]), x1 -> lower(json_extract_scalar(x1, '$.Principal.Service')) = 'q.amazonaws.com') AND (errorcode IS NULL OR errorcode = 'success')
