//! Changing the email address (confirmed from the mails) and the password (with the mailed
//! reauthentication code when the project asks for one) on `/account`.

use leptos::prelude::*;

use crate::{
    auth::AuthError,
    components::{CodeField, FormError, NewPasswordFields, SubmitButton},
};

#[component]
pub(super) fn EmailChange(current: Option<String>, pending: Option<String>) -> impl IntoView {
    let change_email = ServerAction::<ChangeEmail>::new();
    let pending = pending.map(|address| {
        view! { <p class="hint" data-testid="pending-email">{format!("Waiting for confirmation: {address}")}</p> }
    });
    view! {
        <h2>"Email address"</h2>
        <p>{current.unwrap_or_else(|| "No address yet.".to_owned())}</p>
        {pending}
        <ActionForm action=change_email attr:class="stack">
            <label for="change-email">"New email address"</label>
            <input id="change-email" type="email" name="email" autocomplete="email" required />
            <FormError action=change_email />
            <SubmitButton label="Change the email address" pending="Sending…" secondary=true />
        </ActionForm>
    }
}

#[component]
pub(super) fn PasswordChange() -> impl IntoView {
    let change_password = ServerAction::<ChangePassword>::new();
    let send_code = ServerAction::<SendReauthenticationCode>::new();
    view! {
        <h2>"Password"</h2>
        <ActionForm action=change_password attr:class="stack">
            <NewPasswordFields id="change" label="New password" repeat_label="Repeat the new password" />
            <CodeField id="change-code" label="Code from the email (if asked)" optional=true />
            <FormError action=change_password />
            <SubmitButton label="Change the password" pending="Saving…" secondary=true />
        </ActionForm>
        <ActionForm action=send_code attr:class="inline-form">
            <SubmitButton label="Email me a code" pending="Sending…" secondary=true />
        </ActionForm>
        <FormError action=send_code />
    }
}

/// Asks to move the account to `email`; the change happens once confirmed from the mail(s).
#[server(endpoint = "account/email")]
pub async fn change_email(
    #[doc = "The email address the form names."] email: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let changes = supabase_ssr::UserChanges {
            email: Some(email.trim()),
            ..Default::default()
        };
        update_user(&user, changes).await?;
        Ok(go_to(&super::done::Done::Email.location()))
    })
    .await
}

/// Sets a new password; `code` is the reauthentication code when the project requires one.
#[server(endpoint = "account/password")]
pub async fn change_password(
    #[doc = "The password typed into the form."] password: String,
    #[doc = "The password typed again; it must equal `password`."] password_repeat: String,
    #[doc = "The code from the mail, the text or the authenticator app."] code: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        passwords_match(&password, &password_repeat)?;
        let user = require_full_session().await?;
        let nonce = code
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty());
        if nonce.is_some() {
            check_attempt(Attempt::CodeEntry, Some(user.id())).await?;
        }
        let changes = supabase_ssr::UserChanges {
            password: Some(&password),
            nonce,
            ..Default::default()
        };
        update_user(&user, changes).await?;
        Ok(go_to(&super::done::Done::Password.location()))
    })
    .await
}

/// Mails the code that authorises a password change.
#[server(endpoint = "account/reauthenticate")]
pub async fn send_reauthentication_code() -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::CodeRequest, Some(user.id())).await?;
        session_layer()?
            .client()
            .reauthenticate(supabase_token(&user)?)
            .await?;
        Ok(go_to(&super::done::Done::Code.location()))
    })
    .await
}
