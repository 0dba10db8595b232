//! The page guard: before anything renders, each page's [`Access`] from the app's route table
//! (`app::routes`) is enforced. Signed-out visitors of pages for signed-in users go to sign in, a
//! session that still owes its authenticator code (`aal1` for a user with a verified factor) to
//! `/auth/mfa`, each with `next` pointing back; signed-in users opening sign-in or sign-up, and
//! complete sessions opening `/auth/mfa`, go on to `next`. A page for a role
//! ([`Access::Role`]) answers 403 to a complete session whose verified token lacks it: the router
//! renders the 403 page from the same table, and the guard makes sure of the status.

use app::routes::{self, Access, Visitor, path};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use supabase_ssr::{
    axum::{AuthState, ClientIp, SessionLayer},
    redirect::safe_next_on,
};

/// What the guard needs: the session layer (to ask whether a second factor is due) and the site
/// (to keep `next` on it).
#[derive(Clone, Debug)]
pub struct Guard {
    /// The session layer.
    pub session_layer: SessionLayer,
    /// The site's public URL.
    pub site_url: url::Url,
}

/// Sends a request for a page its visitor may not open where they belong. Runs after the session
/// layer, which has refreshed the session if it could. Whether a second factor is due is the auth
/// server's answer ([`SessionLayer::needs_mfa`]); when it cannot be had, the page is not shown
/// (503).
pub async fn require_access(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let access = routes::access(request.uri().path());
    if access == Access::Public {
        return next.run(request).await;
    }
    let state = request.extensions().get::<AuthState>();
    let user = state.and_then(AuthState::user);
    let here = request
        .uri()
        .path_and_query()
        .map_or(request.uri().path(), |target| target.as_str());
    let Some(user) = user else {
        if access == Access::SignedOut {
            return next.run(request).await;
        }
        // The sign-in page says why when the auth server just ended the session.
        let ended = match state {
            Some(AuthState::SignedOut {
                ended: Some(code), ..
            }) => Some(code.as_str()),
            _ => None,
        };
        let location = Visitor::default().gate(here, None);
        return see_other(&with_ended(location, ended));
    };
    // Whether a second factor is due matters to every page for signed-in users but sign-in and
    // sign-up, which a signed-in user leaves whatever the answer.
    let needs_mfa = if access == Access::SignedOut {
        false
    } else {
        let client_ip = request.extensions().get::<ClientIp>().and_then(|ip| ip.0);
        match guard
            .session_layer
            .for_client_ip(client_ip)
            .needs_mfa(user)
            .await
        {
            Ok(needs_mfa) => needs_mfa,
            // A definitive answer (the user deleted or banned, the session ended): signed out,
            // as a refresh refused for the same reason signs out.
            Err(supabase_ssr::Error::Api(refused)) if refused.code.ends_session() => {
                let cookies = supabase_ssr::cookie::Cookies::from_headers(request.headers());
                let location = Visitor::default().gate(here, None);
                return super::routes::redirect(
                    &with_ended(location, Some(refused.code.as_str())),
                    guard.session_layer.clear_cookies(&cookies),
                );
            }
            Err(error) => {
                tracing::warn!("cannot tell whether a second factor is due: {error}");
                return unavailable();
            }
        }
    };
    let visitor = Visitor {
        signed_in: true,
        needs_mfa,
        role: None,
    };
    if !visitor.may_open(access) {
        return see_other(&visitor.gate(here, Some(&next_of(&guard, &request))));
    }
    if !access.admits_role(app::auth::ssr::role(user)) {
        let mut response = next.run(request).await;
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    next.run(request).await
}

/// The request's `next`, if it stays on the site (WHATWG resolution, same origin), else the
/// protected page.
fn next_of(guard: &Guard, request: &Request) -> String {
    let next = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "next")
            .map(|(_, value)| value.into_owned())
    });
    match next {
        Some(next) => safe_next_on(&guard.site_url, Some(&next)),
        None => path::PROTECTED.to_owned(),
    }
}

/// A 303 to `location`.
fn see_other(location: &str) -> Response {
    super::routes::redirect(location, Vec::new())
}

/// `location` with the code the session `ended` with added to its query, when there is one.
fn with_ended(location: String, ended: Option<&str>) -> String {
    match ended {
        Some(code) => format!("{location}&{}", routes::url_query(&[("ended", code)])),
        None => location,
    }
}

/// The answer when the auth server cannot say whether the page may be shown.
fn unavailable() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The sign-in service is not reachable right now. Try again shortly.",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
