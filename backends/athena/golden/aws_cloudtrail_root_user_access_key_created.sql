-- Root User Access Key Created (463e3538-caef-45b1-86f2-1125003c6fec), level high
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'iam.amazonaws.com' AND eventname = 'CreateAccessKey' AND useridentity.type = 'Root' AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(json_extract(requestparameters, '$.userName') IS NOT NULL, false)
