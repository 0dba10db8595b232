//! Supabase Auth in the server: where it is ([`backend`]), the session layer built on the
//! `supabase-ssr` crate ([`session_layer`]), the routes that finish email links and PKCE flows
//! ([`routes`]), and the guard that enforces the app's route table before anything renders
//! ([`guard`]).

pub mod backend;
pub mod guard;
pub mod routes;

use supabase_ssr::{
    ApiKey, AuthClient, ClientError,
    axum::{SessionConfig, SessionLayer, ThirdPartyCookie},
    cookie::CookieOptions,
};

use crate::{AuthEndpoint, SessionSettings, config::ThirdParty};

/// The session layer for the auth server at `auth`, writing cookies as `settings` say.
pub fn session_layer(
    auth: &AuthEndpoint,
    settings: &SessionSettings,
) -> Result<SessionLayer, ClientError> {
    let client = AuthClient::new(&auth.url, ApiKey::new(auth.publishable_key.clone()))?;
    let client = match &auth.secret_key {
        Some(secret_key) => client.with_secret_key(secret_key.clone()),
        None => client,
    };
    let mut config = SessionConfig::for_client(&client);
    if let Some(name) = &settings.cookie_name {
        config.cookie_name.clone_from(name);
    }
    config
        .client_ip_header
        .clone_from(&settings.client_ip_header);
    config.cookie_options = CookieOptions {
        http_only: settings.http_only,
        ..CookieOptions::for_site(&settings.site_url)
    };
    let issuer = match &settings.third_party {
        ThirdParty::FromBackend => auth
            .third_party
            .as_ref()
            .map(|stand_in| stand_in.issuer.clone()),
        ThirdParty::Off => None,
        ThirdParty::Trust(issuer) => Some(issuer.clone()),
    };
    config.third_party = issuer.map(|issuer| ThirdPartyCookie {
        issuer: match &settings.third_party_audience {
            Some(audience) => issuer.with_audience(audience),
            None => issuer,
        },
        cookie_name: settings.third_party_cookie.clone(),
    });
    Ok(SessionLayer::new(client, config))
}
