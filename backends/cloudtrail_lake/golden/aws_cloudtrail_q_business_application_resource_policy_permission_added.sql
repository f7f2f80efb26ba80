-- Q Business Application Resource Policy Permission Added (310b1456-7f31-4be5-a88b-2c43b1120f66), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND eventname = 'AssociatePermission' AND (errorcode IS NULL OR errorcode = 'success')
