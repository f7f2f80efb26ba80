-- Q Business Index User Or Group Mapping Changed (03262f18-38a2-417d-806c-39d083131c04), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('PutGroup', 'DeleteGroup', 'CreateUser', 'UpdateUser', 'DeleteUser')) AND NOT coalesce(useridentity.invokedby = 'qbusiness.amazonaws.com', false) AND (errorcode IS NULL OR errorcode = 'success')
