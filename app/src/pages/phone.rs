//! `/auth/phone`: sign in with a phone number and the code texted to it, with the two server
//! functions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::AuthError,
    components::{CaptchaAnswer, CaptchaScript, CaptchaWidget, CodeField, FormError, SubmitButton},
};

/// The number form, then (with `?phone=`) the code form.
#[component]
pub fn PhonePage() -> impl IntoView {
    let send = ServerAction::<PhoneSignIn>::new();
    let verify = ServerAction::<VerifyPhoneCode>::new();
    let query = use_query_map();
    let phone = move || query.read().get("phone");
    let next = crate::routes::use_next();

    view! {
        <section class="card auth-card" aria-labelledby="phone-title">
            <h1 id="phone-title">"Sign in with your phone"</h1>
            <Show
                when=move || phone().is_some()
                fallback=move || {
                    view! {
                        <ActionForm action=send attr:class="stack">
                            <input type="hidden" name="next" value=next />
                            <label for="phone-number">"Phone number"</label>
                            <input id="phone-number" type="tel" name="phone" autocomplete="tel" placeholder="+1 555 010 2030" required />
                            <CaptchaWidget />
                            <FormError action=send />
                            <SubmitButton label="Text me a code" pending="Sending…" />
                        </ActionForm>
                        <CaptchaScript />
                    }
                }
            >
                <p>"We texted a 6-digit code to " <strong>{move || phone().unwrap_or_default()}</strong> "."</p>
                <crate::components::DevMailboxLink />
                <ActionForm action=verify attr:class="stack">
                    <input type="hidden" name="phone" value=move || phone().unwrap_or_default() />
                    <input type="hidden" name="next" value=next />
                    <CodeField id="phone-code" label="Code" />
                    <FormError action=verify />
                    <SubmitButton label="Sign in" pending="Checking…" />
                </ActionForm>
            </Show>
        </section>
    }
}

/// Texts a sign-in code to `phone`, then shows the code form.
#[server(endpoint = "auth/phone")]
pub async fn phone_sign_in(
    #[doc = "The phone number, with its country code."] phone: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let phone = phone_number(&phone)?;
        check_attempt(Attempt::CodeRequest, Some(&phone)).await?;
        session_layer()?
            .client()
            .with_captcha_token(captcha.token())
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
    #[doc = "The phone number, with its country code."] phone: String,
    #[doc = "The code from the mail, the text or the authenticator app."] code: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        check_attempt(Attempt::CodeEntry, Some(&phone)).await?;
        sign_in_with_code(&phone, &code, supabase_ssr::OtpType::Sms).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}
