//! What signing in offers the browser and exchanges with it: the providers and methods the
//! auth server has on, the WebAuthn ceremonies the islands run, the access a script may have to
//! the session, and the forms' password length.

use serde::{Deserialize, Serialize};

/// The shortest password the forms accept (the Supabase default; keep it equal to the project's
/// `minimum_password_length`).
pub const MIN_PASSWORD_LENGTH: usize = 6;

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
    /// SAML single sign-on, found by the work email's domain.
    pub sso: bool,
    /// The chains whose wallets may sign in ([`Wallets`]).
    pub wallets: Vec<super::wallet::Chain>,
}

/// The third-party provider whose users the site also signs in (Clerk, Firebase Auth, …): its
/// name, and, while the embedded local-auth stands in for it, the development issuer's sign-in
/// page. The server provides it when it trusts one; the provider's own sign-in UI is the app's to
/// add.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartySignIn {
    /// The provider, as people write it.
    pub provider: String,
    /// local-auth's page that signs in as the provider would (development only).
    pub development_page: Option<String>,
}

/// The chains whose wallets the project signs in with (`[auth.web3.<chain>] enabled`): the
/// server knows them from its configuration (`WEB3_SIGN_IN`, or the embedded local-auth's), as
/// Supabase Auth's `/settings` does not say. In the context of every request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wallets(pub Vec<super::wallet::Chain>);

/// A WebAuthn ceremony for the browser to run ([`super::webauthn`]): the id its answer goes back with,
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
