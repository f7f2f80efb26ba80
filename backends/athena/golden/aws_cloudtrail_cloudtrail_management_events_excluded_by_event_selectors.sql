-- CloudTrail Management Events Excluded By Event Selectors (28a05fbd-a3ff-46e9-9167-fb4d1cf7f788), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'cloudtrail.amazonaws.com' AND eventname = 'PutEventSelectors' AND any_match(coalesce(try_cast(json_extract(requestparameters, '$.eventSelectors') AS ARRAY(JSON)), ARRAY[json_extract(requestparameters, '$.eventSelectors')]), x1 -> lower(json_extract_scalar(x1, '$.includeManagementEvents')) = 'false') AND (errorcode IS NULL OR errorcode = 'success')
