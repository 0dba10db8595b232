//! The calls a project's own site makes when its auth server is an OAuth 2.1 provider for other
//! applications (`[auth.oauth_server]`), as auth-js's `auth.oauth` namespace makes them: the
//! consent page reads an authorization request and approves or denies it with the user's
//! session, and the account page lists and revokes what the user has granted.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::{AccessToken, AuthClient, Error, client::path_segment};

/// The client application asking, as the consent page names it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthClientInfo {
    /// Its client id.
    pub id: String,
    /// Its name, as registered.
    #[serde(default)]
    pub name: Option<String>,
    /// Its home page, as registered.
    #[serde(default)]
    pub uri: Option<String>,
    /// Its logo, as registered.
    #[serde(default)]
    pub logo_uri: Option<String>,
}

/// A pending authorization request (`GET /oauth/authorizations/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct AuthorizationDetails {
    /// Its id (what the consent page was given).
    pub authorization_id: String,
    /// Where the browser goes after the decision: the client's registered redirect URI.
    pub redirect_uri: String,
    /// The client asking.
    pub client: OAuthClientInfo,
    /// The scopes asked, space-separated.
    pub scope: String,
}

impl AuthorizationDetails {
    /// The scopes asked, one by one.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }
}

/// What the auth server answers for an authorization request the consent page opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationRequest {
    /// The user has to decide.
    Pending(AuthorizationDetails),
    /// The user already granted this client everything asked: approved, and the browser goes
    /// here (the client's redirect URI with a code).
    Approved(Url),
}

/// The user's decision on an authorization request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentDecision {
    /// Grant the client what it asked.
    Approve,
    /// Refuse.
    Deny,
}

impl ConsentDecision {
    /// The `action` the auth server takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Deny => "deny",
        }
    }
}

/// A client the user has granted access (`GET /user/oauth/grants`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthGrant {
    /// The client.
    pub client: OAuthClientInfo,
    /// The scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// When (RFC 3339).
    pub granted_at: String,
}

impl AuthClient {
    /// `GET /oauth/authorizations/{id}`: the request, pending or approved at once by an earlier
    /// grant.
    pub async fn oauth_authorization(
        &self,
        token: &AccessToken,
        authorization_id: &str,
    ) -> Result<AuthorizationRequest, Error> {
        let path = format!("oauth/authorizations/{}", path_segment(authorization_id));
        let answer: Value = self
            .send_json(self.request(Method::GET, &path, Some(token)))
            .await?;
        if let Some(url) = answer.get("redirect_url") {
            return redirect_url(url).map(AuthorizationRequest::Approved);
        }
        serde_json::from_value(answer)
            .map(AuthorizationRequest::Pending)
            .map_err(|error| unexpected(&error.to_string()))
    }

    /// `POST /oauth/authorizations/{id}/consent`: the decision; where the browser goes next (the
    /// client's redirect URI, with a code or `error=access_denied`).
    pub async fn oauth_consent(
        &self,
        token: &AccessToken,
        authorization_id: &str,
        decision: ConsentDecision,
    ) -> Result<Url, Error> {
        let path = format!(
            "oauth/authorizations/{}/consent",
            path_segment(authorization_id)
        );
        let request = self
            .request(Method::POST, &path, Some(token))
            .json(&json!({ "action": decision.as_str() }));
        let answer: Value = self.send_json(request).await?;
        redirect_url(&answer["redirect_url"])
    }

    /// `GET /user/oauth/grants`: the clients the user has granted access.
    pub async fn oauth_grants(&self, token: &AccessToken) -> Result<Vec<OAuthGrant>, Error> {
        self.send_json(self.request(Method::GET, "user/oauth/grants", Some(token)))
            .await
    }

    /// `DELETE /user/oauth/grants?client_id=`: revokes a grant; the client's sessions end.
    pub async fn revoke_oauth_grant(
        &self,
        token: &AccessToken,
        client_id: &str,
    ) -> Result<(), Error> {
        let request = self
            .request(Method::DELETE, "user/oauth/grants", Some(token))
            .query(&[("client_id", client_id)]);
        self.send(request).await.map(drop)
    }
}

fn unexpected(detail: &str) -> Error {
    Error::UnexpectedResponse {
        status: reqwest::StatusCode::OK,
        detail: detail.to_owned(),
    }
}

/// The auth server's `redirect_url`: an absolute URL of a scheme a browser may be sent to (never
/// `javascript:`, `data:` and the like, whatever answered).
fn redirect_url(value: &Value) -> Result<Url, Error> {
    let url = value
        .as_str()
        .and_then(|text| Url::parse(text).ok())
        .ok_or_else(|| unexpected("redirect_url is not a URL"))?;
    let inert = ["javascript", "data", "vbscript", "file", "blob", "about"];
    if inert.contains(&url.scheme()) || url.cannot_be_a_base() {
        return Err(unexpected(
            "redirect_url has a scheme a browser must not follow",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_a_browser_may_follow_are_redirects() {
        for good in [
            "https://client.example/cb?code=1&state=s",
            "http://localhost:8080/cb?code=1",
            "com.example.app://callback?code=1",
        ] {
            assert_eq!(redirect_url(&json!(good)).unwrap().as_str(), good);
        }
        for bad in [
            json!("javascript:alert(1)"),
            json!("JavaScript://%0aalert(1)"),
            json!("data:text/html,<script>alert(1)</script>"),
            json!("mailto:x@example.com"),
            json!("/relative"),
            json!(null),
            json!(42),
        ] {
            assert!(redirect_url(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn details_read_upstreams_answer_and_split_the_scopes() {
        let details: AuthorizationDetails = serde_json::from_value(json!({
            "authorization_id": "abc",
            "redirect_uri": "https://client.example/cb",
            "client": { "id": "c1", "name": "Example" },
            "user": { "id": "u1", "email": "a@example.com" },
            "scope": "openid  email",
        }))
        .unwrap();
        assert_eq!(details.client.name.as_deref(), Some("Example"));
        assert_eq!(details.scopes().collect::<Vec<_>>(), ["openid", "email"]);
        assert_eq!(ConsentDecision::Deny.as_str(), "deny");
    }
}
