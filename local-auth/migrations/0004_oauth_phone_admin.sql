-- OAuth sign-in and identity linking, phone sign-in, and invitations.

-- An OAuth flow is a flow_state row from /authorize to /callback; its id is the `state` the
-- identity provider hands back. Implicit flows store an empty challenge. When a signed-in user
-- links an identity, the flow names that user.
ALTER TABLE flow_state ADD COLUMN linking_target_id TEXT;

-- Authorisations granted on the development identity provider's page, each exchanged once by
-- /callback as a real provider's authorisation code is.
CREATE TABLE dev_idp_grants (
    code       TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

ALTER TABLE users ADD COLUMN phone_change TEXT;
ALTER TABLE users ADD COLUMN phone_change_sent_at TEXT;
ALTER TABLE users ADD COLUMN invited_at TEXT;
