-- Q Business Data Accessor Created Or Updated (d87cc99a-53b8-4b33-a214-16ed57830fd0), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('CreateDataAccessor', 'UpdateDataAccessor')) AND (errorcode IS NULL OR errorcode = 'success')
