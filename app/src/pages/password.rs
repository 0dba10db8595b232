//! `/auth/forgot-password` and `/auth/update-password`, with their server functions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::AuthError,
    components::{
        CaptchaAnswer, CaptchaScript, CaptchaWidget, FormError, NewPasswordFields, SubmitButton,
    },
};

/// Asks for the address to send a reset link to; says so once it is sent.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot_password = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();

    view! {
        <section class="card auth-card" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <ActionForm action=forgot_password attr:class="stack">
                            <label for="forgot-email">"Email"</label>
                            <input id="forgot-email" type="email" name="email" autocomplete="email" required />
                            <CaptchaWidget />
                            <FormError action=forgot_password />
                            <SubmitButton label="Send a reset link" pending="Sending…" />
                        </ActionForm>
                        <CaptchaScript />
                    }
                }
            >
                <p role="status">
                    "If an account uses that address, a reset link is on its way. Follow it to choose a new password."
                </p>
                <crate::components::DevMailboxLink />
            </Show>
        </section>
    }
}

/// Sets a new password; reached from the reset link with a recovery session.
#[component]
pub fn UpdatePasswordPage() -> impl IntoView {
    let update_password = ServerAction::<UpdatePassword>::new();

    view! {
        <section class="card auth-card" aria-labelledby="update-title">
            <h1 id="update-title">"Choose a new password"</h1>
            <ActionForm action=update_password attr:class="stack">
                <NewPasswordFields id="update" label="New password" repeat_label="Repeat it" />
                <FormError action=update_password />
                <SubmitButton label="Save the password" pending="Saving…" />
            </ActionForm>
        </section>
    }
}

/// Mails a password-reset link to `email`. Answers the same whether or not the account exists.
#[server(endpoint = "auth/forgot-password")]
pub async fn forgot_password(
    #[doc = "The email address the form names."] email: String,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::EmailOptions;

    answer(async move {
        check_attempt(Attempt::CodeRequest, Some(&email)).await?;
        let layer = session_layer()?;
        let redirect_to = site_link(crate::routes::path::UPDATE_PASSWORD);
        let sent = layer
            .client()
            .with_captcha_token(captcha.token())
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
    #[doc = "The password typed into the form."] password: String,
    #[doc = "The password typed again; it must equal `password`."] password_repeat: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::EmailOptions;

    answer(async move {
        passwords_match(&password, &password_repeat)?;
        let layer = session_layer()?;
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        layer
            .client()
            .update_user(
                supabase_token(&user)?,
                &supabase_ssr::UserChanges {
                    password: Some(&password),
                    ..Default::default()
                },
                EmailOptions::default(),
            )
            .await?;
        Ok(go_to(crate::routes::path::PROTECTED))
    })
    .await
}
