-- Q Business Data Source Lambda Hook Or VPC Change (6e9517c8-1a2c-402a-9142-ec013a20d96b), level medium
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM cloudtrail_logs_pp
WHERE eventsource = 'qbusiness.amazonaws.com' AND (eventname IN ('CreateDataSource', 'UpdateDataSource')) AND (json_extract(requestparameters, '$.documentEnrichmentConfiguration.preExtractionHookConfiguration.lambdaArn') IS NOT NULL OR json_extract(requestparameters, '$.documentEnrichmentConfiguration.postExtractionHookConfiguration.lambdaArn') IS NOT NULL OR eventname = 'UpdateDataSource' AND json_extract(requestparameters, '$.vpcConfiguration.subnetIds') IS NOT NULL) AND (errorcode IS NULL OR errorcode = 'success')
