//! Building blocks shared by the pages.

mod form;

pub use form::{BusyButton, CodeField, FormError, NewPasswordFields, SubmitButton};
