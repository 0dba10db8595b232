//! Who is signed in, as the server's session layer verified it, and how the page shows it.
//!
//! The session is read during server rendering and serialized into the page with it, so the
//! hydrated app starts from the same answer without asking again.

mod error;
pub mod forms;
#[cfg(feature = "ssr")]
pub mod ssr;
mod status;

pub use error::AuthError;
pub use status::UserStatus;

/// The page only signed-in users see; sign-in and confirmation links lead there by default.
pub const PROTECTED_PATH: &str = "/protected";
/// The shortest password the forms accept (the Supabase default; keep it equal to the project's
/// `minimum_password_length`).
pub const MIN_PASSWORD_LENGTH: usize = 6;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user, as much of it as the page needs. Built from the verified JWT claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The user id.
    pub id: String,
    /// The email address, when the user has one.
    pub email: Option<String>,
}

/// What the page knows about the session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The user, when signed in.
    pub user: Option<SessionUser>,
    /// A session exists but the auth server could not be reached to renew it.
    pub auth_unavailable: bool,
}

/// The session, shared by every page through context, and read again whenever an auth action
/// completes.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The current session, rendered on the server and serialized into the page.
    pub session: Resource<Result<SessionView, ServerFnError>>,
    /// Sign-out, offered in the header on every page.
    pub sign_out: ServerAction<forms::SignOut>,
    changes: RwSignal<usize>,
}

impl Auth {
    /// Creates the session resource and the sign-out action and provides them to the context.
    pub fn provide() -> Self {
        let sign_out = ServerAction::new();
        let changes = RwSignal::new(0);
        let session = Resource::new(
            move || (changes.get(), sign_out.version().get()),
            |_| current_session(),
        );
        let auth = Self {
            session,
            sign_out,
            changes,
        };
        provide_context(auth);
        auth
    }

    /// Reads the session again each time `action` completes. Pages create their form actions
    /// themselves (inside the router, where a form posted without JavaScript finds its error) and
    /// register them here.
    pub fn refresh_after<S>(&self, action: ServerAction<S>)
    where
        S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
        S::Error: Send + Sync + 'static,
    {
        let changes = self.changes;
        Effect::new(move |_| {
            if action.version().get() > 0 {
                changes.update(|count| *count += 1);
            }
        });
    }

    /// Whether someone is signed in; `None` while the session is being read.
    pub fn signed_in(&self) -> Option<bool> {
        self.session
            .get()
            .map(|view| view.is_ok_and(|view| view.user.is_some()))
    }
}

/// The [`Auth`] that the app's layout provided.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The session of this request, as the session layer verified it.
#[server(endpoint = "session")]
pub async fn current_session() -> Result<SessionView, ServerFnError> {
    use supabase_auth::axum::AuthState;

    let state: AuthState = leptos_axum::extract().await?;
    Ok(match state {
        AuthState::SignedIn(user) => SessionView {
            user: Some(SessionUser {
                id: user.id().to_owned(),
                email: user.email().map(str::to_owned),
            }),
            auth_unavailable: false,
        },
        AuthState::SignedOut { auth_unavailable } => SessionView {
            user: None,
            auth_unavailable,
        },
    })
}
