-- Q Business Chat Or Conversation Call Acting As A Named User (7180da7a-979c-44c4-96ad-2facd25c75eb), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('Chat', 'ChatSync', 'ListConversations', 'ListMessages', 'DeleteConversation', 'DeleteAttachment', 'ListAttachments', 'PutFeedback')) AND element_at(requestparameters, 'userId') IS NOT NULL AND (errorcode IS NULL OR errorcode = 'success')
