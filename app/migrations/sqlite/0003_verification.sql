-- 证书查验 (public verification): the files we issued, by digest, so that an
-- uploaded copy can be matched to its record; and every check made, for the
-- audit and for a holder's "who verified my copy".

CREATE TABLE issued_files (
    sha256          TEXT PRIMARY KEY,              -- hex SHA-256 of the whole signed file
    certificate_id  INTEGER NOT NULL REFERENCES certificates (id),
    endorsement_id  INTEGER REFERENCES endorsements (id),  -- NULL: a direct certificate download
    issued_at       INTEGER NOT NULL
);
CREATE INDEX issued_files_by_endorsement ON issued_files (endorsement_id);

CREATE TABLE verifications (
    id              INTEGER PRIMARY KEY,
    token           TEXT NOT NULL UNIQUE,          -- 128 random bits: the result page's address
    at              INTEGER NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('certificate', 'endorsement', 'file')),
    subject         TEXT,                          -- the number checked, if any
    outcome         TEXT NOT NULL,
    certificate_id  INTEGER REFERENCES certificates (id),
    endorsement_id  INTEGER REFERENCES endorsements (id),
    client_addr     TEXT,
    verdict         TEXT                           -- JSON for the result page; cleared after a day
);
CREATE INDEX verifications_by_certificate ON verifications (certificate_id, at);
CREATE INDEX verifications_by_endorsement ON verifications (endorsement_id, at);
CREATE INDEX verifications_by_at ON verifications (at) WHERE verdict IS NOT NULL;
