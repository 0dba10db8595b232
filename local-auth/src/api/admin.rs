//! The admin API (service role only): users (`/admin/users`, paged with `X-Total-Count` and
//! `Link`), their factors, `/admin/generate_link` and `/invite`.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;

use super::{
    PageQuery, RedirectQuery, hash_password,
    mails::{self, Purpose},
    page_headers, validate_password,
};
use crate::hooks::attempts::before_user_created;
use crate::validate::{validate_email, validate_phone};
use crate::{
    bearer::ServiceRole,
    config::parse_duration,
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    redirect,
    state::AppState,
    store::{self, Metadata, User},
    time::format_rfc3339,
};

/// Users per page unless the request says otherwise (upstream's default).
const DEFAULT_PER_PAGE: u32 = 50;

/// `GET /admin/users`: `{users, aud}`, newest first, with the total and page links in headers.
pub async fn list_users(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Response> {
    let (page, per_page) = query.page(DEFAULT_PER_PAGE)?;
    let mut db = state.db.read.acquire().await?;
    let total = store::count_users(&mut *db).await?;
    let offset = i64::from(page - 1) * i64::from(per_page);
    let users = store::users_page(&mut *db, i64::from(per_page), offset).await?;
    let mut listed = Vec::with_capacity(users.len());
    for user in &users {
        listed.push(store::user_json(&mut db, user).await?);
    }
    let base = format!("{}/admin/users", state.config.issuer());
    Ok((
        page_headers(&base, page, per_page, total),
        Json(json!({ "users": listed, "aud": "authenticated" })),
    )
        .into_response())
}

/// The body of `POST /admin/users` and `PUT /admin/users/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct UserParams {
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    email_confirm: Option<bool>,
    phone_confirm: Option<bool>,
    user_metadata: Option<Map<String, Value>>,
    app_metadata: Option<Map<String, Value>>,
    role: Option<String>,
    /// A Go duration (`24h`, `1h30m`) or `none` to lift a ban.
    ban_duration: Option<String>,
}

/// `POST /admin/users`: creates a user, confirmed or not as told; no mail is sent.
pub async fn create_user(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiJson(params): ApiJson<UserParams>,
) -> ApiResult<Json<Value>> {
    let email = present(params.email.as_deref())
        .map(validate_email)
        .transpose()?;
    let phone = present(params.phone.as_deref())
        .map(validate_phone)
        .transpose()?;
    if email.is_none() && phone.is_none() {
        return Err(ApiError::validation(
            "Cannot create a user without either an email or phone",
        ));
    }
    let hash = new_password_hash(&state, params.password.as_deref()).await?;
    let banned_until = ban_until(params.ban_duration.as_deref())?;
    let mut tx = state.db.write.begin().await?;
    check_free(&mut tx, email.as_deref(), phone.as_deref(), None).await?;
    let email_confirmed = params.email_confirm.unwrap_or(false);
    let phone_confirmed = params.phone_confirm.unwrap_or(false);
    let metadata = Value::Object(params.user_metadata.unwrap_or_default());
    let user = match (&email, &phone) {
        (Some(email), _) => {
            store::insert_user(
                &mut tx,
                store::NewAddress::Email(email),
                hash.as_deref(),
                &metadata,
                email_confirmed,
            )
            .await?
        }
        (None, Some(phone)) => {
            store::insert_user(
                &mut tx,
                store::NewAddress::Phone(phone),
                hash.as_deref(),
                &metadata,
                phone_confirmed,
            )
            .await?
        }
        (None, None) => unreachable!("checked above"),
    };
    if let (Some(_), Some(phone)) = (&email, &phone) {
        store::set_phone(&mut tx, &user, phone, phone_confirmed).await?;
    }
    let changes = Changes {
        app_metadata: params.app_metadata,
        role: params.role,
        banned_until,
        ..Changes::default()
    };
    apply(&mut tx, &user.id, changes).await?;
    let user = reload(&mut tx, &user.id).await?;
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// `GET /admin/users/{id}`.
pub async fn get_user(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut db = state.db.read.acquire().await?;
    let user = find(&mut db, &id).await?;
    Ok(Json(store::user_json(&mut db, &user).await?))
}

/// `PUT /admin/users/{id}`: changes take effect at once (no confirmation mails); a ban ends the
/// user's sessions.
pub async fn update_user(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(id): Path<String>,
    ApiJson(params): ApiJson<UserParams>,
) -> ApiResult<Json<Value>> {
    let email = present(params.email.as_deref())
        .map(validate_email)
        .transpose()?;
    let phone = present(params.phone.as_deref())
        .map(validate_phone)
        .transpose()?;
    let hash = new_password_hash(&state, params.password.as_deref()).await?;
    let banned_until = ban_until(params.ban_duration.as_deref())?;
    let mut tx = state.db.write.begin().await?;
    let user = find(&mut tx, &id).await?;
    check_free(&mut tx, email.as_deref(), phone.as_deref(), Some(&user.id)).await?;
    if let Some(email) = &email {
        let confirmed = params
            .email_confirm
            .unwrap_or(user.email_confirmed_at.is_some());
        store::set_email(&mut tx, &user, email, confirmed).await?;
    } else if params.email_confirm == Some(true) {
        store::confirm_email(&mut tx, &user.id).await?;
    }
    if let Some(phone) = &phone {
        let confirmed = params
            .phone_confirm
            .unwrap_or(user.phone_confirmed_at.is_some());
        store::set_phone(&mut tx, &user, phone, confirmed).await?;
    } else if params.phone_confirm == Some(true) {
        store::confirm_phone(&mut tx, &user.id).await?;
    }
    let changes = Changes {
        password_hash: hash,
        user_metadata: params.user_metadata,
        app_metadata: params.app_metadata,
        role: params.role,
        banned_until,
    };
    apply(&mut tx, &user.id, changes).await?;
    let user = reload(&mut tx, &user.id).await?;
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// The body of `DELETE /admin/users/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct DeleteParams {
    should_soft_delete: Option<bool>,
}

/// `DELETE /admin/users/{id}`: removes the user with everything attached; a soft delete keeps
/// the row (marked deleted, without address, password, identities or sessions). `{}`.
pub async fn delete_user(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(id): Path<String>,
    ApiJson(params): ApiJson<DeleteParams>,
) -> ApiResult<Json<Value>> {
    let soft = params.should_soft_delete == Some(true);
    let mut tx = state.db.write.begin().await?;
    let user = find(&mut tx, &id).await?;
    if soft {
        store::soft_delete_user(&mut tx, &user.id).await?;
    } else {
        store::delete_user(&mut tx, &user.id).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({})))
}

/// `GET /admin/users/{id}/factors`.
pub async fn list_factors(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut db = state.db.read.acquire().await?;
    let user = find(&mut db, &id).await?;
    Ok(Json(store::factors_json(&mut *db, &user.id).await?))
}

/// `DELETE /admin/users/{id}/factors/{factor_id}`: removes a factor whatever its status; answers
/// with the factor as it was.
pub async fn delete_factor(
    State(state): State<AppState>,
    _: ServiceRole,
    Path((id, factor_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut tx = state.db.write.begin().await?;
    let user = find(&mut tx, &id).await?;
    let factors = store::factors_json(&mut *tx, &user.id).await?;
    let factor = factors
        .as_array()
        .and_then(|list| list.iter().find(|f| f["id"] == factor_id.as_str()))
        .cloned()
        .ok_or_else(|| ApiError::not_found(ErrorCode::MfaFactorNotFound, "Factor not found"))?;
    store::delete_factor_of(&mut *tx, &factor_id, &user.id).await?;
    tx.commit().await?;
    Ok(Json(factor))
}

/// The body of `POST /admin/generate_link`.
#[derive(Debug, Deserialize)]
pub struct GenerateLinkParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    email: Option<String>,
    password: Option<String>,
    new_email: Option<String>,
    data: Option<Value>,
    redirect_to: Option<String>,
}

/// `POST /admin/generate_link`: the link (and code) a mail of `type` would carry, without sending
/// it; the user's fields plus `action_link`, `email_otp`, `hashed_token`, `verification_type`
/// and `redirect_to`.
pub async fn generate_link(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<GenerateLinkParams>,
) -> ApiResult<Json<Value>> {
    let kind = params.kind.unwrap_or_default();
    let email = validate_email(params.email.as_deref().unwrap_or_default())?;
    let requested = present(params.redirect_to.as_deref()).or(query.redirect_to.as_deref());
    let redirect_to = redirect::resolve(&state.config, requested);
    let metadata = super::user_metadata(params.data);
    let hash = match kind.as_str() {
        "signup" => Some(
            new_password_hash(&state, params.password.as_deref())
                .await?
                .ok_or_else(|| ApiError::validation("Password is required for signup links"))?,
        ),
        _ => None,
    };
    let new_email = present(params.new_email.as_deref())
        .map(validate_email)
        .transpose()?;

    let mut tx = state.db.write.begin().await?;
    let existing = store::user_by_email(&mut *tx, &email).await?;
    let (user, token_type, verification_type, address) = match kind.as_str() {
        "signup" | "invite" => {
            if existing.as_ref().is_some_and(User::is_confirmed) {
                return Err(ApiError::email_exists());
            }
            let user = unconfirmed_user(&state, &mut tx, existing, &email, &metadata).await?;
            if let Some(hash) = &hash {
                store::set_field(&mut *tx, &user.id, store::Field::PasswordHash(Some(hash)))
                    .await?;
            }
            if kind == "invite" {
                store::set_field(&mut *tx, &user.id, store::Field::InvitedNow).await?;
            }
            (user, "confirmation_token", kind.clone(), email.clone())
        }
        "magiclink" => match existing {
            Some(user) if user.is_confirmed() => (
                user,
                "recovery_token",
                "magiclink".to_owned(),
                email.clone(),
            ),
            existing => (
                unconfirmed_user(&state, &mut tx, existing, &email, &metadata).await?,
                "confirmation_token",
                "signup".to_owned(),
                email.clone(),
            ),
        },
        "recovery" => (
            existing.ok_or_else(no_user_at_email)?,
            "recovery_token",
            "recovery".to_owned(),
            email.clone(),
        ),
        "email_change_current" | "email_change_new" => {
            let user = existing.ok_or_else(no_user_at_email)?;
            let new_email = new_email.ok_or_else(|| {
                ApiError::validation("The new_email address is required for email change links")
            })?;
            if store::user_by_email(&mut *tx, &new_email).await?.is_some() {
                return Err(ApiError::email_exists());
            }
            store::begin_email_change(&mut *tx, &user.id, &new_email).await?;
            let (token_type, address) = if kind == "email_change_current" {
                ("email_change_token_current", email.clone())
            } else {
                ("email_change_token_new", new_email)
            };
            (user, token_type, "email_change".to_owned(), address)
        }
        _ => {
            return Err(ApiError::validation(
                "Invalid email action link type requested: must be one of signup, invite, \
                 magiclink, recovery, email_change_current or email_change_new",
            ));
        }
    };
    let (code, hashed_token) =
        store::issue_one_time_token(&mut tx, &user.id, token_type, &address, false).await?;
    let user = reload(&mut tx, &user.id).await?;
    let mut body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    let link_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", &hashed_token)
        .append_pair("type", &verification_type)
        .append_pair("redirect_to", &redirect_to)
        .finish();
    body["action_link"] = json!(format!("{}/verify?{link_query}", state.config.issuer()));
    body["email_otp"] = json!(code);
    body["hashed_token"] = json!(hashed_token);
    body["verification_type"] = json!(verification_type);
    body["redirect_to"] = json!(redirect_to);
    Ok(Json(body))
}

/// The body of `POST /invite`.
#[derive(Debug, Deserialize)]
pub struct InviteParams {
    email: Option<String>,
    data: Option<Value>,
}

/// `POST /invite`: creates the user (unless already invited) and mails the invitation; the user.
pub async fn invite(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<InviteParams>,
) -> ApiResult<Json<Value>> {
    let email = validate_email(params.email.as_deref().unwrap_or_default())?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let mut tx = state.db.write.begin().await?;
    let existing = store::user_by_email(&mut *tx, &email).await?;
    if existing.as_ref().is_some_and(User::is_confirmed) {
        return Err(ApiError::email_exists());
    }
    let metadata = super::user_metadata(params.data);
    let user = unconfirmed_user(&state, &mut tx, existing, &email, &metadata).await?;
    mails::send(
        &state,
        &mut tx,
        &user,
        Purpose::Invite,
        &email,
        None,
        &redirect_to,
    )
    .await?;
    let user = reload(&mut tx, &user.id).await?;
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// The user at `email` for a link or an invitation: `existing` (not confirmed yet), else a new
/// one without a password, through the before-user-created hook.
async fn unconfirmed_user(
    state: &AppState,
    tx: &mut SqliteConnection,
    existing: Option<User>,
    email: &str,
    metadata: &Value,
) -> ApiResult<User> {
    if let Some(user) = existing {
        return Ok(user);
    }
    let user = store::insert_pending_user(tx, store::NewAddress::Email(email), metadata).await?;
    before_user_created(state, tx, &user).await?;
    Ok(user)
}

/// Upstream's answer to a link for an address no user has.
fn no_user_at_email() -> ApiError {
    ApiError::not_found(ErrorCode::UserNotFound, "User with this email not found")
}

/// The hash of a new password when one is given (checked against the password rules first).
async fn new_password_hash(state: &AppState, password: Option<&str>) -> ApiResult<Option<String>> {
    match present(password) {
        Some(password) => {
            validate_password(state, password)?;
            Ok(Some(hash_password(state, password.to_owned()).await?))
        }
        None => Ok(None),
    }
}

fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|value| !value.is_empty())
}

/// The user `id`: 404 `validation_failed` for a malformed id, 404 `user_not_found` for an
/// unknown one (as upstream).
pub(super) async fn find(db: &mut SqliteConnection, id: &str) -> ApiResult<User> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::not_found(
            ErrorCode::ValidationFailed,
            "user_id must be an UUID",
        ));
    }
    store::user_by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::UserNotFound, "User not found"))
}

async fn reload(db: &mut SqliteConnection, id: &str) -> ApiResult<User> {
    store::user_by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal("a user vanished inside its transaction"))
}

/// 422 `email_exists` / `phone_exists` when another user has the address or number.
async fn check_free(
    db: &mut SqliteConnection,
    email: Option<&str>,
    phone: Option<&str>,
    owner: Option<&str>,
) -> ApiResult<()> {
    let someone_else =
        |user: Option<User>| user.is_some_and(|user| Some(user.id.as_str()) != owner);
    if let Some(email) = email
        && someone_else(store::user_by_email(&mut *db, email).await?)
    {
        return Err(ApiError::email_exists());
    }
    if let Some(phone) = phone
        && someone_else(store::user_by_phone(&mut *db, phone).await?)
    {
        return Err(ApiError::unprocessable(
            ErrorCode::PhoneExists,
            "A user with this phone number has already been registered",
        ));
    }
    Ok(())
}

/// `banned_until` for a `ban_duration`: `Some(None)` lifts a ban, `None` leaves it alone.
#[allow(clippy::option_option)] // Three states: keep, lift, set.
fn ban_until(duration: Option<&str>) -> ApiResult<Option<Option<String>>> {
    match present(duration) {
        None => Ok(None),
        Some("none") => Ok(Some(None)),
        Some(duration) => {
            let seconds = parse_duration(duration)
                .and_then(|seconds| i64::try_from(seconds).ok())
                .ok_or_else(|| {
                    ApiError::validation("invalid format for ban duration: use a duration like 24h")
                })?;
            let until = Utc::now() + chrono::Duration::seconds(seconds);
            Ok(Some(Some(format_rfc3339(until))))
        }
    }
}

/// Field changes an admin request makes besides address and number.
#[derive(Default)]
struct Changes {
    password_hash: Option<String>,
    user_metadata: Option<Map<String, Value>>,
    app_metadata: Option<Map<String, Value>>,
    role: Option<String>,
    #[allow(clippy::option_option)]
    banned_until: Option<Option<String>>,
}

async fn apply(db: &mut SqliteConnection, user_id: &str, changes: Changes) -> ApiResult<()> {
    if let Some(hash) = changes.password_hash {
        store::set_field(&mut *db, user_id, store::Field::PasswordHash(Some(&hash))).await?;
    }
    // Metadata is merged key by key; a null value removes its key. `provider` and `providers`
    // in app_metadata are Supabase's own and stay.
    for (metadata, patch) in [
        (Metadata::User, changes.user_metadata),
        (Metadata::App, changes.app_metadata),
    ] {
        let Some(mut patch) = patch else { continue };
        if metadata == Metadata::App {
            patch.remove("provider");
            patch.remove("providers");
        }
        store::patch_metadata(&mut *db, user_id, metadata, &Value::Object(patch)).await?;
    }
    if let Some(role) = changes.role.filter(|role| !role.is_empty()) {
        store::set_field(&mut *db, user_id, store::Field::Role(&role)).await?;
    }
    if let Some(banned_until) = changes.banned_until {
        store::set_banned_until(db, user_id, banned_until.as_deref()).await?;
    }
    Ok(())
}
