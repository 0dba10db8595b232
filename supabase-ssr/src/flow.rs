//! PKCE flows that leave through the browser (OAuth sign-in, identity linking) and come back to
//! the app's callback with a code. The session layer owns both ends: [`SessionLayer::begin_flow`]
//! keeps the verifier in this flow's cookie slot and builds the `redirect_to` URL, and
//! [`SessionLayer::finish_flow`] exchanges the code with the stored verifier and clears the
//! flow's cookies, whatever happens. [`FlowReturn`] is the callback's query, the one contract
//! between the two.

use serde::Deserialize;

use crate::{
    ErrorCode, Session,
    axum::SessionLayer,
    cookie::{self, Cookies, SetCookie},
    pkce::{PkceChallenge, PkceVerifier, flow_id},
};

/// The query the browser brings back to the callback: a code, or the error a provider or the
/// auth server reported, with the `next` and `flow` the flow was begun with.
#[derive(Debug, Default, Deserialize)]
pub struct FlowReturn {
    /// The authorization code.
    pub code: Option<String>,
    /// Where the app should go afterwards (check it against the site before redirecting).
    pub next: Option<String>,
    /// The flow's own verifier slot (see [`cookie::write_flow_verifier`]).
    pub flow: Option<String>,
    /// An OAuth error (`access_denied`, …).
    pub error: Option<String>,
    /// A Supabase error code, when the auth server gave one.
    pub error_code: Option<String>,
}

/// A flow begun: send the browser to the auth server with `challenge` and `redirect_to`, and set
/// `cookies` on that response.
#[derive(Debug)]
pub struct BegunFlow {
    /// The callback URL the auth server sends the browser back to, with `next` and `flow`.
    pub redirect_to: String,
    /// The PKCE challenge for the authorize (or link) request.
    pub challenge: PkceChallenge,
    /// The cookies that keep the verifier until the callback.
    pub cookies: Vec<SetCookie>,
}

/// A flow finished: the session (or why there is none), and the cookie changes to send either
/// way (the flow's verifier cookies cleared, and the session's cookies when there is one).
#[derive(Debug)]
pub struct FinishedFlow {
    /// The new session, or the Supabase error code the flow failed with.
    pub outcome: Result<FlowSession, ErrorCode>,
    /// The cookie changes to send with the answer.
    pub cookies: Vec<SetCookie>,
}

/// The session a flow produced.
#[derive(Debug)]
pub struct FlowSession {
    /// The session (already in [`FinishedFlow::cookies`]).
    pub session: Session,
    /// The flow was a password recovery: the user should set a new password next.
    pub recovery: bool,
}

impl SessionLayer {
    /// Begins a flow that returns to `callback_url` (the app's absolute callback URL) and then
    /// goes on to `next` (a path already checked to stay on the site).
    pub fn begin_flow(&self, callback_url: &str, next: &str, existing: &Cookies) -> BegunFlow {
        let verifier = PkceVerifier::generate();
        let flow = flow_id();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .append_pair("flow", &flow)
            .finish();
        let config = self.config();
        BegunFlow {
            redirect_to: format!("{callback_url}?{query}"),
            challenge: verifier.challenge(),
            cookies: cookie::write_flow_verifier(
                &config.cookie_name,
                &flow,
                &verifier,
                false,
                existing,
                &config.cookie_options,
            ),
        }
    }

    /// Finishes the flow the browser came back with: exchanges its code with the stored verifier
    /// (trying each stored one, since flows begun in several tabs each keep theirs) and clears
    /// the flow's verifier cookies, so a verifier is never tried twice. A named flow clears only
    /// its own slot, so other tabs' flows still complete; an unnamed one clears them all.
    pub async fn finish_flow(&self, back: &FlowReturn, existing: &Cookies) -> FinishedFlow {
        let config = self.config();
        let cleanup = |used: Option<&str>| match back.flow.as_deref() {
            Some(flow) => cookie::finish_flow(
                &config.cookie_name,
                flow,
                used,
                existing,
                &config.cookie_options,
            ),
            None => cookie::remove_verifiers(&config.cookie_name, existing, &config.cookie_options),
        };
        let failed = |code: ErrorCode| FinishedFlow {
            outcome: Err(code),
            cookies: cleanup(None),
        };

        if let Some(code) = back.error_code.as_deref().or(back.error.as_deref()) {
            return failed(ErrorCode::parse(code));
        }
        let Some(code) = back.code.as_deref().filter(|code| !code.is_empty()) else {
            return failed(ErrorCode::ValidationFailed);
        };
        let stored = cookie::read_verifiers(existing, &config.cookie_name, back.flow.as_deref());
        if stored.is_empty() {
            return failed(ErrorCode::PkceCodeVerifierNotFound);
        }
        for candidate in stored {
            let used = candidate.verifier.expose_secret().to_owned();
            match self
                .client()
                .exchange_code_for_session(code, candidate.verifier)
                .await
            {
                Ok(session) => {
                    let mut cookies = cleanup(Some(&used));
                    cookies.extend(self.session_cookies(&session, existing));
                    return FinishedFlow {
                        outcome: Ok(FlowSession {
                            session,
                            recovery: candidate.recovery,
                        }),
                        cookies,
                    };
                }
                Err(error) if error.code() == Some(&ErrorCode::BadCodeVerifier) => {}
                Err(error) => {
                    if error.is_retryable() {
                        tracing::warn!("auth server unavailable: {error}");
                    }
                    return failed(
                        error
                            .code()
                            .cloned()
                            .unwrap_or(ErrorCode::UnexpectedFailure),
                    );
                }
            }
        }
        failed(ErrorCode::BadCodeVerifier)
    }
}
