-- Rotating a refresh token is a single INSERT of its child: this trigger revokes the parent and
-- stamps the session within that same statement, so the swap is atomic without a transaction and
-- costs one round trip to the database.
CREATE TRIGGER refresh_token_rotated AFTER INSERT ON refresh_tokens
WHEN NEW.parent IS NOT NULL
BEGIN
    UPDATE refresh_tokens SET revoked = 1, updated_at = NEW.created_at
        WHERE token = NEW.parent AND revoked = 0;
    UPDATE sessions SET refreshed_at = NEW.created_at, updated_at = NEW.created_at
        WHERE id = NEW.session_id;
END;
