//! Who is signed in, as the server's session layer verified it, and how the page shows it.
//!
//! The session is read during server rendering and serialized into the page with it, so the
//! hydrated app starts from the same answer without asking again.

mod status;

pub use status::UserStatus;

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
