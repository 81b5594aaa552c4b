-- Foundation: catalog (seals, qualifications), identity documents, holders,
-- certificates, service-terms acceptances and the audit log.
-- Instants are INTEGER Unix seconds (UTC); calendar dates are TEXT YYYY-MM-DD.

CREATE TABLE seals (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,             -- the text around the seal's ring
    authority   TEXT NOT NULL              -- the issuing body printed on certificates
);

CREATE TABLE qualifications (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    seal_id     INTEGER NOT NULL REFERENCES seals (id)
);

-- One row per (ID type, ID number): the link between an account and the
-- certificates issued to that person, whichever is created first.
CREATE TABLE id_documents (
    id          INTEGER PRIMARY KEY,
    id_type     TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    UNIQUE (id_type, id_number)
);

CREATE TABLE holders (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    real_name       TEXT NOT NULL,
    id_document_id  INTEGER NOT NULL UNIQUE REFERENCES id_documents (id),
    phone           TEXT,
    email           TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE certificates (
    id                  INTEGER PRIMARY KEY,
    certificate_number  TEXT NOT NULL UNIQUE,
    management_number   TEXT NOT NULL UNIQUE,
    holder_name         TEXT NOT NULL,
    id_document_id      INTEGER NOT NULL REFERENCES id_documents (id),
    qualification_id    INTEGER NOT NULL REFERENCES qualifications (id),
    specialty           TEXT,
    issued_on           TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    revoked_on          TEXT,
    created_at          INTEGER NOT NULL
);
CREATE INDEX certificates_by_id_document ON certificates (id_document_id, issued_on);

CREATE TABLE terms_acceptances (
    holder_id   INTEGER NOT NULL REFERENCES holders (id),
    version     TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (holder_id, version)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    event       TEXT NOT NULL,
    holder_id   INTEGER REFERENCES holders (id),
    subject     TEXT,                      -- what was acted on, e.g. the username tried
    client_addr TEXT,
    detail      TEXT
);
CREATE INDEX audit_log_by_holder ON audit_log (holder_id, at);
CREATE INDEX audit_log_by_event ON audit_log (event, at);
