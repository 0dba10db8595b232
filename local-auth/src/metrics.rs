//! Request counts per API endpoint, served by the mailbox at `GET /metrics` in the Prometheus text
//! format. They show how many calls an app makes to its auth server (for example, that a signed-in
//! page view costs none and a stampede of expired sessions costs one refresh), which is what the
//! benchmark command reports.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::extract::query_param;

/// What one counter counts: an endpoint, and for `/token` the grant type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Endpoint {
    method: Method,
    route: String,
    grant_type: Option<String>,
}

/// Counters of answered API requests, shared by all clones.
#[derive(Clone, Debug, Default)]
pub struct RequestCounts(Arc<Mutex<BTreeMap<Endpoint, u64>>>);

impl RequestCounts {
    fn add(&self, endpoint: Endpoint) {
        // A panic elsewhere while counting cannot leave a counter half-written.
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(endpoint).or_default() += 1;
    }

    /// How many requests reached `route` (as routed, e.g. `/auth/v1/token`) with `method`, of
    /// grant type `grant_type` when given.
    pub fn get(&self, method: &Method, route: &str, grant_type: Option<&str>) -> u64 {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts
            .iter()
            .filter(|(endpoint, _)| {
                endpoint.method == method
                    && endpoint.route == route
                    && grant_type.is_none_or(|grant| endpoint.grant_type.as_deref() == Some(grant))
            })
            .map(|(_, count)| count)
            .sum()
    }

    /// The counters in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::from(
            "# HELP local_auth_requests_total API requests answered, by endpoint.\n\
             # TYPE local_auth_requests_total counter\n",
        );
        for (endpoint, count) in counts.iter() {
            let _ = write!(
                text,
                "local_auth_requests_total{{method=\"{}\",route=\"{}\"",
                endpoint.method, endpoint.route
            );
            if let Some(grant) = &endpoint.grant_type {
                let _ = write!(text, ",grant_type=\"{grant}\"");
            }
            let _ = writeln!(text, "}} {count}");
        }
        text
    }
}

/// Route layer of the API: counts each routed request by its route pattern, so paths with ids
/// share one counter.
pub async fn count(
    State(requests): State<RequestCounts>,
    request: Request,
    next: Next,
) -> Response {
    let known_method = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ]
    .contains(request.method());
    if let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .filter(|_| known_method)
    {
        // Only the values clients send; anything else would let callers mint labels.
        let grant_type = query_param(&request, "grant_type").filter(|grant| {
            matches!(
                grant.as_str(),
                "password" | "refresh_token" | "pkce" | "id_token" | "web3"
            )
        });
        requests.add(Endpoint {
            method: request.method().clone(),
            route: route.as_str().to_owned(),
            grant_type,
        });
    }
    next.run(request).await
}

/// `GET /metrics` on the mailbox.
pub async fn metrics(State(requests): State<RequestCounts>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        requests.render(),
    )
}
