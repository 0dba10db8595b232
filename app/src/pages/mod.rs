//! One module per route.

mod account;
mod admin;
mod auth_error;
mod forbidden;
mod home;
mod login;
mod mfa;
mod not_found;
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
pub use otp::OtpPage;
pub use password::{ForgotPasswordPage, UpdatePasswordPage};
pub use phone::PhonePage;
pub use protected::ProtectedPage;
pub use sign_up::{SignUpPage, SignUpSuccessPage};
