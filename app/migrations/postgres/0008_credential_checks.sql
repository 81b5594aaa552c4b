-- 电子凭证: a pasted or uploaded credential is a fourth way to verify.
ALTER TABLE verifications DROP CONSTRAINT verifications_method_check;
ALTER TABLE verifications ADD CONSTRAINT verifications_method_check
    CHECK (method IN ('certificate', 'endorsement', 'file', 'credential'));
