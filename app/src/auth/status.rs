//! The header's account status: who is signed in with a sign-out button (and its server
//! function), or sign-in links, and the island that keeps open tabs in step.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{AuthError, SessionSync, SessionView, use_auth};

/// "Signed in as …" with a sign-out button, or sign-in and sign-up links; "signed out for now"
/// while the auth server is away.
#[component]
pub fn UserStatus() -> impl IntoView {
    let auth = use_auth();

    view! {
        <Transition fallback=|| ()>
            {move || {
                auth.session
                    .get()
                    .map(|answer| {
                        let view = answer.unwrap_or_default();
                        view! {
                            <SessionSync session=view.sync_key() />
                            <SessionLine view />
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn SessionLine(view: SessionView) -> impl IntoView {
    match view.user {
        Some(user) => {
            let name = user.label();
            let sign_out = ServerAction::<SignOut>::new();
            view! {
                <div class="user-status" data-session="signed-in">
                    <span class="signed-in-as">{format!("Signed in as {name}")}</span>
                    <ActionForm action=sign_out attr:class="inline-form">
                        <button type="submit" class="button secondary">
                            "Sign out"
                        </button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
        None => {
            let notice = view.auth_unavailable.then(|| {
                view! {
                    <span class="notice">
                        "Signed out for now: the auth server cannot be reached"
                    </span>
                }
            });
            view! {
                <div class="user-status" data-session="signed-out">
                    {notice}
                    <span class="visually-hidden">"Not signed in"</span>
                    <A href=crate::routes::path::LOGIN>"Sign in"</A>
                    <A href=crate::routes::path::SIGN_UP attr:class="button">
                        "Sign up"
                    </A>
                </div>
            }
            .into_any()
        }
    }
}

/// Ends this device's session and deletes its cookies.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::SignOutScope;

    answer(async move {
        let layer = session_layer()?;
        // A third-party user has no session here: their token's cookie goes below.
        if let Some(user) = current_user()
            && let Some(token) = user.access_token()
            && let Err(error) = layer.client().sign_out(token, SignOutScope::Local).await
        {
            // The cookies go either way: the browser is signed out even if the server is away.
            tracing::warn!("sign-out did not reach the auth server: {error}");
        }
        sign_out_here(&layer);
        Ok(go_to(crate::routes::SIGNED_OUT))
    })
    .await
}
