//! The header's account status: who is signed in, or that nobody is.

use leptos::prelude::*;

use super::{SessionView, current_session};

/// "Signed in as …", "Not signed in", or "signed out for now" while the auth server is away.
#[component]
pub fn UserStatus() -> impl IntoView {
    let session = Resource::new(|| (), |()| current_session());

    view! {
        <Suspense fallback=|| ()>
            {move || {
                session
                    .get()
                    .map(|answer| {
                        let view = answer.unwrap_or_default();
                        view! { <SessionLine view /> }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn SessionLine(view: SessionView) -> impl IntoView {
    let text = match (&view.user, view.auth_unavailable) {
        (Some(user), _) => format!(
            "Signed in as {}",
            user.email.as_deref().unwrap_or(user.id.as_str())
        ),
        (None, true) => "Signed out for now: the auth server cannot be reached".to_owned(),
        (None, false) => "Not signed in".to_owned(),
    };
    let state = if view.user.is_some() {
        "signed-in"
    } else {
        "signed-out"
    };
    view! {
        <p class="user-status" data-session=state>
            {text}
        </p>
    }
}
