//! The page a signed-in user sees instead of a page their role does not open (see
//! [`crate::routes::Access::Role`]). The server answers it with status 403.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes::path;

/// "Not for your account", with status 403 and a way back home.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="not-found" data-testid="forbidden">
            <h1>"Not for your account"</h1>
            <p>"This page needs a role your account does not have."</p>
            <A href=path::HOME>"Back to the home page"</A>
        </section>
    }
}
