-- The request id of the application that queued an endorsement (the access
-- log's X-Request-Id), so that the generation worker's log lines for it
-- carry the same id as the request's (docs/configuration.md).
ALTER TABLE endorsements ADD COLUMN request_id TEXT;
