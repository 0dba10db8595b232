//! The Supabase Auth error codes (`code` / `error_code` in error bodies, `x-sb-error-code`), as a
//! typed value. A code this list does not know is kept as [`ErrorCode::Other`], never dropped.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// A Supabase Auth error code. The list follows the upstream server's `errorcode.go`.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $code, "`")]
                $variant,
            )*
            /// A code newer than this list, kept as the server sent it.
            Other(String),
        }

        impl ErrorCode {
            /// The code as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(code) => code,
                }
            }

            /// The typed value of a wire code.
            pub fn parse(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    Unknown => "unknown",
    UnexpectedFailure => "unexpected_failure",
    ValidationFailed => "validation_failed",
    RequestEntityTooLarge => "request_entity_too_large",
    BadJson => "bad_json",
    EmailExists => "email_exists",
    PhoneExists => "phone_exists",
    BadJwt => "bad_jwt",
    NotAdmin => "not_admin",
    NoAuthorization => "no_authorization",
    UserNotFound => "user_not_found",
    SessionNotFound => "session_not_found",
    SessionExpired => "session_expired",
    RefreshTokenNotFound => "refresh_token_not_found",
    RefreshTokenAlreadyUsed => "refresh_token_already_used",
    FlowStateNotFound => "flow_state_not_found",
    FlowStateExpired => "flow_state_expired",
    FlowStateAlreadyUsed => "flow_state_already_used",
    OauthClientStateNotFound => "oauth_client_state_not_found",
    OauthClientStateExpired => "oauth_client_state_expired",
    OauthInvalidState => "oauth_invalid_state",
    SignupDisabled => "signup_disabled",
    UserBanned => "user_banned",
    ProviderEmailNeedsVerification => "provider_email_needs_verification",
    InviteNotFound => "invite_not_found",
    BadOauthState => "bad_oauth_state",
    BadOauthCallback => "bad_oauth_callback",
    OauthProviderNotSupported => "oauth_provider_not_supported",
    UnexpectedAudience => "unexpected_audience",
    SingleIdentityNotDeletable => "single_identity_not_deletable",
    EmailConflictIdentityNotDeletable => "email_conflict_identity_not_deletable",
    IdentityAlreadyExists => "identity_already_exists",
    EmailProviderDisabled => "email_provider_disabled",
    PhoneProviderDisabled => "phone_provider_disabled",
    TooManyEnrolledMfaFactors => "too_many_enrolled_mfa_factors",
    MfaFactorNameConflict => "mfa_factor_name_conflict",
    MfaFactorNotFound => "mfa_factor_not_found",
    MfaIpAddressMismatch => "mfa_ip_address_mismatch",
    MfaChallengeExpired => "mfa_challenge_expired",
    MfaVerificationFailed => "mfa_verification_failed",
    MfaVerificationRejected => "mfa_verification_rejected",
    InsufficientAal => "insufficient_aal",
    CaptchaFailed => "captcha_failed",
    SamlProviderDisabled => "saml_provider_disabled",
    ManualLinkingDisabled => "manual_linking_disabled",
    SmsSendFailed => "sms_send_failed",
    EmailNotConfirmed => "email_not_confirmed",
    PhoneNotConfirmed => "phone_not_confirmed",
    SamlRelayStateNotFound => "saml_relay_state_not_found",
    SamlRelayStateExpired => "saml_relay_state_expired",
    SamlIdpNotFound => "saml_idp_not_found",
    SamlAssertionNoUserId => "saml_assertion_no_user_id",
    SamlAssertionNoEmail => "saml_assertion_no_email",
    UserAlreadyExists => "user_already_exists",
    SsoProviderNotFound => "sso_provider_not_found",
    SsoProviderDisabled => "sso_provider_disabled",
    SamlMetadataFetchFailed => "saml_metadata_fetch_failed",
    SamlIdpAlreadyExists => "saml_idp_already_exists",
    SsoDomainAlreadyExists => "sso_domain_already_exists",
    SamlEntityIdMismatch => "saml_entity_id_mismatch",
    Conflict => "conflict",
    ProviderDisabled => "provider_disabled",
    UserSsoManaged => "user_sso_managed",
    ReauthenticationNeeded => "reauthentication_needed",
    SamePassword => "same_password",
    ReauthenticationNotValid => "reauthentication_not_valid",
    OtpExpired => "otp_expired",
    OtpDisabled => "otp_disabled",
    IdentityNotFound => "identity_not_found",
    WeakPassword => "weak_password",
    OverRequestRateLimit => "over_request_rate_limit",
    OverEmailSendRateLimit => "over_email_send_rate_limit",
    OverSmsSendRateLimit => "over_sms_send_rate_limit",
    BadCodeVerifier => "bad_code_verifier",
    AnonymousProviderDisabled => "anonymous_provider_disabled",
    HookTimeout => "hook_timeout",
    HookTimeoutAfterRetry => "hook_timeout_after_retry",
    HookPayloadOverSizeLimit => "hook_payload_over_size_limit",
    HookPayloadInvalidContentType => "hook_payload_invalid_content_type",
    RequestTimeout => "request_timeout",
    MfaPhoneEnrollNotEnabled => "mfa_phone_enroll_not_enabled",
    MfaPhoneVerifyNotEnabled => "mfa_phone_verify_not_enabled",
    MfaTotpEnrollNotEnabled => "mfa_totp_enroll_not_enabled",
    MfaTotpVerifyNotEnabled => "mfa_totp_verify_not_enabled",
    MfaWebauthnEnrollNotEnabled => "mfa_webauthn_enroll_not_enabled",
    MfaWebauthnVerifyNotEnabled => "mfa_webauthn_verify_not_enabled",
    MfaVerifiedFactorExists => "mfa_verified_factor_exists",
    InvalidCredentials => "invalid_credentials",
    EmailAddressNotAuthorized => "email_address_not_authorized",
    EmailAddressInvalid => "email_address_invalid",
    Web3ProviderDisabled => "web3_provider_disabled",
    Web3UnsupportedChain => "web3_unsupported_chain",
    OauthDynamicClientRegistrationDisabled => "oauth_dynamic_client_registration_disabled",
    EmailAddressNotProvided => "email_address_not_provided",
    OauthClientNotFound => "oauth_client_not_found",
    OauthAuthorizationNotFound => "oauth_authorization_not_found",
    OauthConsentNotFound => "oauth_consent_not_found",
    FeatureDisabled => "feature_disabled",
    CustomProviderNotFound => "custom_provider_not_found",
    PasskeyDisabled => "passkey_disabled",
    TooManyPasskeys => "too_many_passkeys",
    WebauthnCredentialNotFound => "webauthn_credential_not_found",
    WebauthnChallengeNotFound => "webauthn_challenge_not_found",
    WebauthnChallengeExpired => "webauthn_challenge_expired",
    WebauthnVerificationFailed => "webauthn_verification_failed",
    WebauthnCredentialExists => "webauthn_credential_exists",
    // Not the auth server's own, but met on the same paths: the OAuth 2 error a provider sends
    // the browser back with when the person declines, and auth-js's name for a PKCE flow whose
    // verifier is missing (the link was opened in another browser).
    AccessDenied => "access_denied",
    PkceCodeVerifierNotFound => "pkce_code_verifier_not_found",
}

impl ErrorCode {
    /// Whether a failed refresh with this code means the session is gone for good, so its cookies
    /// must be cleared (the refresh token is unknown, reused, or its session or user ended). No
    /// other answer does: a 429, a 5xx or an unreadable answer says nothing about the session.
    pub fn ends_session(&self) -> bool {
        matches!(
            self,
            Self::RefreshTokenNotFound
                | Self::RefreshTokenAlreadyUsed
                | Self::SessionNotFound
                | Self::SessionExpired
                | Self::UserNotFound
                | Self::UserBanned
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(Self::parse(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_round_trip_through_their_wire_form() {
        for code in [
            "invalid_credentials",
            "refresh_token_already_used",
            "mfa_totp_enroll_not_enabled",
        ] {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
            assert!(
                !matches!(ErrorCode::parse(code), ErrorCode::Other(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn unknown_codes_are_kept() {
        let code: ErrorCode = serde_json::from_str(r#""some_future_code""#).unwrap();

        assert_eq!(code, ErrorCode::Other("some_future_code".into()));
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            r#""some_future_code""#
        );
    }
}
