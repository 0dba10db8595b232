-- Passkeys (upstream's auth.webauthn_credentials), the challenges of their ceremonies
-- (auth.webauthn_challenges), and the credential and ceremony state of `webauthn` MFA factors
-- (auth.mfa_factors.web_authn_credential, auth.mfa_challenges.web_authn_session_data).
CREATE TABLE webauthn_credentials (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The authenticator's credential id, unpadded base64url.
    credential_id TEXT NOT NULL UNIQUE,
    -- The public key, counter and flags, as webauthn-rs-core serialises a Credential.
    credential    TEXT NOT NULL,
    friendly_name TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX webauthn_credentials_user_id ON webauthn_credentials (user_id);

CREATE TABLE webauthn_challenges (
    id             TEXT PRIMARY KEY,
    -- The user registering a passkey; NULL for a sign-in, whose user is not known yet.
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    challenge_type TEXT NOT NULL CHECK (challenge_type IN ('registration', 'authentication')),
    session_data   TEXT NOT NULL,
    -- Unix seconds.
    expires_at     INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges (expires_at);

ALTER TABLE mfa_factors ADD COLUMN web_authn_credential TEXT;
ALTER TABLE mfa_challenges ADD COLUMN web_authn_session_data TEXT;
