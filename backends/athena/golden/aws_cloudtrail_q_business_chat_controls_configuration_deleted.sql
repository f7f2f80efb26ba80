-- Q Business Chat Controls Configuration Deleted (d4fd6a0f-534b-4d1b-9a03-608f8cf0a899), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'DeleteChatControlsConfiguration' AND (errorcode IS NULL OR errorcode = 'success')
