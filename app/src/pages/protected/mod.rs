//! `/protected`: only for signed-in users (the server redirects others to sign in before anything
//! renders). Shows the verified claims of the session's access token, and an island that checks
//! the session from the browser.

#[cfg(any(feature = "hydrate", test))]
mod browser_session;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{AuthError, BrowserAccess};

/// The verified claims the page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsView {
    /// `email`.
    pub email: String,
    /// `sub`: the user id.
    pub sub: String,
    /// `role`.
    pub role: String,
    /// `aal`.
    pub aal: String,
    /// `amr`: how the session was authenticated, its methods newest first.
    pub methods: String,
    /// `exp`, as a UTC date and time.
    pub expires: String,
    /// A third-party provider's token (Clerk, Firebase Auth, …), not a Supabase session.
    pub third_party: bool,
}

/// The verified claims of the signed-in user's access token.
#[server(endpoint = "auth/claims")]
pub async fn session_claims() -> Result<ClaimsView, AuthError> {
    use crate::auth::ssr::current_user;

    let user = current_user().ok_or(AuthError::NotSignedIn)?;
    let claims = user.claims();
    let expires = i64::try_from(claims.exp)
        .ok()
        .and_then(|exp| chrono::DateTime::from_timestamp(exp, 0))
        .map_or_else(
            || claims.exp.to_string(),
            |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        );
    Ok(ClaimsView {
        email: claims.email.clone(),
        sub: claims.sub.clone(),
        role: claims.role.clone(),
        aal: claims
            .aal
            .map_or("aal1", |aal| match aal {
                supabase_ssr::Aal::Aal1 => "aal1",
                supabase_ssr::Aal::Aal2 => "aal2",
            })
            .to_owned(),
        // A third-party token has no `amr` of Supabase's: the provider is how.
        methods: match user.third_party() {
            Some(provider) => provider.name().to_owned(),
            None => claims
                .amr
                .iter()
                .map(|entry| entry.method.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
        expires,
        third_party: user.third_party().is_some(),
    })
}

/// The protected page.
#[component]
pub fn ProtectedPage() -> impl IntoView {
    let claims = Suspend::new(async move {
        match session_claims().await {
            Ok(claims) => {
                // The browser's own check reads the Supabase session cookie; a provider's user
                // has none.
                let check = (!claims.third_party)
                    .then(|| use_context::<Option<BrowserAccess>>().flatten())
                    .flatten()
                    .map(|access| view! { <BrowserCheck access /> });
                view! {
                    <ClaimsTable claims />
                    {check}
                }
                .into_any()
            }
            Err(error) => {
                view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
            }
        }
    });

    view! {
        <section class="card" aria-labelledby="protected-title">
            <h1 id="protected-title">"Protected page"</h1>
            <p>"Only signed-in users see this. The server verified these claims of your access token:"</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{claims}</Suspense>
        </section>
    }
}

/// "Verify from the browser": the browser calls Supabase Auth's `GET /user` itself with the
/// access token from the session cookie. The server renders this island only when the session
/// cookies are readable by scripts (not `HttpOnly`), handing it where Supabase Auth is; the widget
/// appears once the island is hydrated, since without JavaScript it would have nothing to do.
#[island(lazy)]
fn BrowserCheck(access: BrowserAccess) -> impl IntoView {
    let live = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    // Effects run only in the browser.
    Effect::new(move || live.set(true));
    let access = StoredValue::new(access);
    let check = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            outcome.set(Some(verify_in_browser(&access.get_value()).await));
            busy.set(false);
        });
    };
    move || {
        live.get().then(|| {
            view! {
                <div class="browser-check">
                    <h2>"Verify from the browser"</h2>
                    <p>
                        "Your browser calls Supabase Auth (GET /auth/v1/user) directly, with the access token from the session cookie the server set."
                    </p>
                    <button type="button" class="button secondary" disabled=move || busy.get() on:click=check>
                        "Verify from the browser"
                    </button>
                    {move || {
                        outcome
                            .get()
                            .map(|outcome| match outcome {
                                Ok(who) => {
                                    view! {
                                        <p role="status" data-testid="browser-verified">
                                            {format!("Supabase Auth confirmed the session from your browser: {who}")}
                                        </p>
                                    }
                                        .into_any()
                                }
                                Err(problem) => view! { <p class="form-error" role="alert">{problem}</p> }.into_any(),
                            })
                    }}
                </div>
            }
        })
    }
}

/// Reads the session cookie, lets the server renew it first when the token is about to expire,
/// and asks Supabase Auth who the token belongs to.
#[cfg(feature = "hydrate")]
async fn verify_in_browser(access: &BrowserAccess) -> Result<String, String> {
    use self::browser_session;
    use wasm_bindgen::JsCast;

    /// Renew this long before expiry, as the server-side client does.
    const MARGIN_SECS: u64 = 90;
    let read = || {
        let cookies = document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|document| document.cookie().ok())
            .unwrap_or_default();
        browser_session::read(&cookies, &access.cookie_name)
            .ok_or_else(|| "There is no session cookie to read. Sign in again.".to_owned())
    };
    let mut session = read()?;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "milliseconds since 1970 fit"
    )]
    let now = (js_sys::Date::now() / 1000.0) as u64;
    if session.expires_within(now, MARGIN_SECS) {
        fresh_session().await.map_err(|error| error.to_string())?;
        session = read()?;
    }
    let response = gloo_net::http::Request::get(&format!("{}/user", access.auth_url))
        .header("apikey", &access.publishable_key)
        .header("Authorization", &format!("Bearer {}", session.access_token))
        .send()
        .await
        .map_err(|error| format!("Supabase Auth cannot be reached: {error}"))?;
    if !response.ok() {
        return Err(format!(
            "Supabase Auth refused the token ({}).",
            response.status()
        ));
    }
    let user: CheckedUser = response
        .json()
        .await
        .map_err(|error| format!("Unexpected answer: {error}"))?;
    Ok(user
        .email
        .filter(|email| !email.is_empty())
        .unwrap_or(user.id))
}

/// The fields of Supabase Auth's user object the browser-side check shows.
#[cfg(feature = "hydrate")]
#[derive(serde::Deserialize)]
struct CheckedUser {
    id: String,
    email: Option<String>,
}

/// On the server the widget has nothing to do: it acts only in the browser.
#[cfg(not(feature = "hydrate"))]
async fn verify_in_browser(_: &BrowserAccess) -> Result<String, String> {
    Err("This check runs in the browser.".to_owned())
}

#[component]
fn ClaimsTable(claims: ClaimsView) -> impl IntoView {
    let rows = [
        ("Email", claims.email),
        ("User id (sub)", claims.sub),
        ("Role", claims.role),
        ("Assurance level (aal)", claims.aal),
        ("Signed in by (amr)", claims.methods),
        ("Access token expires", claims.expires),
    ];
    view! {
        <table class="claims">
            <tbody>
                {rows
                    .into_iter()
                    .map(|(name, value)| view! { <tr><th scope="row">{name}</th><td>{value}</td></tr> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Renews the session when its access token is about to expire, and answers whether there is
/// one. The session layer in front of every request does the renewing and writes the cookies,
/// so the browser, which only reads them, never competes with the server as a writer.
#[server(endpoint = "auth/fresh-session")]
pub async fn fresh_session() -> Result<bool, AuthError> {
    Ok(crate::auth::ssr::current_user().is_some())
}
