//! What may go wrong with an auth form, in words a person understands. Only these user-safe
//! variants ever reach the browser; the server's own messages stay in its log.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// An auth form's failure, shown next to the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AuthError {
    /// Wrong email or password.
    #[error("That email and password do not match an account.")]
    InvalidCredentials,
    /// The address has not been confirmed yet.
    #[error("Confirm your email address first: follow the link we sent you.")]
    EmailNotConfirmed,
    /// The password breaks the project's password rules; each broken rule as the auth server
    /// named it.
    #[error("{}", weak_password_message(*min_length, include, *pwned))]
    WeakPassword {
        /// Too short: the shortest password accepted, when the answer named it (else the forms'
        /// [`super::MIN_PASSWORD_LENGTH`]).
        min_length: Option<usize>,
        /// The kinds of character missing, in words (`a digit`, `an upper-case letter`).
        include: Vec<String>,
        /// Found in a data breach.
        pwned: bool,
    },
    /// The two password fields differ.
    #[error("The passwords do not match.")]
    PasswordsDiffer,
    /// The new password equals the old one.
    #[error("Choose a password different from your current one.")]
    SamePassword,
    /// The address is not a valid email address.
    #[error("Enter a valid email address.")]
    InvalidEmail,
    /// The code is wrong or has expired.
    #[error("That code is wrong or has expired. Ask for a new one.")]
    InvalidCode,
    /// Too many attempts or mails; try again after `retry_after` seconds.
    #[error("Too many attempts. Try again in {}.", wait_message(*retry_after))]
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after: u64,
    },
    /// New accounts are not accepted.
    #[error("Sign-ups are closed.")]
    SignUpsDisabled,
    /// The form needs a signed-in user (or a recovery session) and there is none.
    #[error("Your session has ended. Sign in again.")]
    NotSignedIn,
    /// The signed-in user may not see this.
    #[error("This page is for administrators only.")]
    Forbidden,
    /// The account has an authenticator app and this session has not entered its code.
    #[error("Enter the code from your authenticator app first.")]
    MfaRequired,
    /// The last way to sign in cannot be unlinked.
    #[error("This is your only way to sign in, so it cannot be unlinked.")]
    LastIdentity,
    /// That provider account belongs to another user.
    #[error("That account is already linked to another user.")]
    IdentityTaken,
    /// The address belongs to another account.
    #[error("Another account already uses that email address.")]
    EmailTaken,
    /// Changing the password needs the mailed code.
    #[error("Changing your password needs a code: use “Email me a code” and enter it here.")]
    ReauthenticationNeeded,
    /// Guests are not accepted.
    #[error("Guest sign-in is turned off.")]
    GuestsDisabled,
    /// Phone sign-in is not offered, or the number is not one.
    #[error("Enter a phone number with its country code, like +1 555 010 2030.")]
    InvalidPhone,
    /// The auth server did not accept a passkey or security key's answer (wrong site, unknown or
    /// removed credential, a cloned authenticator, an expired or reused challenge).
    #[error("That passkey was not accepted. Try again, or sign in another way.")]
    PasskeyRejected,
    /// The passkey being added is registered already.
    #[error("This passkey is registered already.")]
    PasskeyExists,
    /// The account has the most passkeys it may have.
    #[error("You have as many passkeys as an account may have. Remove one first.")]
    TooManyPasskeys,
    /// The project does not offer passkeys (or security keys as second factor).
    #[error("Passkeys are turned off.")]
    PasskeysDisabled,
    /// The sign-in provider is not offered.
    #[error("That sign-in provider is not available.")]
    UnknownProvider,
    /// The CAPTCHA check was not passed (or not made: the form needs JavaScript for it).
    #[error("Complete the CAPTCHA check, then send the form again.")]
    CaptchaFailed,
    /// The request did not carry the form's fields (a tampered or truncated post).
    #[error("The form arrived incomplete. Reload the page and try again.")]
    InvalidInput,
    /// The auth server cannot be reached.
    #[error("The sign-in service is not reachable right now. Try again shortly.")]
    Unavailable,
    /// Anything else; details are in the server log.
    #[error("Something went wrong. Try again.")]
    Unexpected,
}

fn wait_message(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} s"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

fn weak_password_message(min_length: Option<usize>, include: &[String], pwned: bool) -> String {
    let mut parts = Vec::new();
    if let Some(min_length) = min_length {
        parts.push(format!("use at least {min_length} characters"));
    }
    match include {
        [] => {}
        [one] => parts.push(format!("include {one}")),
        [first @ .., last] => parts.push(format!("include {} and {last}", first.join(", "))),
    }
    if pwned {
        parts.push("pick one that has not appeared in a data breach".to_owned());
    }
    if parts.is_empty() {
        return "Choose a stronger password.".to_owned();
    }
    format!("Choose a stronger password: {}.", parts.join("; "))
}

/// A required character set, in words for the form.
#[cfg(feature = "ssr")]
fn character_set_words(set: &supabase_ssr::CharacterSet) -> String {
    use supabase_ssr::CharacterSet;

    match set {
        CharacterSet::Lower => "a lower-case letter".to_owned(),
        CharacterSet::Upper => "an upper-case letter".to_owned(),
        CharacterSet::Letter => "a letter".to_owned(),
        CharacterSet::Digit => "a digit".to_owned(),
        CharacterSet::Symbol => "a symbol such as ! ? # or %".to_owned(),
        CharacterSet::Other(set) => format!("one of {set}"),
    }
}

impl AuthError {
    /// What a Supabase error code (`supabase_ssr::ErrorCode`, as on the wire) means for the
    /// person at the form, when it is one of these: the one table from codes to sentences, read
    /// by the server functions and the `/auth/error` page.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "invalid_credentials" => Self::InvalidCredentials,
            "email_not_confirmed" => Self::EmailNotConfirmed,
            "weak_password" => Self::WeakPassword {
                min_length: None,
                include: Vec::new(),
                pwned: false,
            },
            "same_password" => Self::SamePassword,
            "single_identity_not_deletable" => Self::LastIdentity,
            "identity_already_exists" => Self::IdentityTaken,
            "email_exists" | "user_already_exists" => Self::EmailTaken,
            "reauthentication_needed" => Self::ReauthenticationNeeded,
            "reauthentication_not_valid"
            | "mfa_verification_failed"
            | "otp_expired"
            | "otp_disabled" => Self::InvalidCode,
            "insufficient_aal" => Self::MfaRequired,
            "webauthn_verification_failed"
            | "webauthn_challenge_not_found"
            | "webauthn_challenge_expired"
            | "webauthn_credential_not_found" => Self::PasskeyRejected,
            "webauthn_credential_exists" => Self::PasskeyExists,
            "too_many_passkeys" => Self::TooManyPasskeys,
            "passkey_disabled"
            | "mfa_webauthn_enroll_not_enabled"
            | "mfa_webauthn_verify_not_enabled" => Self::PasskeysDisabled,
            "anonymous_provider_disabled" => Self::GuestsDisabled,
            "captcha_failed" => Self::CaptchaFailed,
            "phone_provider_disabled" => Self::InvalidPhone,
            "email_address_invalid" | "validation_failed" => Self::InvalidEmail,
            // The auth server's limits run in windows of a minute to an hour; its answer does
            // not say how much is left.
            "over_request_rate_limit"
            | "over_email_send_rate_limit"
            | "over_sms_send_rate_limit" => Self::RateLimited { retry_after: 60 },
            "signup_disabled" | "email_provider_disabled" => Self::SignUpsDisabled,
            "no_authorization" | "bad_jwt" | "session_not_found" | "user_not_found" => {
                Self::NotSignedIn
            }
            _ => return None,
        })
    }
}

impl FromServerFnError for AuthError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // The client sent fields that do not make the function's arguments.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::InvalidInput,
            _ => Self::Unexpected,
        }
    }
}

#[cfg(feature = "ssr")]
impl AuthError {
    /// The HTTP status of a server function that failed with this error.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;

        match self {
            Self::InvalidCredentials | Self::EmailNotConfirmed => StatusCode::BAD_REQUEST,
            Self::WeakPassword { .. }
            | Self::PasswordsDiffer
            | Self::SamePassword
            | Self::InvalidEmail
            | Self::SignUpsDisabled
            | Self::UnknownProvider
            | Self::LastIdentity
            | Self::IdentityTaken
            | Self::EmailTaken
            | Self::GuestsDisabled
            | Self::InvalidPhone
            | Self::PasskeyExists
            | Self::TooManyPasskeys
            | Self::PasskeysDisabled => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PasskeyRejected | Self::CaptchaFailed => StatusCode::BAD_REQUEST,
            Self::MfaRequired | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::ReauthenticationNeeded | Self::InvalidInput => StatusCode::BAD_REQUEST,
            Self::InvalidCode => StatusCode::FORBIDDEN,
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<supabase_ssr::Error> for AuthError {
    fn from(error: supabase_ssr::Error) -> Self {
        if error.is_retryable() {
            tracing::warn!("auth server unavailable: {error}");
            return Self::Unavailable;
        }
        let Some(code) = error.code() else {
            tracing::error!("unexpected auth answer: {error}");
            return Self::Unexpected;
        };
        let weak = match &error {
            supabase_ssr::Error::Api(api) => api.weak_password(),
            _ => None,
        };
        if let Some(weak) = weak {
            return Self::WeakPassword {
                min_length: weak
                    .too_short
                    .then(|| weak.min_length.unwrap_or(super::MIN_PASSWORD_LENGTH)),
                include: weak
                    .required_characters
                    .iter()
                    .map(character_set_words)
                    .collect(),
                pwned: weak.pwned,
            };
        }
        match Self::from_code(code.as_str()) {
            Some(known) => known,
            None => {
                tracing::warn!("auth error shown as unexpected: {code}: {error}");
                Self::Unexpected
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_password_messages_name_every_broken_rule() {
        let error = AuthError::WeakPassword {
            min_length: Some(8),
            include: vec![
                "a lower-case letter".into(),
                "an upper-case letter".into(),
                "a digit".into(),
            ],
            pwned: true,
        };

        assert_eq!(
            error.to_string(),
            "Choose a stronger password: use at least 8 characters; include a lower-case letter, \
             an upper-case letter and a digit; pick one that has not appeared in a data breach."
        );
        let digit = AuthError::WeakPassword {
            min_length: None,
            include: vec!["a digit".into()],
            pwned: false,
        };
        assert_eq!(
            digit.to_string(),
            "Choose a stronger password: include a digit."
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_auth_servers_reasons_become_the_forms_sentence() {
        let answer = supabase_ssr::ApiError {
            status: http::StatusCode::UNPROCESSABLE_ENTITY,
            code: supabase_ssr::ErrorCode::WeakPassword,
            message: "Password should be at least 10 characters. Password should contain at \
                      least one character of each: abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, \
                      0123456789."
                .into(),
            weak_password_reasons: vec!["length".into(), "characters".into()],
        };

        let error = AuthError::from(supabase_ssr::Error::Api(answer));

        assert_eq!(
            error.to_string(),
            "Choose a stronger password: use at least 10 characters; include a letter and a digit."
        );
    }
}
