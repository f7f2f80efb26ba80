-- Q Business Native Retriever Re-Pointed Or Reconfigured (a8ed8faa-7097-474b-bffc-9a3f9619c3cc), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'UpdateRetriever' AND json_extract(element_at(requestparameters, 'configuration'), '$.nativeIndexConfiguration.indexId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
