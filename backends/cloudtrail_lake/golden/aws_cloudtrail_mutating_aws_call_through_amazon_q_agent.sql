-- Mutating AWS Call Through Amazon Q Agent (c403113d-f5a3-4e7b-9eac-0d7dad819751), level low
SELECT eventtime, eventsource, eventname, useridentity.arn, sourceipaddress, recipientaccountid, awsregion, eventid
FROM $EDS_ID
WHERE (lower(useragent) LIKE '%exec-env/amazonq-for-%' ESCAPE '\' OR lower(useragent) LIKE '%-amazonq-for-cli-version%' ESCAPE '\' OR lower(useragent) LIKE '%-amazonq-for-ide-version%' ESCAPE '\') AND readonly = false AND (errorcode IS NULL OR errorcode = 'success')
