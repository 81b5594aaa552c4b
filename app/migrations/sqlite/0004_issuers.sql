-- Issuing bodies: staff accounts (administrators and issuers), batches of
-- loaded certificates, revocation reasons, and the actor of audit entries.

-- Not holders: created by `server admin create`, never by registration.
CREATE TABLE staff (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'issuer')),
    seal_id         INTEGER REFERENCES seals (id),  -- an issuer's issuing body; NULL for administrators
    created_at      INTEGER NOT NULL,
    CHECK ((role = 'admin') = (seal_id IS NULL))
);

-- One row per import that added certificates (who, from what file, how many).
CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,            -- staff username, or "cli:<os user>"
    source      TEXT NOT NULL CHECK (source IN ('web', 'cli')),
    file_name   TEXT,
    sha256      TEXT NOT NULL,            -- of the file as uploaded
    row_count   INTEGER NOT NULL,
    added       INTEGER NOT NULL
);

-- The specialties (专业) a qualification's certificates may name, one per
-- line; empty: any.
ALTER TABLE qualifications ADD COLUMN specialties TEXT NOT NULL DEFAULT '';

ALTER TABLE certificates ADD COLUMN import_batch_id INTEGER REFERENCES import_batches (id);
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT;
CREATE INDEX certificates_by_qualification ON certificates (qualification_id);

ALTER TABLE audit_log ADD COLUMN staff_id INTEGER REFERENCES staff (id);
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_subject ON audit_log (subject, at);

-- A file uploaded on the portal, kept between its preview and "load".
CREATE TABLE pending_imports (
    token       TEXT PRIMARY KEY,          -- 128 random bits: the preview page's address
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    file_name   TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    batch_id    INTEGER REFERENCES import_batches (id)   -- set once loaded
);
