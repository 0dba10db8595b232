//! Building blocks shared by the pages.

mod form;

pub use form::{CodeField, FormError, NewPasswordFields, SubmitButton};
