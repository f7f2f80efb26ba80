-- Q Developer Plugin Or OAuth Connection Registered (d7ed9b73-37bb-48a6-870f-53cc28daf1f0), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'q.amazonaws.com' AND (eventname IN ('CreatePlugin', 'UpdatePlugin', 'CreateOAuthAppConnection', 'UpdateOAuthAppConnection', 'CreateAuthGrant', 'UpdateAuthGrant')) AND (errorcode IS NULL OR errorcode = 'success')
