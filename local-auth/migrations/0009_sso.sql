-- no-transaction
-- SAML single sign-on, as upstream keeps it: providers (`auth.sso_providers` with its
-- `auth.saml_providers` row folded in), their email domains (`auth.sso_domains`), and users made by
-- SSO (`users.is_sso_user`). An SSO user is an account of its own, apart from any account with the
-- same address, so the address is unique only among the others (upstream's partial index). SQLite
-- cannot change a column's UNIQUE in place: `users` is rebuilt, foreign keys off while it is
-- swapped (SQLite's documented way; the rows keep their ids, so every reference still holds).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE users_new (
    id                          TEXT PRIMARY KEY,
    aud                         TEXT NOT NULL DEFAULT 'authenticated',
    role                        TEXT NOT NULL DEFAULT 'authenticated',
    email                       TEXT,
    phone                       TEXT UNIQUE,
    encrypted_password          TEXT,
    email_confirmed_at          TEXT,
    phone_confirmed_at          TEXT,
    confirmation_sent_at        TEXT,
    recovery_sent_at            TEXT,
    email_change                TEXT,
    email_change_sent_at        TEXT,
    email_change_confirm_status INTEGER NOT NULL DEFAULT 0,
    reauthentication_sent_at    TEXT,
    last_sign_in_at             TEXT,
    raw_app_meta_data           TEXT NOT NULL DEFAULT '{}',
    raw_user_meta_data          TEXT NOT NULL DEFAULT '{}',
    is_anonymous                INTEGER NOT NULL DEFAULT 0,
    banned_until                TEXT,
    deleted_at                  TEXT,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    phone_change                TEXT,
    phone_change_sent_at        TEXT,
    invited_at                  TEXT,
    is_sso_user                 INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, aud, role, email, phone, encrypted_password, email_confirmed_at,
    phone_confirmed_at, confirmation_sent_at, recovery_sent_at, email_change, email_change_sent_at,
    email_change_confirm_status, reauthentication_sent_at, last_sign_in_at, raw_app_meta_data,
    raw_user_meta_data, is_anonymous, banned_until, deleted_at, created_at, updated_at,
    phone_change, phone_change_sent_at, invited_at)
SELECT id, aud, role, email, phone, encrypted_password, email_confirmed_at,
    phone_confirmed_at, confirmation_sent_at, recovery_sent_at, email_change, email_change_sent_at,
    email_change_confirm_status, reauthentication_sent_at, last_sign_in_at, raw_app_meta_data,
    raw_user_meta_data, is_anonymous, banned_until, deleted_at, created_at, updated_at,
    phone_change, phone_change_sent_at, invited_at
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE is_sso_user = 0;

CREATE TRIGGER users_changed_insert AFTER INSERT ON users BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (NEW.id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = NEW.id), 0) + 1);
END;
CREATE TRIGGER users_changed_update AFTER UPDATE ON users BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (NEW.id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = NEW.id), 0) + 1);
END;
CREATE TRIGGER users_changed_delete AFTER DELETE ON users BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (OLD.id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = OLD.id), 0) + 1);
END;

CREATE TABLE sso_providers (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT UNIQUE,
    disabled          INTEGER,
    entity_id         TEXT NOT NULL UNIQUE,
    metadata_xml      TEXT NOT NULL,
    metadata_url      TEXT,
    attribute_mapping TEXT NOT NULL DEFAULT '{}',
    name_id_format    TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Domains are kept lowercased, so the unique key is the one a lookup uses.
CREATE TABLE sso_domains (
    domain          TEXT PRIMARY KEY,
    sso_provider_id TEXT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL
);
CREATE INDEX sso_domains_provider ON sso_domains (sso_provider_id);

COMMIT;
PRAGMA foreign_keys = ON;
