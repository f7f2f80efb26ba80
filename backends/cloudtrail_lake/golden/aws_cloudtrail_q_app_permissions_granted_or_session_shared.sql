-- Q App Permissions Granted Or Session Shared (e0105513-4eb6-46e7-8e26-a280f23ce21e), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qapps.amazonaws.com' AND (eventname = 'UpdateQAppPermissions' AND any_match(coalesce(try_cast(json_extract(element_at(requestparameters, 'grantPermissions'), '$') AS ARRAY(JSON)), ARRAY[json_extract(element_at(requestparameters, 'grantPermissions'), '$')]), x1 -> json_extract(x1, '$.principal') IS NOT NULL) OR eventname = 'UpdateQAppSessionMetadata' AND lower(json_extract_scalar(element_at(requestparameters, 'sharingConfiguration'), '$.enabled')) = 'true') AND (errorcode IS NULL OR errorcode = 'success')
