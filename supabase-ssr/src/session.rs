//! What the API answers with: a [`Session`] (the `/token` response, also the JSON kept in the
//! session cookie), its [`User`], and the user's identities and MFA factors.
//!
//! Fields this crate does not name are kept in `extra` maps, so a session read from a cookie is
//! written back unchanged.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{AccessToken, RefreshToken};

/// A signed-in session: what `POST /token` answers and what @supabase/ssr keeps in its cookie.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    /// The JWT that authorizes calls as the user.
    pub access_token: AccessToken,
    /// Always `bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime of the access token in seconds, from when it was issued.
    pub expires_in: u64,
    /// When the access token expires, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Trades for the next session once.
    pub refresh_token: RefreshToken,
    /// The user the session belongs to.
    pub user: User,
    /// The OAuth provider's access token, when the sign-in went through one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_token: Option<AccessToken>,
    /// The OAuth provider's refresh token, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_refresh_token: Option<RefreshToken>,
    /// Fields this crate does not name, kept for a faithful round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn bearer() -> String {
    "bearer".to_owned()
}

impl Session {
    /// When the access token expires (seconds since the epoch). The server's answer has only
    /// `expires_in`; clients store `expires_at`, so this fills it in from `now` when missing.
    pub fn expires_at_or(&self, now: u64) -> u64 {
        self.expires_at
            .unwrap_or_else(|| now.saturating_add(self.expires_in))
    }

    /// Fills in `expires_at` from `expires_in` as of `now`, as the official client does when it
    /// stores a fresh `/token` answer.
    pub fn with_expiry_from(mut self, now: u64) -> Self {
        self.expires_at = Some(self.expires_at_or(now));
        self
    }

    /// Whether the access token expires within `margin_secs` of `now` (or has expired).
    pub fn expires_within(&self, now: u64, margin_secs: u64) -> bool {
        self.expires_at_or(now) <= now.saturating_add(margin_secs)
    }
}

/// Seconds since the Unix epoch now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A Supabase Auth user, as `GET /user` and sessions carry it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user id (a UUID), the `sub` of its tokens.
    pub id: String,
    /// The audience of its tokens, usually `authenticated`.
    #[serde(default)]
    pub aud: String,
    /// The Postgres role its tokens carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The email address, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The phone number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// When the email address was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirmed_at: Option<String>,
    /// When the phone number was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_confirmed_at: Option<String>,
    /// When the user last signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<String>,
    /// Data only the server (and admins) may change: `provider`, `providers`, custom claims.
    #[serde(default)]
    pub app_metadata: Value,
    /// Data the user may change (the `data` of sign-up and `PUT /user`).
    #[serde(default)]
    pub user_metadata: Value,
    /// The ways the user can sign in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<Vec<Identity>>,
    /// The MFA factors, when the user has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<Factor>>,
    /// When the user was created.
    #[serde(default)]
    pub created_at: String,
    /// When the user was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Whether the user signed in anonymously and has not been made permanent yet.
    #[serde(default)]
    pub is_anonymous: bool,
    /// Fields this crate does not name, kept for a faithful round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One way a user signs in (email, phone, an OAuth provider).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The identity's own id.
    #[serde(default)]
    pub identity_id: String,
    /// The user it belongs to.
    #[serde(default)]
    pub user_id: String,
    /// The provider (`email`, `phone`, `github`, …).
    pub provider: String,
    /// What the provider says about the user.
    #[serde(default)]
    pub identity_data: Value,
    /// Fields this crate does not name, kept for a faithful round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Declares a string-valued wire enum that keeps values it does not know (so a stored user
/// round-trips unchanged).
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A value newer than this list (or none), kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::Other(value),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::Other(String::new())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }
    };
}

wire_enum! {
    /// The kind of an MFA factor.
    FactorType {
        Totp => "totp",
        Phone => "phone",
        Webauthn => "webauthn",
    }
}

wire_enum! {
    /// Whether an MFA factor has been confirmed with a first code.
    FactorStatus {
        Verified => "verified",
        Unverified => "unverified",
    }
}

/// An MFA factor of a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// The factor id.
    pub id: String,
    /// `totp`, `phone` or `webauthn`.
    pub factor_type: FactorType,
    /// `verified` or `unverified`.
    pub status: FactorStatus,
    /// The name the user gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// A phone factor's number (digits of E.164, without the `+`); empty for other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Fields this crate does not name, kept for a faithful round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_kinds_are_typed_and_unknown_ones_kept_as_sent() {
        let factor: Factor = serde_json::from_value(serde_json::json!({
            "id": "f1", "factor_type": "totp", "status": "verified"
        }))
        .unwrap();
        assert_eq!(factor.factor_type, FactorType::Totp);
        assert_eq!(factor.status, FactorStatus::Verified);

        let newer =
            serde_json::json!({"id": "f2", "factor_type": "carrier_pigeon", "status": "pending"});
        let factor: Factor = serde_json::from_value(newer.clone()).unwrap();
        assert_eq!(
            factor.factor_type,
            FactorType::Other("carrier_pigeon".into())
        );
        assert_eq!(serde_json::to_value(&factor).unwrap(), newer);
    }

    #[test]
    fn a_token_answer_round_trips_with_unknown_fields_kept() {
        let answer = serde_json::json!({
            "access_token": "a.b.c", "token_type": "bearer", "expires_in": 3600,
            "refresh_token": "abcdefghijkl", "weak_password": null,
            "user": {"id": "u1", "aud": "authenticated", "email": "a@b.co",
                     "app_metadata": {"provider": "email"}, "user_metadata": {},
                     "created_at": "2026-01-01T00:00:00Z", "is_anonymous": false,
                     "new_field": 7}
        });

        let session: Session = serde_json::from_value(answer.clone()).unwrap();

        assert_eq!(session.user.email.as_deref(), Some("a@b.co"));
        assert_eq!(serde_json::to_value(&session).unwrap(), answer);
    }

    #[test]
    fn expiry_is_derived_from_expires_in_when_absent() {
        let session: Session = serde_json::from_value::<Session>(serde_json::json!({
            "access_token": "t", "expires_in": 3600, "refresh_token": "r", "user": {"id": "u"}
        }))
        .unwrap()
        .with_expiry_from(1_000);

        assert_eq!(session.expires_at, Some(4_600));
        assert!(!session.expires_within(1_000, 90));
        assert!(session.expires_within(4_510, 90));
    }
}
