//! Who is signed in, as the server's session layer verified it, and how the page shows it.
//!
//! The session is read while the server renders the page; the header's [`SessionSync`] island
//! gets a key of it, so open tabs notice when another one signs in or out.

mod error;
#[cfg(feature = "ssr")]
pub mod limits;
mod offer;
#[cfg(feature = "ssr")]
pub mod once;
mod session;
mod session_sync;
#[cfg(feature = "ssr")]
pub mod ssr;
mod status;
pub mod wallet;
pub mod webauthn;

pub use error::{AuthError, Met};
pub use offer::{
    BrowserAccess, Ceremony, FactorCeremony, MIN_PASSWORD_LENGTH, Provider, SignInOptions,
    ThirdPartySignIn, Wallets,
};
pub use session::{Auth, SessionUser, SessionView, current_session, use_auth};
pub use session_sync::SessionSync;
pub use status::UserStatus;
