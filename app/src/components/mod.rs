//! Building blocks shared by the pages.

mod dev_mailbox;
mod form;

pub use dev_mailbox::{DevMailbox, DevMailboxLink};
pub use form::{BusyButton, CodeField, FormError, NewPasswordFields, SubmitButton};
