//! `/auth/sign-up` and `/auth/sign-up-success`, with the sign-up server function.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    auth::AuthError,
    components::{
        CaptchaAnswer, CaptchaScript, CaptchaWidget, FormError, NewPasswordFields, SubmitButton,
    },
};

/// The sign-up form: email, password twice.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let sign_up = ServerAction::<SignUp>::new();

    view! {
        <section class="card auth-card" aria-labelledby="sign-up-title">
            <h1 id="sign-up-title">"Create an account"</h1>
            <ActionForm action=sign_up attr:class="stack">
                <label for="sign-up-email">"Email"</label>
                <input id="sign-up-email" type="email" name="email" autocomplete="email" required />
                <NewPasswordFields id="sign-up" label="Password" repeat_label="Repeat the password" />
                <CaptchaWidget />
                <FormError action=sign_up />
                <SubmitButton label="Sign up" pending="Creating your account…" />
            </ActionForm>
            <p class="aside">"Have an account? " <A href=crate::routes::path::LOGIN>"Sign in"</A></p>
            <CaptchaScript />
        </section>
    }
}

/// "Check your email" after signing up.
#[component]
pub fn SignUpSuccessPage() -> impl IntoView {
    view! {
        <section class="card auth-card" aria-labelledby="sign-up-success-title">
            <h1 id="sign-up-success-title">"Check your email"</h1>
            <p>"We sent you a link to confirm your address. Follow it to finish signing up."</p>
            <crate::components::DevMailboxLink />
        </section>
    }
}

/// Creates an account; a confirmation mail follows unless the project confirms automatically.
#[server(endpoint = "auth/sign-up")]
pub async fn sign_up(
    #[doc = "The email address the form names."] email: String,
    #[doc = "The password typed into the form."] password: String,
    #[doc = "The password typed again; it must equal `password`."] password_repeat: String,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::{AuthResponse, Credentials, EmailOptions};

    answer(async move {
        passwords_match(&password, &password_repeat)?;
        check_attempt(Attempt::SignUp, Some(&email)).await?;
        let layer = session_layer()?;
        let redirect_to = site_link(crate::routes::path::PROTECTED);
        let answer = match layer
            .client()
            .with_captcha_token(captcha.token())
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
                if error.code() == Some(&supabase_ssr::ErrorCode::OverEmailSendRateLimit) =>
            {
                return Ok(go_to(crate::routes::path::SIGN_UP_SUCCESS));
            }
            answer => answer?,
        };
        match answer {
            AuthResponse::Session(session) => {
                store_session(&layer, &session);
                Ok(go_to(crate::routes::path::PROTECTED))
            }
            AuthResponse::User(_) => Ok(go_to(crate::routes::path::SIGN_UP_SUCCESS)),
        }
    })
    .await
}
