//! Rows of the auth schema and the queries on them.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::{crypto, time::now_rfc3339};

/// A row of `users`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.users`.
pub struct User {
    pub id: String,
    pub aud: String,
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub encrypted_password: Option<String>,
    pub email_confirmed_at: Option<String>,
    pub phone_confirmed_at: Option<String>,
    pub confirmation_sent_at: Option<String>,
    pub recovery_sent_at: Option<String>,
    pub email_change: Option<String>,
    pub email_change_sent_at: Option<String>,
    pub email_change_confirm_status: i64,
    pub reauthentication_sent_at: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub raw_app_meta_data: String,
    pub raw_user_meta_data: String,
    pub is_anonymous: bool,
    pub banned_until: Option<String>,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub phone_change: Option<String>,
    pub phone_change_sent_at: Option<String>,
    pub invited_at: Option<String>,
}

/// A row of `identities`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.identities`.
pub struct Identity {
    pub id: String,
    pub provider_id: String,
    pub user_id: String,
    pub identity_data: String,
    pub provider: String,
    pub email: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A row of `sessions`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.sessions`.
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub aal: String,
    pub not_after: Option<String>,
    pub created_at: String,
}

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.refresh_tokens`.
pub struct RefreshToken {
    pub id: i64,
    pub token: String,
    pub user_id: String,
    pub parent: Option<String>,
    pub session_id: String,
    pub revoked: bool,
    pub updated_at: String,
}

/// A row of `flow_state`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.flow_state`.
pub struct FlowState {
    pub id: String,
    pub user_id: Option<String>,
    pub auth_code: String,
    pub authentication_method: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
    pub created_at: String,
}

/// A row of `one_time_tokens`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.one_time_tokens`.
pub struct OneTimeToken {
    pub user_id: String,
    pub token_type: String,
    pub token_hash: String,
    pub relates_to: String,
    pub created_at: String,
}

impl User {
    /// Whether the user confirmed an email address or phone number.
    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some() || self.phone_confirmed_at.is_some()
    }

    /// Whether a ban is in force.
    pub fn is_banned(&self) -> bool {
        crate::time::parse_rfc3339(self.banned_until.as_deref())
            .is_some_and(|until| until > chrono::Utc::now())
    }

    /// `raw_app_meta_data` as JSON.
    pub fn app_metadata(&self) -> Value {
        serde_json::from_str(&self.raw_app_meta_data).unwrap_or_else(|_| json!({}))
    }

    /// `raw_user_meta_data` as JSON.
    pub fn user_metadata(&self) -> Value {
        serde_json::from_str(&self.raw_user_meta_data).unwrap_or_else(|_| json!({}))
    }

    /// The user as the API returns it.
    pub fn to_json(&self, identities: &[Identity]) -> Value {
        let mut user = json!({
            "id": self.id,
            "aud": self.aud,
            "role": self.role,
            "email": self.email.clone().unwrap_or_default(),
            "phone": self.phone.clone().unwrap_or_default(),
            "app_metadata": self.app_metadata(),
            "user_metadata": self.user_metadata(),
            "identities": identities.iter().map(Identity::to_json).collect::<Vec<_>>(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "is_anonymous": self.is_anonymous,
        });
        let optional = [
            ("email_confirmed_at", &self.email_confirmed_at),
            ("phone_confirmed_at", &self.phone_confirmed_at),
            ("confirmation_sent_at", &self.confirmation_sent_at),
            ("recovery_sent_at", &self.recovery_sent_at),
            ("new_email", &self.email_change),
            ("email_change_sent_at", &self.email_change_sent_at),
            ("new_phone", &self.phone_change),
            ("phone_change_sent_at", &self.phone_change_sent_at),
            ("invited_at", &self.invited_at),
            ("reauthentication_sent_at", &self.reauthentication_sent_at),
            ("last_sign_in_at", &self.last_sign_in_at),
            ("banned_until", &self.banned_until),
            ("deleted_at", &self.deleted_at),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                user[key] = json!(value);
            }
        }
        let confirmed_at = self
            .email_confirmed_at
            .as_ref()
            .or(self.phone_confirmed_at.as_ref());
        if let Some(confirmed_at) = confirmed_at {
            user["confirmed_at"] = json!(confirmed_at);
        }
        user
    }
}

impl Identity {
    /// The identity as the API returns it.
    pub fn to_json(&self) -> Value {
        json!({
            "identity_id": self.id,
            "id": self.provider_id,
            "user_id": self.user_id,
            "identity_data": serde_json::from_str::<Value>(&self.identity_data).unwrap_or_else(|_| json!({})),
            "provider": self.provider,
            "last_sign_in_at": self.last_sign_in_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "email": self.email,
        })
    }
}

/// The user with `id`.
pub async fn user_by_id(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The user with `email` (already lowercased).
pub async fn user_by_email(db: impl SqliteExecutor<'_>, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The identities of a user, oldest first.
pub async fn identities_of(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Vec<Identity>> {
    sqlx::query_as("SELECT * FROM identities WHERE user_id = ? ORDER BY created_at")
        .bind(user_id)
        .fetch_all(db)
        .await
}

/// SQL for a factor row `f` as the API shows it (a macro, so that queries stay static strings).
macro_rules! factor_json {
    () => {
        "json_object('id', f.id, 'friendly_name', COALESCE(f.friendly_name, ''), \
         'factor_type', f.factor_type, 'status', f.status, 'last_challenged_at', f.last_challenged_at, \
         'created_at', f.created_at, 'updated_at', f.updated_at)"
    };
}

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

/// The user as JSON, with identities.
pub async fn user_json(db: &mut SqliteConnection, user: &User) -> sqlx::Result<Value> {
    // One round trip for both lists (every query is a hop to sqlx's SQLite thread, and this runs
    // on every refresh): the factors come as a JSON array on each identity row. Only anonymous
    // users have no identity, and they cannot enrol factors.
    let rows: Vec<IdentityWithFactors> = sqlx::query_as(
        concat!(
            "SELECT i.*, (SELECT json_group_array(",
            factor_json!(),
            ") FROM (SELECT * FROM mfa_factors WHERE user_id = i.user_id ORDER BY created_at, rowid) f) AS factors \
             FROM identities i WHERE i.user_id = ? ORDER BY i.created_at"
        ),
    )
    .bind(&user.id)
    .fetch_all(&mut *db)
    .await?;
    let factors = rows
        .first()
        .and_then(|row| serde_json::from_str::<Value>(&row.factors).ok())
        .filter(|factors| factors.as_array().is_some_and(|list| !list.is_empty()));
    let identities: Vec<Identity> = rows.into_iter().map(|row| row.identity).collect();
    let mut json = user.to_json(&identities);
    if let Some(factors) = factors {
        json["factors"] = factors;
    }
    Ok(json)
}

/// An identity row with its user's factors as a JSON array.
#[derive(FromRow)]
struct IdentityWithFactors {
    #[sqlx(flatten)]
    identity: Identity,
    factors: String,
}

/// A new email user with an `email` identity; returns the stored row.
pub async fn insert_email_user(
    db: &mut SqliteConnection,
    email: &str,
    password_hash: Option<&str>,
    user_metadata: &Value,
    confirmed: bool,
) -> sqlx::Result<User> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_rfc3339();
    let app_metadata = json!({ "provider": "email", "providers": ["email"] });
    sqlx::query(
        "INSERT INTO users (id, email, encrypted_password, email_confirmed_at, raw_app_meta_data, \
         raw_user_meta_data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(email)
    .bind(password_hash)
    .bind(confirmed.then_some(&now))
    .bind(app_metadata.to_string())
    .bind(user_metadata.to_string())
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    insert_email_identity(&mut *db, &id, email, confirmed).await?;
    Ok(user_by_id(&mut *db, &id)
        .await?
        .expect("the user was just inserted"))
}

/// Adds the `email` identity of user `user_id` (whose id is also the identity's provider id).
pub async fn insert_email_identity(
    db: &mut SqliteConnection,
    user_id: &str,
    email: &str,
    verified: bool,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    let identity_data = json!({
        "sub": user_id, "email": email, "email_verified": verified, "phone_verified": false,
    });
    sqlx::query(
        "INSERT INTO identities (id, provider_id, user_id, identity_data, provider, email, created_at, updated_at) \
         VALUES (?, ?, ?, ?, 'email', ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(user_id)
    .bind(identity_data.to_string())
    .bind(email)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The user with `phone` (digits only, as stored).
pub async fn user_by_phone(db: impl SqliteExecutor<'_>, phone: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(db)
        .await
}

/// A new phone user with a `phone` identity; returns the stored row.
pub async fn insert_phone_user(
    db: &mut SqliteConnection,
    phone: &str,
    password_hash: Option<&str>,
    user_metadata: &Value,
    confirmed: bool,
) -> sqlx::Result<User> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_rfc3339();
    let app_metadata = json!({ "provider": "phone", "providers": ["phone"] });
    sqlx::query(
        "INSERT INTO users (id, phone, encrypted_password, phone_confirmed_at, raw_app_meta_data, \
         raw_user_meta_data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(phone)
    .bind(password_hash)
    .bind(confirmed.then_some(&now))
    .bind(app_metadata.to_string())
    .bind(user_metadata.to_string())
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    let identity_data = json!({
        "sub": id, "phone": phone, "email_verified": false, "phone_verified": confirmed,
    });
    insert_identity(&mut *db, &id, "phone", &id, &identity_data, None).await?;
    Ok(user_by_id(&mut *db, &id)
        .await?
        .expect("the user was just inserted"))
}

/// Adds an identity of `provider` (known there as `provider_id`) to user `user_id`.
pub async fn insert_identity(
    db: &mut SqliteConnection,
    user_id: &str,
    provider: &str,
    provider_id: &str,
    identity_data: &Value,
    email: Option<&str>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO identities (id, provider_id, user_id, identity_data, provider, email, \
         last_sign_in_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(provider_id)
    .bind(user_id)
    .bind(identity_data.to_string())
    .bind(provider)
    .bind(email)
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// The identity `provider_id` of `provider`, whoever it belongs to.
pub async fn identity_by_provider(
    db: impl SqliteExecutor<'_>,
    provider: &str,
    provider_id: &str,
) -> sqlx::Result<Option<Identity>> {
    sqlx::query_as("SELECT * FROM identities WHERE provider = ? AND provider_id = ?")
        .bind(provider)
        .bind(provider_id)
        .fetch_optional(db)
        .await
}

/// Rewrites `app_metadata.providers` from the user's identities (`provider` is left alone unless
/// `primary` names a new one).
pub async fn refresh_providers(
    db: &mut SqliteConnection,
    user_id: &str,
    primary: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET raw_app_meta_data = json_set(raw_app_meta_data, \
           '$.provider', COALESCE(?, json_extract(raw_app_meta_data, '$.provider')), \
           '$.providers', (SELECT json_group_array(provider) FROM \
             (SELECT provider FROM identities WHERE user_id = ? GROUP BY provider ORDER BY MIN(created_at)))), \
         updated_at = ? WHERE id = ?",
    )
    .bind(primary)
    .bind(user_id)
    .bind(now_rfc3339())
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Creates an anonymous user: no email, no identity, `is_anonymous`, provider `anonymous`.
pub async fn insert_anonymous_user(
    db: &mut SqliteConnection,
    user_metadata: &Value,
) -> sqlx::Result<User> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_rfc3339();
    let app_metadata = json!({ "provider": "anonymous", "providers": ["anonymous"] });
    sqlx::query(
        "INSERT INTO users (id, is_anonymous, raw_app_meta_data, raw_user_meta_data, created_at, updated_at) \
         VALUES (?, 1, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(app_metadata.to_string())
    .bind(user_metadata.to_string())
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    Ok(user_by_id(&mut *db, &id)
        .await?
        .expect("the user was just inserted"))
}

/// Makes an anonymous user permanent once `email` is confirmed as theirs: the address, an `email`
/// identity, provider `email`, and `is_anonymous` off.
pub async fn make_permanent_with_email(
    db: &mut SqliteConnection,
    user_id: &str,
    email: &str,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET email = ?, email_confirmed_at = COALESCE(email_confirmed_at, ?), is_anonymous = 0, \
         raw_app_meta_data = json_set(raw_app_meta_data, '$.provider', 'email', '$.providers', json('[\"email\"]')), \
         email_change = NULL, email_change_sent_at = NULL, email_change_confirm_status = 0, updated_at = ? \
         WHERE id = ?",
    )
    .bind(email)
    .bind(&now)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    insert_email_identity(db, user_id, email, true).await
}

/// Sets the user's password hash (`None` removes the password).
pub async fn set_password_hash(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    hash: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET encrypted_password = ?, updated_at = ? WHERE id = ?")
        .bind(hash)
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}

/// A sign-up for an address (or number) whose account is not confirmed yet takes the new password
/// and metadata, as if the account were new.
pub async fn renew_pending_sign_up(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    hash: &str,
    metadata: &Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET encrypted_password = ?, raw_user_meta_data = ?, updated_at = ? WHERE id = ?",
    )
    .bind(hash)
    .bind(metadata.to_string())
    .bind(now_rfc3339())
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Marks the user's email confirmed, and its email identity verified.
pub async fn confirm_email(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    confirm(
        db,
        user_id,
        "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, ?), updated_at = ? WHERE id = ?",
        "UPDATE identities SET identity_data = json_set(identity_data, '$.email_verified', json('true')), \
         updated_at = ? WHERE user_id = ? AND provider = 'email'",
    )
    .await
}

/// Marks the user's phone confirmed, and its phone identity verified.
pub async fn confirm_phone(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    confirm(
        db,
        user_id,
        "UPDATE users SET phone_confirmed_at = COALESCE(phone_confirmed_at, ?), updated_at = ? WHERE id = ?",
        "UPDATE identities SET identity_data = json_set(identity_data, '$.phone_verified', json('true')), \
         updated_at = ? WHERE user_id = ? AND provider = 'phone'",
    )
    .await
}

/// Runs a confirmation: `user_sql` binds (now, now, id), `identity_sql` (now, id).
async fn confirm(
    db: &mut SqliteConnection,
    user_id: &str,
    user_sql: &'static str,
    identity_sql: &'static str,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(user_sql)
        .bind(&now)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query(identity_sql)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Creates (or replaces) the user's one-time token of `token_type`; returns the 6-digit code.
///
/// PKCE flows store the hash with a `pkce_` prefix, as upstream does, so that verifying it answers
/// with an auth code instead of tokens.
pub async fn issue_one_time_token(
    db: &mut SqliteConnection,
    user_id: &str,
    token_type: &str,
    address: &str,
    pkce: bool,
) -> sqlx::Result<(String, String)> {
    let code = crypto::otp(6);
    let hash = crypto::token_hash(address, &code);
    let stored = if pkce { format!("pkce_{hash}") } else { hash };
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (user_id, token_type) DO UPDATE SET token_hash = excluded.token_hash, \
         relates_to = excluded.relates_to, created_at = excluded.created_at, updated_at = excluded.updated_at, \
         failed_attempts = 0",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(token_type)
    .bind(&stored)
    .bind(address)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    Ok((code, stored))
}

/// The one-time tokens whose hash is `hash` (with or without the `pkce_` prefix).
pub async fn one_time_tokens_by_hash(
    db: impl SqliteExecutor<'_>,
    hash: &str,
) -> sqlx::Result<Vec<OneTimeToken>> {
    let bare = hash.strip_prefix("pkce_").unwrap_or(hash);
    sqlx::query_as(
        "SELECT user_id, token_type, token_hash, relates_to, created_at FROM one_time_tokens \
         WHERE token_hash = ? OR token_hash = ?",
    )
    .bind(bare)
    .bind(format!("pkce_{bare}"))
    .fetch_all(db)
    .await
}

/// Wrong codes tolerated per outstanding code before every code sent to the address is withdrawn:
/// five guesses at a million values, whatever addresses the guesses come from.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// Counts a wrong code entered for `address`, and withdraws the codes sent there once they have
/// had [`MAX_CODE_ATTEMPTS`] wrong tries. Nothing happens for an address with no codes out, so
/// known and unknown addresses answer alike.
pub async fn count_wrong_code(db: &mut SqliteConnection, address: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE one_time_tokens SET failed_attempts = failed_attempts + 1 WHERE relates_to = ?",
    )
    .bind(address)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE relates_to = ? AND failed_attempts >= ?")
        .bind(address)
        .bind(MAX_CODE_ATTEMPTS)
        .execute(db)
        .await
        .map(drop)
}

/// Withdraws every mailed token of the user when their address changes: links and codes sent to
/// the old address (sign-up confirmation, magic link, recovery, reauthentication, a pending email
/// change) stop working, as upstream revokes them.
pub async fn revoke_mail_tokens(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM one_time_tokens WHERE user_id = ? AND token_type IN \
         ('confirmation_token', 'recovery_token', 'reauthentication_token', \
          'email_change_token_new', 'email_change_token_current') \
         AND relates_to LIKE '%@%'",
    )
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Deletes one of the user's one-time tokens.
pub async fn delete_one_time_token(
    db: &mut SqliteConnection,
    user_id: &str,
    token_type: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM one_time_tokens WHERE user_id = ? AND token_type = ?")
        .bind(user_id)
        .bind(token_type)
        .execute(db)
        .await
        .map(drop)
}

/// Stores a PKCE flow for `user_id`; returns its auth code.
pub async fn insert_flow_state(
    db: &mut SqliteConnection,
    user_id: Option<&str>,
    method: &str,
    challenge: &str,
    challenge_method: &str,
) -> sqlx::Result<String> {
    let now = now_rfc3339();
    let auth_code = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO flow_state (id, user_id, auth_code, authentication_method, code_challenge, \
         code_challenge_method, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(&auth_code)
    .bind(method)
    .bind(challenge)
    .bind(challenge_method)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(auth_code)
}

/// The most recent flow of `user_id` started by `method`.
pub async fn latest_flow_state(
    db: &mut SqliteConnection,
    user_id: &str,
    method: &str,
) -> sqlx::Result<Option<FlowState>> {
    sqlx::query_as(
        "SELECT id, user_id, auth_code, authentication_method, code_challenge, code_challenge_method, created_at \
         FROM flow_state WHERE user_id = ? AND authentication_method = ? ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(method)
    .fetch_optional(db)
    .await
}

/// Marks a flow's auth code issued now (the code's 5-minute lifetime starts here).
pub async fn mark_auth_code_issued(db: &mut SqliteConnection, flow_id: &str) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query("UPDATE flow_state SET auth_code_issued_at = ?, updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(&now)
        .bind(flow_id)
        .execute(db)
        .await
        .map(drop)
}
