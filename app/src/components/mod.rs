//! Building blocks shared by the pages.

mod captcha;
mod ceremony;
mod dev_mailbox;
mod form;

pub use captcha::{Captcha, CaptchaAnswer, CaptchaProvider, CaptchaScript, CaptchaWidget};
pub use ceremony::CeremonyButton;
pub use dev_mailbox::{DevMailbox, DevMailboxLink};
pub use form::{BusyButton, CodeField, FormError, NewPasswordFields, SubmitButton};
