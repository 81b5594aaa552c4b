-- 使用报名服务平台账号登录 (docs/accounts.md): a platform identity (the ID
-- token's issuer and subject) signs in to one holder account, and a holder
-- has at most one. An account made by a first platform sign-in has no
-- local password: its password_hash is empty, which no password matches.
CREATE TABLE platform_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    holder_id   BIGINT NOT NULL UNIQUE REFERENCES holders (id),
    linked_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
