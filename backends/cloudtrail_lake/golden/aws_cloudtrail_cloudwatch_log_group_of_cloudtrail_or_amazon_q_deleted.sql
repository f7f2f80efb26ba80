-- CloudWatch Log Group Of CloudTrail Or Amazon Q Deleted (2eb9a4af-4008-4bc7-bfd4-2d828b889935), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'logs.amazonaws.com' AND eventname = 'DeleteLogGroup' AND (lower(element_at(requestparameters, 'logGroupName')) LIKE '%cloudtrail%' ESCAPE '\' OR lower(element_at(requestparameters, 'logGroupName')) LIKE '%qbusiness%' ESCAPE '\' OR lower(element_at(requestparameters, 'logGroupName')) LIKE '%codewhisperer%' ESCAPE '\' OR lower(element_at(requestparameters, 'logGroupName')) LIKE '%wisdom%' ESCAPE '\' OR lower(element_at(requestparameters, 'logGroupName')) LIKE '%amazonq%' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
