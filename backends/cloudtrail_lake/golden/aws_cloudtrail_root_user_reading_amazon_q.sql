-- Root User Reading Amazon Q (8bf71f40-8f49-46de-abe3-a199cd34129b), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE useridentity.type = 'Root' AND (eventsource IN ('qbusiness.amazonaws.com', 'qapps.amazonaws.com', 'q.amazonaws.com', 'codewhisperer.amazonaws.com', 'qconnect.amazonaws.com', 'wisdom.amazonaws.com', 'chatbot.amazonaws.com')) AND readonly = true
