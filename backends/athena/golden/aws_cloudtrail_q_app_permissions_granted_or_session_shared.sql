-- Q App Permissions Granted Or Session Shared (e0105513-4eb6-46e7-8e26-a280f23ce21e), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qapps.amazonaws.com' AND (eventname = 'UpdateQAppPermissions' AND any_match(coalesce(try_cast(json_extract(requestparameters, '$.grantPermissions') AS ARRAY(JSON)), ARRAY[json_extract(requestparameters, '$.grantPermissions')]), x1 -> json_extract(x1, '$.principal') IS NOT NULL) OR eventname = 'UpdateQAppSessionMetadata' AND lower(json_extract_scalar(requestparameters, '$.sharingConfiguration.enabled')) = 'true') AND (errorcode IS NULL OR errorcode = 'success')
