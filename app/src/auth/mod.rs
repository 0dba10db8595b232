//! Who is signed in, as the server's session layer verified it, and how the page shows it.
//!
//! The session is read while the server renders the page; the header's [`SessionSync`] island
//! gets a key of it, so open tabs notice when another one signs in or out.

mod error;
#[cfg(feature = "ssr")]
pub mod limits;
mod session_sync;
#[cfg(feature = "ssr")]
pub mod ssr;
mod status;
pub mod webauthn;

pub use error::{AuthError, Met};
pub use session_sync::SessionSync;
pub use status::UserStatus;

/// The shortest password the forms accept (the Supabase default; keep it equal to the project's
/// `minimum_password_length`).
pub const MIN_PASSWORD_LENGTH: usize = 6;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::routes::{Visitor, Visitors};

/// The signed-in user, as much of it as the page needs. Built from the verified JWT claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The user id.
    pub id: String,
    /// The email address, when the user has one.
    pub email: Option<String>,
    /// The phone number (E.164 digits), when the user has one.
    pub phone: Option<String>,
    /// A guest (anonymous) user.
    pub is_anonymous: bool,
    /// The role the verified access token carries ([`crate::routes::ROLE_CLAIM`]), when it has one.
    pub role: Option<String>,
}

impl SessionUser {
    /// How the header names the user: the address, else the number, else "a guest".
    pub fn label(&self) -> String {
        match (&self.email, &self.phone) {
            (Some(email), _) => email.clone(),
            (None, Some(phone)) => format!("+{phone}"),
            _ if self.is_anonymous => "a guest".to_owned(),
            _ => self.id.clone(),
        }
    }
}

/// A sign-in provider: its name at the auth server and as people write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// The auth server's name for it (`github`, `linkedin_oidc`, …): what forms send.
    pub id: String,
    /// How people write it (GitHub, LinkedIn).
    pub name: String,
}

#[cfg(feature = "ssr")]
impl Provider {
    /// The provider the auth server calls `id`.
    pub fn new(id: String) -> Self {
        let name = supabase_ssr::provider::display_name(&id);
        Self { id, name }
    }
}

/// The ways to sign in besides email and password, as the auth server offers them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// OAuth providers.
    pub providers: Vec<Provider>,
    /// Guest (anonymous) sign-in.
    pub guests: bool,
    /// Phone sign-in with a texted code.
    pub phone: bool,
    /// Signing in with a passkey.
    pub passkeys: bool,
}

/// A WebAuthn ceremony for the browser to run ([`webauthn`]): the id its answer goes back with,
/// and the `publicKey` options as the auth server wrote them (JSON text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceremony {
    /// The challenge id.
    pub id: String,
    /// The options, JSON.
    pub options: String,
}

/// A challenge of a `webauthn` factor (a security key as second factor): the factor, and the
/// ceremony the browser runs to answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorCeremony {
    /// The factor id.
    pub factor_id: String,
    /// The challenge's ceremony.
    pub ceremony: Ceremony,
}

/// What the browser needs to call Supabase Auth itself with the session the server set; the
/// server offers it only when the session cookies are readable by scripts (not `HttpOnly`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserAccess {
    /// The Auth API base (`<project>/auth/v1`).
    pub auth_url: String,
    /// The publishable key, sent as `apikey`.
    pub publishable_key: String,
    /// The session cookie's name (the @supabase/ssr storage key).
    pub cookie_name: String,
}

/// What the page knows about the session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The user, when signed in.
    pub user: Option<SessionUser>,
    /// A session exists but the auth server could not be reached to renew it.
    pub auth_unavailable: bool,
    /// The user has an authenticator app and this session has not entered its code yet: pages
    /// for signed-in users send them to `/auth/mfa` first.
    pub needs_mfa: bool,
}

impl SessionView {
    /// What open tabs compare to notice that the session changed elsewhere: the user and whether
    /// the session still needs its authenticator code; empty when signed out.
    pub fn sync_key(&self) -> String {
        self.user
            .as_ref()
            .map(|user| format!("{}:{}", user.id, if self.needs_mfa { "aal1" } else { "ok" }))
            .unwrap_or_default()
    }
}

/// The session of the request being rendered, shared by every page through context.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The session as the server's session layer verified it for this request.
    pub session: Resource<Result<SessionView, ServerFnError>>,
}

impl Auth {
    /// Creates the session resource and provides it to the context.
    pub fn provide() -> Self {
        let auth = Self {
            session: Resource::new(|| (), |()| current_session()),
        };
        provide_context(auth);
        provide_context(Visitors(Signal::derive(move || {
            auth.session
                .get()
                .map(|view| Visitor::from(&view.unwrap_or_default()))
        })));
        auth
    }
}

impl From<&SessionView> for Visitor {
    fn from(view: &SessionView) -> Self {
        Self {
            signed_in: view.user.is_some(),
            needs_mfa: view.needs_mfa,
            role: view.user.as_ref().and_then(|user| user.role.clone()),
        }
    }
}

/// The [`Auth`] that the app's layout provided.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The session of this request, as the session layer verified it. Pages read it while they
/// render; an island can ask for it at `/api/session`.
#[server(endpoint = "session")]
pub async fn current_session() -> Result<SessionView, ServerFnError> {
    use supabase_ssr::axum::AuthState;

    Ok(match ssr::auth_state() {
        AuthState::SignedIn(user) => SessionView {
            // When the auth server cannot say, the page shows the session as incomplete.
            needs_mfa: ssr::needs_mfa(&user).await.unwrap_or(true),
            user: Some(SessionUser {
                id: user.id().to_owned(),
                email: user
                    .email()
                    .filter(|email| !email.is_empty())
                    .map(str::to_owned),
                phone: Some(user.claims().phone.clone()).filter(|phone| !phone.is_empty()),
                is_anonymous: user.claims().is_anonymous,
                role: ssr::role(&user).map(str::to_owned),
            }),
            auth_unavailable: false,
        },
        AuthState::SignedOut {
            auth_unavailable, ..
        } => SessionView {
            user: None,
            auth_unavailable,
            needs_mfa: false,
        },
    })
}
