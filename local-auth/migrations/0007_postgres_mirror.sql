-- The users whose row or factors changed since local-auth last copied them to PostgreSQL
-- (`LOCAL_AUTH_DATABASE_URL`, see `mirror.rs`). Triggers fill it, so no write can be missed;
-- `version` tells a change made while a copy ran from the one the copy read.
CREATE TABLE postgres_outbox (
    user_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1
);

INSERT INTO postgres_outbox (user_id) SELECT id FROM users;

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
CREATE TRIGGER factors_changed_insert AFTER INSERT ON mfa_factors BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (NEW.user_id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = NEW.user_id), 0) + 1);
END;
CREATE TRIGGER factors_changed_update AFTER UPDATE ON mfa_factors BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (NEW.user_id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = NEW.user_id), 0) + 1);
END;
CREATE TRIGGER factors_changed_delete AFTER DELETE ON mfa_factors BEGIN
    INSERT OR REPLACE INTO postgres_outbox (user_id, version) VALUES (OLD.user_id,
        coalesce((SELECT version FROM postgres_outbox WHERE user_id = OLD.user_id), 0) + 1);
END;
