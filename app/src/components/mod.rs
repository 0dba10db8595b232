//! Building blocks shared by the pages.

mod ceremony;
mod dev_mailbox;
mod form;

pub use ceremony::CeremonyButton;
pub use dev_mailbox::{DevMailbox, DevMailboxLink};
pub use form::{BusyButton, CodeField, FormError, NewPasswordFields, SubmitButton};
