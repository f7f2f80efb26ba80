-- Q Business Application Resource Policy Permission Removed (91fb1557-e3f2-4526-b348-1340949d7872), level informational
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'DisassociatePermission' AND (errorcode IS NULL OR errorcode = 'success')
