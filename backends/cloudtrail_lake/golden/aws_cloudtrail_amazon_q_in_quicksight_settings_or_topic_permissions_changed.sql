-- Amazon Q In QuickSight Settings Or Topic Permissions Changed (34c1c635-5100-4679-92e8-ce49ae4e8430), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'quicksight.amazonaws.com' AND (eventname IN ('UpdateQuickSightQSearchConfiguration', 'UpdateDashboardsQAConfiguration', 'UpdateQPersonalizationConfiguration', 'UpdateTopicPermissions')) AND (errorcode IS NULL OR errorcode = 'success')
