-- Q Developer Profile Changed Or Deleted (01600880-2229-4573-937d-56c2b59ce7c6), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'codewhisperer.amazonaws.com' AND (eventname IN ('UpdateProfile', 'DeleteProfile')) AND (errorcode IS NULL OR errorcode = 'success')
