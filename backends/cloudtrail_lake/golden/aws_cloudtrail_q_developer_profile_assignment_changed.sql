-- Q Developer Profile Assignment Changed (ba228499-e2b4-41f4-a7ef-9b6e432a2fc3), level informational
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'q.amazonaws.com' AND (eventname IN ('CreateAssignment', 'DeleteAssignment')) AND (errorcode IS NULL OR errorcode = 'success')
