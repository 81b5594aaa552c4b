-- Endorsements (加注): the application, its generation job and the signed file.

-- 使用场景: data, so more can be enabled later.
CREATE TABLE scenarios (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO scenarios (code, name_zh, name_en, enabled, position) VALUES
    ('own_use', '本人调用', 'Own use', 1, 1),
    ('employer_check', '用人单位查验', 'Employer check', 0, 2);

CREATE TABLE endorsements (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,          -- 加注编号, printed and in the QR address
    certificate_id  INTEGER NOT NULL REFERENCES certificates (id),
    holder_id       INTEGER NOT NULL REFERENCES holders (id),
    scenario_id     INTEGER NOT NULL REFERENCES scenarios (id),
    days            INTEGER NOT NULL CHECK (days BETWEEN 1 AND 90),
    applied_at      INTEGER NOT NULL,
    applied_on      TEXT NOT NULL,                 -- Asia/Shanghai day: first day of validity, quota day
    valid_until     TEXT NOT NULL,                 -- last day of validity
    idempotency_key TEXT NOT NULL,                 -- from the form: a resubmission returns this row
    status          TEXT NOT NULL CHECK (status IN ('generating', 'ready', 'failed')),
    made_at         INTEGER,                       -- when the signed file was made
    failure         TEXT,                          -- last generation error, for operators only
    -- The generation job: claimed with a lease, retried with backoff.
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_after       INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    file_purged_at  INTEGER,
    UNIQUE (holder_id, idempotency_key)
);
CREATE INDEX endorsements_by_certificate ON endorsements (certificate_id, applied_on);
CREATE INDEX endorsements_queue ON endorsements (run_after, id) WHERE status = 'generating';
CREATE INDEX endorsements_by_valid_until ON endorsements (valid_until) WHERE file_purged_at IS NULL;

-- The signed copy; deleted after the endorsement expires, the row above stays.
CREATE TABLE endorsement_files (
    endorsement_id  INTEGER PRIMARY KEY REFERENCES endorsements (id),
    pdf             BLOB NOT NULL
);
