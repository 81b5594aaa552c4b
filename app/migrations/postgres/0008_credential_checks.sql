-- 电子凭证: a pasted or uploaded credential is a fourth way to verify.
-- NOT VALID, then VALIDATE: the scan of a large log does not hold the
-- table's exclusive lock.
ALTER TABLE verifications DROP CONSTRAINT verifications_method_check;
ALTER TABLE verifications ADD CONSTRAINT verifications_method_check
    CHECK (method IN ('certificate', 'endorsement', 'file', 'credential')) NOT VALID;
ALTER TABLE verifications VALIDATE CONSTRAINT verifications_method_check;
