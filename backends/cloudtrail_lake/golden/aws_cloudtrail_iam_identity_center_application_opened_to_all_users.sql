-- IAM Identity Center Application Opened To All Users (970f5881-a25b-46f4-8340-f28663a7f188), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'sso.amazonaws.com' AND eventname = 'PutApplicationAssignmentConfiguration' AND (lower(element_at(requestparameters, 'AssignmentRequired')) = 'false' OR lower(element_at(requestparameters, 'assignmentRequired')) = 'false') AND (errorcode IS NULL OR errorcode = 'success')
