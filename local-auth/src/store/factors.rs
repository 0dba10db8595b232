//! `mfa_factors` and `mfa_challenges`: authenticator apps, security keys and phones, and their
//! challenges.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::time::now_rfc3339;

/// The user's factors as the API shows them, oldest first.
pub async fn factors_json(db: impl SqliteExecutor<'_>, user_id: &str) -> sqlx::Result<Value> {
    let list: String = sqlx::query_scalar(concat!(
        "SELECT json_group_array(",
        factor_json!(),
        ") FROM (SELECT * FROM mfa_factors WHERE user_id = ? ORDER BY created_at, rowid) f"
    ))
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(serde_json::from_str(&list).unwrap_or_else(|_| json!([])))
}

/// A row of `mfa_factors`, as enrolment and verification need it (`GET /user` lists factors
/// through [`factors_json`]). Its `Debug` leaves out the TOTP secret and the credential.
#[derive(FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.mfa_factors`.
pub struct Factor {
    pub id: String,
    pub friendly_name: Option<String>,
    pub factor_type: String,
    pub status: String,
    pub secret: String,
    pub last_used_step: Option<i64>,
    pub web_authn_credential: Option<String>,
    pub phone: Option<String>,
    pub last_challenged_at: Option<String>,
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor")
            .field("id", &self.id)
            .field("factor_type", &self.factor_type)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Factor {
    /// Whether a first code confirmed it.
    pub fn is_verified(&self) -> bool {
        self.status == "verified"
    }
}

/// Every factor of `user_id`, oldest first.
pub async fn factors_of(db: impl SqliteExecutor<'_>, user_id: &str) -> sqlx::Result<Vec<Factor>> {
    sqlx::query_as("SELECT * FROM mfa_factors WHERE user_id = ? ORDER BY created_at, rowid")
        .bind(user_id)
        .fetch_all(db)
        .await
}

/// Whether `user_id` has a verified factor (then changing email or password needs `aal2`).
pub async fn has_verified_factor(db: impl SqliteExecutor<'_>, user_id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM mfa_factors WHERE user_id = ? AND status = 'verified' LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// The factor `id` of `user_id`, if it is theirs.
pub async fn factor_of(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
) -> sqlx::Result<Option<Factor>> {
    sqlx::query_as("SELECT * FROM mfa_factors WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// What a new factor is: its `factor_type` and what it keeps from the start (no `Debug`: it
/// holds a TOTP secret).
#[derive(Clone, Copy)]
pub enum NewFactor<'a> {
    /// An authenticator app, with its secret (base32).
    Totp(&'a str),
    /// A security key; its credential comes with the first verification.
    Webauthn,
    /// A phone, with its number (E.164 digits).
    Phone(&'a str),
}

/// A new, unverified factor `id` of `user_id`.
pub async fn insert_factor(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
    friendly_name: Option<&str>,
    factor: NewFactor<'_>,
) -> sqlx::Result<()> {
    let (factor_type, secret, phone) = match factor {
        NewFactor::Totp(secret) => ("totp", secret, None),
        NewFactor::Webauthn => ("webauthn", "", None),
        NewFactor::Phone(phone) => ("phone", "", Some(phone)),
    };
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO mfa_factors (id, user_id, friendly_name, factor_type, status, secret, phone, created_at, updated_at) \
         VALUES (?, ?, ?, ?, 'unverified', ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(user_id)
    .bind(friendly_name)
    .bind(factor_type)
    .bind(secret)
    .bind(phone)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// What a challenge keeps until it is answered (no `Debug`: it holds the texted code's hash).
#[derive(Clone, Copy)]
pub enum Pending<'a> {
    /// Nothing: an authenticator app's code is checked against the factor's secret.
    Code,
    /// A WebAuthn ceremony's state.
    Ceremony(&'a str),
    /// The hash of the code texted to the phone, and the address that asked for it.
    Text {
        /// [`crate::crypto::token_hash`] of the challenge id and the code.
        code_hash: &'a str,
        /// The client's IP address.
        ip_address: &'a str,
    },
}

/// A new challenge `id` of `factor_id`, made at `created_at`, keeping what `pending` says.
pub async fn insert_challenge(
    db: &mut SqliteConnection,
    id: &str,
    factor_id: &str,
    created_at: &str,
    pending: Pending<'_>,
) -> sqlx::Result<()> {
    let (session_data, code_hash, ip_address) = match pending {
        Pending::Code => (None, None, None),
        Pending::Ceremony(data) => (Some(data), None, None),
        Pending::Text {
            code_hash,
            ip_address,
        } => (None, Some(code_hash), Some(ip_address)),
    };
    sqlx::query(
        "INSERT INTO mfa_challenges (id, factor_id, created_at, web_authn_session_data, otp_code, ip_address) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(factor_id)
    .bind(created_at)
    .bind(session_data)
    .bind(code_hash)
    .bind(ip_address)
    .execute(&mut *db)
    .await?;
    sqlx::query("UPDATE mfa_factors SET last_challenged_at = ?, updated_at = ? WHERE id = ?")
        .bind(created_at)
        .bind(created_at)
        .bind(factor_id)
        .execute(&mut *db)
        .await
        .map(drop)
}

/// A row of `mfa_challenges`. Its `Debug` leaves out the texted code's hash (six digits are
/// quickly found from it) and the ceremony's state.
#[derive(FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.mfa_challenges`.
pub struct Challenge {
    pub created_at: String,
    pub verified_at: Option<String>,
    pub web_authn_session_data: Option<String>,
    pub otp_code: Option<String>,
    pub ip_address: Option<String>,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("created_at", &self.created_at)
            .field("verified_at", &self.verified_at)
            .finish_non_exhaustive()
    }
}

/// Challenge `id` of `factor_id`.
pub async fn challenge(
    db: impl SqliteExecutor<'_>,
    id: &str,
    factor_id: &str,
) -> sqlx::Result<Option<Challenge>> {
    sqlx::query_as(
        "SELECT created_at, verified_at, web_authn_session_data, otp_code, ip_address FROM mfa_challenges \
         WHERE id = ? AND factor_id = ?",
    )
    .bind(id)
    .bind(factor_id)
    .fetch_optional(db)
    .await
}

/// What answered a challenge, and what the factor keeps of it.
#[derive(Clone, Copy, Debug)]
pub enum Answer<'a> {
    /// A TOTP code of this time step: the factor's last used step (no code is accepted twice).
    TotpStep(i64),
    /// A WebAuthn ceremony: the factor's credential as it left it (new, or with a new counter).
    Webauthn(&'a str),
    /// A texted code: the factor keeps nothing of it.
    Text,
}

/// Challenge `challenge_id` was answered: the challenge is used, and the factor verified with
/// what it keeps of the `answer`.
pub async fn answer_challenge(
    db: &mut SqliteConnection,
    challenge_id: &str,
    factor_id: &str,
    answer: Answer<'_>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query("UPDATE mfa_challenges SET verified_at = ? WHERE id = ?")
        .bind(&now)
        .bind(challenge_id)
        .execute(&mut *db)
        .await?;
    let update = match answer {
        Answer::TotpStep(step) => sqlx::query(
            "UPDATE mfa_factors SET status = 'verified', last_used_step = ?, updated_at = ? WHERE id = ?",
        )
        .bind(step),
        Answer::Webauthn(credential) => sqlx::query(
            "UPDATE mfa_factors SET status = 'verified', web_authn_credential = ?, updated_at = ? WHERE id = ?",
        )
        .bind(credential),
        Answer::Text => {
            sqlx::query("UPDATE mfa_factors SET status = 'verified', updated_at = ? WHERE id = ?")
        }
    };
    update
        .bind(&now)
        .bind(factor_id)
        .execute(&mut *db)
        .await
        .map(drop)
}

/// Removes the unverified factors of `factor_type` of `user_id` (enrolments whose ceremony never
/// finished), as upstream does once one of that type is verified.
pub async fn delete_unverified_factors(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    factor_type: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM mfa_factors WHERE user_id = ? AND factor_type = ? AND status = 'unverified'",
    )
    .bind(user_id)
    .bind(factor_type)
    .execute(db)
    .await
    .map(drop)
}

/// Removes factor `id` (its challenges go with it).
pub async fn delete_factor(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM mfa_factors WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// Removes factor `id` of `user_id`, if it is theirs.
pub async fn delete_factor_of(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM mfa_factors WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_leaves_out_secrets_and_code_hashes() {
        let factor = Factor {
            id: "f1".into(),
            friendly_name: None,
            factor_type: "totp".into(),
            status: "verified".into(),
            secret: "JBSWY3DPEHPK3PXP".into(),
            last_used_step: None,
            web_authn_credential: Some("credential-json".into()),
            phone: None,
            last_challenged_at: None,
        };
        let challenge = Challenge {
            created_at: "2026-12-07T00:00:00Z".into(),
            verified_at: None,
            web_authn_session_data: Some("ceremony-state".into()),
            otp_code: Some("c0ffee-hash".into()),
            ip_address: Some("10.0.0.1".into()),
        };

        let shown = format!("{factor:?} {challenge:?}");

        assert!(
            shown.contains("f1") && shown.contains("verified"),
            "{shown}"
        );
        for secret in [
            "JBSWY3DPEHPK3PXP",
            "credential-json",
            "ceremony-state",
            "c0ffee-hash",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
