-- Q Business Chat Response Instructions Created Or Changed (a2416021-ffcf-4725-ad0b-c7e550d358a7), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('CreateChatResponseConfiguration', 'UpdateChatResponseConfiguration')) AND (errorcode IS NULL OR errorcode = 'success')
