-- Root User Administering Amazon Q (9dd95be1-85ef-4e82-a1f6-9fb322d9af62), level high
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE useridentity.type = 'Root' AND (eventsource IN ('qbusiness.amazonaws.com', 'qapps.amazonaws.com', 'q.amazonaws.com', 'codewhisperer.amazonaws.com', 'qconnect.amazonaws.com', 'wisdom.amazonaws.com', 'chatbot.amazonaws.com')) AND NOT coalesce(lower(readonly) = 'true', false)
