//! One module per route.

mod auth_error;
mod home;
mod not_found;

pub use auth_error::AuthErrorPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
