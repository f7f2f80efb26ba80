-- Q In Connect Guardrail Prompt Or Agent Tampering (1b5e8025-62f1-4c6a-a1b1-86ca68b608c5), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE (eventsource IN ('qconnect.amazonaws.com', 'wisdom.amazonaws.com')) AND (eventname IN ('UpdateAIGuardrail', 'DeleteAIGuardrail', 'DeleteAIGuardrailVersion', 'UpdateAIPrompt', 'UpdateAIAgent', 'UpdateAssistantAIAgent', 'RemoveAssistantAIAgent')) AND (errorcode IS NULL OR errorcode = 'success')
