//! Secrets as newtypes: they print `[redacted]` in `Debug` and are read only through
//! `expose_secret`, so a token never lands in a log line by accident.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself, for the one place that must send or store it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret!(
    /// A user's access token: a JWT that authorizes API calls as that user.
    AccessToken
);
secret!(
    /// A session's refresh token: trades for a new access token once.
    RefreshToken
);
secret!(
    /// An API key (publishable or secret) sent as `apikey`.
    ApiKey
);
secret!(
    /// A one-time token hash from an email link (`token_hash`).
    TokenHash
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let token = RefreshToken::new("abcdefghijkl");

        let printed = format!("{token:?} {:?}", AccessToken::new("eyJhbGciOi"));

        assert_eq!(printed, "RefreshToken([redacted]) AccessToken([redacted])");
        assert_eq!(token.expose_secret(), "abcdefghijkl");
    }

    #[test]
    fn secrets_serialize_as_plain_strings() {
        let json = serde_json::to_string(&AccessToken::new("jwt")).unwrap();

        assert_eq!(json, r#""jwt""#);
    }
}
