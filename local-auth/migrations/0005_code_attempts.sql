-- Wrong tries at a mailed or texted code, counted per outstanding code; after a few the codes
-- sent to that address are withdrawn, so a six-digit code cannot be guessed within its lifetime.
ALTER TABLE one_time_tokens ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
