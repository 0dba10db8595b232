//! `/admin`: a page only for users whose verified access token carries `user_role: admin`, a
//! claim the custom access token hook of the roles migration adds from `public.user_roles`.
//! Role-based access from claims: the route table declares the page [`Access::Role`], and its
//! server function checks the same, since it can be called without the page. The server decides
//! from the token it verified, never from anything the browser says.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{auth::AuthError, routes::ROLE_CLAIM};

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
    use crate::{
        auth::ssr::{answer, require_access},
        routes::{ADMIN_ROLE, Access},
    };

    answer(async move {
        let user = require_access(Access::Role(ADMIN_ROLE)).await?;
        Ok(AdminOverview {
            email: user.claims().email.clone(),
            role: ADMIN_ROLE.to_owned(),
        })
    })
    .await
}

/// The admin page.
#[component]
pub fn AdminPage() -> impl IntoView {
    let welcome = Suspend::new(async move {
        match admin_view().await {
            Ok(view) => view! {
                <p data-testid="admin-welcome">
                    {format!("Welcome, {}. Your token carries {ROLE_CLAIM} = {}.", view.email, view.role)}
                </p>
            }
            .into_any(),
            Err(error) => view! {
                <p class="form-error" role="alert" data-testid="admin-denied">{error.to_string()}</p>
            }
            .into_any(),
        }
    });
    view! {
        <section class="card" aria-labelledby="admin-title">
            <h1 id="admin-title">"Admin"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{welcome}</Suspense>
        </section>
    }
}
