//! Server-only helpers for the auth server functions: the session layer from context, and
//! writing or clearing the session cookies on the response.

use http::{
    header::{ACCEPT, SET_COOKIE},
    request::Parts,
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use supabase_ssr::{
    Session,
    axum::{AuthState, ClientIp, SessionLayer, User},
    cookie::{Cookies, SetCookie},
    flow::BegunFlow,
    redirect::safe_next_on,
};

pub use super::limits::{Attempt, AttemptLimits};
use super::{AuthError, Provider, SignInOptions};

/// The public URL of the site; the server provides it to every request's context.
#[derive(Clone, Debug)]
pub struct SiteUrl(pub url::Url);

/// The session layer the server provided, calling the auth server on behalf of this request's
/// client (its address forwarded, so the auth server's per-client limits count them).
pub fn session_layer() -> Result<SessionLayer, AuthError> {
    let layer = use_context::<SessionLayer>().ok_or_else(|| {
        tracing::error!("the server did not provide SessionLayer to the context");
        AuthError::Unexpected
    })?;
    Ok(layer.for_client_ip(client_ip()))
}

/// The address of this request's client, as the session layer resolved it.
pub fn client_ip() -> Option<std::net::IpAddr> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .and_then(|ClientIp(ip)| ip)
}

/// The cookies of the current request, as the session layer left them.
pub fn request_cookies() -> Cookies {
    use_context::<Parts>()
        .map(|parts| Cookies::from_headers(&parts.headers))
        .unwrap_or_default()
}

/// Counts one `attempt` on `address` (an email address or phone number, when the form names one)
/// from this request's client: [`AuthError::RateLimited`] once either is over its limit. Known
/// and unknown accounts are counted and answered alike.
pub async fn check_attempt(attempt: Attempt, address: Option<&str>) -> Result<(), AuthError> {
    let Some(limits) = use_context::<AttemptLimits>() else {
        tracing::error!("the server did not provide AttemptLimits to the context");
        return Err(AuthError::Unexpected);
    };
    limits
        .check(attempt, client_ip(), address)
        .await
        .map_err(|retry_after| AuthError::RateLimited { retry_after })
}

/// The outcome of asking the auth server to mail an existing account, as the page may tell it:
/// "no such account" (`otp_disabled`, `user_not_found`) and "mailed this address a moment ago"
/// (`over_email_send_rate_limit`) only happen for addresses that exist, or only for those that do
/// not, so they answer like a mail that went out. Anything else is an error to show.
pub fn sent_or_withheld<T>(sent: Result<T, supabase_ssr::Error>) -> Result<(), AuthError> {
    use supabase_ssr::ErrorCode;

    match sent {
        Ok(_) => Ok(()),
        Err(error)
            if matches!(
                error.code(),
                Some(
                    ErrorCode::OtpDisabled
                        | ErrorCode::UserNotFound
                        | ErrorCode::OverEmailSendRateLimit
                )
            ) =>
        {
            tracing::debug!("mail withheld, answered as sent: {error}");
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// The session of this request as the session layer verified it; signed out when there is no
/// request (or no session layer in front of it). The one way the app reads it.
pub fn auth_state() -> AuthState {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<AuthState>().cloned())
        .unwrap_or(AuthState::SignedOut {
            auth_unavailable: false,
            ended: None,
        })
}

/// A form's new password and its repetition agree; [`AuthError::PasswordsDiffer`] otherwise.
pub fn passwords_match(password: &str, repeated: &str) -> Result<(), AuthError> {
    if password == repeated {
        Ok(())
    } else {
        Err(AuthError::PasswordsDiffer)
    }
}

/// `user`'s access token from the project's auth server, for calling Supabase Auth as them;
/// [`AuthError::ThirdPartyAccount`] for a user a third-party provider signed in, whose account
/// (profile, password, factors, sessions) Supabase Auth does not hold.
pub fn supabase_token(user: &User) -> Result<&supabase_ssr::AccessToken, AuthError> {
    user.access_token().ok_or(AuthError::ThirdPartyAccount)
}

/// The verified user of this request, if any.
pub fn current_user() -> Option<User> {
    auth_state().user().cloned()
}

/// The signed-in user, when the session is complete: 401-style [`AuthError::NotSignedIn`]
/// without one, [`AuthError::MfaRequired`] while a user with an authenticator app has not
/// entered its code yet.
pub async fn require_full_session() -> Result<User, AuthError> {
    let user = current_user().ok_or(AuthError::NotSignedIn)?;
    if needs_mfa(&user).await? {
        return Err(AuthError::MfaRequired);
    }
    Ok(user)
}

/// The role `user`'s verified access token carries ([`crate::routes::ROLE_CLAIM`]).
pub fn role(user: &User) -> Option<&str> {
    user.claims()
        .extra
        .get(crate::routes::ROLE_CLAIM)
        .and_then(serde_json::Value::as_str)
}

/// A complete session whose role admits a page with `access` (see
/// [`crate::routes::Access::admits_role`]); [`AuthError::Forbidden`] otherwise.
pub async fn require_access(access: crate::routes::Access) -> Result<User, AuthError> {
    let user = require_full_session().await?;
    if !access.admits_role(role(&user)) {
        return Err(AuthError::Forbidden);
    }
    Ok(user)
}

/// Whether `user` has a verified factor but this session has not been raised to `aal2` with it,
/// as the auth server says ([`SessionLayer::needs_mfa`]; never the cookie's copy of the user).
/// A definitive answer that the session is over (the user deleted or banned, the session ended)
/// signs the browser out, as the page guard does: [`AuthError::NotSignedIn`], cookies cleared.
pub async fn needs_mfa(user: &User) -> Result<bool, AuthError> {
    let layer = session_layer()?;
    match layer.needs_mfa(user).await {
        Ok(needs_mfa) => Ok(needs_mfa),
        Err(supabase_ssr::Error::Api(refused)) if refused.code.ends_session() => {
            clear_session(&layer);
            Err(AuthError::NotSignedIn)
        }
        Err(error) => Err(error.into()),
    }
}

/// `PUT /user` with `changes` for `user`; confirmation mails lead back to `/account`.
pub async fn update_user(
    user: &User,
    changes: supabase_ssr::UserChanges<'_>,
) -> Result<(), AuthError> {
    let redirect_to = site_link(crate::routes::path::ACCOUNT);
    session_layer()?
        .client()
        .update_user(
            supabase_token(user)?,
            &changes,
            supabase_ssr::EmailOptions {
                redirect_to: Some(&redirect_to),
                challenge: None,
            },
        )
        .await?;
    Ok(())
}

/// Signs in with a typed one-time `code` sent to `address` (an email address or phone number, as
/// `kind` says) and stores the session.
pub async fn sign_in_with_code(
    address: &str,
    code: &str,
    kind: supabase_ssr::OtpType,
) -> Result<(), AuthError> {
    use supabase_ssr::{AuthResponse, VerifyOtp};

    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let layer = session_layer()?;
    let answer = layer
        .client()
        .verify_otp(VerifyOtp::Code {
            email_or_phone: address.trim(),
            token: &code,
            kind,
        })
        .await?;
    let AuthResponse::Session(session) = answer else {
        return Err(AuthError::InvalidCode);
    };
    store_session(&layer, &session);
    Ok(())
}

/// Challenges `factor_id` and verifies `code`; stores the `aal2` session that answers.
pub async fn verify_totp(user: &User, factor_id: &str, code: &str) -> Result<(), AuthError> {
    let challenge_id = challenge(user, factor_id).await?;
    verify_code(user, factor_id, &challenge_id, code).await
}

/// A new challenge of `factor_id` (a phone factor's texts its code); its id.
pub async fn challenge(user: &User, factor_id: &str) -> Result<String, AuthError> {
    let challenge = session_layer()?
        .client()
        .challenge_factor(supabase_token(user)?, factor_id)
        .await?;
    Ok(challenge.id)
}

/// Verifies `code` (its digits) for challenge `challenge_id` of `factor_id`; stores the `aal2`
/// session that answers.
pub async fn verify_code(
    user: &User,
    factor_id: &str,
    challenge_id: &str,
    code: &str,
) -> Result<(), AuthError> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let layer = session_layer()?;
    let session = layer
        .client()
        .verify_factor(supabase_token(user)?, factor_id, challenge_id, &code)
        .await?;
    layer.forget_factors(user);
    store_session(&layer, &session);
    Ok(())
}

/// A typed phone number as the auth server takes it: its digits, after the `+` it starts with
/// (spaces, dashes and brackets dropped); [`AuthError::InvalidPhone`] unless it is one the auth
/// server accepts (E.164: 8 to 15 digits, the first not 0), so its `validation_failed` never has
/// to be read as being about the number.
pub fn phone_number(typed: &str) -> Result<String, AuthError> {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(AuthError::InvalidPhone);
    }
    let plus = if typed.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    Ok(format!("{plus}{digits}"))
}

/// The last four digits of a phone number, as pages show a factor's number.
pub fn masked_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {last}")
}

/// The verified second factors of `user`, as the auth server has them (never the cookie's copy).
pub async fn verified_factors(user: &User) -> Result<Vec<supabase_ssr::Factor>, AuthError> {
    let found = session_layer()?
        .client()
        .get_user(supabase_token(user)?)
        .await?;
    Ok(found
        .factors
        .unwrap_or_default()
        .into_iter()
        .filter(|factor| factor.status == supabase_ssr::FactorStatus::Verified)
        .collect())
}

/// The id of `user`'s verified factor of `kind`; [`AuthError::Unexpected`] without one.
pub async fn verified_factor(
    user: &User,
    kind: supabase_ssr::FactorType,
) -> Result<String, AuthError> {
    verified_factors(user)
        .await?
        .into_iter()
        .find(|factor| factor.factor_type == kind)
        .map(|factor| factor.id)
        .ok_or(AuthError::Unexpected)
}

/// A challenge of `webauthn` factor `factor_id`: the ceremony the browser runs to answer it
/// (registering the key on the first, signing with it after).
pub async fn webauthn_challenge(
    user: &User,
    factor_id: &str,
) -> Result<super::Ceremony, AuthError> {
    let layer = session_layer()?;
    let challenge = layer
        .client()
        .challenge_factor(supabase_token(user)?, factor_id)
        .await?;
    let options = challenge
        .webauthn
        .map(|webauthn| webauthn.credential_options["publicKey"].to_string())
        .ok_or(AuthError::Unexpected)?;
    Ok(super::Ceremony {
        id: challenge.id,
        options,
    })
}

/// Verifies the browser's `credential` for challenge `challenge_id` of `webauthn` factor
/// `factor_id`, the answer to a ceremony of `kind` (`Create` registers the key, `Request` signs
/// with it); stores the `aal2` session that answers.
pub async fn verify_webauthn(
    user: &User,
    factor_id: &str,
    challenge_id: &str,
    kind: supabase_ssr::WebauthnCeremonyKind,
    credential: &serde_json::Value,
) -> Result<(), AuthError> {
    let layer = session_layer()?;
    let session = layer
        .client()
        .verify_webauthn_factor(
            supabase_token(user)?,
            factor_id,
            challenge_id,
            kind,
            credential,
        )
        .await?;
    layer.forget_factors(user);
    store_session(&layer, &session);
    Ok(())
}

/// Runs a server function's `work`; a rate-limited failure says when to try again
/// (`Retry-After`). The server answers every failed call with its error's status
/// ([`crate::failure::Failure`]); a plain form post is redirected back to its form instead.
pub async fn answer<T>(work: impl Future<Output = Result<T, AuthError>>) -> Result<T, AuthError> {
    let result = work.await;
    if let Err(AuthError::RateLimited { retry_after }) = &result
        && let Some(response) = use_context::<ResponseOptions>()
    {
        response.insert_header(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(*retry_after),
        );
    }
    result
}

/// Sends `changes` as `Set-Cookie` headers with the response.
pub fn send_cookies(changes: &[SetCookie]) {
    let response = expect_context::<ResponseOptions>();
    for change in changes {
        if let Some(value) = change.to_header_value() {
            response.append_header(SET_COOKIE, value);
        }
    }
}

/// Stores `session` in the cookies, replacing the current one.
pub fn store_session(layer: &SessionLayer, session: &Session) {
    send_cookies(&layer.session_cookies(session, &request_cookies()));
}

/// Begins a PKCE flow that comes back to the app's callback and goes on to `next` (see
/// [`SessionLayer::begin_flow`]). Send its cookies with [`send_cookies`] once the flow's URL is
/// known to be good.
pub fn begin_flow(layer: &SessionLayer, next: &str) -> BegunFlow {
    layer.begin_flow(
        &site_link(crate::routes::CALLBACK),
        next,
        &request_cookies(),
    )
}

/// The ways to sign in the auth server offers, from its `/settings`, remembered for a minute so
/// that rendering the sign-in page costs no request.
pub async fn sign_in_options(layer: &SessionLayer) -> SignInOptions {
    use std::{
        sync::Mutex,
        time::{Duration, Instant},
    };
    static CACHE: Mutex<Option<(Instant, SignInOptions)>> = Mutex::new(None);
    const FRESH_FOR: Duration = Duration::from_secs(60);

    let wallets = use_context::<super::Wallets>().unwrap_or_default().0;
    if let Ok(cache) = CACHE.lock()
        && let Some((at, options)) = cache.as_ref()
        && at.elapsed() < FRESH_FOR
    {
        return SignInOptions {
            wallets,
            ..options.clone()
        };
    }
    let settings = match layer.client().settings().await {
        Ok(settings) => settings,
        Err(error) => {
            tracing::warn!("cannot read the auth server's settings: {error}");
            return SignInOptions::default();
        }
    };
    let on = |name: &str| settings.external.get(name).and_then(|on| on.as_bool()) == Some(true);
    let options = SignInOptions {
        providers: settings
            .external
            .keys()
            .filter(|name| {
                on(name) && !matches!(name.as_str(), "email" | "phone" | "anonymous_users")
            })
            .cloned()
            .map(Provider::new)
            .collect(),
        guests: on("anonymous_users"),
        phone: on("phone"),
        passkeys: settings.passkeys_enabled,
        sso: settings.saml_enabled,
        wallets: Vec::new(),
    };
    if let Ok(mut cache) = CACHE.lock() {
        *cache = Some((Instant::now(), options.clone()));
    }
    SignInOptions { wallets, ..options }
}

/// The OAuth providers the auth server offers.
pub async fn oauth_providers(layer: &SessionLayer) -> Vec<Provider> {
    sign_in_options(layer).await.providers
}

impl From<supabase_ssr::PasskeyCeremony> for super::Ceremony {
    fn from(ceremony: supabase_ssr::PasskeyCeremony) -> Self {
        Self {
            id: ceremony.challenge_id,
            options: ceremony.options.to_string(),
        }
    }
}

/// The browser's answer to a WebAuthn ceremony (a credential's `toJSON()`, as text) as JSON for
/// the auth server; [`AuthError::InvalidInput`] unless it is a JSON object of a sane size.
pub fn ceremony_answer(text: &str) -> Result<serde_json::Value, AuthError> {
    /// Assertions are a few hundred bytes, registrations a few kilobytes with an attestation.
    const MAX_ANSWER: usize = 32 * 1024;
    if text.len() > MAX_ANSWER {
        return Err(AuthError::InvalidInput);
    }
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or(AuthError::InvalidInput)
}

/// The email domain a typed work email (or a bare domain) names, lowercased; `None` unless it is
/// a domain name with at least two labels of letters, digits and hyphens.
pub fn sso_domain(typed: &str) -> Option<String> {
    let typed = typed.trim();
    let domain = typed
        .rsplit_once('@')
        .map_or(typed, |(_, domain)| domain)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let labels_ok = domain.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    (domain.len() <= 253 && domain.contains('.') && labels_ok).then_some(domain)
}

/// The cookie a wallet sign-in's nonce waits in, between [`wallet_nonce_cookie`] and the signed
/// message's return.
pub const WALLET_NONCE_COOKIE: &str = "wallet-nonce";

/// Sets the wallet sign-in nonce cookie to `nonce` (HttpOnly, ten minutes), or removes it.
pub fn wallet_nonce_cookie(nonce: Option<&str>) -> SetCookie {
    let site = use_context::<SiteUrl>()
        .map(|SiteUrl(site)| site)
        .unwrap_or_else(|| url::Url::parse("http://localhost/").expect("a valid URL"));
    let options = supabase_ssr::cookie::CookieOptions {
        max_age: 600,
        http_only: true,
        ..supabase_ssr::cookie::CookieOptions::for_site(&site)
    };
    match nonce {
        Some(nonce) => SetCookie::new(WALLET_NONCE_COOKIE, nonce, &options),
        None => SetCookie::removal(WALLET_NONCE_COOKIE, &options),
    }
}

/// Deletes the session cookies.
pub fn clear_session(layer: &SessionLayer) {
    send_cookies(&layer.clear_cookies(&request_cookies()));
}

/// Signs this browser out here: deletes the session cookies, and the third-party provider's
/// token cookie when it holds one (the provider's own sign-out signs out of the provider). Only
/// for a sign-out the user asked for: a Supabase session that ended leaves the provider's cookie.
pub fn sign_out_here(layer: &SessionLayer) {
    let cookies = request_cookies();
    let mut changes = layer.clear_cookies(&cookies);
    changes.extend(layer.clear_third_party_cookie(&cookies));
    send_cookies(&changes);
}

/// `next` if it stays on this site, else `/`.
pub fn safe_target(next: Option<&str>) -> String {
    match use_context::<SiteUrl>() {
        Some(SiteUrl(site)) => safe_next_on(&site, next),
        None => supabase_ssr::redirect::safe_next(next),
    }
}

/// Whether the request is a plain HTML form post (no JavaScript).
fn is_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The answer of a successful form: a plain form post is redirected to `target` (always a local
/// path); an island that called the function gets `target` back and goes there itself.
pub fn go_to(target: &str) -> String {
    if is_form_post() {
        leptos_axum::redirect(target);
    }
    target.to_owned()
}

/// Sends the browser to `url`, which the auth server answered with (an OAuth client's registered
/// redirect URI, after the consent page): a page a browser opens or a plain form post is
/// redirected there, an
/// island's call gets it back. Only ever a URL the auth server answered with (`supabase_ssr`
/// refuses schemes a browser must not follow), never one a request named.
pub fn leave_for(url: &url::Url) -> String {
    if is_form_post() {
        leptos_axum::redirect(url.as_str());
    }
    url.to_string()
}

/// The absolute URL of `path` on this site, for links in mails.
pub fn site_link(path: &str) -> String {
    let site = use_context::<SiteUrl>()
        .map(|SiteUrl(site)| site.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    format!("{site}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_email_or_domain_names_its_domain() {
        for (typed, domain) in [
            ("ada@Acme.Example", "acme.example"),
            (" acme.example. ", "acme.example"),
            ("odd@name@sub.acme.example", "sub.acme.example"),
        ] {
            assert_eq!(sso_domain(typed).as_deref(), Some(domain), "{typed}");
        }
        for typed in [
            "",
            "ada@",
            "localhost",
            "acme..example",
            "-acme.example",
            "acme.example/path",
            "acme.example:443",
            "ac me.example",
            "xn--ü.example",
        ] {
            assert_eq!(sso_domain(typed), None, "{typed:?}");
        }
        assert_eq!(sso_domain(&format!("{}.example", "a".repeat(64))), None);
    }

    #[test]
    fn a_typed_number_keeps_its_digits_and_plus_or_is_refused() {
        assert_eq!(phone_number("+1 (555) 010-2030").unwrap(), "+15550102030");
        assert_eq!(phone_number("15550102030").unwrap(), "15550102030");
        assert_eq!(phone_number("+1+555+010+2030").unwrap(), "+15550102030");
        let too_long = "+1555010203012345";
        for typed in [
            "",
            "+",
            "+1 555",
            "call me",
            "+++++++++",
            "1234567",
            "05550102030",
            too_long,
        ] {
            assert_eq!(
                phone_number(typed),
                Err(AuthError::InvalidPhone),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn a_factor_number_shows_its_last_four_digits_only() {
        assert_eq!(masked_phone("15550102030"), "•••• 2030");
        assert_eq!(masked_phone("+1 555 010 2030"), "•••• 2030");
        assert_eq!(masked_phone("12"), "•••• 12");
        assert_eq!(masked_phone(""), "•••• ");
    }
}
