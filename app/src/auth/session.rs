//! The session of the request being rendered, as the server's session layer verified it: what
//! the page knows of it ([`SessionView`]), shared through context ([`Auth`]), and the
//! `/api/session` server function islands ask.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
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
    pub session: AsyncDerived<Result<SessionView, ServerFnError>>,
}

impl Auth {
    /// Reads the session and provides it to the context.
    pub fn provide() -> Self {
        let auth = Self {
            session: AsyncDerived::new(current_session),
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
