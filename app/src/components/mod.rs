//! Building blocks shared by the pages.

mod form;

pub use form::{FormError, NewPasswordFields, SubmitButton};
