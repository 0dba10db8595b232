//! `/protected`: only for signed-in users (the server redirects others to sign in before anything
//! renders). Shows the verified claims of the session's access token.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::AuthError;

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
    /// `exp`, as a UTC date and time.
    pub expires: String,
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
                supabase_auth::Aal::Aal1 => "aal1",
                supabase_auth::Aal::Aal2 => "aal2",
            })
            .to_owned(),
        expires,
    })
}

/// The protected page.
#[component]
pub fn ProtectedPage() -> impl IntoView {
    let claims = Resource::new(|| (), |()| session_claims());

    view! {
        <section class="card" aria-labelledby="protected-title">
            <h1 id="protected-title">"Protected page"</h1>
            <p>"Only signed-in users see this. The server verified these claims of your access token:"</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    claims
                        .get()
                        .map(|answer| match answer {
                            Ok(claims) => view! { <ClaimsTable claims /> }.into_any(),
                            Err(error) => {
                                view! { <p class="form-error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn ClaimsTable(claims: ClaimsView) -> impl IntoView {
    let rows = [
        ("Email", claims.email),
        ("User id (sub)", claims.sub),
        ("Role", claims.role),
        ("Assurance level (aal)", claims.aal),
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
