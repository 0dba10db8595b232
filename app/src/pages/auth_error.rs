//! `/auth/error?code=`: what went wrong with a link or sign-in, in words a person understands.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// Explains the Supabase error code in the query.
#[component]
pub fn AuthErrorPage() -> impl IntoView {
    let query = use_query_map();
    let code = move || query.read().get("code").unwrap_or_default();

    view! {
        <section class="card auth-error">
            <h1>"That did not work"</h1>
            <p data-error-code=code>{move || explain(&code())}</p>
            <A href="/">"Back to the home page"</A>
        </section>
    }
}

/// A human sentence for a Supabase error code.
pub fn explain(code: &str) -> &'static str {
    match code {
        "otp_expired" | "flow_state_expired" => {
            "This link has expired or was already used. Ask for a new one."
        }
        "flow_state_not_found" | "bad_code_verifier" | "pkce_code_verifier_not_found" => {
            "This sign-in link was opened in a different browser than the one that asked for it. \
             Open it where you started, or start again here."
        }
        "access_denied" => "Sign-in was cancelled.",
        "bad_oauth_state" | "bad_oauth_callback" | "flow_state_already_used" => {
            "The sign-in with the provider could not be completed. Start again from the sign-in page."
        }
        "identity_already_exists" => {
            "That account is already linked to another user. Sign in with it instead, or unlink it there first."
        }
        "signup_disabled" => "Sign-ups are closed.",
        "validation_failed" => "This link is incomplete. Copy the whole link from the email.",
        "over_request_rate_limit" | "over_email_send_rate_limit" => {
            "Too many attempts. Wait a minute and try again."
        }
        "request_timeout" | "unexpected_failure" => {
            "The sign-in service is not reachable right now. Try again shortly."
        }
        "user_banned" => "This account is suspended.",
        _ => "Something went wrong while signing you in. Try again.",
    }
}
