-- Q Business Application Role Or Identity Source Replaced (7b37abfe-2f76-42e5-bcc1-b69419aad8b2), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'UpdateApplication' AND (json_extract(requestparameters, '$.roleArn') IS NOT NULL OR json_extract(requestparameters, '$.identityCenterInstanceArn') IS NOT NULL) AND (errorcode IS NULL OR errorcode = 'success')
