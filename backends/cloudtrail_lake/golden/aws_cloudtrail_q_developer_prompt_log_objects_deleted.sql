-- Q Developer Prompt Log Objects Deleted (71349ad2-02c6-4fc5-b031-111cc5026b7c), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 's3.amazonaws.com' AND eventname = 'DeleteObject' AND lower(element_at(requestparameters, 'key')) LIKE '%/qdeveloperlogs/%' ESCAPE '\' AND (errorcode IS NULL OR errorcode = 'success')
