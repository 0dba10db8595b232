-- TOTP factors and their challenges (upstream's auth.mfa_factors and auth.mfa_challenges).
CREATE TABLE mfa_factors (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friendly_name      TEXT,
    factor_type        TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'unverified',
    secret             TEXT NOT NULL,
    -- The last TOTP time step accepted, so that no code is accepted twice.
    last_used_step     INTEGER,
    last_challenged_at TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX mfa_factors_user_id ON mfa_factors (user_id);
CREATE UNIQUE INDEX mfa_factors_user_friendly_name ON mfa_factors (user_id, friendly_name)
    WHERE friendly_name IS NOT NULL AND friendly_name <> '';

CREATE TABLE mfa_challenges (
    id          TEXT PRIMARY KEY,
    factor_id   TEXT NOT NULL REFERENCES mfa_factors (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    verified_at TEXT
);
CREATE INDEX mfa_challenges_factor_id ON mfa_challenges (factor_id);
