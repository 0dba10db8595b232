//! The typed Supabase Auth client: one method per API call the app makes, on a shared reqwest
//! client with connect and total timeouts so a stalled auth server cannot hang a page.

use std::{sync::Arc, time::Duration};

use http::{HeaderValue, Method, StatusCode};
use jsonwebtoken::jwk::JwkSet;
use reqwest::RequestBuilder;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};
use url::Url;

use crate::{
    AccessToken, ApiError, ApiKey, Error, FactorType, PkceChallenge, PkceVerifier, RefreshToken,
    Session, User, pkce::CHALLENGE_METHOD,
};

/// The API version this client speaks (dated error bodies).
const API_VERSION: &str = "2024-01-01";
const CLIENT_INFO: &str = concat!("supabase-ssr-rs/", env!("CARGO_PKG_VERSION"));

/// How long to wait for a connection and for a whole answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting (TCP and TLS).
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the answer.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(5),
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The project URL is not an absolute http(s) URL.
    #[error("the Supabase URL {0:?} is not an absolute http(s) URL")]
    InvalidUrl(String),
    /// The HTTP client could not be set up (TLS roots).
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

#[derive(Clone)]
struct Inner {
    http: reqwest::Client,
    project_url: Url,
    auth_url: Url,
    /// The publishable (or anon) key: `apikey` of every call that forwards no address, and the
    /// bearer of every call made without a user's token.
    api_key: ApiKey,
    /// The secret key, when the project forwards end users' addresses: `apikey` of the calls
    /// made for an end user, never a bearer.
    secret_key: Option<ApiKey>,
    /// Sent with every call, like supabase-js's `global.headers`.
    headers: http::HeaderMap,
}

/// The header that names the end user's address to Supabase Auth (IP address forwarding): it
/// counts its per-address rate limits for that address instead of this server's. Only requests
/// carrying the project's secret key may send it, and only with forwarding turned on.
pub const FORWARDED_FOR_HEADER: &str = "sb-forwarded-for";

/// A Supabase Auth client for one project. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct AuthClient {
    inner: Arc<Inner>,
    /// The end user this client calls on behalf of, forwarded in [`FORWARDED_FOR_HEADER`] when
    /// the client has the secret key.
    client_ip: Option<std::net::IpAddr>,
    /// The end user's CAPTCHA answer, sent with the calls the auth server protects by CAPTCHA.
    captcha_token: Option<Arc<str>>,
}

impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient")
            .field("auth_url", &self.inner.auth_url.as_str())
            .field("client_ip", &self.client_ip)
            .field("forwards_addresses", &self.inner.secret_key.is_some())
            .finish_non_exhaustive()
    }
}

/// An answer that is a session, or only a user (sign-up waiting for email confirmation).
#[derive(Clone, Debug)]
pub enum AuthResponse {
    /// Signed in.
    Session(Box<Session>),
    /// Not signed in yet: the user must confirm first.
    User(Box<User>),
}

/// How to sign in or sign up: by email or by phone.
#[derive(Clone, Copy, Debug)]
pub enum Credentials<'a> {
    /// An email address and password.
    Email {
        /// The address.
        email: &'a str,
        /// The password.
        password: &'a str,
    },
    /// A phone number and password.
    Phone {
        /// The number.
        phone: &'a str,
        /// The password.
        password: &'a str,
    },
}

impl Credentials<'_> {
    fn to_json(self) -> Map<String, Value> {
        let (field, id, password) = match self {
            Self::Email { email, password } => ("email", email, password),
            Self::Phone { phone, password } => ("phone", phone, password),
        };
        let mut body = Map::new();
        body.insert(field.into(), id.into());
        body.insert("password".into(), password.into());
        body
    }
}

/// Options shared by the calls that send mail: where its link leads, and the PKCE challenge that
/// makes the link end in `?code=` for the server to exchange.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmailOptions<'a> {
    /// Where the link in the mail sends the user (must be allowed by the project).
    pub redirect_to: Option<&'a str>,
    /// The PKCE challenge of the flow.
    pub challenge: Option<&'a PkceChallenge>,
}

/// What `PUT /user` changes (auth-js's `UserAttributes`): only the fields that are set are sent.
/// `Debug` leaves the password and the nonce out.
#[derive(Clone, Copy, Default, Serialize)]
pub struct UserChanges<'a> {
    /// A new email address (confirmed from the mails the project sends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    /// A new phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    /// A new password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
    /// The reauthentication code (`GET /reauthenticate`), when the project asks for one to change
    /// the password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    /// New `user_metadata` fields (merged into the user's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Value>,
}

impl std::fmt::Debug for UserChanges<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |set: Option<&str>| set.map(|_| "[redacted]");
        f.debug_struct("UserChanges")
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("password", &redacted(self.password))
            .field("nonce", &redacted(self.nonce))
            .field("data", &self.data)
            .finish()
    }
}

/// Which sessions `POST /logout` ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignOutScope {
    /// Every session of the user.
    Global,
    /// This session only.
    Local,
    /// Every session but this one.
    Others,
}

/// The kinds of one-time token `POST /verify` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpType {
    /// Sign-up confirmation.
    Signup,
    /// Invitation.
    Invite,
    /// Magic link.
    Magiclink,
    /// Password recovery.
    Recovery,
    /// Email change confirmation.
    EmailChange,
    /// An email code (any email flow).
    Email,
    /// An SMS code.
    Sms,
    /// Phone change confirmation.
    PhoneChange,
}

impl OtpType {
    /// The wire name (`signup`, `magiclink`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Invite => "invite",
            Self::Magiclink => "magiclink",
            Self::Recovery => "recovery",
            Self::EmailChange => "email_change",
            Self::Email => "email",
            Self::Sms => "sms",
            Self::PhoneChange => "phone_change",
        }
    }

    /// The type named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(Value::String(name.to_owned())).ok()
    }
}

/// What `POST /verify` checks.
#[derive(Clone, Copy, Debug)]
pub enum VerifyOtp<'a> {
    /// The `token_hash` of an email link.
    TokenHash {
        /// The hash from the link.
        token_hash: &'a str,
        /// The link's type.
        kind: OtpType,
    },
    /// A code typed by the user.
    Code {
        /// The email address or phone number it was sent to.
        email_or_phone: &'a str,
        /// The code.
        token: &'a str,
        /// The flow's type.
        kind: OtpType,
    },
}

/// The project's public auth settings (`GET /settings`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Settings {
    /// Which providers are enabled (`email`, `phone`, `anonymous_users`, `github`, …).
    #[serde(default)]
    pub external: Map<String, Value>,
    /// Whether sign-ups are closed.
    #[serde(default)]
    pub disable_signup: bool,
    /// Whether email addresses are confirmed without a mail.
    #[serde(default)]
    pub mailer_autoconfirm: bool,
    /// Whether phone numbers are confirmed without an SMS.
    #[serde(default)]
    pub phone_autoconfirm: bool,
    /// Whether users may sign in with passkeys (`/passkeys`).
    #[serde(default)]
    pub passkeys_enabled: bool,
    /// Whether SAML single sign-on is on (`/sso`).
    #[serde(default)]
    pub saml_enabled: bool,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A TOTP factor being enrolled (`POST /factors`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TotpEnrollment {
    /// The factor id.
    pub id: String,
    /// `totp`.
    #[serde(rename = "type")]
    pub factor_type: FactorType,
    /// The QR code, secret and `otpauth://` URI.
    pub totp: TotpDetails,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What an authenticator app needs to add a TOTP factor.
#[derive(Clone, Deserialize, Serialize)]
pub struct TotpDetails {
    /// The QR code as an SVG (or data URI).
    pub qr_code: String,
    /// The shared secret (base32).
    pub secret: String,
    /// The `otpauth://` URI.
    pub uri: String,
}

impl std::fmt::Debug for TotpDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpDetails([redacted])")
    }
}

/// The answer to an enrolment this crate needs only the id of.
#[derive(Deserialize)]
struct Enrolled {
    id: String,
}

/// An MFA challenge (`POST /factors/{id}/challenge`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Challenge {
    /// The challenge id to verify against.
    pub id: String,
    /// When it expires, in seconds since the epoch.
    pub expires_at: u64,
    /// For a `webauthn` factor: the ceremony the browser runs to answer it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn: Option<WebauthnChallenge>,
}

/// The WebAuthn ceremony of a `webauthn` factor's challenge.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct WebauthnChallenge {
    /// `create` (registering the factor's credential) or `request` (signing with it).
    #[serde(rename = "type")]
    pub kind: WebauthnCeremonyKind,
    /// The `navigator.credentials.create()`/`get()` options, as JSON: `{"publicKey": {…}}`.
    pub credential_options: Value,
}

/// Which WebAuthn ceremony answers a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebauthnCeremonyKind {
    /// `navigator.credentials.create()`: a new credential.
    Create,
    /// `navigator.credentials.get()`: an assertion with an existing one.
    Request,
}

/// A passkey ceremony the browser runs (`POST /passkeys/…/options`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PasskeyCeremony {
    /// The id to send the answer back with.
    pub challenge_id: String,
    /// The `publicKey` options for `navigator.credentials.create()` or `get()`, as JSON.
    pub options: Value,
    /// When the challenge expires, in seconds since the epoch.
    pub expires_at: u64,
}

/// A passkey of the user (`GET /passkeys`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Passkey {
    /// Its id.
    pub id: String,
    /// The name the user gave it.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// When it last signed in (RFC 3339).
    #[serde(default)]
    pub last_used_at: Option<String>,
}

impl AuthClient {
    /// A client for the project at `project_url` (its Auth API is at `<project_url>/auth/v1`),
    /// sending `api_key` as `apikey`, with the default [`Timeouts`].
    pub fn new(project_url: &str, api_key: ApiKey) -> Result<Self, ClientError> {
        Self::with_timeouts(project_url, api_key, Timeouts::default())
    }

    /// Like [`AuthClient::new`] with other timeouts.
    pub fn with_timeouts(
        project_url: &str,
        api_key: ApiKey,
        timeouts: Timeouts,
    ) -> Result<Self, ClientError> {
        let invalid = || ClientError::InvalidUrl(project_url.to_owned());
        let project_url = Url::parse(project_url.trim_end_matches('/')).map_err(|_| invalid())?;
        if !matches!(project_url.scheme(), "http" | "https") || project_url.host().is_none() {
            return Err(invalid());
        }
        let auth_url = Url::parse(&format!(
            "{}/auth/v1/",
            project_url.as_str().trim_end_matches('/')
        ))
        .map_err(|_| invalid())?;
        install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                project_url,
                auth_url,
                api_key,
                secret_key: None,
                headers: http::HeaderMap::new(),
            }),
            client_ip: None,
            captcha_token: None,
        })
    }

    fn with_inner(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner::clone(&self.inner);
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
            client_ip: self.client_ip,
            captcha_token: self.captcha_token,
        }
    }

    /// This client, sending `headers` with every call as well (supabase-js's `global.headers`):
    /// for a gateway in front of the auth server that wants a header of its own.
    pub fn with_headers(self, headers: http::HeaderMap) -> Self {
        self.with_inner(|inner| inner.headers = headers)
    }

    /// This client, forwarding end users' addresses (Supabase's IP address forwarding): each
    /// call made for an end user ([`AuthClient::for_client_ip`]) carries `secret_key` as
    /// `apikey` and the user's address in [`FORWARDED_FOR_HEADER`], so the project's per-address
    /// rate limits count that user rather than this server. The secret key is never a bearer:
    /// the caller stays the user (or nobody), never an admin, so CAPTCHA and every user check
    /// still apply. Turn on "IP address forwarding" in the project's rate-limit settings too.
    pub fn with_secret_key(self, secret_key: ApiKey) -> Self {
        self.with_inner(|inner| inner.secret_key = Some(secret_key))
    }

    /// Whether calls for end users forward their addresses.
    pub fn forwards_addresses(&self) -> bool {
        self.inner.secret_key.is_some()
    }

    /// A clone that calls on behalf of the end user at `ip`, forwarding it in
    /// [`FORWARDED_FOR_HEADER`] (with the secret key, see [`AuthClient::with_secret_key`]) so the
    /// auth server's per-client limits count that user, not this server. Cheap: one reference
    /// count.
    pub fn for_client_ip(&self, ip: Option<std::net::IpAddr>) -> Self {
        Self {
            inner: self.inner.clone(),
            client_ip: ip,
            captcha_token: self.captcha_token.clone(),
        }
    }

    /// A clone that sends the end user's CAPTCHA answer (the token the provider's widget gave
    /// the browser) with the calls Supabase Auth checks CAPTCHA on: sign-up, password sign-in,
    /// anonymous sign-in, codes and magic links, recovery and resends
    /// (`gotrue_meta_security.captcha_token`).
    pub fn with_captcha_token(&self, token: Option<&str>) -> Self {
        Self {
            inner: self.inner.clone(),
            client_ip: self.client_ip,
            captcha_token: token.filter(|token| !token.is_empty()).map(Arc::from),
        }
    }

    /// Adds the CAPTCHA answer, if any, to a request body.
    fn add_captcha(&self, body: &mut Map<String, Value>) {
        if let Some(token) = &self.captcha_token {
            body.insert(
                "gotrue_meta_security".into(),
                json!({ "captcha_token": &**token }),
            );
        }
    }

    /// The end user's address this client forwards, if any.
    pub fn client_ip(&self) -> Option<std::net::IpAddr> {
        self.client_ip
    }

    /// The project URL.
    pub fn project_url(&self) -> &Url {
        &self.inner.project_url
    }

    /// The Auth API base, `<project url>/auth/v1/`; also the issuer of its tokens (without the
    /// trailing slash).
    pub fn auth_url(&self) -> &Url {
        &self.inner.auth_url
    }

    fn endpoint(&self, path: &str) -> Url {
        self.inner
            .auth_url
            .join(path.trim_start_matches('/'))
            .expect("endpoint paths are valid relative URLs")
    }

    /// A call to `path`: as the user of `token`, or as nobody (the publishable key as bearer, as
    /// supabase-js sends it); for an end user with a known address and the secret key, with the
    /// address forwarded.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&AccessToken>,
    ) -> RequestBuilder {
        let inner = &self.inner;
        let bearer = token.map_or(inner.api_key.expose_secret(), AccessToken::expose_secret);
        let forwarded = self.client_ip.zip(inner.secret_key.as_ref());
        let api_key = forwarded.map_or(&inner.api_key, |(_, secret_key)| secret_key);
        let request = inner
            .http
            .request(method, self.endpoint(path))
            .headers(inner.headers.clone())
            .header("apikey", api_key.expose_secret())
            .bearer_auth(bearer)
            .header("x-client-info", CLIENT_INFO)
            .header("x-supabase-api-version", API_VERSION);
        match forwarded {
            Some((ip, _)) => request.header(FORWARDED_FOR_HEADER, ip.to_string()),
            None => request,
        }
    }

    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
    ) -> Result<(StatusCode, bytes::Bytes), Error> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status();
        let header_code = response
            .headers()
            .get("x-sb-error-code")
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(Error::Transport)?;
        if status.is_server_error() {
            let answer = ApiError::from_answer(status, header_code.as_deref(), &body);
            let code = (answer.code != crate::ErrorCode::Unknown).then_some(answer.code);
            return Err(Error::Server { status, code });
        }
        if !status.is_success() {
            return Err(ApiError::from_answer(status, header_code.as_deref(), &body).into());
        }
        Ok((status, body))
    }

    /// Sends a request the auth server answers with `{url}` (`skip_http_redirect`): the URL the
    /// browser goes to.
    async fn send_url(&self, request: RequestBuilder) -> Result<Url, Error> {
        #[derive(Deserialize)]
        struct Answer {
            url: Url,
        }
        self.send_json::<Answer>(request)
            .await
            .map(|answer| answer.url)
    }

    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        let (status, body) = self.send(request).await?;
        serde_json::from_slice(&body).map_err(|error| Error::UnexpectedResponse {
            status,
            detail: error.to_string(),
        })
    }

    async fn send_session(&self, request: RequestBuilder) -> Result<Session, Error> {
        let session: Session = self.send_json(request).await?;
        Ok(session.with_expiry_from(crate::unix_now()))
    }

    async fn send_auth_response(&self, request: RequestBuilder) -> Result<AuthResponse, Error> {
        let (status, body) = self.send(request).await?;
        let value: Value =
            serde_json::from_slice(&body).map_err(|error| Error::UnexpectedResponse {
                status,
                detail: error.to_string(),
            })?;
        let unexpected = |error: serde_json::Error| Error::UnexpectedResponse {
            status,
            detail: error.to_string(),
        };
        if value.get("access_token").is_some() {
            let session: Session = serde_json::from_value(value).map_err(unexpected)?;
            Ok(AuthResponse::Session(Box::new(
                session.with_expiry_from(crate::unix_now()),
            )))
        } else {
            let user = value.get("user").cloned().unwrap_or(value);
            Ok(AuthResponse::User(Box::new(
                serde_json::from_value(user).map_err(unexpected)?,
            )))
        }
    }

    /// `POST /signup`: a new user with `credentials` and user metadata `data`. Answers with a
    /// session when no confirmation is needed, else with the user.
    pub async fn sign_up(
        &self,
        credentials: Credentials<'_>,
        data: Value,
        options: EmailOptions<'_>,
    ) -> Result<AuthResponse, Error> {
        let mut body = credentials.to_json();
        body.insert("data".into(), data);
        add_challenge(&mut body, options.challenge);
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "signup", None)
            .query(&redirect_query(options.redirect_to))
            .json(&body);
        self.send_auth_response(request).await
    }

    /// `POST /signup` without credentials: an anonymous user.
    pub async fn sign_in_anonymously(&self, data: Value) -> Result<Session, Error> {
        let mut body = Map::new();
        body.insert("data".into(), data);
        self.add_captcha(&mut body);
        let request = self.request(Method::POST, "signup", None).json(&body);
        self.send_session(request).await
    }

    /// `POST /token?grant_type=password`.
    pub async fn sign_in_with_password(
        &self,
        credentials: Credentials<'_>,
    ) -> Result<Session, Error> {
        let mut body = credentials.to_json();
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "token", None)
            .query(&[("grant_type", "password")])
            .json(&body);
        self.send_session(request).await
    }

    /// `POST /token?grant_type=web3`: signs in the wallet that signed `message` (a
    /// Sign-In-with-Ethereum or -Solana message) as `signature` on `chain` (`ethereum`, `solana`).
    pub async fn sign_in_with_web3(
        &self,
        chain: &str,
        message: &str,
        signature: &str,
    ) -> Result<Session, Error> {
        let mut body = Map::new();
        body.insert("chain".into(), json!(chain));
        body.insert("message".into(), json!(message));
        body.insert("signature".into(), json!(signature));
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "token", None)
            .query(&[("grant_type", "web3")])
            .json(&body);
        self.send_session(request).await
    }

    /// `POST /token?grant_type=refresh_token`: the next session for `refresh_token`.
    pub async fn refresh_session(&self, refresh_token: &RefreshToken) -> Result<Session, Error> {
        let request = self
            .request(Method::POST, "token", None)
            .query(&[("grant_type", "refresh_token")])
            .json(&json!({ "refresh_token": refresh_token.expose_secret() }));
        self.send_session(request).await
    }

    /// `POST /token?grant_type=pkce`: trades the `code` of a PKCE flow for a session. The
    /// verifier is consumed: a flow is exchanged once.
    pub async fn exchange_code_for_session(
        &self,
        code: &str,
        verifier: PkceVerifier,
    ) -> Result<Session, Error> {
        let request = self
            .request(Method::POST, "token", None)
            .query(&[("grant_type", "pkce")])
            .json(&json!({ "auth_code": code, "code_verifier": verifier.into_secret() }));
        self.send_session(request).await
    }

    /// `POST /otp`: mails a magic link and code to `email` (creating the user when
    /// `create_user`).
    pub async fn sign_in_with_otp(
        &self,
        email: &str,
        create_user: bool,
        options: EmailOptions<'_>,
    ) -> Result<(), Error> {
        let mut body = Map::new();
        body.insert("email".into(), email.into());
        body.insert("create_user".into(), create_user.into());
        add_challenge(&mut body, options.challenge);
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "otp", None)
            .query(&redirect_query(options.redirect_to))
            .json(&body);
        self.send(request).await.map(drop)
    }

    /// `POST /otp` for a phone: texts a sign-in code to `phone` (creating the user when
    /// `create_user`); `POST /verify` with [`OtpType::Sms`] checks it.
    pub async fn sign_in_with_phone_otp(
        &self,
        phone: &str,
        create_user: bool,
    ) -> Result<(), Error> {
        let mut body = Map::new();
        body.insert("phone".into(), phone.into());
        body.insert("create_user".into(), create_user.into());
        body.insert("channel".into(), "sms".into());
        self.add_captcha(&mut body);
        let request = self.request(Method::POST, "otp", None).json(&body);
        self.send(request).await.map(drop)
    }

    /// `POST /verify`: checks an email link's token hash or a typed code.
    pub async fn verify_otp(&self, verify: VerifyOtp<'_>) -> Result<AuthResponse, Error> {
        let body = match verify {
            VerifyOtp::TokenHash { token_hash, kind } => {
                json!({ "token_hash": token_hash, "type": kind.as_str() })
            }
            VerifyOtp::Code {
                email_or_phone,
                token,
                kind,
            } => {
                let field = if matches!(kind, OtpType::Sms | OtpType::PhoneChange) {
                    "phone"
                } else {
                    "email"
                };
                json!({ field: email_or_phone, "token": token, "type": kind.as_str() })
            }
        };
        let request = self.request(Method::POST, "verify", None).json(&body);
        self.send_auth_response(request).await
    }

    /// `POST /recover`: mails a password-reset link to `email`.
    pub async fn reset_password_for_email(
        &self,
        email: &str,
        options: EmailOptions<'_>,
    ) -> Result<(), Error> {
        let mut body = Map::new();
        body.insert("email".into(), email.into());
        add_challenge(&mut body, options.challenge);
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "recover", None)
            .query(&redirect_query(options.redirect_to))
            .json(&body);
        self.send(request).await.map(drop)
    }

    /// `POST /resend`: sends the `kind` mail (`signup` or `email_change`) to `email` again.
    pub async fn resend(
        &self,
        email: &str,
        kind: OtpType,
        options: EmailOptions<'_>,
    ) -> Result<(), Error> {
        let mut body = Map::new();
        body.insert("email".into(), email.into());
        body.insert("type".into(), kind.as_str().into());
        self.add_captcha(&mut body);
        let request = self
            .request(Method::POST, "resend", None)
            .query(&redirect_query(options.redirect_to))
            .json(&body);
        self.send(request).await.map(drop)
    }

    /// `GET /user`: the user the access token belongs to, as the server sees it now.
    pub async fn get_user(&self, token: &AccessToken) -> Result<User, Error> {
        self.send_json(self.request(Method::GET, "user", Some(token)))
            .await
    }

    /// `PUT /user`: changes the email address, phone number, password (with `nonce` when the
    /// project requires reauthentication) or `user_metadata`.
    pub async fn update_user(
        &self,
        token: &AccessToken,
        changes: &UserChanges<'_>,
        options: EmailOptions<'_>,
    ) -> Result<User, Error> {
        let mut body = match serde_json::to_value(changes) {
            Ok(Value::Object(body)) => body,
            _ => Map::new(),
        };
        add_challenge(&mut body, options.challenge);
        let request = self
            .request(Method::PUT, "user", Some(token))
            .query(&redirect_query(options.redirect_to))
            .json(&body);
        self.send_json(request).await
    }

    /// `GET /reauthenticate`: mails a code that `PUT /user` accepts as `nonce`.
    pub async fn reauthenticate(&self, token: &AccessToken) -> Result<(), Error> {
        self.send(self.request(Method::GET, "reauthenticate", Some(token)))
            .await
            .map(drop)
    }

    /// `POST /logout?scope=`: ends sessions. A token the server no longer knows counts as signed
    /// out (401, 403 and 404 are not errors), as in the official client.
    pub async fn sign_out(&self, token: &AccessToken, scope: SignOutScope) -> Result<(), Error> {
        let request = self
            .request(Method::POST, "logout", Some(token))
            .query(&[("scope", scope)]);
        match self.send(request).await {
            Ok(_) => Ok(()),
            Err(Error::Api(error)) if matches!(error.status.as_u16(), 401 | 403 | 404) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// `GET /settings`.
    pub async fn settings(&self) -> Result<Settings, Error> {
        self.send_json(self.request(Method::GET, "settings", None))
            .await
    }

    /// `POST /factors`: starts enrolling a TOTP factor.
    pub async fn enroll_totp(
        &self,
        token: &AccessToken,
        friendly_name: Option<&str>,
        issuer: Option<&str>,
    ) -> Result<TotpEnrollment, Error> {
        let request = self
            .request(Method::POST, "factors", Some(token))
            .json(&json!({
                "factor_type": FactorType::Totp.as_str(),
                "friendly_name": friendly_name,
                "issuer": issuer,
            }));
        self.send_json(request).await
    }

    /// `POST /factors/{id}/challenge`.
    pub async fn challenge_factor(
        &self,
        token: &AccessToken,
        factor_id: &str,
    ) -> Result<Challenge, Error> {
        let path = format!("factors/{}/challenge", path_segment(factor_id));
        self.send_json(
            self.request(Method::POST, &path, Some(token))
                .json(&json!({})),
        )
        .await
    }

    /// `POST /factors/{id}/verify`: checks a code; answers with an aal2 session.
    pub async fn verify_factor(
        &self,
        token: &AccessToken,
        factor_id: &str,
        challenge_id: &str,
        code: &str,
    ) -> Result<Session, Error> {
        let path = format!("factors/{}/verify", path_segment(factor_id));
        let request = self
            .request(Method::POST, &path, Some(token))
            .json(&json!({ "challenge_id": challenge_id, "code": code }));
        self.send_session(request).await
    }

    /// `POST /factors`: starts enrolling a `webauthn` factor (a security key or passkey as second
    /// factor); its first challenge registers the credential. Answers with the factor id.
    pub async fn enroll_webauthn(
        &self,
        token: &AccessToken,
        friendly_name: Option<&str>,
    ) -> Result<String, Error> {
        let request = self
            .request(Method::POST, "factors", Some(token))
            .json(&json!({
                "factor_type": FactorType::Webauthn.as_str(),
                "friendly_name": friendly_name,
            }));
        self.send_json::<Enrolled>(request)
            .await
            .map(|enrolled| enrolled.id)
    }

    /// `POST /factors` for a phone factor: a new unverified factor of `phone` (with its country
    /// code); its id. Its first challenge texts the code that verifies it.
    pub async fn enroll_phone(
        &self,
        token: &AccessToken,
        phone: &str,
        friendly_name: Option<&str>,
    ) -> Result<String, Error> {
        let request = self
            .request(Method::POST, "factors", Some(token))
            .json(&json!({
                "factor_type": FactorType::Phone.as_str(),
                "phone": phone,
                "friendly_name": friendly_name,
            }));
        self.send_json::<Enrolled>(request)
            .await
            .map(|enrolled| enrolled.id)
    }

    /// `POST /factors/{id}/verify` for a `webauthn` factor: the browser's `credential` (its
    /// `toJSON()`) answering challenge `challenge_id`; answers with an aal2 session.
    pub async fn verify_webauthn_factor(
        &self,
        token: &AccessToken,
        factor_id: &str,
        challenge_id: &str,
        kind: WebauthnCeremonyKind,
        credential: &Value,
    ) -> Result<Session, Error> {
        let path = format!("factors/{}/verify", path_segment(factor_id));
        let request = self.request(Method::POST, &path, Some(token)).json(&json!({
            "challenge_id": challenge_id,
            "webauthn": { "type": kind, "credential_response": credential },
        }));
        self.send_session(request).await
    }

    /// `POST /passkeys/registration/options`: a ceremony that adds a passkey to the user.
    pub async fn passkey_registration_options(
        &self,
        token: &AccessToken,
    ) -> Result<PasskeyCeremony, Error> {
        let request = self
            .request(Method::POST, "passkeys/registration/options", Some(token))
            .json(&json!({}));
        self.send_json(request).await
    }

    /// `POST /passkeys/registration/verify`: stores the passkey the browser's `credential`
    /// created in ceremony `challenge_id`.
    pub async fn passkey_registration_verify(
        &self,
        token: &AccessToken,
        challenge_id: &str,
        credential: &Value,
    ) -> Result<Passkey, Error> {
        let request = self
            .request(Method::POST, "passkeys/registration/verify", Some(token))
            .json(&json!({ "challenge_id": challenge_id, "credential": credential }));
        self.send_json(request).await
    }

    /// `POST /passkeys/authentication/options`: a ceremony that signs in with a passkey.
    pub async fn passkey_authentication_options(&self) -> Result<PasskeyCeremony, Error> {
        let request = self
            .request(Method::POST, "passkeys/authentication/options", None)
            .json(&json!({}));
        self.send_json(request).await
    }

    /// `POST /passkeys/authentication/verify`: the session of the user whose passkey signed
    /// ceremony `challenge_id` (`credential`: the browser's assertion).
    pub async fn passkey_authentication_verify(
        &self,
        challenge_id: &str,
        credential: &Value,
    ) -> Result<Session, Error> {
        let request = self
            .request(Method::POST, "passkeys/authentication/verify", None)
            .json(&json!({ "challenge_id": challenge_id, "credential": credential }));
        self.send_session(request).await
    }

    /// `GET /passkeys`.
    pub async fn list_passkeys(&self, token: &AccessToken) -> Result<Vec<Passkey>, Error> {
        self.send_json(self.request(Method::GET, "passkeys", Some(token)))
            .await
    }

    /// `PATCH /passkeys/{id}`: renames a passkey.
    pub async fn rename_passkey(
        &self,
        token: &AccessToken,
        passkey_id: &str,
        friendly_name: &str,
    ) -> Result<Passkey, Error> {
        let path = format!("passkeys/{}", path_segment(passkey_id));
        let request = self
            .request(Method::PATCH, &path, Some(token))
            .json(&json!({ "friendly_name": friendly_name }));
        self.send_json(request).await
    }

    /// `DELETE /passkeys/{id}`.
    pub async fn delete_passkey(&self, token: &AccessToken, passkey_id: &str) -> Result<(), Error> {
        let path = format!("passkeys/{}", path_segment(passkey_id));
        self.send(self.request(Method::DELETE, &path, Some(token)))
            .await
            .map(drop)
    }

    /// `DELETE /factors/{id}`.
    pub async fn unenroll_factor(&self, token: &AccessToken, factor_id: &str) -> Result<(), Error> {
        let path = format!("factors/{}", path_segment(factor_id));
        self.send(self.request(Method::DELETE, &path, Some(token)))
            .await
            .map(drop)
    }

    /// `GET /user/identities/authorize`: the provider URL that links a new identity to the user.
    pub async fn link_identity_url(
        &self,
        token: &AccessToken,
        provider: &str,
        redirect_to: Option<&str>,
        challenge: &PkceChallenge,
    ) -> Result<Url, Error> {
        let mut query = vec![
            ("provider", provider),
            ("skip_http_redirect", "true"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", CHALLENGE_METHOD),
        ];
        query.extend(redirect_to.map(|to| ("redirect_to", to)));
        let request = self
            .request(Method::GET, "user/identities/authorize", Some(token))
            .query(&query);
        self.send_url(request).await
    }

    /// `DELETE /user/identities/{id}`.
    pub async fn unlink_identity(
        &self,
        token: &AccessToken,
        identity_id: &str,
    ) -> Result<(), Error> {
        let path = format!("user/identities/{}", path_segment(identity_id));
        self.send(self.request(Method::DELETE, &path, Some(token)))
            .await
            .map(drop)
    }

    /// `POST /sso`: starts a SAML single sign-on with the provider that has `domain` (an email
    /// domain) and returns the identity provider's URL; the browser goes there, and comes back to
    /// `redirect_to` with `?code=`.
    pub async fn sso_url(
        &self,
        domain: &str,
        redirect_to: Option<&str>,
        challenge: &PkceChallenge,
    ) -> Result<Url, Error> {
        let mut body = Map::new();
        body.insert("domain".into(), json!(domain));
        body.insert("skip_http_redirect".into(), json!(true));
        if let Some(to) = redirect_to {
            body.insert("redirect_to".into(), json!(to));
        }
        add_challenge(&mut body, Some(challenge));
        self.add_captcha(&mut body);
        let request = self.request(Method::POST, "sso", None).json(&body);
        self.send_url(request).await
    }

    /// The `/authorize` URL that starts an OAuth sign-in with `provider` (no request is made):
    /// the browser goes there, and comes back to `redirect_to` with `?code=`.
    pub fn authorize_url(
        &self,
        provider: &str,
        redirect_to: Option<&str>,
        scopes: Option<&str>,
        challenge: &PkceChallenge,
    ) -> Url {
        let mut url = self.endpoint("authorize");
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("provider", provider);
            if let Some(to) = redirect_to {
                query.append_pair("redirect_to", to);
            }
            if let Some(scopes) = scopes {
                query.append_pair("scopes", scopes);
            }
            query.append_pair("code_challenge", challenge.as_str());
            query.append_pair("code_challenge_method", CHALLENGE_METHOD);
        }
        url
    }

    /// `GET /.well-known/jwks.json`: the project's public signing keys.
    pub async fn jwks(&self) -> Result<JwkSet, Error> {
        self.send_json(self.request(Method::GET, ".well-known/jwks.json", None))
            .await
    }

    /// The public signing keys of another issuer (a third-party auth provider): its OpenID
    /// Connect discovery document at `discovery` names its `jwks_uri`, fetched next (over https
    /// when the document came over https). Neither request carries this client's keys or
    /// headers; both have its timeouts.
    pub async fn discovered_jwks(&self, discovery: &Url) -> Result<JwkSet, Error> {
        #[derive(Deserialize)]
        struct Discovery {
            jwks_uri: Url,
        }
        let found: Discovery = self
            .send_json(self.inner.http.get(discovery.clone()))
            .await?;
        // Over https, unless the discovery document itself came over http (a development
        // issuer on this machine): the keys are no better protected than the document naming them.
        let secure = found.jwks_uri.scheme() == "https"
            || (found.jwks_uri.scheme() == "http" && discovery.scheme() == "http");
        if !secure {
            return Err(Error::UnexpectedResponse {
                status: StatusCode::OK,
                detail: format!("jwks_uri {} is not an https URL", found.jwks_uri),
            });
        }
        self.send_json(self.inner.http.get(found.jwks_uri)).await
    }
}

/// Makes rustls' ring provider the process default unless one is installed already.
///
/// This workspace builds reqwest with rustls but without a built-in provider (ring is already in
/// the tree; aws-lc would add a C build), so every reqwest client needs a process default first.
/// [`AuthClient::new`] calls this; call it at the start of `main` and of tests that build their
/// own reqwest clients.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn add_challenge(body: &mut Map<String, Value>, challenge: Option<&PkceChallenge>) {
    if let Some(challenge) = challenge {
        body.insert("code_challenge".into(), challenge.as_str().into());
        body.insert("code_challenge_method".into(), CHALLENGE_METHOD.into());
    }
}

fn redirect_query(redirect_to: Option<&str>) -> Vec<(&'static str, &str)> {
    redirect_to
        .map(|to| ("redirect_to", to))
        .into_iter()
        .collect()
}

/// Ids come from users and servers; escaping keeps them one path segment.
pub(crate) fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_changes_send_only_what_is_set_and_never_print_secrets() {
        let changes = UserChanges {
            password: Some("hunter22"),
            nonce: Some("123456"),
            ..Default::default()
        };

        assert_eq!(
            serde_json::to_value(changes).unwrap(),
            json!({ "password": "hunter22", "nonce": "123456" })
        );
        let printed = format!("{changes:?}");
        assert!(
            !printed.contains("hunter22") && !printed.contains("123456"),
            "{printed}"
        );
    }

    fn client() -> AuthClient {
        AuthClient::new("http://127.0.0.1:54321/", ApiKey::new("sb_publishable_x")).unwrap()
    }

    #[test]
    fn urls_are_built_under_auth_v1() {
        let client = client();

        assert_eq!(
            client.auth_url().as_str(),
            "http://127.0.0.1:54321/auth/v1/"
        );
        assert_eq!(
            client.endpoint("token").as_str(),
            "http://127.0.0.1:54321/auth/v1/token"
        );
    }

    #[test]
    fn the_authorize_url_carries_the_pkce_challenge() {
        let verifier = PkceVerifier::generate();

        let url = client().authorize_url(
            "github",
            Some("http://localhost:3000/auth/callback?next=/a b"),
            None,
            &verifier.challenge(),
        );

        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(url.path(), "/auth/v1/authorize");
        assert!(pairs.contains(&("provider".into(), "github".into())));
        assert!(pairs.contains(&(
            "redirect_to".into(),
            "http://localhost:3000/auth/callback?next=/a b".into()
        )));
        assert!(pairs.contains(&("code_challenge_method".into(), "s256".into())));
        assert!(pairs.contains(&(
            "code_challenge".into(),
            verifier.challenge().as_str().into()
        )));
    }

    #[test]
    fn bad_project_urls_are_refused() {
        for url in ["", "not a url", "ftp://x", "mailto:a@b"] {
            assert!(matches!(
                AuthClient::new(url, ApiKey::new("k")),
                Err(ClientError::InvalidUrl(_))
            ));
        }
    }

    #[test]
    fn ids_stay_one_path_segment() {
        assert_eq!(path_segment("a/../b"), "a%2F..%2Fb");
    }

    #[test]
    fn otp_types_use_their_wire_names() {
        assert_eq!(OtpType::parse("email_change"), Some(OtpType::EmailChange));
        assert_eq!(OtpType::parse("nope"), None);
        assert_eq!(OtpType::Magiclink.as_str(), "magiclink");
    }
}
