//! `/auth/error?code=`: what went wrong with a link or sign-in, in words a person understands.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::auth::AuthError;

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

/// A sentence for a Supabase error code: the link and flow failures only this page meets, else
/// what the code means at any form ([`AuthError::from_code`]).
pub fn explain(code: &str) -> String {
    let sentence = match code {
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
        "validation_failed" => "This link is incomplete. Copy the whole link from the email.",
        "user_banned" => "This account is suspended.",
        "user_not_found" => "This account no longer exists. Sign up again to come back.",
        "session_expired" => {
            "Your session has ended: it reached its time limit, was idle too long, or you signed \
             in somewhere else. Please sign in again."
        }
        "session_not_found" | "refresh_token_not_found" => {
            "You were signed out, perhaps from another device. Please sign in again."
        }
        "request_timeout" | "unexpected_failure" => return AuthError::Unavailable.to_string(),
        _ => {
            return AuthError::from_code(code).map_or_else(
                || "Something went wrong while signing you in. Try again.".to_owned(),
                |error| error.to_string(),
            );
        }
    };
    sentence.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_get_their_own_sentences_and_other_codes_the_forms_ones() {
        assert_eq!(
            explain("validation_failed"),
            "This link is incomplete. Copy the whole link from the email."
        );
        assert_eq!(
            explain("signup_disabled"),
            AuthError::SignUpsDisabled.to_string()
        );
        assert_eq!(
            explain("unexpected_failure"),
            AuthError::Unavailable.to_string()
        );
        assert_eq!(
            explain("<script>"),
            "Something went wrong while signing you in. Try again."
        );
    }
}
