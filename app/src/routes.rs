//! The app's pages and who may see each: the one table (`page_table!`) that both the Leptos
//! router (`crate::pages::AppRoutes`) and the server's guard (which redirects before anything
//! renders) read, and the rule they both apply ([`Visitor::gate`]). Adding a page for signed-in
//! users is one line in the table.
//!
//! Paths used as link and redirect targets live in [`path`], so no other code spells them.
//!
//! Roles come from the verified access token's [`ROLE_CLAIM`] claim, which the auth server's
//! custom access token hook adds (see the README); a page with [`Access::Role`] answers 403 to
//! everyone else.

use leptos::prelude::*;

/// The access token claim that carries the user's role (as in Supabase's Custom Claims & RBAC
/// guide).
pub const ROLE_CLAIM: &str = "user_role";

/// Who may open a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Everyone.
    Public,
    /// Visitors who are not signed in; signed-in users are sent on to `next` (sign-in, sign-up).
    SignedOut,
    /// A signed-in session that still owes its second factor (the page that asks for it);
    /// signed-out visitors go to sign in, complete sessions on to `next`.
    SecondFactorDue,
    /// A complete session: signed in, and at `aal2` when the user has a verified factor.
    FullSession,
    /// A complete session whose verified access token carries [`ROLE_CLAIM`] with this value;
    /// other complete sessions get a 403 page.
    Role(&'static str),
}

impl Access {
    /// Whether the page needs a complete session (signed in, second factor entered when due).
    pub fn needs_full_session(self) -> bool {
        matches!(self, Self::FullSession | Self::Role(_))
    }

    /// Whether a complete session whose token carries `role` (the [`ROLE_CLAIM`] value) may see
    /// the page: always, unless the page asks for a role the token does not carry.
    pub fn admits_role(self, role: Option<&str>) -> bool {
        match self {
            Self::Role(needed) => role == Some(needed),
            _ => true,
        }
    }
}

/// A page: its path and who may open it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// The path, as the router matches it.
    pub path: &'static str,
    /// Who may open it.
    pub access: Access,
}

/// The table of pages, handed to the macro `$then`: per line, the name of its constant in
/// [`path`], its path as the router matches it, its component (in `crate::pages`), and who may
/// open it. Written once and read twice, so the two cannot disagree: here it declares [`path`]
/// and [`PAGES`], and `crate::pages` declares the router from it, so this module names no page.
macro_rules! page_table {
    ($then:ident) => {
        $then! {
            HOME = "/" => HomePage, Access::Public;
            LOGIN = "/auth/login" => LoginPage, Access::SignedOut;
            SIGN_UP = "/auth/sign-up" => SignUpPage, Access::SignedOut;
            SIGN_UP_SUCCESS = "/auth/sign-up-success" => SignUpSuccessPage, Access::Public;
            OTP = "/auth/otp" => OtpPage, Access::Public;
            FORGOT_PASSWORD = "/auth/forgot-password" => ForgotPasswordPage, Access::Public;
            UPDATE_PASSWORD = "/auth/update-password" => UpdatePasswordPage, Access::Public;
            MFA = "/auth/mfa" => MfaPage, Access::SecondFactorDue;
            PHONE = "/auth/phone" => PhonePage, Access::Public;
            AUTH_ERROR = "/auth/error" => AuthErrorPage, Access::Public;
            PROTECTED = "/protected" => ProtectedPage, Access::FullSession;
            NOTES = "/notes" => NotesPage, Access::FullSession;
            NOTE = "/notes/:id" => NotePage, Access::FullSession;
            ACCOUNT = "/account" => AccountPage, Access::FullSession;
            OAUTH_CONSENT = "/oauth/consent" => ConsentPage, Access::FullSession;
            ADMIN = "/admin" => AdminPage, Access::Role(ADMIN_ROLE);
        }
    };
}
pub(crate) use page_table;

/// Declares [`path`] and [`PAGES`] from [`page_table!`].
macro_rules! declare_paths {
    ($($name:ident = $path:tt => $page:ident, $access:expr;)*) => {
        /// The path of every page, for links and redirects.
        pub mod path {
            $(
                #[doc = concat!("`", $path, "`")]
                pub const $name: &str = $path;
            )*
        }

        /// Every page and who may open it.
        pub const PAGES: &[Page] = &[$(Page { path: $path, access: $access }),*];
    };
}

page_table!(declare_paths);

/// The [`ROLE_CLAIM`] value that opens the admin page.
pub const ADMIN_ROLE: &str = "admin";

/// Where signing out leads: the home page, which then says so.
pub const SIGNED_OUT: &str = "/?signed-out=1";

/// Where a PKCE flow comes back with its code (a server route, not a page).
pub const CALLBACK: &str = "/auth/callback";
/// Where an email link's token hash is verified (a server route, not a page).
pub const CONFIRM: &str = "/auth/confirm";

/// What the route checks know of whoever opened the page: from the session the server verified
/// (see `crate::auth`, which provides it as [`Visitors`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visitor {
    /// Signed in.
    pub signed_in: bool,
    /// Signed in, and still owing the second factor.
    pub needs_mfa: bool,
    /// The [`ROLE_CLAIM`] of the verified access token.
    pub role: Option<String>,
}

impl Visitor {
    /// Whether this visitor may open a page with `access` (a role page also needs the role:
    /// without it the page answers 403 rather than redirecting).
    pub fn may_open(&self, access: Access) -> bool {
        match access {
            Access::Public => true,
            Access::SignedOut => !self.signed_in,
            Access::SecondFactorDue => self.signed_in && self.needs_mfa,
            Access::FullSession | Access::Role(_) => self.signed_in && !self.needs_mfa,
        }
    }

    /// Where this visitor goes instead of a page they may not open, `here` (its path and query):
    /// sign-in when signed out and the code form while the second factor is due, each with
    /// `next` back to `here`; a complete session (on sign-in, sign-up or the code form) on to
    /// `next`, which the caller has checked stays on the site, else the protected page. The one
    /// rule of the router and the server's guard.
    pub fn gate(&self, here: &str, next: Option<&str>) -> String {
        let page = match (self.signed_in, self.needs_mfa) {
            (false, _) => path::LOGIN,
            (true, true) => path::MFA,
            (true, false) => return next.unwrap_or(path::PROTECTED).to_owned(),
        };
        format!("{page}?{}", url_query(&[("next", here)]))
    }
}

/// The visitor of the page being rendered, `None` until the session is read; provided to the
/// context by `crate::auth::Auth::provide`.
#[derive(Clone, Copy)]
pub struct Visitors(pub Signal<Option<Visitor>>);

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

/// The `next` of the page's query (where to go once signed in; the server checks it when it
/// redirects there), else the protected page: for the sign-in pages' hidden `next` fields.
pub fn use_next() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| path::PROTECTED.to_owned())
    }
}

/// `next` when it is a path on this site that no browser reads as another origin: it starts with
/// one `/`, and holds no backslash, whitespace or control character (which browsers drop or turn
/// into `/`). A strict subset of what the server's WHATWG check (`safe_next_on`) admits, for the
/// router, which has no site URL to resolve against.
pub fn local_target(next: &str) -> Option<&str> {
    let bad = |c: char| c == '\\' || c.is_whitespace() || c.is_control();
    (next.starts_with('/') && !next.starts_with("//") && !next.contains(bad)).then_some(next)
}

/// The page of a note.
pub fn note_path(id: &str) -> String {
    format!("/notes/{}", encode(id))
}

/// Who may open `path`: the access of the page the router renders for it, or [`Access::Public`]
/// for paths that are not pages (assets, server functions, the not-found page). Matched as the
/// router matches, or more strictly: percent-escapes decoded, empty segments and a trailing slash
/// ignored, letters in either case, `:name` for any one segment and `*name` for the rest. A path
/// no page matches is public; one that several could match takes the strictest of them, so the
/// guard never opens what the router guards.
pub fn access(path: &str) -> Access {
    let segments = path_segments(path);
    PAGES
        .iter()
        .filter(|page| pattern_matches(page.path, &segments))
        .map(|page| page.access)
        .max_by_key(|access| match access {
            Access::Public => 0,
            Access::SignedOut => 1,
            Access::SecondFactorDue => 2,
            Access::FullSession => 3,
            Access::Role(_) => 4,
        })
        .unwrap_or(Access::Public)
}

/// The decoded segments of a request path, without empty ones (`//`, a trailing `/`).
fn path_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(percent_decode)
        .collect()
}

/// Whether a route pattern (`/notes/:id`, `/files/*rest`) matches the decoded `segments`.
fn pattern_matches(pattern: &str, segments: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('/').filter(|part| !part.is_empty()).collect();
    let mut segments = segments.iter();
    for part in &parts {
        if part.starts_with('*') {
            return true;
        }
        match segments.next() {
            // Case folded: stricter than the router, never looser.
            Some(segment) if part.starts_with(':') || segment.eq_ignore_ascii_case(part) => {}
            _ => return false,
        }
    }
    segments.next().is_none()
}

/// `%XX` escapes decoded (invalid ones and invalid UTF-8 kept as they are written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|byte| char::from(*byte).to_digit(16))
        };
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_is_declared_once() {
        for (index, page) in PAGES.iter().enumerate() {
            assert!(
                PAGES[index + 1..]
                    .iter()
                    .all(|other| other.path != page.path),
                "{}",
                page.path
            );
        }
    }

    #[test]
    fn only_plain_local_paths_are_next_targets_in_the_browser() {
        assert_eq!(local_target("/notes?x=1"), Some("/notes?x=1"));
        for hostile in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "evil.example",
            "",
            "/\u{0}",
            "/ /evil.example",
        ] {
            assert_eq!(local_target(hostile), None, "{hostile:?}");
        }
    }

    #[test]
    fn paths_are_matched_as_the_router_matches_them() {
        for path in [
            "/notes/0b6f4c9e-3b1c-4b43-9a6e-1f0c6e1d2a9b",
            "/notes/anything",
            "/notes/anything/",
            "//notes//x",
            "/%6Eotes/x",
            "/notes/%2e%2e",
        ] {
            assert_eq!(access(path), Access::FullSession, "{path}");
        }
        assert_eq!(access("/protected/"), Access::FullSession);
        assert_eq!(access("/%70rotected"), Access::FullSession);
        assert_eq!(
            access("/ADMIN"),
            Access::Role(ADMIN_ROLE),
            "case folded, to be safe"
        );
        assert_eq!(
            access("/notes/a/b"),
            Access::Public,
            "no page: the not-found page"
        );
        assert_eq!(note_path("a b/c"), "/notes/a%20b%2Fc");
    }

    #[test]
    fn pages_for_signed_in_users_are_guarded() {
        assert_eq!(access(path::PROTECTED), Access::FullSession);
        assert_eq!(access(path::ACCOUNT), Access::FullSession);
        assert_eq!(access(path::ADMIN), Access::Role(ADMIN_ROLE));
        assert_eq!(access(path::MFA), Access::SecondFactorDue);
        assert_eq!(access(path::LOGIN), Access::SignedOut);
        assert_eq!(access("/pkg/app.wasm"), Access::Public);
    }

    #[test]
    fn visitors_go_where_they_belong() {
        let signed_out = Visitor::default();
        let owing = Visitor {
            signed_in: true,
            needs_mfa: true,
            role: None,
        };
        let complete = Visitor {
            signed_in: true,
            ..Visitor::default()
        };

        assert!(
            signed_out.may_open(Access::SignedOut) && !signed_out.may_open(Access::FullSession)
        );
        assert_eq!(
            signed_out.gate("/account", None),
            "/auth/login?next=%2Faccount"
        );
        assert!(
            owing.may_open(Access::SecondFactorDue) && !owing.may_open(Access::Role(ADMIN_ROLE))
        );
        assert_eq!(owing.gate("/admin", None), "/auth/mfa?next=%2Fadmin");
        assert!(complete.may_open(Access::FullSession) && !complete.may_open(Access::SignedOut));
        assert_eq!(complete.gate("/auth/login", None), path::PROTECTED);
        assert_eq!(
            complete.gate("/auth/login?next=%2Fnotes", Some("/notes")),
            "/notes"
        );
    }

    #[test]
    fn a_role_page_admits_only_that_role() {
        let admin = Access::Role(ADMIN_ROLE);
        assert!(admin.needs_full_session());
        assert!(admin.admits_role(Some("admin")));
        for role in [None, Some("member"), Some("Admin"), Some("admin ")] {
            assert!(!admin.admits_role(role), "{role:?}");
        }
        assert!(Access::FullSession.admits_role(None));
    }
}
