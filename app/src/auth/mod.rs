//! Who is signed in, as the server's session layer verified it, and how the page shows it.
//!
//! The session is read during server rendering and serialized into the page with it, so the
//! hydrated app starts from the same answer without asking again.

pub mod account;
pub mod browser_session;
mod cross_tab;
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
    /// The phone number (E.164 digits), when the user has one.
    pub phone: Option<String>,
    /// A guest (anonymous) user.
    pub is_anonymous: bool,
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

/// The ways to sign in besides email and password, as the auth server offers them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// OAuth providers (`github`, `google`, …).
    pub providers: Vec<String>,
    /// Guest (anonymous) sign-in.
    pub guests: bool,
    /// Phone sign-in with a texted code.
    pub phone: bool,
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

/// The session, shared by every page through context, and read again after every auth form.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The current session with the number of changes it reflects; rendered on the server and
    /// serialized into the page, so the hydrated app starts from it without a request.
    pub session: Resource<(usize, Result<SessionView, ServerFnError>)>,
    /// Sign-out, offered in the header on every page.
    pub sign_out: ServerAction<forms::SignOut>,
    /// How many auth forms have completed in this page's life.
    changes: RwSignal<usize>,
    /// Where to go once the session reflects the latest change; kept until the router is there.
    pending: RwSignal<Option<String>>,
    /// Whether the navigation to `pending` has been started.
    navigated: RwSignal<bool>,
    /// The router's current path.
    path: Memo<String>,
}

impl Auth {
    /// Creates the session resource and the sign-out action and provides them to the context.
    /// Must run inside the router.
    pub fn provide() -> Self {
        let changes = RwSignal::new(0);
        let pending = RwSignal::new(None::<String>);
        let navigated = RwSignal::new(false);
        let session = Resource::new(
            move || changes.get(),
            |change| async move { (change, current_session().await) },
        );
        let location = leptos_router::hooks::use_location();
        let auth = Self {
            session,
            sign_out: ServerAction::new(),
            changes,
            pending,
            navigated,
            path: location.pathname,
        };
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            let fresh = session
                .get()
                .is_some_and(|(change, _)| change == changes.get());
            if fresh
                && !navigated.get()
                && let Some(target) = pending.get()
            {
                navigated.set(true);
                navigate(&target, Default::default());
            }
        });
        // The navigation is over once the router shows the target's path. Until then pages for
        // signed-in users wait: the page being left must not redirect on the new session.
        Effect::new(move |_| {
            let path = location.pathname.get();
            let arrived = pending.with(|target| {
                target
                    .as_deref()
                    .is_some_and(|target| target.split(['?', '#']).next() == Some(path.as_str()))
            });
            if navigated.get() && arrived {
                pending.set(None);
                navigated.set(false);
            }
        });
        auth.follow(auth.sign_out);
        // Another tab changed the session: read it again. A refetch keeps showing the current
        // answer until the new one arrives, so nothing flickers.
        cross_tab::listen(move || session.refetch());
        provide_context(auth);
        auth
    }

    /// After each successful answer of `action` (a page to go to), reloads the session and then
    /// navigates there, so the next page renders with the new session (a protected page does not
    /// see the old one and send the user back to sign in).
    pub fn follow<S>(&self, action: ServerAction<S>)
    where
        S: leptos::server_fn::ServerFn<Output = String> + Clone + Send + Sync + 'static,
        S::Error: Clone + Send + Sync + 'static,
    {
        let Self {
            changes,
            pending,
            navigated,
            ..
        } = *self;
        Effect::new(move |seen: Option<usize>| {
            let version = action.version().get();
            if seen.is_some_and(|seen| seen != version)
                && let Some(Ok(target)) = action.value().get_untracked()
            {
                pending.set(Some(target));
                navigated.set(false);
                changes.update(|count| *count += 1);
                cross_tab::announce();
            }
            version
        });
    }

    /// Whether the page for signed-in users at `path` may show: someone is signed in with a
    /// complete session (their authenticator code entered when they have an app). `None` while
    /// the session is being read again, and once the router has left `path` (a page being left
    /// stays on screen while the next one loads, and must not redirect meanwhile).
    pub fn may_show(&self, path: &str) -> Option<bool> {
        if self.path.with(|here| here != path) {
            return None;
        }
        self.current()
            .map(|view| view.user.is_some() && !view.needs_mfa)
    }

    /// Where a page for signed-in users sends a visitor who may not see it: the code form for a
    /// session that still needs its authenticator code, else the sign-in page.
    pub fn gate(&self, path: &str) -> String {
        let needs_mfa = self.current().is_some_and(|view| view.needs_mfa);
        let page = if needs_mfa {
            "/auth/mfa"
        } else {
            "/auth/login"
        };
        let query = url_query(&[("next", path)]);
        format!("{page}?{query}")
    }

    /// The session view, once it reflects the latest change and no navigation that follows a
    /// change is still pending: until then a page for signed-in users neither shows nor sends
    /// the visitor away (signing out on `/account` goes home, not to sign in again).
    fn current(&self) -> Option<SessionView> {
        if self.pending.get().is_some() {
            return None;
        }
        match self.session.get() {
            Some((change, view)) if change == self.changes.get() => Some(view.unwrap_or_default()),
            _ => None,
        }
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
            needs_mfa: ssr::needs_mfa(&user),
            user: Some(SessionUser {
                id: user.id().to_owned(),
                email: user
                    .email()
                    .filter(|email| !email.is_empty())
                    .map(str::to_owned),
                phone: Some(user.claims().phone.clone()).filter(|phone| !phone.is_empty()),
                is_anonymous: user.claims().is_anonymous,
            }),
            auth_unavailable: false,
        },
        AuthState::SignedOut { auth_unavailable } => SessionView {
            user: None,
            auth_unavailable,
            needs_mfa: false,
        },
    })
}

/// A URL query string of `pairs`, percent-encoded as the server's redirects encode it (works in
/// the server and the browser).
pub fn url_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
