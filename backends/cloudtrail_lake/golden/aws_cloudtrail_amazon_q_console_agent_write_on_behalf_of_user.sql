-- Amazon Q Console Agent Write On Behalf Of User (f93d6a8e-f42b-467f-97f7-5ef2bdbe7af2), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE useridentity.invokedby = 'q.amazonaws.com' AND readonly = false AND (errorcode IS NULL OR errorcode = 'success') AND NOT coalesce(eventsource = 'q.amazonaws.com' OR lower(element_at(requestparameters, 'dryRun')) = 'true', false)
