-- CloudTrail Trail Or Event Selectors Changed (eff46c94-b285-4e0b-9ab0-b7e2095f53c2), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'cloudtrail.amazonaws.com' AND (eventname IN ('UpdateTrail', 'PutEventSelectors', 'UpdateEventDataStore')) AND (errorcode IS NULL OR errorcode = 'success')
