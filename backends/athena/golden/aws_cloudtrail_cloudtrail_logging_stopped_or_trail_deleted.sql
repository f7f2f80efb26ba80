-- CloudTrail Logging Stopped Or Trail Deleted (697a7bd4-9d5f-41b1-b660-6090dc49371e), level high
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'cloudtrail.amazonaws.com' AND (eventname IN ('StopLogging', 'DeleteTrail', 'StopEventDataStoreIngestion', 'DeleteEventDataStore')) AND (errorcode IS NULL OR errorcode = 'success')
