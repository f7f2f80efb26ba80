-- Q App Session Data Exported (e1bf3513-0562-47de-a9ea-677328306f6e), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qapps.amazonaws.com' AND eventname = 'ExportQAppSessionData' AND (errorcode IS NULL OR errorcode = 'success')
