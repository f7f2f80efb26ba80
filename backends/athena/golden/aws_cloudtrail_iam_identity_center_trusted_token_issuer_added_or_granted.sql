-- IAM Identity Center Trusted Token Issuer Added Or Granted (01cc703a-5527-47ad-980c-fb49f679cd3d), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'sso.amazonaws.com' AND (eventname IN ('CreateTrustedTokenIssuer', 'UpdateTrustedTokenIssuer') OR eventname = 'PutApplicationGrant' AND lower(json_extract_scalar(requestparameters, '$.grantType')) LIKE '%:jwt-bearer' ESCAPE '\' OR eventname = 'PutApplicationGrant' AND lower(json_extract_scalar(requestparameters, '$.GrantType')) LIKE '%:jwt-bearer' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
