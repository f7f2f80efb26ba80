-- Q Developer Customization Created Or Widened (5c432c35-9aaa-40d7-a788-eeb3542b3206), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'codewhisperer.amazonaws.com' AND (eventname IN ('CreateCustomization', 'UpdateCustomization', 'AssociateCustomizationPermission')) AND (errorcode IS NULL OR errorcode = 'success')
