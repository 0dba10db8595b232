//! The `[auth.hook.<name>]` sections: which hooks Supabase Auth has ([`HookName`]) and what the
//! file says of each enabled one ([`HookConfig`]). `crate::hooks` runs them.

/// The hooks upstream runs and the Supabase CLI configures, by their `[auth.hook.<name>]` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookName {
    /// `custom_access_token`: changes the claims of every access token issued.
    CustomAccessToken,
    /// `send_email`: sends the auth mails instead of local-auth.
    SendEmail,
    /// `send_sms`: sends the texted codes instead of local-auth.
    SendSms,
    /// `mfa_verification_attempt`: may reject an MFA verification (and end the user's sessions).
    MfaVerificationAttempt,
    /// `password_verification_attempt`: may reject a password sign-in.
    PasswordVerificationAttempt,
    /// `before_user_created`: may refuse a new user.
    BeforeUserCreated,
}

impl HookName {
    /// Every hook, in the order the CLI's file lists them.
    pub const ALL: [Self; 6] = [
        Self::MfaVerificationAttempt,
        Self::PasswordVerificationAttempt,
        Self::CustomAccessToken,
        Self::SendSms,
        Self::SendEmail,
        Self::BeforeUserCreated,
    ];

    /// The key under `[auth.hook]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::CustomAccessToken => "custom_access_token",
            Self::SendEmail => "send_email",
            Self::SendSms => "send_sms",
            Self::MfaVerificationAttempt => "mfa_verification_attempt",
            Self::PasswordVerificationAttempt => "password_verification_attempt",
            Self::BeforeUserCreated => "before_user_created",
        }
    }
}

/// One `[auth.hook.<name>]` section as the file (or a test) gives it. Its `Debug` shows how many
/// secrets it has, never them.
#[derive(Clone, PartialEq, Eq)]
pub struct HookConfig {
    /// Which hook.
    pub name: HookName,
    /// `pg-functions://…`, `https://…` or `http://localhost…`.
    pub uri: String,
    /// For HTTP hooks: the Standard Webhooks secrets (`v1,whsec_<base64>`), `|`-separated in the
    /// file as upstream reads them.
    pub secrets: Vec<String>,
}

impl std::fmt::Debug for HookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookConfig")
            .field("name", &self.name)
            .field("uri", &self.uri)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .finish()
    }
}
