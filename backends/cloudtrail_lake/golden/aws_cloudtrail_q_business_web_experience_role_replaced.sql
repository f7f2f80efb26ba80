-- Q Business Web Experience Role Replaced (ed1e59ff-2b4e-4018-94c0-4f64c556c025), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'UpdateWebExperience' AND element_at(requestparameters, 'roleArn') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
