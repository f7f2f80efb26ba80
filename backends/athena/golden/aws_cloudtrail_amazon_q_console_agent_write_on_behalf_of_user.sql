-- Amazon Q Console Agent Write On Behalf Of User (f93d6a8e-f42b-467f-97f7-5ef2bdbe7af2), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE useridentity.invokedby = 'q.amazonaws.com' AND lower(readonly) = 'false' AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(eventsource = 'q.amazonaws.com' OR lower(json_extract_scalar(requestparameters, '$.dryRun')) = 'true', false)
