-- IAM User Created Or Deleted (c90d5865-5a35-4ea3-9ca4-71bc2e2adace), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'iam.amazonaws.com' AND (eventname IN ('CreateUser', 'DeleteUser')) AND (errorcode IS NULL OR errorcode = 'success')
