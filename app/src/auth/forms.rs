//! The server functions behind the auth forms. On success each names the page to go to next: a
//! form post is redirected there (post/redirect/get), an island's call gets the path back. A
//! failure is an [`AuthError`]: a form post is redirected back to its page, which shows it next
//! to the form.
//!
//! Each function's parameters are its form fields, by name.
#![allow(
    missing_docs,
    reason = "#[server] turns the parameters into fields of a public struct, and parameters cannot carry doc comments"
)]

use leptos::prelude::*;

use super::AuthError;

/// Signs in with email and password, then goes to `next`.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::Credentials;

    answer(async move {
        check_attempt(Attempt::SignIn, Some(&email))?;
        let sessions = sessions()?;
        let session = sessions
            .client()
            .sign_in_with_password(Credentials::Email {
                email: email.trim(),
                password: &password,
            })
            .await?;
        store_session(&sessions, &session);
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Creates an account; a confirmation mail follows unless the project confirms automatically.
#[server(endpoint = "auth/sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    password_repeat: String,
) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::{AuthResponse, Credentials, EmailOptions};

    answer(async move {
        if password != password_repeat {
            return Err(AuthError::PasswordsDiffer);
        }
        check_attempt(Attempt::SignUp, Some(&email))?;
        let sessions = sessions()?;
        let redirect_to = site_link(crate::routes::path::PROTECTED);
        let answer = match sessions
            .client()
            .sign_up(
                Credentials::Email {
                    email: email.trim(),
                    password: &password,
                },
                serde_json::json!({}),
                EmailOptions {
                    redirect_to: Some(&redirect_to),
                    challenge: None,
                },
            )
            .await
        {
            // Only an address that signed up a moment ago hears "mailed too recently": answer as
            // for any other address, so the form does not tell which addresses have accounts.
            Err(error)
                if error.code() == Some(&supabase_auth::ErrorCode::OverEmailSendRateLimit) =>
            {
                return Ok(go_to(crate::routes::path::SIGN_UP_SUCCESS));
            }
            answer => answer?,
        };
        match answer {
            AuthResponse::Session(session) => {
                store_session(&sessions, &session);
                Ok(go_to(crate::routes::path::PROTECTED))
            }
            AuthResponse::User(_) => Ok(go_to(crate::routes::path::SIGN_UP_SUCCESS)),
        }
    })
    .await
}

/// Ends this device's session and deletes its cookies.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::SignOutScope;

    answer(async move {
        let sessions = sessions()?;
        if let Some(user) = current_user()
            && let Err(error) = sessions
                .client()
                .sign_out(user.access_token(), SignOutScope::Local)
                .await
        {
            // The cookies go either way: the browser is signed out even if the server is away.
            tracing::warn!("sign-out did not reach the auth server: {error}");
        }
        clear_session(&sessions);
        Ok(go_to(crate::routes::path::HOME))
    })
    .await
}

/// Mails a sign-in link and code to `email` (an existing account), then shows the code form.
#[server(endpoint = "auth/email-sign-in")]
pub async fn email_sign_in(email: String, next: Option<String>) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::EmailOptions;

    answer(async move {
        check_attempt(Attempt::CodeRequest, Some(&email))?;
        let sessions = sessions()?;
        let email = email.trim().to_owned();
        let next = safe_target(next.as_deref());
        let redirect_to = site_link(&next);
        let sent = sessions
            .client()
            .sign_in_with_otp(
                &email,
                false,
                EmailOptions {
                    redirect_to: Some(&redirect_to),
                    challenge: None,
                },
            )
            .await;
        sent_or_withheld(sent)?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("email", &email)
            .append_pair("next", &next)
            .finish();
        Ok(go_to(&format!("{}?{query}", crate::routes::path::OTP)))
    })
    .await
}

/// Signs in with the 6-digit code from the mail, then goes to `next`.
#[server(endpoint = "auth/verify-code")]
pub async fn verify_code(
    email: String,
    code: String,
    next: Option<String>,
) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        check_attempt(Attempt::CodeEntry, Some(&email))?;
        sign_in_with_code(&email, &code, supabase_auth::OtpType::Email).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Mails a password-reset link to `email`. Answers the same whether or not the account exists.
#[server(endpoint = "auth/forgot-password")]
pub async fn forgot_password(email: String) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::EmailOptions;

    answer(async move {
        check_attempt(Attempt::CodeRequest, Some(&email))?;
        let sessions = sessions()?;
        let redirect_to = site_link(crate::routes::path::UPDATE_PASSWORD);
        let sent = sessions
            .client()
            .reset_password_for_email(
                email.trim(),
                EmailOptions {
                    redirect_to: Some(&redirect_to),
                    challenge: None,
                },
            )
            .await;
        sent_or_withheld(sent)?;
        Ok(go_to(&format!(
            "{}?sent=1",
            crate::routes::path::FORGOT_PASSWORD
        )))
    })
    .await
}

/// Sets a new password for the signed-in user (after a recovery link, or any time).
#[server(endpoint = "auth/update-password")]
pub async fn update_password(
    password: String,
    password_repeat: String,
) -> Result<String, AuthError> {
    use super::ssr::*;
    use supabase_auth::EmailOptions;

    answer(async move {
        if password != password_repeat {
            return Err(AuthError::PasswordsDiffer);
        }
        let sessions = sessions()?;
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        sessions
            .client()
            .update_user(
                user.access_token(),
                &serde_json::json!({ "password": password }),
                EmailOptions::default(),
            )
            .await?;
        Ok(go_to(crate::routes::path::PROTECTED))
    })
    .await
}

/// The ways to sign in the sign-in page offers besides a password.
#[server(endpoint = "auth/options")]
pub async fn sign_in_options() -> Result<super::SignInOptions, AuthError> {
    use super::ssr::sessions;

    Ok(super::ssr::sign_in_options(&sessions()?).await)
}

/// Starts signing in with `provider`: keeps a PKCE verifier in this flow's own cookie slot (so
/// flows started in several tabs each complete) and sends the browser to the provider, which
/// returns it to `/auth/callback` with a code. Always posted as a plain form: the browser leaves
/// the app.
#[server(endpoint = "auth/oauth")]
pub async fn oauth_sign_in(provider: String, next: Option<String>) -> Result<String, AuthError> {
    use super::ssr::*;

    answer(async move {
        let sessions = sessions()?;
        if !super::ssr::oauth_providers(&sessions)
            .await
            .contains(&provider)
        {
            return Err(AuthError::UnknownProvider);
        }
        let flow = begin_flow(&sessions, &safe_target(next.as_deref()));
        let url = sessions.client().authorize_url(
            &provider,
            Some(&flow.redirect_to),
            None,
            &flow.challenge,
        );
        send_cookies(&flow.cookies);
        leptos_axum::redirect(url.as_str());
        Ok(url.to_string())
    })
    .await
}

/// Renews the session when its access token is about to expire, and answers whether there is
/// one. The session layer in front of every request does the renewing and writes the cookies,
/// so the browser, which only reads them, never competes with the server as a writer.
#[server(endpoint = "auth/fresh-session")]
pub async fn fresh_session() -> Result<bool, AuthError> {
    Ok(super::ssr::current_user().is_some())
}
