//! What the account page says after a change: each form sends the browser back to
//! `/account?done=<key>` ([`Done::location`]), and the page shows the key's sentence.

/// A change the account page confirms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    Profile,
    Upgrade,
    Email,
    Password,
    Code,
    Unlinked,
    Mfa,
    SecurityKey,
    Phone,
    MfaRemoved,
    Passkey,
    PasskeyRenamed,
    PasskeyRemoved,
    AppRemoved,
    Others,
}

impl Done {
    const ALL: [Self; 15] = [
        Self::Profile,
        Self::Upgrade,
        Self::Email,
        Self::Password,
        Self::Code,
        Self::Unlinked,
        Self::Mfa,
        Self::SecurityKey,
        Self::Phone,
        Self::MfaRemoved,
        Self::Passkey,
        Self::PasskeyRenamed,
        Self::PasskeyRemoved,
        Self::AppRemoved,
        Self::Others,
    ];

    /// Its `?done=` value.
    fn key(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Upgrade => "upgrade",
            Self::Email => "email",
            Self::Password => "password",
            Self::Code => "code",
            Self::Unlinked => "unlinked",
            Self::Mfa => "mfa",
            Self::SecurityKey => "security-key",
            Self::Phone => "phone",
            Self::MfaRemoved => "mfa-removed",
            Self::Passkey => "passkey",
            Self::PasskeyRenamed => "passkey-renamed",
            Self::PasskeyRemoved => "passkey-removed",
            Self::AppRemoved => "app-removed",
            Self::Others => "others",
        }
    }

    /// The change a `?done=` value names.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|done| done.key() == key)
    }

    /// The account page, saying this was done.
    #[cfg(feature = "ssr")]
    pub fn location(self) -> String {
        format!("{}?done={}", crate::routes::path::ACCOUNT, self.key())
    }

    /// What the page says.
    pub fn message(self) -> &'static str {
        match self {
            Self::Profile => "Your profile is saved.",
            Self::Upgrade => "Almost there: follow the link we mailed you to confirm the address.",
            Self::Email => {
                "Confirm the change from the mails we sent (to both addresses when asked)."
            }
            Self::Password => "Your password is changed. Other devices were signed out.",
            Self::Code => "We mailed you a code. Enter it with the new password.",
            Self::Unlinked => "The sign-in method is unlinked.",
            Self::Mfa => "Your authenticator app is set up.",
            Self::SecurityKey => "Your security key is set up as a second factor.",
            Self::Phone => "Your phone is set up as a second factor.",
            Self::MfaRemoved => "The second factor is removed.",
            Self::Passkey => "Your passkey is added. Next time, sign in with it.",
            Self::PasskeyRenamed => "The passkey is renamed.",
            Self::PasskeyRemoved => "The passkey is removed.",
            Self::AppRemoved => "The application no longer has access, and is signed out.",
            Self::Others => "Every other device is signed out.",
        }
    }

    /// Whether the change went on by mail (the page then links the development mailbox).
    pub fn mailed(self) -> bool {
        matches!(self, Self::Upgrade | Self::Email | Self::Code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_comes_back_as_itself() {
        for done in Done::ALL {
            assert_eq!(Done::from_key(done.key()), Some(done), "{done:?}");
        }
        assert_eq!(Done::from_key("<script>"), None);
    }
}
