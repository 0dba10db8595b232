//! Signing out of this device, every device or every other device, from `/account`.

use leptos::prelude::*;

use crate::{auth::AuthError, components::FormError};

#[component]
pub(super) fn SignOutEverywhere() -> impl IntoView {
    let sign_out = ServerAction::<SignOutScope>::new();
    let button = move |scope: &'static str, label: &'static str| {
        view! {
            <ActionForm action=sign_out attr:class="inline-form">
                <input type="hidden" name="scope" value=scope />
                <button type="submit" class="button secondary">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <h2>"Sign out"</h2>
        <div class="other-ways">
            {button("local", "Sign out of this device")}
            {button("others", "Sign out of all other devices")}
            {button("global", "Sign out of all devices")}
        </div>
        <FormError action=sign_out />
    }
}

/// Signs out this device (`local`), every device (`global`) or every other device (`others`).
#[server(endpoint = "account/sign-out")]
pub async fn sign_out_scope(
    #[doc = "Which sessions to end: `others` or `global`."] scope: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::SignOutScope;

    answer(async move {
        let scope = match scope.as_str() {
            "global" => SignOutScope::Global,
            "others" => SignOutScope::Others,
            _ => SignOutScope::Local,
        };
        let layer = session_layer()?;
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        let ended = layer.client().sign_out(supabase_token(&user)?, scope).await;
        if scope == SignOutScope::Others {
            ended?;
            return Ok(go_to(&super::done::Done::Others.location()));
        }
        if let Err(error) = ended {
            tracing::warn!("sign-out did not reach the auth server: {error}");
        }
        sign_out_here(&layer);
        Ok(go_to(crate::routes::SIGNED_OUT))
    })
    .await
}
