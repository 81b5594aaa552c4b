-- Holders who already have an exam-registration platform account
-- (docs/accounts.md): accounts imported with the platform's password hash,
-- and accounts linked to the platform's OpenID Connect identity.

-- 1 while password_hash is the platform's hash (bcrypt, PBKDF2, Argon2):
-- the first sign-in that matches it replaces it with ecert's Argon2id.
-- An account made by a first platform sign-in has no local password: its
-- password_hash is empty, which no password matches.
ALTER TABLE holders ADD COLUMN password_imported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holders ADD COLUMN import_batch_id INTEGER REFERENCES import_batches (id);

-- Batches and pending uploads are of certificates or of accounts.
ALTER TABLE import_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'certificates'
    CHECK (kind IN ('certificates', 'accounts'));
ALTER TABLE pending_imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'certificates'
    CHECK (kind IN ('certificates', 'accounts'));

-- A platform identity (the ID token's issuer and subject) signs in to one
-- holder account; a holder has at most one.
CREATE TABLE platform_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    holder_id   INTEGER NOT NULL UNIQUE REFERENCES holders (id),
    linked_at   INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
