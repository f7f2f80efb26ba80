-- Q Business Subscription Changed (ab2d05f2-120c-4458-a2f4-69f54b37165c), level informational
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('CreateSubscription', 'UpdateSubscription', 'CancelSubscription')) AND (errorcode IS NULL OR errorcode = 'success')
