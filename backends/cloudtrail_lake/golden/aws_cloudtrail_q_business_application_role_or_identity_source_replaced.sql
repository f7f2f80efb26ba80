-- Q Business Application Role Or Identity Source Replaced (7b37abfe-2f76-42e5-bcc1-b69419aad8b2), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'UpdateApplication' AND (element_at(requestparameters, 'roleArn') IS NOT NULL OR element_at(requestparameters, 'identityCenterInstanceArn') IS NOT NULL) AND (errorcode IS NULL OR errorcode = 'success')
