-- IAM Identity Center Trusted Token Issuer Added Or Granted (01cc703a-5527-47ad-980c-fb49f679cd3d), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE eventsource = 'sso.amazonaws.com' AND (eventname IN ('CreateTrustedTokenIssuer', 'UpdateTrustedTokenIssuer') OR eventname = 'PutApplicationGrant' AND lower(element_at(requestparameters, 'grantType')) LIKE '%:jwt-bearer' ESCAPE '\' OR eventname = 'PutApplicationGrant' AND lower(element_at(requestparameters, 'GrantType')) LIKE '%:jwt-bearer' ESCAPE '\') AND (errorcode IS NULL OR errorcode = 'success')
