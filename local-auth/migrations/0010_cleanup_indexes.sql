-- What the cleanup (src/cleanup.rs) looks for, found without reading whole tables: each of its
-- statements runs after every successful change.
CREATE INDEX flow_state_created_at ON flow_state (created_at);
CREATE INDEX mfa_challenges_created_at ON mfa_challenges (created_at);
CREATE INDEX dev_idp_grants_created_at ON dev_idp_grants (created_at);
CREATE INDEX refresh_tokens_revoked_updated_at ON refresh_tokens (updated_at) WHERE revoked = 1;
CREATE INDEX sessions_not_after ON sessions (not_after) WHERE not_after IS NOT NULL;
