-- The OAuth 2.1 server's authorization flow (upstream's auth.oauth_authorizations and
-- auth.oauth_consents, and the two columns it adds to auth.sessions).
--
-- An authorization is one `GET /oauth/authorize`: `pending` until the signed-in user approves
-- (`approved`, with a single-use code) or denies it (`denied`), or it outlives its TTL
-- (`expired`). Its id is what the consent page names; the code is deleted when exchanged.
-- PKCE is required, S256 only.
CREATE TABLE oauth_authorizations (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    user_id               TEXT REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    state                 TEXT,
    resource              TEXT,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL CHECK (code_challenge_method = 's256'),
    nonce                 TEXT,
    status                TEXT NOT NULL
        CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    authorization_code    TEXT UNIQUE,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    approved_at           TEXT
);
-- The cleanup finds day-old authorizations by this.
CREATE INDEX oauth_authorizations_created_at ON oauth_authorizations (created_at);

-- What a user has granted a client: approving stores (or widens) it, and a later authorization
-- asking no more is approved without asking again; revoking it ends the client's sessions.
CREATE TABLE oauth_consents (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL CHECK (scopes <> ''),
    granted_at TEXT NOT NULL,
    revoked_at TEXT,
    UNIQUE (user_id, client_id)
);

-- A session a client holds for a user, and the scopes granted it; NULL for the project's own.
ALTER TABLE sessions ADD COLUMN oauth_client_id TEXT REFERENCES oauth_clients (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN scopes TEXT;
CREATE INDEX sessions_oauth_client_id ON sessions (oauth_client_id)
    WHERE oauth_client_id IS NOT NULL;
