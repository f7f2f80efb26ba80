-- Q App Published Or Verified In Library (584df148-cb8d-4f81-896c-a446db71db17), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qapps.amazonaws.com' AND (eventname = 'CreateLibraryItem' OR eventname = 'UpdateLibraryItem' AND lower(element_at(requestparameters, 'status')) = 'published' OR eventname = 'UpdateLibraryItemMetadata' AND lower(element_at(requestparameters, 'isVerified')) = 'true') AND (errorcode IS NULL OR errorcode = 'success')
