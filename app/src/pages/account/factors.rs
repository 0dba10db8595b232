//! Second factors on `/account`: the list, adding an authenticator app (an island: the secret is
//! shown once, then the first code confirms it), a security key (an island running the WebAuthn
//! ceremony that registers it) or a phone (plain forms: the number, then the texted code), and
//! removing one.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{AuthError, FactorCeremony, webauthn},
    components::{BusyButton, CeremonyButton, CodeField, DevMailboxLink, FormError, SubmitButton},
};

/// The list and the ways to add one; `security_keys` when the auth server offers WebAuthn.
#[component]
pub(super) fn Factors(factors: Vec<FactorView>, security_keys: bool) -> impl IntoView {
    let remove = ServerAction::<RemoveFactor>::new();
    view! {
        <h2>"Second factors"</h2>
        <ul class="factors">
            {factors
                .into_iter()
                .map(|factor| {
                    let status = if factor.verified { "active" } else { "not confirmed" };
                    view! {
                        <li data-testid="factor">
                            <span>{format!("{} ({status})", factor.name)}</span>
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="factor_id" value=factor.id />
                                <button type="submit" class="button secondary">"Remove"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=remove />
        <AddAuthenticator />
        {security_keys.then(|| view! { <AddSecurityKey /> })}
        <AddPhone />
    }
}

/// Adds a phone: the number (the auth server texts a code), then the code, which confirms it
/// (the session becomes `aal2`). Plain forms: the step between them is in the page's address
/// (`?phone_factor=…&texted=…`, the factor and the challenge the code answers).
#[component]
fn AddPhone() -> impl IntoView {
    let enroll = ServerAction::<EnrollPhone>::new();
    let confirm = ServerAction::<ConfirmPhone>::new();
    let texted = leptos_router::hooks::use_query_map()
        .with_untracked(|query| Some((query.get("phone_factor")?, query.get("texted")?)));
    match texted {
        Some((factor_id, challenge_id)) => view! {
            <ActionForm action=confirm attr:class="stack">
                <p role="status">"We texted a code to your phone."</p>
                <input type="hidden" name="factor_id" value=factor_id />
                <input type="hidden" name="challenge_id" value=challenge_id />
                <CodeField id="phone-factor-code" label="Code from the text" />
                <FormError action=confirm />
                <SubmitButton label="Confirm the phone" pending="Checking…" />
            </ActionForm>
            <DevMailboxLink />
        }
        .into_any(),
        None => view! {
            <ActionForm action=enroll attr:class="stack">
                <label for="factor-phone">"Phone number for codes"</label>
                <input id="factor-phone" type="tel" name="phone" autocomplete="tel" placeholder="+1 555 010 2030" required />
                <FormError action=enroll />
                <SubmitButton label="Add a phone" pending="Texting a code…" secondary=true />
            </ActionForm>
        }
        .into_any(),
    }
}

/// Starts adding a phone: a new phone factor, and its first challenge, which texts the code;
/// back to the account page with both.
#[server(endpoint = "account/mfa/phone")]
pub async fn enroll_phone(
    #[doc = "The phone number, with its country code."] phone: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let phone = phone_number(&phone)?;
        // Each enrolment texts a code: counted as the sign-in codes are.
        check_attempt(Attempt::CodeRequest, Some(user.id())).await?;
        let factor_id = session_layer()?
            .client()
            .enroll_phone(supabase_token(&user)?, &phone, None)
            .await?;
        let challenge_id = challenge(&user, &factor_id).await?;
        let query =
            crate::routes::url_query(&[("phone_factor", &factor_id), ("texted", &challenge_id)]);
        Ok(go_to(&format!("{}?{query}", crate::routes::path::ACCOUNT)))
    })
    .await
}

/// Confirms a new phone with the texted code; the session becomes `aal2`.
#[server(endpoint = "account/mfa/phone/confirm")]
pub async fn confirm_phone(
    #[doc = "The second factor's id."] factor_id: String,
    #[doc = "The id of the challenge the code answers."] challenge_id: String,
    #[doc = "The code from the text."] code: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        verify_code(&user, &factor_id, &challenge_id, &code).await?;
        Ok(go_to(&super::done::Done::Phone.location()))
    })
    .await
}

/// Adds a security key (or a passkey) as second factor: enrols a `webauthn` factor, lets the
/// browser create its credential for the factor's first challenge, and verifies it (the session
/// becomes `aal2`). Renders nothing where the browser cannot run the ceremony.
#[island(lazy)]
fn AddSecurityKey() -> impl IntoView {
    let ceremony = || async {
        let started = enroll_security_key().await.map_err(|e| e.to_string())?;
        let credential = webauthn::create(&started.ceremony.options)
            .await
            .map_err(|e| e.to_string())?;
        confirm_security_key(started.factor_id, started.ceremony.id, credential)
            .await
            .map_err(|e| e.to_string())
    };
    view! {
        <CeremonyButton label="Add a security key" pending="Waiting for your key…" secondary=true ceremony />
    }
}

/// Starts adding a security key: a new `webauthn` factor and the ceremony that registers it.
#[server(endpoint = "account/mfa/security-key")]
pub async fn enroll_security_key() -> Result<FactorCeremony, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let layer = session_layer()?;
        let client = layer.client();
        // Unnamed: factor names are unique per user, and an enrolment whose ceremony was
        // cancelled stays behind unverified until the next one succeeds.
        let factor_id = client.enroll_webauthn(supabase_token(&user)?, None).await?;
        let ceremony = webauthn_challenge(&user, &factor_id).await?;
        Ok(FactorCeremony {
            factor_id,
            ceremony,
        })
    })
    .await
}

/// Registers the security key the browser created for `factor_id`'s first challenge; the session
/// becomes `aal2`.
#[server(endpoint = "account/mfa/security-key/confirm")]
pub async fn confirm_security_key(
    #[doc = "The second factor's id."] factor_id: String,
    #[doc = "The id of the challenge the ceremony answers."] challenge_id: String,
    #[doc = "The authenticator's answer, as JSON text."] credential: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        let credential = ceremony_answer(&credential)?;
        let kind = supabase_ssr::WebauthnCeremonyKind::Create;
        verify_webauthn(&user, &factor_id, &challenge_id, kind, &credential).await?;
        Ok(go_to(&super::done::Done::SecurityKey.location()))
    })
    .await
}

/// Adds an authenticator app: asks the server for a new factor, shows its QR code and secret,
/// and confirms it with a first code. An island: the secret is shown only in the answer to the
/// enrolment, which a redirect would lose, so this step needs JavaScript. Its forms call the
/// server functions from the browser and stay on the page.
#[island(lazy)]
pub(super) fn AddAuthenticator() -> impl IntoView {
    let enrollment = RwSignal::new(None::<Enrollment>);
    let error = RwSignal::new(None::<AuthError>);
    let busy = RwSignal::new(false);
    let name = NodeRef::<leptos::html::Input>::new();
    let code = NodeRef::<leptos::html::Input>::new();
    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let friendly_name = name.get_untracked().map(|input| input.value());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match enroll_totp(friendly_name).await {
                Ok(started) => {
                    error.set(None);
                    enrollment.set(Some(started));
                }
                Err(failed) => error.set(Some(failed)),
            }
            busy.set(false);
        });
    };
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(factor_id) = enrollment
            .with_untracked(|started| started.as_ref().map(|started| started.factor_id.clone()))
        else {
            return;
        };
        let typed = code
            .get_untracked()
            .map(|input| input.value())
            .unwrap_or_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match verify_new_factor(factor_id, typed).await {
                // The account page shows the new factor, at the session's new level.
                Ok(target) => {
                    let _ = window().location().assign(&target);
                }
                Err(failed) => {
                    error.set(Some(failed));
                    busy.set(false);
                }
            }
        });
    };
    let failure = move || {
        error
            .get()
            .map(|error| view! { <p class="form-error" role="alert">{error.to_string()}</p> })
    };

    move || {
        match enrollment.get() {
            Some(Enrollment { qr_code, secret, .. }) => view! {
                <div class="enrollment">
                    <p>"Scan the QR code with your authenticator app, or type the secret into it. Then enter the code it shows."</p>
                    <img src=qr_code alt="QR code for your authenticator app" width="200" height="200" />
                    <p>"Secret: " <code data-testid="totp-secret">{secret}</code></p>
                    <form class="stack" on:submit=confirm>
                        <CodeField id="factor-code" label="Code from the app" input=code />
                        {failure}
                        <BusyButton busy label="Confirm the app" pending="Checking…" />
                    </form>
                </div>
            }
            .into_any(),
            None => view! {
                <form class="stack" on:submit=start>
                    <label for="factor-name">"Name for the app"</label>
                    <input id="factor-name" name="friendly_name" placeholder="My phone" node_ref=name />
                    <BusyButton busy label="Add an authenticator app" pending="Preparing…" secondary=true />
                </form>
                {failure}
            }
            .into_any(),
        }
    }
}

/// An MFA factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorView {
    /// The factor id.
    pub id: String,
    /// The name given at enrolment, or what it is.
    pub name: String,
    /// Whether a first code (or the key's registration) confirmed it.
    pub verified: bool,
}

impl FactorView {
    /// An authenticator app, security key or phone as the page lists it (other kinds are not
    /// offered).
    #[cfg(feature = "ssr")]
    pub fn of(factor: supabase_ssr::Factor) -> Option<Self> {
        use supabase_ssr::{FactorStatus, FactorType};

        let kind = match factor.factor_type {
            FactorType::Totp => "Authenticator app".to_owned(),
            FactorType::Webauthn => "Security key".to_owned(),
            FactorType::Phone => format!(
                "Phone {}",
                crate::auth::ssr::masked_phone(factor.phone.as_deref().unwrap_or_default())
            ),
            _ => return None,
        };
        Some(Self {
            name: factor
                .friendly_name
                .filter(|name| !name.is_empty())
                .unwrap_or(kind),
            verified: factor.status == FactorStatus::Verified,
            id: factor.id,
        })
    }
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

/// Starts enrolling an authenticator app: the QR code and secret to add it with. Needs
/// JavaScript to show them (the secret is given once).
#[server(endpoint = "account/mfa/enroll")]
pub async fn enroll_totp(
    #[doc = "The name the account page shows for it."] friendly_name: Option<String>,
) -> Result<Enrollment, AuthError> {
    use crate::auth::ssr::*;
    use base64::Engine;

    answer(async move {
        let user = require_full_session().await?;
        let name = friendly_name
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let enrolled = session_layer()?
            .client()
            .enroll_totp(supabase_token(&user)?, name.as_deref(), None)
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
pub async fn verify_new_factor(
    #[doc = "The second factor's id."] factor_id: String,
    #[doc = "The code from the mail, the text or the authenticator app."] code: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        check_attempt(Attempt::Mfa, Some(user.id())).await?;
        verify_totp(&user, &factor_id, &code).await?;
        Ok(go_to(&super::done::Done::Mfa.location()))
    })
    .await
}

/// Removes a factor (a verified one needs an `aal2` session).
#[server(endpoint = "account/mfa/remove")]
pub async fn remove_factor(
    #[doc = "The second factor's id."] factor_id: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let layer = session_layer()?;
        layer
            .client()
            .unenroll_factor(supabase_token(&user)?, &factor_id)
            .await?;
        layer.forget_factors(&user);
        Ok(go_to(&super::done::Done::MfaRemoved.location()))
    })
    .await
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("factor_id", &self.factor_id)
            .finish_non_exhaustive()
    }
}
