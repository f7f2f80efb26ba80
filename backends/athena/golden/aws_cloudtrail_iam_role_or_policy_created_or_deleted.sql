-- IAM Role Or Policy Created Or Deleted (1b2c75fb-0184-448f-8ad2-7b8c041ac638), level informational
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'iam.amazonaws.com' AND (eventname IN ('CreateRole', 'DeleteRole', 'CreatePolicy', 'DeletePolicy', 'CreatePolicyVersion')) AND (errorcode IS NULL OR errorcode = 'success')
