//! `/admin`: a page only for users whose verified access token carries `user_role: admin`, a
//! claim the auth server's custom access token hook adds (local-auth: `LOCAL_AUTH_CUSTOM_CLAIMS_FILE`).
//! Role-based access from claims: the server decides from the token it verified, never from
//! anything the browser says.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::AuthError;

/// The role claim and the value that opens this page.
pub const ROLE_CLAIM: &str = "user_role";
/// The value of [`ROLE_CLAIM`] that opens this page.
pub const ADMIN_ROLE: &str = "admin";

/// What the admin page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    /// The admin's address.
    pub email: String,
    /// The role claim's value.
    pub role: String,
}

/// The admin's view; [`AuthError::Forbidden`] (403) without the role claim.
#[server(endpoint = "admin")]
pub async fn admin_view() -> Result<AdminOverview, AuthError> {
    use crate::auth::ssr::{answer, require_full_session};

    answer(async move {
        let user = require_full_session().await?;
        let claims = user.claims();
        let role = claims.extra.get(ROLE_CLAIM).and_then(|role| role.as_str());
        if role != Some(ADMIN_ROLE) {
            // Also when the page itself is being rendered: the whole answer is a refusal.
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::FORBIDDEN);
            }
            return Err(AuthError::Forbidden);
        }
        Ok(AdminOverview {
            email: claims.email.clone(),
            role: ADMIN_ROLE.to_owned(),
        })
    })
    .await
}

/// The admin page.
#[component]
pub fn AdminPage() -> impl IntoView {
    let view = Resource::new(|| (), |()| admin_view());
    view! {
        <section class="card" aria-labelledby="admin-title">
            <h1 id="admin-title">"Admin"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    view.get()
                        .map(|answer| match answer {
                            Ok(view) => {
                                view! {
                                    <p data-testid="admin-welcome">
                                        {format!("Welcome, {}. Your token carries {ROLE_CLAIM} = {}.", view.email, view.role)}
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <p class="form-error" role="alert" data-testid="admin-denied">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
