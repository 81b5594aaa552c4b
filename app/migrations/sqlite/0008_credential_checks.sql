-- 电子凭证: a pasted or uploaded credential is a fourth way to verify.
-- SQLite cannot change a CHECK constraint, so the log is copied into a
-- table with the wider one (nothing refers to verifications).
CREATE TABLE verifications_new (
    id              INTEGER PRIMARY KEY,
    token           TEXT NOT NULL UNIQUE,
    at              INTEGER NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('certificate', 'endorsement', 'file', 'credential')),
    subject         TEXT,
    outcome         TEXT NOT NULL,
    certificate_id  INTEGER REFERENCES certificates (id),
    endorsement_id  INTEGER REFERENCES endorsements (id),
    client_addr     TEXT,
    verdict         TEXT
);
INSERT INTO verifications_new (id, token, at, method, subject, outcome, certificate_id, endorsement_id, client_addr, verdict)
    SELECT id, token, at, method, subject, outcome, certificate_id, endorsement_id, client_addr, verdict FROM verifications;
DROP TABLE verifications;
ALTER TABLE verifications_new RENAME TO verifications;
CREATE INDEX verifications_by_certificate ON verifications (certificate_id, at);
CREATE INDEX verifications_by_endorsement ON verifications (endorsement_id, at);
CREATE INDEX verifications_by_at ON verifications (at) WHERE verdict IS NOT NULL;
