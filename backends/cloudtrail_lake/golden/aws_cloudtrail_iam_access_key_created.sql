-- IAM Access Key Created (19f11773-bd30-48a0-8de3-9e1ce2f57a01), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'iam.amazonaws.com' AND eventname = 'CreateAccessKey' AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(useridentity.type = 'Root', false)
