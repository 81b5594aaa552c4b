-- "Log out everywhere": a session records its account's epoch at sign-in
-- and is honoured only while the account still has that epoch. Changing
-- the password or ending other sessions moves the epoch on.
ALTER TABLE holders ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
