-- Q Business Retriever Pointed At A Kendra Index (a239be00-ede3-45bf-a63f-ebb70f568b58), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('CreateRetriever', 'UpdateRetriever')) AND json_extract(element_at(requestparameters, 'configuration'), '$.kendraIndexConfiguration.indexId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
