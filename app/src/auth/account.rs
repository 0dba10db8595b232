//! The server functions of `/account` and of the sign-in steps beyond a password: guest
//! sign-in and its upgrade, profile, email and password changes, linked identities, TOTP factors
//! (and the code asked for at sign-in), sign-out scopes, and phone sign-in by texted code.
//!
//! Like [`super::forms`], each form's function names the page to go to next.
#![allow(
    missing_docs,
    reason = "#[server] turns the parameters into fields of a public struct, and parameters cannot carry doc comments"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AuthError;

/// What `/account` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The user id.
    pub id: String,
    /// The email address, if any.
    pub email: Option<String>,
    /// An address waiting for confirmation.
    pub new_email: Option<String>,
    /// The phone number, if any (E.164 digits).
    pub phone: Option<String>,
    /// `user_metadata.display_name`.
    pub display_name: String,
    /// A guest (anonymous) user.
    pub is_anonymous: bool,
    /// The ways to sign in.
    pub identities: Vec<IdentityView>,
    /// OAuth providers offered that are not linked yet.
    pub linkable: Vec<String>,
    /// The TOTP factors.
    pub factors: Vec<FactorView>,
    /// The session's assurance level (`aal1`, `aal2`).
    pub aal: String,
}

/// A linked identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    /// The identity id (what unlinking names).
    pub id: String,
    /// `email`, `phone`, `github`, …
    pub provider: String,
    /// The address the provider knows, if any.
    pub email: Option<String>,
}

/// An MFA factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorView {
    /// The factor id.
    pub id: String,
    /// The name given at enrolment.
    pub name: String,
    /// Whether a first code confirmed it.
    pub verified: bool,
}

/// A TOTP factor being enrolled: what an authenticator app needs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The new factor's id.
    pub factor_id: String,
    /// The QR code as a `data:image/svg+xml` URI, for an `<img>`.
    pub qr_code: String,
    /// The shared secret, for typing into the app by hand.
    pub secret: String,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("factor_id", &self.factor_id)
            .finish_non_exhaustive()
    }
}

/// The signed-in user's account, as the auth server has it now.
#[server(endpoint = "account")]
pub async fn account() -> Result<AccountView, AuthError> {
    use super::ssr::*;

    answer(async move {
        let sessions = sessions()?;
        let user = require_full_session().await?;
        let found = match sessions.client().get_user(user.access_token()).await {
            Ok(found) => found,
            Err(error) => {
                let error = AuthError::from(error);
                if error == AuthError::NotSignedIn {
                    // The session was ended elsewhere (signed out of all devices, say): the token
                    // still verifies until it expires, but the auth server has forgotten it.
                    clear_session(&sessions);
                }
                return Err(error);
            }
        };
        let identities: Vec<IdentityView> = found
            .identities
            .unwrap_or_default()
            .into_iter()
            .map(|identity| IdentityView {
                email: identity.identity_data["email"].as_str().map(str::to_owned),
                id: identity.identity_id,
                provider: identity.provider,
            })
            .collect();
        let linkable = oauth_providers(&sessions)
            .await
            .into_iter()
            .filter(|provider| !identities.iter().any(|i| &i.provider == provider))
            .collect();
        let factors = found
            .factors
            .unwrap_or_default()
            .into_iter()
            .filter(|factor| factor.factor_type == "totp")
            .map(|factor| FactorView {
                name: factor
                    .friendly_name
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| "Authenticator app".to_owned()),
                verified: factor.status == "verified",
                id: factor.id,
            })
            .collect();
        Ok(AccountView {
            id: found.id,
            email: found.email.filter(|email| !email.is_empty()),
            new_email: found
                .extra
                .get("new_email")
                .and_then(|email| email.as_str())
                .filter(|email| !email.is_empty())
                .map(str::to_owned),
            phone: found.phone.filter(|phone| !phone.is_empty()),
            display_name: found.user_metadata["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            is_anonymous: user.claims().is_anonymous,
            identities,
            linkable,
            factors,
            aal: aal_name(user.claims()),
        })
    })
    .await
}

/// Signs in as a new guest (an anonymous user), who can become permanent on `/account`.
#[server(endpoint = "auth/guest")]
pub async fn sign_in_as_guest() -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let sessions = sessions()?;
        let session = sessions
            .client()
            .sign_in_anonymously(serde_json::json!({}))
            .await?;
        store_session(&sessions, &session);
        Ok(go_to(crate::routes::path::ACCOUNT))
    })
    .await
}

/// Turns the guest into a permanent user with an email address and password; the same user id,
/// once the address is confirmed from the mail.
#[server(endpoint = "account/upgrade")]
pub async fn upgrade_guest(
    email: String,
    password: String,
    password_repeat: String,
) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        if password != password_repeat {
            return Err(AuthError::PasswordsDiffer);
        }
        let user = require_full_session().await?;
        update_user(
            &user,
            serde_json::json!({ "email": email.trim(), "password": password }),
        )
        .await?;
        Ok(go_to(&done("upgrade")))
    })
    .await
}

/// Sets the display name (`user_metadata.display_name`).
#[server(endpoint = "account/profile")]
pub async fn update_profile(display_name: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let name = display_name.trim();
        let name = (!name.is_empty()).then_some(name);
        update_user(
            &user,
            serde_json::json!({ "data": { "display_name": name } }),
        )
        .await?;
        Ok(go_to(&done("profile")))
    })
    .await
}

/// Asks to move the account to `email`; the change happens once confirmed from the mail(s).
#[server(endpoint = "account/email")]
pub async fn change_email(email: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        update_user(&user, serde_json::json!({ "email": email.trim() })).await?;
        Ok(go_to(&done("email")))
    })
    .await
}

/// Sets a new password; `code` is the reauthentication code when the project requires one.
#[server(endpoint = "account/password")]
pub async fn change_password(
    password: String,
    password_repeat: String,
    code: Option<String>,
) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        if password != password_repeat {
            return Err(AuthError::PasswordsDiffer);
        }
        let user = require_full_session().await?;
        let mut body = serde_json::json!({ "password": password });
        if let Some(code) = code
            .map(|code| code.trim().to_owned())
            .filter(|c| !c.is_empty())
        {
            check_attempt(Attempt::CodeEntry, Some(user.id()))?;
            body["nonce"] = code.into();
        }
        update_user(&user, body).await?;
        Ok(go_to(&done("password")))
    })
    .await
}

/// Mails the code that authorises a password change.
#[server(endpoint = "account/reauthenticate")]
pub async fn send_reauthentication_code() -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::CodeRequest, Some(user.id()))?;
        sessions()?
            .client()
            .reauthenticate(user.access_token())
            .await?;
        Ok(go_to(&done("code")))
    })
    .await
}

/// Starts linking an identity of `provider`: like an OAuth sign-in, back through
/// `/auth/callback` to `/account`. Posted as a plain form: the browser leaves for the provider.
#[server(endpoint = "account/link")]
pub async fn link_identity(provider: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let sessions = sessions()?;
        let user = require_full_session().await?;
        let flow = begin_flow(&sessions, crate::routes::path::ACCOUNT);
        let url = sessions
            .client()
            .link_identity_url(
                user.access_token(),
                &provider,
                Some(&flow.redirect_to),
                &flow.challenge,
            )
            .await?;
        send_cookies(&flow.cookies);
        leptos_axum::redirect(url.as_str());
        Ok(url.to_string())
    })
    .await
}

/// Unlinks an identity; the last one cannot go.
#[server(endpoint = "account/unlink")]
pub async fn unlink_identity(identity_id: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        sessions()?
            .client()
            .unlink_identity(user.access_token(), &identity_id)
            .await?;
        Ok(go_to(&done("unlinked")))
    })
    .await
}

/// Starts enrolling an authenticator app: the QR code and secret to add it with. Needs
/// JavaScript to show them (the secret is given once).
#[server(endpoint = "account/mfa/enroll")]
pub async fn enroll_totp(friendly_name: Option<String>) -> Result<Enrollment, AuthError> {
    use super::ssr::*;
    use base64::Engine;

    answer(async move {
        let user = require_full_session().await?;
        let name = friendly_name
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let enrolled = sessions()?
            .client()
            .enroll_totp(user.access_token(), name.as_deref(), None)
            .await?;
        let qr = enrolled.totp.qr_code;
        let qr_code = if qr.starts_with("data:") {
            qr
        } else {
            let encoded = base64::engine::general_purpose::STANDARD.encode(qr);
            format!("data:image/svg+xml;base64,{encoded}")
        };
        Ok(Enrollment {
            factor_id: enrolled.id,
            qr_code,
            secret: enrolled.totp.secret,
        })
    })
    .await
}

/// Confirms a new factor with its first code; the session becomes `aal2`.
#[server(endpoint = "account/mfa/verify")]
pub async fn verify_new_factor(factor_id: String, code: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::Mfa, Some(user.id()))?;
        verify_totp(&user, &factor_id, &code).await?;
        Ok(go_to(&done("mfa")))
    })
    .await
}

/// Removes a factor (a verified one needs an `aal2` session).
#[server(endpoint = "account/mfa/remove")]
pub async fn remove_factor(factor_id: String) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let sessions = sessions()?;
        sessions
            .client()
            .unenroll_factor(user.access_token(), &factor_id)
            .await?;
        sessions.forget_factors(&user);
        Ok(go_to(&done("mfa-removed")))
    })
    .await
}

/// The code asked for at sign-in when the user has an authenticator app: checks it against
/// their verified factor and raises the session to `aal2`, then goes to `next`.
#[server(endpoint = "auth/mfa")]
pub async fn verify_mfa(code: String, next: Option<String>) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id()))?;
        let found = sessions()?.client().get_user(user.access_token()).await?;
        let factor = found
            .factors
            .iter()
            .flatten()
            .find(|factor| factor.factor_type == "totp" && factor.status == "verified")
            .map(|factor| factor.id.clone())
            .ok_or(AuthError::Unexpected)?;
        verify_totp(&user, &factor, &code).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Signs out this device (`local`), every device (`global`) or every other device (`others`).
#[server(endpoint = "account/sign-out")]
pub async fn sign_out_scope(scope: String) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::SignOutScope;

    answer(async move {
        let scope = match scope.as_str() {
            "global" => SignOutScope::Global,
            "others" => SignOutScope::Others,
            _ => SignOutScope::Local,
        };
        let sessions = sessions()?;
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        let ended = sessions.client().sign_out(user.access_token(), scope).await;
        if scope == SignOutScope::Others {
            ended?;
            return Ok(go_to(&done("others")));
        }
        if let Err(error) = ended {
            tracing::warn!("sign-out did not reach the auth server: {error}");
        }
        clear_session(&sessions);
        Ok(go_to(crate::routes::path::HOME))
    })
    .await
}

/// Texts a sign-in code to `phone`, then shows the code form.
#[server(endpoint = "auth/phone")]
pub async fn phone_sign_in(phone: String, next: Option<String>) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let phone: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        if phone.trim_start_matches('+').len() < 8 {
            return Err(AuthError::InvalidPhone);
        }
        check_attempt(Attempt::CodeRequest, Some(&phone))?;
        sessions()?
            .client()
            .sign_in_with_phone_otp(&phone, true)
            .await?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("phone", &phone)
            .append_pair("next", &safe_target(next.as_deref()))
            .finish();
        Ok(go_to(&format!("{}?{query}", crate::routes::path::PHONE)))
    })
    .await
}

/// Signs in with the texted code, then goes to `next`.
#[server(endpoint = "auth/phone-code")]
pub async fn verify_phone_code(
    phone: String,
    code: String,
    next: Option<String>,
) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        check_attempt(Attempt::CodeEntry, Some(&phone))?;
        sign_in_with_code(&phone, &code, supabase_auth::OtpType::Sms).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// `aal1` or `aal2`, as the token says.
#[cfg(feature = "ssr")]
pub fn aal_name(claims: &supabase_auth::Claims) -> String {
    match claims.aal {
        Some(supabase_auth::Aal::Aal2) => "aal2",
        _ => "aal1",
    }
    .to_owned()
}

/// `/account?done=<what>`: the account page, saying what was just done.
#[cfg(feature = "ssr")]
fn done(what: &str) -> String {
    format!("{}?done={what}", crate::routes::path::ACCOUNT)
}
