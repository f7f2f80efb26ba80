-- Q Business Application Created With Anonymous Access (607ea076-e1d6-404e-b26b-1ab00aa0b2a9), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'CreateApplication' AND lower(json_extract_scalar(requestparameters, '$.identityType')) = 'anonymous' AND (errorcode IS NULL OR errorcode = 'success')
