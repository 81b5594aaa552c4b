-- Holders who already have an exam-registration platform account
-- (docs/accounts.md): accounts imported with the platform's password hash.

-- 1 while password_hash is the platform's hash (bcrypt, PBKDF2, Argon2):
-- the first sign-in that matches it replaces it with ecert's Argon2id.
ALTER TABLE holders ADD COLUMN password_imported BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holders ADD COLUMN import_batch_id BIGINT REFERENCES import_batches (id);

-- Batches and pending uploads are of certificates or of accounts.
ALTER TABLE import_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'certificates'
    CHECK (kind IN ('certificates', 'accounts'));
ALTER TABLE pending_imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'certificates'
    CHECK (kind IN ('certificates', 'accounts'));
