//! One module per route.

mod auth_error;
mod home;
mod login;
mod not_found;
mod otp;
mod password;
mod protected;
mod sign_up;

pub use auth_error::AuthErrorPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use otp::OtpPage;
pub use password::{ForgotPasswordPage, UpdatePasswordPage};
pub use protected::ProtectedPage;
pub use sign_up::{SignUpPage, SignUpSuccessPage};
