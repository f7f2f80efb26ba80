-- Q In Connect Knowledge Base Content Added Or Changed (2563a4fc-4513-426e-b719-187dc72b5001), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE (eventsource IN ('qconnect.amazonaws.com', 'wisdom.amazonaws.com')) AND (eventname IN ('StartContentUpload', 'CreateContent', 'UpdateContent', 'StartImportJob')) AND (errorcode IS NULL OR errorcode = 'success')
