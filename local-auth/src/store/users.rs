//! `users`: accounts, their addresses, confirmations and password hashes.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use super::{
    Identity, delete_flows_of, insert_email_identity, insert_identity, refresh_providers,
    revoke_mail_tokens,
};
use crate::time::now_rfc3339;

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
    pub is_sso_user: bool,
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
            "is_sso_user": self.is_sso_user,
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

/// The user with `id`.
pub async fn user_by_id(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The user with `email` (already lowercased), SSO users aside: theirs is an account of its own,
/// reached only through their identity provider (as upstream, which never finds them by address).
pub async fn user_by_email(db: impl SqliteExecutor<'_>, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE email = ? AND is_sso_user = 0")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The user with `phone` (digits only, as stored).
pub async fn user_by_phone(db: impl SqliteExecutor<'_>, phone: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(db)
        .await
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

/// The address a new user signs up with.
#[derive(Clone, Copy, Debug)]
pub enum NewAddress<'a> {
    /// An email address: the user gets an `email` identity.
    Email(&'a str),
    /// A phone number (E.164 digits): the user gets a `phone` identity.
    Phone(&'a str),
}

/// A new user without a password, not confirmed yet, who signs in by a mailed or texted code or
/// link (invited, or signing up through OTP or a generated link); returns the stored row.
pub async fn insert_pending_user(
    db: &mut SqliteConnection,
    address: NewAddress<'_>,
    user_metadata: &Value,
) -> sqlx::Result<User> {
    insert_user(db, address, None, user_metadata, false).await
}

/// A new user with `address` and its identity; returns the stored row.
pub async fn insert_user(
    db: &mut SqliteConnection,
    address: NewAddress<'_>,
    password_hash: Option<&str>,
    user_metadata: &Value,
    confirmed: bool,
) -> sqlx::Result<User> {
    let (sql, provider, value) = match address {
        NewAddress::Email(email) => (
            "INSERT INTO users (id, email, encrypted_password, email_confirmed_at, raw_app_meta_data, \
             raw_user_meta_data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "email",
            email,
        ),
        NewAddress::Phone(phone) => (
            "INSERT INTO users (id, phone, encrypted_password, phone_confirmed_at, raw_app_meta_data, \
             raw_user_meta_data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "phone",
            phone,
        ),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_rfc3339();
    let app_metadata = json!({ "provider": provider, "providers": [provider] });
    sqlx::query(sql)
        .bind(&id)
        .bind(value)
        .bind(password_hash)
        .bind(confirmed.then_some(&now))
        .bind(app_metadata.to_string())
        .bind(user_metadata.to_string())
        .bind(&now)
        .bind(&now)
        .execute(&mut *db)
        .await?;
    match address {
        NewAddress::Email(email) => insert_email_identity(&mut *db, &id, email, confirmed).await?,
        NewAddress::Phone(phone) => {
            let identity_data = json!({
                "sub": id, "phone": phone, "email_verified": false, "phone_verified": confirmed,
            });
            insert_identity(&mut *db, &id, "phone", &id, &identity_data, None).await?;
        }
    }
    Ok(user_by_id(&mut *db, &id)
        .await?
        .expect("the user was just inserted"))
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

/// An identity row with its user's factors as a JSON array.
#[derive(FromRow)]
struct IdentityWithFactors {
    #[sqlx(flatten)]
    identity: Identity,
    factors: String,
}

/// Sets the user's address (and its email identity), confirmed or not.
pub async fn set_email(
    db: &mut SqliteConnection,
    user: &User,
    email: &str,
    confirmed: bool,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET email = ?, email_confirmed_at = CASE WHEN ? THEN COALESCE(email_confirmed_at, ?) END, \
         email_change = NULL, email_change_sent_at = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(email)
    .bind(confirmed)
    .bind(&now)
    .bind(&now)
    .bind(&user.id)
    .execute(&mut *db)
    .await?;
    let moved = sqlx::query(
        "UPDATE identities SET email = ?, identity_data = json_set(identity_data, '$.email', ?, \
         '$.email_verified', json(?)), updated_at = ? WHERE user_id = ? AND provider = 'email'",
    )
    .bind(email)
    .bind(email)
    .bind(if confirmed { "true" } else { "false" })
    .bind(&now)
    .bind(&user.id)
    .execute(&mut *db)
    .await?;
    if moved.rows_affected() == 0 {
        insert_email_identity(db, &user.id, email, confirmed).await?;
        refresh_providers(db, &user.id, None).await?;
    }
    if user.email.as_deref() != Some(email) {
        revoke_mail_tokens(db, &user.id).await?;
    }
    Ok(())
}

/// Sets the user's number (and its phone identity), confirmed or not.
pub async fn set_phone(
    db: &mut SqliteConnection,
    user: &User,
    phone: &str,
    confirmed: bool,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET phone = ?, phone_confirmed_at = CASE WHEN ? THEN COALESCE(phone_confirmed_at, ?) END, \
         phone_change = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(phone)
    .bind(confirmed)
    .bind(&now)
    .bind(&now)
    .bind(&user.id)
    .execute(&mut *db)
    .await?;
    let data = json!({ "sub": user.id, "phone": phone, "email_verified": false, "phone_verified": confirmed });
    let moved = sqlx::query(
        "UPDATE identities SET identity_data = ?, updated_at = ? WHERE user_id = ? AND provider = 'phone'",
    )
    .bind(data.to_string())
    .bind(&now)
    .bind(&user.id)
    .execute(&mut *db)
    .await?;
    if moved.rows_affected() == 0 {
        insert_identity(db, &user.id, "phone", &user.id, &data, None).await?;
        refresh_providers(db, &user.id, None).await?;
    }
    Ok(())
}

/// How many users there are.
pub async fn count_users(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
}

/// A page of users, newest first.
pub async fn users_page(
    db: impl SqliteExecutor<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<User>> {
    sqlx::query_as("SELECT * FROM users ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?")
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await
}

/// Deletes the user; identities, sessions (with their refresh tokens), factors and tokens go by
/// cascade, flows explicitly.
pub async fn delete_user(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    delete_flows_of(db, user_id).await
}

/// Marks the user deleted but keeps the row, without address, password, identities, sessions,
/// factors, tokens or flows.
pub async fn soft_delete_user(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET deleted_at = ?, email = NULL, phone = NULL, encrypted_password = NULL, \
         email_change = NULL, phone_change = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(&now)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    for table in [
        "DELETE FROM identities WHERE user_id = ?",
        "DELETE FROM sessions WHERE user_id = ?",
        "DELETE FROM mfa_factors WHERE user_id = ?",
        "DELETE FROM one_time_tokens WHERE user_id = ?",
    ] {
        sqlx::query(table).bind(user_id).execute(&mut *db).await?;
    }
    delete_flows_of(db, user_id).await
}

/// Starts a change of the user's address to `new_email`, awaiting confirmation.
pub async fn begin_email_change(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    new_email: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET email_change = ?, email_change_confirm_status = 0, updated_at = ? WHERE id = ?",
    )
    .bind(new_email)
    .bind(now_rfc3339())
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Which metadata object of a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metadata {
    /// `user_metadata` (`raw_user_meta_data`): the user may change it.
    User,
    /// `app_metadata` (`raw_app_meta_data`): only the server and admins change it.
    App,
}

/// Merges `patch` into the user's `metadata` (JSON merge patch: `null` removes a key).
pub async fn patch_metadata(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    metadata: Metadata,
    patch: &Value,
) -> sqlx::Result<()> {
    let sql = match metadata {
        Metadata::User => {
            "UPDATE users SET raw_user_meta_data = json_patch(raw_user_meta_data, ?), updated_at = ? WHERE id = ?"
        }
        Metadata::App => {
            "UPDATE users SET raw_app_meta_data = json_patch(raw_app_meta_data, ?), updated_at = ? WHERE id = ?"
        }
    };
    sqlx::query(sql)
        .bind(patch.to_string())
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}

/// Bans the user until `until` (RFC 3339), ending every session, or lifts the ban (`None`).
pub async fn set_banned_until(
    db: &mut SqliteConnection,
    user_id: &str,
    until: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET banned_until = ?1, updated_at = ?2 WHERE id = ?3")
        .bind(until)
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    if until.is_some() {
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Moves user `user_id` to the address `new_email` they confirmed, their email identity with it.
pub async fn complete_email_change(
    db: &mut SqliteConnection,
    user_id: &str,
    new_email: &str,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET email = ?, email_change = NULL, email_change_sent_at = NULL, \
         email_change_confirm_status = 0, email_confirmed_at = COALESCE(email_confirmed_at, ?), \
         updated_at = ? WHERE id = ?",
    )
    .bind(new_email)
    .bind(&now)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "UPDATE identities SET email = ?, identity_data = json_set(identity_data, '$.email', ?), \
         updated_at = ? WHERE user_id = ? AND provider = 'email'",
    )
    .bind(new_email)
    .bind(new_email)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Whether either leg of the user's email change still has its token.
pub async fn email_change_pending(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM one_time_tokens WHERE user_id = ? AND token_type LIKE 'email_change_token_%'",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Moves the user to the number `new_phone` they confirmed (permanent from now on); whether
/// their phone identity followed (`false`: they have none yet).
pub async fn complete_phone_change(
    db: &mut SqliteConnection,
    user_id: &str,
    new_phone: &str,
) -> sqlx::Result<bool> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET phone = ?, phone_change = NULL, phone_change_sent_at = NULL, \
         phone_confirmed_at = ?, is_anonymous = 0, updated_at = ? WHERE id = ?",
    )
    .bind(new_phone)
    .bind(&now)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    let moved = sqlx::query(
        "UPDATE identities SET identity_data = json_set(identity_data, '$.phone', ?, '$.phone_verified', json('true')), \
         updated_at = ? WHERE user_id = ? AND provider = 'phone'",
    )
    .bind(new_phone)
    .bind(&now)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    Ok(moved.rows_affected() > 0)
}

/// The user waiting to confirm the new number `phone`.
pub async fn user_by_pending_phone(
    db: impl SqliteExecutor<'_>,
    phone: &str,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as("SELECT * FROM users WHERE phone_change = ?")
        .bind(phone)
        .fetch_optional(db)
        .await
}

/// A new user signed up through a provider with the confirmed address `email`, or without an
/// address (a Web3 wallet); `sso` marks a user of an SSO provider (`is_sso_user`), an account of
/// its own whatever its address.
pub async fn insert_provider_user(
    db: impl SqliteExecutor<'_>,
    id: &str,
    email: Option<&str>,
    sso: bool,
    app_metadata: &Value,
    user_metadata: &Value,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO users (id, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, \
         is_sso_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(email)
    .bind(email.map(|_| now.clone()))
    .bind(app_metadata.to_string())
    .bind(user_metadata.to_string())
    .bind(sso)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// An anonymous user who linked a provider becomes permanent, taking the provider's address
/// (confirmed) when they have none and `address_free` (no other account uses it).
pub async fn make_permanent_with_provider(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    email: &str,
    address_free: bool,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE users SET is_anonymous = 0, \
         email = CASE WHEN email IS NULL AND ? THEN ? ELSE email END, \
         email_confirmed_at = CASE WHEN email IS NULL AND ? THEN ? ELSE email_confirmed_at END, \
         updated_at = ? WHERE id = ?",
    )
    .bind(address_free)
    .bind(email)
    .bind(address_free)
    .bind(&now)
    .bind(&now)
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Which "sent at" time of a user a mail or text sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// `confirmation_sent_at`: a sign-up confirmation.
    Confirmation,
    /// `recovery_sent_at`: a magic link or recovery.
    Recovery,
    /// `email_change_sent_at`: either leg of an email change.
    EmailChange,
    /// `reauthentication_sent_at`.
    Reauthentication,
    /// `invited_at` and `confirmation_sent_at`: an invitation.
    Invite,
    /// `phone_change_sent_at`: a code to a new number.
    PhoneChange,
}

/// Records that a mail or text of kind `sent` went to the user now.
pub async fn stamp_sent(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    sent: Sent,
) -> sqlx::Result<()> {
    let sql = match sent {
        Sent::Confirmation => {
            "UPDATE users SET confirmation_sent_at = ?1, updated_at = ?1 WHERE id = ?2"
        }
        Sent::Recovery => "UPDATE users SET recovery_sent_at = ?1, updated_at = ?1 WHERE id = ?2",
        Sent::EmailChange => {
            "UPDATE users SET email_change_sent_at = ?1, updated_at = ?1 WHERE id = ?2"
        }
        Sent::Reauthentication => {
            "UPDATE users SET reauthentication_sent_at = ?1, updated_at = ?1 WHERE id = ?2"
        }
        Sent::Invite => {
            "UPDATE users SET invited_at = ?1, confirmation_sent_at = ?1, updated_at = ?1 WHERE id = ?2"
        }
        Sent::PhoneChange => {
            "UPDATE users SET phone_change_sent_at = ?1, updated_at = ?1 WHERE id = ?2"
        }
    };
    sqlx::query(sql)
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}

/// A column of `users` that changes on its own, `updated_at` with it: each one statement.
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    /// `encrypted_password`; `None` removes the password.
    PasswordHash(Option<&'a str>),
    /// `email`, leaving the identities alone; `None` clears it.
    EmailAddress(Option<&'a str>),
    /// `role`: the access token's `role` claim.
    Role(&'a str),
    /// `raw_user_meta_data`, replaced whole.
    UserMetadata(&'a Value),
    /// `phone_change`: a new number awaiting its code.
    PhoneChange(&'a str),
    /// `invited_at`: invited now.
    InvitedNow,
    /// `email_change_confirm_status`: one leg of a two-address email change confirmed.
    FirstEmailChangeLegConfirmed,
}

/// Sets one [`Field`] of the user's row.
pub async fn set_field(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    field: Field<'_>,
) -> sqlx::Result<()> {
    let metadata;
    // ?1 is the value (unused by the fields without one), ?2 the time now, ?3 the user.
    let (sql, value): (&'static str, Option<&str>) = match field {
        Field::PasswordHash(hash) => (
            "UPDATE users SET encrypted_password = ?1, updated_at = ?2 WHERE id = ?3",
            hash,
        ),
        Field::EmailAddress(email) => (
            "UPDATE users SET email = ?1, updated_at = ?2 WHERE id = ?3",
            email,
        ),
        Field::Role(role) => (
            "UPDATE users SET role = ?1, updated_at = ?2 WHERE id = ?3",
            Some(role),
        ),
        Field::UserMetadata(value) => {
            metadata = value.to_string();
            (
                "UPDATE users SET raw_user_meta_data = ?1, updated_at = ?2 WHERE id = ?3",
                Some(metadata.as_str()),
            )
        }
        Field::PhoneChange(phone) => (
            "UPDATE users SET phone_change = ?1, updated_at = ?2 WHERE id = ?3",
            Some(phone),
        ),
        Field::InvitedNow => (
            "UPDATE users SET invited_at = ?2, updated_at = ?2 WHERE id = ?3",
            None,
        ),
        Field::FirstEmailChangeLegConfirmed => (
            "UPDATE users SET email_change_confirm_status = 1, updated_at = ?2 WHERE id = ?3",
            None,
        ),
    };
    sqlx::query(sql)
        .bind(value)
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}
