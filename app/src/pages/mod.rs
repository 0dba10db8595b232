//! The app's features: one module per page, or per few pages that belong together (a folder when
//! a page has parts). Each holds its page components, the server functions behind its forms and
//! its islands; what several features share lives in [`crate::auth`] (the session, errors, the
//! server-side helpers) and [`crate::components`].
//!
//! A form's server function takes the form's fields as parameters, by name. On success it names
//! the page to go to next: a form post is redirected there (post/redirect/get), an island's call
//! gets the path back. A failure is an [`crate::auth::AuthError`] (or, for the notes, a
//! [`NoteError`]): a form post is redirected back
//! to its page, which shows it next to the form.

mod account;
mod admin;
mod auth_error;
mod forbidden;
mod home;
mod login;
mod mfa;
mod not_found;
mod notes;
mod otp;
mod password;
mod phone;
mod protected;
mod sign_up;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use auth_error::AuthErrorPage;
pub use forbidden::ForbiddenPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use mfa::MfaPage;
pub use not_found::NotFoundPage;
pub use notes::{NoteError, NotePage, NoteView, NotesPage};
pub use otp::OtpPage;
pub use password::{ForgotPasswordPage, UpdatePasswordPage};
pub use phone::PhonePage;
pub use protected::ProtectedPage;
pub use sign_up::{SignUpPage, SignUpSuccessPage};
