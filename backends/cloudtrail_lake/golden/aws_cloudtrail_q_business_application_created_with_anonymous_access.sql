-- Q Business Application Created With Anonymous Access (607ea076-e1d6-404e-b26b-1ab00aa0b2a9), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'CreateApplication' AND lower(element_at(requestparameters, 'identityType')) = 'anonymous' AND (errorcode IS NULL OR errorcode = 'success')
