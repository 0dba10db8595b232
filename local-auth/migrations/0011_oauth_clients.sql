-- The OAuth 2.1 server's clients (upstream's auth.oauth_clients): registered by an admin
-- (`manual`) or by the client itself (`dynamic`). A confidential client's secret is kept as its
-- SHA-256 (base64url), as upstream keeps it; a public client has none. Lists are JSON arrays.
-- Deleting a client marks it (`deleted_at`), as upstream does.
CREATE TABLE oauth_clients (
    id                         TEXT PRIMARY KEY,
    client_secret_hash         TEXT,
    registration_type          TEXT NOT NULL CHECK (registration_type IN ('dynamic', 'manual')),
    client_type                TEXT NOT NULL CHECK (client_type IN ('public', 'confidential')),
    token_endpoint_auth_method TEXT NOT NULL,
    redirect_uris              TEXT NOT NULL,
    grant_types                TEXT NOT NULL,
    client_name                TEXT CHECK (length(client_name) <= 1024),
    client_uri                 TEXT CHECK (length(client_uri) <= 2048),
    logo_uri                   TEXT CHECK (length(logo_uri) <= 2048),
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    deleted_at                 TEXT
);
CREATE INDEX oauth_clients_created_at ON oauth_clients (created_at) WHERE deleted_at IS NULL;
