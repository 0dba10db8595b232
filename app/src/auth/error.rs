//! What may go wrong with signing in, in words a person understands: at a form, or on arriving
//! from a link, a provider or an ended session. Only these user-safe variants ever reach the
//! browser; the server's own messages stay in its log. [`AuthError::from_code`] is the one table
//! from Supabase error codes to them.

use http::StatusCode;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use supabase_ssr::ErrorCode;

use crate::failure::{Failure, FailureEncoding};

/// A failure of signing in, shown next to the form (or on the page the person arrived at).
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
    #[error(
        "That account is already linked to another user. Sign in with it instead, or unlink it \
         there first."
    )]
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
    /// The number is one of the user's verified second factors already.
    #[error("That phone is already one of your second factors.")]
    PhoneFactorTaken,
    /// The project does not take phones as second factor.
    #[error("This site does not offer phones as a second factor.")]
    PhoneFactorsOff,
    /// The texted code's challenge expired, or it was asked for from another network.
    #[error("That code can no longer be used. Ask for a new one.")]
    CodeStale,
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
    /// The auth server did not accept the wallet's signed message (another site's, stale, or
    /// not signed by the address it names).
    #[error("The wallet's signature was not accepted. Sign a new message and try again.")]
    WalletRefused,
    /// This signed message signed in already; each is used once.
    #[error("That signed message was used already. Sign a new one.")]
    WalletMessageUsed,
    /// No single sign-on provider has the typed email domain (or it is switched off).
    #[error("No single sign-on is set up for that email domain.")]
    NoSso,
    /// The account is an SSO account: its identity provider owns its address and password.
    #[error("Your organisation's sign-in manages this account's email address and password.")]
    SsoManaged,
    /// The user signed in with the project's third-party auth provider (Clerk, Firebase Auth,
    /// …): their account, its factors and sessions are the provider's, not Supabase Auth's.
    #[error(
        "Your sign-in provider manages this account: change it, or sign out, with its own pages."
    )]
    ThirdPartyAccount,
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
    /// On arrival: the emailed link (or the flow it belonged to) has expired or was used.
    #[error("This link has expired or was already used. Ask for a new one.")]
    LinkExpired,
    /// On arrival: the link is missing part of itself.
    #[error("This link is incomplete. Copy the whole link from the email.")]
    LinkIncomplete,
    /// On arrival: the flow's PKCE verifier is in another browser.
    #[error(
        "This sign-in link was opened in a different browser than the one that asked for it. \
         Open it where you started, or start again here."
    )]
    OtherBrowser,
    /// On arrival: the person declined at the provider.
    #[error("Sign-in was cancelled.")]
    SignInCancelled,
    /// On arrival: the provider's answer could not be used.
    #[error(
        "The sign-in with the provider could not be completed. Start again from the sign-in page."
    )]
    ProviderFailed,
    /// The account is banned.
    #[error("This account is suspended.")]
    Suspended,
    /// On arrival: the account was deleted.
    #[error("This account no longer exists. Sign up again to come back.")]
    AccountGone,
    /// On arrival: the session reached its time limit or idle timeout, or gave way to another.
    #[error(
        "Your session has ended: it reached its time limit, was idle too long, or you signed in \
         somewhere else. Please sign in again."
    )]
    SessionTimedOut,
    /// On arrival: the session was ended elsewhere (signed out on another device).
    #[error("You were signed out, perhaps from another device. Please sign in again.")]
    SignedOutElsewhere,
    /// On arrival: a code this table does not know.
    #[error("Something went wrong while signing you in. Try again.")]
    ArrivalFailed,
}

/// Where a Supabase error code reaches the person, which decides its sentence for the few codes
/// that mean different things in the two places (`otp_expired`: a code typed wrong at a form, a
/// used link on arrival).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Met {
    /// As the answer to a form the person sent.
    AtForm,
    /// On arriving from an emailed link, a provider, or a session the server ended
    /// (`/auth/error?code=`, the sign-in page's `?ended=`).
    OnArrival,
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
    /// What a Supabase error code means for the person where they `met` it, when it is one of
    /// these: the one table from codes to sentences, read by the server functions, the
    /// `/auth/error` page and the sign-in page.
    pub fn from_code(code: &ErrorCode, met: Met) -> Option<Self> {
        use ErrorCode as Code;

        let arriving = met == Met::OnArrival;
        Some(match code {
            Code::OtpExpired | Code::FlowStateExpired if arriving => Self::LinkExpired,
            Code::ValidationFailed if arriving => Self::LinkIncomplete,
            Code::UserNotFound if arriving => Self::AccountGone,
            Code::SessionExpired if arriving => Self::SessionTimedOut,
            Code::SessionNotFound | Code::RefreshTokenNotFound | Code::RefreshTokenAlreadyUsed
                if arriving =>
            {
                Self::SignedOutElsewhere
            }
            Code::FlowStateNotFound | Code::BadCodeVerifier | Code::PkceCodeVerifierNotFound => {
                Self::OtherBrowser
            }
            Code::AccessDenied => Self::SignInCancelled,
            Code::BadOauthState | Code::BadOauthCallback | Code::FlowStateAlreadyUsed => {
                Self::ProviderFailed
            }
            Code::UserBanned => Self::Suspended,
            Code::RequestTimeout | Code::UnexpectedFailure => Self::Unavailable,
            Code::InvalidCredentials => Self::InvalidCredentials,
            Code::EmailNotConfirmed => Self::EmailNotConfirmed,
            Code::WeakPassword => Self::WeakPassword {
                min_length: None,
                include: Vec::new(),
                pwned: false,
            },
            Code::SamePassword => Self::SamePassword,
            Code::SingleIdentityNotDeletable => Self::LastIdentity,
            Code::IdentityAlreadyExists => Self::IdentityTaken,
            Code::EmailExists | Code::UserAlreadyExists => Self::EmailTaken,
            Code::ReauthenticationNeeded => Self::ReauthenticationNeeded,
            Code::ReauthenticationNotValid
            | Code::MfaVerificationFailed
            | Code::OtpExpired
            | Code::OtpDisabled => Self::InvalidCode,
            Code::InsufficientAal => Self::MfaRequired,
            Code::WebauthnVerificationFailed
            | Code::WebauthnChallengeNotFound
            | Code::WebauthnChallengeExpired
            | Code::WebauthnCredentialNotFound => Self::PasskeyRejected,
            Code::WebauthnCredentialExists => Self::PasskeyExists,
            Code::TooManyPasskeys => Self::TooManyPasskeys,
            Code::PasskeyDisabled
            | Code::MfaWebauthnEnrollNotEnabled
            | Code::MfaWebauthnVerifyNotEnabled => Self::PasskeysDisabled,
            Code::AnonymousProviderDisabled => Self::GuestsDisabled,
            Code::SsoProviderNotFound | Code::SsoProviderDisabled | Code::SamlProviderDisabled => {
                Self::NoSso
            }
            Code::UserSsoManaged => Self::SsoManaged,
            Code::Web3ProviderDisabled | Code::Web3UnsupportedChain => Self::UnknownProvider,
            Code::CaptchaFailed => Self::CaptchaFailed,
            Code::PhoneProviderDisabled => Self::InvalidPhone,
            Code::MfaVerifiedFactorExists => Self::PhoneFactorTaken,
            Code::MfaPhoneEnrollNotEnabled | Code::MfaPhoneVerifyNotEnabled => {
                Self::PhoneFactorsOff
            }
            Code::MfaChallengeExpired | Code::MfaIpAddressMismatch | Code::MfaFactorNotFound => {
                Self::CodeStale
            }
            Code::EmailAddressInvalid | Code::ValidationFailed => Self::InvalidEmail,
            // The auth server's limits run in windows of a minute to an hour; its answer does
            // not say how much is left.
            Code::OverRequestRateLimit
            | Code::OverEmailSendRateLimit
            | Code::OverSmsSendRateLimit => Self::RateLimited { retry_after: 60 },
            Code::SignupDisabled | Code::EmailProviderDisabled => Self::SignUpsDisabled,
            Code::NoAuthorization
            | Code::BadJwt
            | Code::SessionNotFound
            | Code::SessionExpired
            | Code::RefreshTokenNotFound
            | Code::RefreshTokenAlreadyUsed
            | Code::UserNotFound => Self::NotSignedIn,
            _ => return None,
        })
    }

    /// What the code a person arrived with means (`/auth/error?code=`, `?ended=`); a code the
    /// table does not know is [`Self::ArrivalFailed`].
    pub fn on_arrival(code: &str) -> Self {
        Self::from_code(&ErrorCode::parse(code), Met::OnArrival).unwrap_or(Self::ArrivalFailed)
    }
}

impl FromServerFnError for AuthError {
    type Encoder = FailureEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // The client sent fields that do not make the function's arguments.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::InvalidInput,
            _ => Self::Unexpected,
        }
    }
}

impl Failure for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            Self::InvalidCredentials | Self::EmailNotConfirmed => StatusCode::BAD_REQUEST,
            Self::WeakPassword { .. }
            | Self::PasswordsDiffer
            | Self::SamePassword
            | Self::InvalidEmail
            | Self::SignUpsDisabled
            | Self::UnknownProvider
            | Self::NoSso
            | Self::SsoManaged
            | Self::ThirdPartyAccount
            | Self::WalletRefused
            | Self::WalletMessageUsed
            | Self::LastIdentity
            | Self::IdentityTaken
            | Self::EmailTaken
            | Self::GuestsDisabled
            | Self::InvalidPhone
            | Self::PhoneFactorTaken
            | Self::PhoneFactorsOff
            | Self::PasskeyExists
            | Self::TooManyPasskeys
            | Self::PasskeysDisabled => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PasskeyRejected | Self::CaptchaFailed | Self::CodeStale => {
                StatusCode::BAD_REQUEST
            }
            Self::MfaRequired | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::ReauthenticationNeeded | Self::InvalidInput => StatusCode::BAD_REQUEST,
            Self::InvalidCode => StatusCode::FORBIDDEN,
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
            Self::LinkExpired
            | Self::LinkIncomplete
            | Self::OtherBrowser
            | Self::SignInCancelled
            | Self::ProviderFailed
            | Self::ArrivalFailed => StatusCode::BAD_REQUEST,
            Self::Suspended => StatusCode::FORBIDDEN,
            Self::AccountGone | Self::SessionTimedOut | Self::SignedOutElsewhere => {
                StatusCode::UNAUTHORIZED
            }
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
        match Self::from_code(code, Met::AtForm) {
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

    #[test]
    fn arrivals_get_their_own_sentences_and_other_codes_the_forms_ones() {
        assert_eq!(
            AuthError::on_arrival("validation_failed"),
            AuthError::LinkIncomplete
        );
        assert_eq!(
            AuthError::from_code(&ErrorCode::ValidationFailed, Met::AtForm),
            Some(AuthError::InvalidEmail)
        );
        assert_eq!(
            AuthError::on_arrival("otp_expired").to_string(),
            "This link has expired or was already used. Ask for a new one."
        );
        assert_eq!(
            AuthError::on_arrival("signup_disabled"),
            AuthError::SignUpsDisabled
        );
        assert_eq!(
            AuthError::on_arrival("unexpected_failure"),
            AuthError::Unavailable
        );
        assert_eq!(
            AuthError::on_arrival("<script>").to_string(),
            "Something went wrong while signing you in. Try again."
        );
    }

    #[test]
    fn every_code_that_ends_a_session_says_so_on_arrival_and_signs_out_at_a_form() {
        for code in [
            ErrorCode::SessionExpired,
            ErrorCode::SessionNotFound,
            ErrorCode::RefreshTokenNotFound,
            ErrorCode::RefreshTokenAlreadyUsed,
            ErrorCode::UserNotFound,
            ErrorCode::UserBanned,
        ] {
            assert!(code.ends_session(), "{code}");
            let arrival = AuthError::on_arrival(code.as_str());
            assert!(
                matches!(
                    arrival,
                    AuthError::SessionTimedOut
                        | AuthError::SignedOutElsewhere
                        | AuthError::AccountGone
                        | AuthError::Suspended
                ),
                "{code}: {arrival:?}"
            );
            let form = AuthError::from_code(&code, Met::AtForm);
            assert!(
                matches!(form, Some(AuthError::NotSignedIn | AuthError::Suspended)),
                "{code}: {form:?}"
            );
        }
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
