-- Phone factors (upstream's auth.mfa_factors.phone) and the codes their challenges text
-- (auth.mfa_challenges.otp_code, kept here as a hash, and ip_address: a code is answered from the
-- address that asked for it). One factor per number and user.
ALTER TABLE mfa_factors ADD COLUMN phone TEXT;
ALTER TABLE mfa_challenges ADD COLUMN otp_code TEXT;
ALTER TABLE mfa_challenges ADD COLUMN ip_address TEXT;
CREATE UNIQUE INDEX mfa_factors_user_phone ON mfa_factors (user_id, phone) WHERE phone IS NOT NULL;
