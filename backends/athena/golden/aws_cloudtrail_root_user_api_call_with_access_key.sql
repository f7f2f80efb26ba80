-- Root User API Call With Access Key (2a016b3c-428e-423c-9f52-4d218067f929), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE useridentity.type = 'Root' AND useridentity.accesskeyid LIKE 'AKIA%' ESCAPE '\'
