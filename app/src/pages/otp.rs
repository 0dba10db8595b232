//! `/auth/otp?email=`: the 6-digit code from the sign-in mail, and its server function.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::AuthError,
    components::{CodeField, FormError, SubmitButton},
};

/// Code entry for the address in `?email=`.
#[component]
pub fn OtpPage() -> impl IntoView {
    let verify_code = ServerAction::<VerifyCode>::new();
    let query = use_query_map();
    let email = move || query.read().get("email").unwrap_or_default();
    let next = crate::routes::use_next();

    view! {
        <section class="card auth-card" aria-labelledby="otp-title">
            <h1 id="otp-title">"Enter your code"</h1>
            <p>"We mailed a sign-in link and a 6-digit code to " <strong>{email}</strong> "."</p>
            <crate::components::DevMailboxLink />
            <ActionForm action=verify_code attr:class="stack">
                <input type="hidden" name="email" value=email />
                <input type="hidden" name="next" value=next />
                <CodeField id="otp-code" label="Code" />
                <FormError action=verify_code />
                <SubmitButton label="Sign in" pending="Checking…" />
            </ActionForm>
        </section>
    }
}

/// Signs in with the 6-digit code from the mail, then goes to `next`.
#[server(endpoint = "auth/verify-code")]
pub async fn verify_code(
    #[doc = "The address the code was mailed to."] email: String,
    #[doc = "The 6-digit code."] code: String,
    #[doc = "Where to go afterwards (checked to stay on the site)."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        check_attempt(Attempt::CodeEntry, Some(&email)).await?;
        sign_in_with_code(&email, &code, supabase_ssr::OtpType::Email).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}
