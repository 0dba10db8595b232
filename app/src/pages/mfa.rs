//! `/auth/mfa`: the second factor a user who set one up gives after signing in, before any page
//! for signed-in users opens: the code of an authenticator app, a code texted to their phone
//! (plain forms: "text me a code", then the code), or a security key (an island, as its ceremony
//! runs in the browser), with their server functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{AuthError, webauthn},
    components::{CeremonyButton, CodeField, DevMailboxLink, FormError, SubmitButton},
};

/// The ways the page offers; `?next=` says where to go once the session is complete.
#[component]
pub fn MfaPage() -> impl IntoView {
    let verify = ServerAction::<VerifyMfa>::new();
    let next = crate::routes::use_next();

    view! {
        <section class="card auth-card" aria-labelledby="mfa-title">
            <h1 id="mfa-title">"Confirm it is you"</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let methods = mfa_methods().await.unwrap_or_default();
                    let app = methods.app.then(|| view! {
                        <p>"Enter the 6-digit code your authenticator app shows."</p>
                        <ActionForm action=verify attr:class="stack">
                            <input type="hidden" name="next" value=next />
                            <CodeField id="mfa-code" label="Code" />
                            <FormError action=verify />
                            <SubmitButton label="Continue" pending="Checking…" />
                        </ActionForm>
                    });
                    let phone = methods
                        .phone
                        .map(|number| view! { <TextedCode number next=next() /> });
                    let key = methods
                        .security_key
                        .then(|| view! { <SecurityKeyCheck next=next() /> });
                    view! { {app} {phone} {key} }
                })}
            </Suspense>
        </section>
    }
}

/// The second factors the signed-in user has.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactors {
    /// A verified authenticator app.
    pub app: bool,
    /// A verified phone: its number's last digits, as the page shows them.
    pub phone: Option<String>,
    /// A verified security key.
    pub security_key: bool,
}

/// A code texted to the user's phone: "Text a code", then the form for it (the challenge it
/// answers is in the page's address, `?texted=`).
#[component]
fn TextedCode(number: String, next: String) -> impl IntoView {
    let text = ServerAction::<TextMfaCode>::new();
    let verify = ServerAction::<VerifyTextedCode>::new();
    let texted = leptos_router::hooks::use_query_map().with_untracked(|query| query.get("texted"));
    match texted {
        Some(challenge_id) => view! {
            <p role="status">{format!("We texted a code to {number}.")}</p>
            <ActionForm action=verify attr:class="stack">
                <input type="hidden" name="challenge_id" value=challenge_id />
                <input type="hidden" name="next" value=next />
                <CodeField id="mfa-text-code" label="Code from the text" />
                <FormError action=verify />
                <SubmitButton label="Check the code" pending="Checking…" />
            </ActionForm>
            <DevMailboxLink />
        }
        .into_any(),
        None => view! {
            <ActionForm action=text attr:class="stack">
                <input type="hidden" name="next" value=next />
                <FormError action=text />
                <SubmitButton label=format!("Text a code to {number}") pending="Texting…" secondary=true />
            </ActionForm>
        }
        .into_any(),
    }
}

/// Texts a code to the user's verified phone; back to this page with the challenge it answers.
#[server(endpoint = "auth/mfa/text")]
pub async fn text_mfa_code(
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        // Each texts a code: counted as the sign-in codes are.
        check_attempt(Attempt::CodeRequest, Some(user.id())).await?;
        let factor_id = verified_factor(&user, supabase_ssr::FactorType::Phone).await?;
        let challenge_id = challenge(&user, &factor_id).await?;
        let next = safe_target(next.as_deref());
        let query = crate::routes::url_query(&[("next", &next), ("texted", &challenge_id)]);
        Ok(go_to(&format!("{}?{query}", crate::routes::path::MFA)))
    })
    .await
}

/// Checks the texted code against the user's verified phone; the session becomes `aal2`, then
/// goes to `next`.
#[server(endpoint = "auth/mfa/texted")]
pub async fn verify_texted_code(
    #[doc = "The id of the challenge the code answers."] challenge_id: String,
    #[doc = "The code from the text."] code: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        let factor_id = verified_factor(&user, supabase_ssr::FactorType::Phone).await?;
        verify_code(&user, &factor_id, &challenge_id, &code).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// "Use your security key": the ceremony of the user's key, answered by the browser, raises the
/// session to `aal2`, then the page goes to `next`. Absent without JavaScript or WebAuthn.
#[island(lazy)]
fn SecurityKeyCheck(next: String) -> impl IntoView {
    let next = StoredValue::new(next);
    let ceremony = move || async move {
        let started = security_key_challenge().await.map_err(|e| e.to_string())?;
        let credential = webauthn::get(&started.ceremony.options)
            .await
            .map_err(|e| e.to_string())?;
        let (factor, challenge) = (started.factor_id, started.ceremony.id);
        verify_security_key(factor, challenge, credential, Some(next.get_value()))
            .await
            .map_err(|e| e.to_string())
    };
    view! { <CeremonyButton label="Use your security key" pending="Waiting for your key…" ceremony /> }
}

/// The verified factors of the signed-in user, as the auth server has them.
#[server(endpoint = "auth/mfa/methods")]
pub async fn mfa_methods() -> Result<SecondFactors, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::FactorType;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        let factors = verified_factors(&user).await?;
        let has = |kind: FactorType| factors.iter().any(|factor| factor.factor_type == kind);
        Ok(SecondFactors {
            app: has(FactorType::Totp),
            phone: factors
                .iter()
                .find(|factor| factor.factor_type == FactorType::Phone)
                .map(|factor| masked_phone(factor.phone.as_deref().unwrap_or_default())),
            security_key: has(FactorType::Webauthn),
        })
    })
    .await
}

/// The code asked for at sign-in when the user has an authenticator app: checks it against
/// their verified factor and raises the session to `aal2`, then goes to `next`.
#[server(endpoint = "auth/mfa")]
pub async fn verify_mfa(
    #[doc = "The code from the mail, the text or the authenticator app."] code: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        let factor = verified_factor(&user, supabase_ssr::FactorType::Totp).await?;
        verify_totp(&user, &factor, &code).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// The factor and ceremony a security key answers (the user's verified `webauthn` factor).
#[server(endpoint = "auth/mfa/security-key")]
pub async fn security_key_challenge() -> Result<crate::auth::FactorCeremony, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        let factor_id = verified_factor(&user, supabase_ssr::FactorType::Webauthn).await?;
        let ceremony = webauthn_challenge(&user, &factor_id).await?;
        Ok(crate::auth::FactorCeremony {
            factor_id,
            ceremony,
        })
    })
    .await
}

/// Checks the security key's answer (`credential`, its `toJSON()`); the session becomes `aal2`,
/// then goes to `next`.
#[server(endpoint = "auth/mfa/security-key/verify")]
pub async fn verify_security_key(
    #[doc = "The second factor's id."] factor_id: String,
    #[doc = "The id of the challenge the ceremony answers."] challenge_id: String,
    #[doc = "The authenticator's answer, as JSON text."] credential: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        let credential = ceremony_answer(&credential)?;
        let kind = supabase_ssr::WebauthnCeremonyKind::Request;
        verify_webauthn(&user, &factor_id, &challenge_id, kind, &credential).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}
