-- The auth schema, modelled on Supabase Auth's Postgres tables. Timestamps are RFC 3339 text in UTC,
-- JSON columns are text, ids are UUIDs in text form.

CREATE TABLE users (
    id                          TEXT PRIMARY KEY,
    aud                         TEXT NOT NULL DEFAULT 'authenticated',
    role                        TEXT NOT NULL DEFAULT 'authenticated',
    email                       TEXT UNIQUE,
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
    updated_at                  TEXT NOT NULL
);

CREATE TABLE identities (
    id              TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    identity_data   TEXT NOT NULL,
    provider        TEXT NOT NULL,
    email           TEXT,
    last_sign_in_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (provider_id, provider)
);
CREATE INDEX identities_user_id ON identities (user_id);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    aal          TEXT NOT NULL DEFAULT 'aal1',
    factor_id    TEXT,
    not_after    TEXT,
    refreshed_at TEXT,
    user_agent   TEXT,
    ip           TEXT,
    tag          TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- How each session was authenticated: the `amr` claim.
CREATE TABLE mfa_amr_claims (
    id                    TEXT PRIMARY KEY,
    session_id            TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    authentication_method TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (session_id, authentication_method)
);

CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token      TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    parent     TEXT,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    revoked    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id, revoked);
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent);

-- PKCE flows: created when a PKCE flow starts, consumed by /token?grant_type=pkce.
CREATE TABLE flow_state (
    id                     TEXT PRIMARY KEY,
    user_id                TEXT,
    auth_code              TEXT NOT NULL UNIQUE,
    authentication_method  TEXT NOT NULL,
    code_challenge         TEXT NOT NULL,
    code_challenge_method  TEXT NOT NULL,
    provider_type          TEXT NOT NULL DEFAULT '',
    provider_access_token  TEXT,
    provider_refresh_token TEXT,
    auth_code_issued_at    TEXT,
    referrer               TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

-- Email links and codes. `token_hash` is hex(sha224(email + code)), prefixed `pkce_` in PKCE flows.
CREATE TABLE one_time_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_type TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    relates_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, token_type)
);
CREATE INDEX one_time_tokens_token_hash ON one_time_tokens (token_hash);

-- Every message sent, shown by the development mailbox.
CREATE TABLE mail (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    html       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX mail_created_at ON mail (created_at);

-- Asymmetric keys that sign access tokens; the public halves are published in the JWKS.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_der BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

-- The publishable and secret API keys the gateway checks, generated on first start.
CREATE TABLE api_keys (
    name       TEXT PRIMARY KEY,
    key        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
