//! Custom access-token claims: local-auth's stand-in for Supabase's custom access token hook.
//!
//! A JSON file (`LOCAL_AUTH_CUSTOM_CLAIMS_FILE`) adds claims to every access token issued, for
//! everyone and per user (by email address or user id), the way a hook adds `user_role` for
//! role-based access:
//!
//! ```json
//! {
//!   "default": { "user_role": "member" },
//!   "users": { "admin@example.com": { "user_role": "admin", "permissions": ["posts.delete"] } }
//! }
//! ```
//!
//! A user's own entry wins over `default`, key by key. The claims Supabase Auth itself issues
//! (`sub`, `role`, `aal`, …) cannot be set or removed here: a file that tries is refused at start.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The claims every access token carries; a custom claims file may not set these.
pub const STANDARD_CLAIMS: [&str; 14] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "email",
    "phone",
    "app_metadata",
    "user_metadata",
    "role",
    "aal",
    "amr",
    "session_id",
    "is_anonymous",
];

/// Extra claims for everyone and per user.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomClaims {
    /// Claims of every user.
    #[serde(default)]
    default: Map<String, Value>,
    /// Claims of one user, by email address (any case) or user id.
    #[serde(default)]
    users: HashMap<String, Map<String, Value>>,
}

impl CustomClaims {
    /// Parses a claims file; the error says what is wrong with it.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut claims: Self = serde_json::from_str(text).map_err(|error| error.to_string())?;
        claims.users = claims
            .users
            .into_iter()
            .map(|(key, value)| (key.to_lowercase(), value))
            .collect();
        let sets_standard = std::iter::once(&claims.default)
            .chain(claims.users.values())
            .flat_map(Map::keys)
            .find(|key| STANDARD_CLAIMS.contains(&key.as_str()));
        match sets_standard {
            Some(key) => Err(format!(
                "`{key}` is a claim Supabase Auth issues itself; a custom claims file may only add others"
            )),
            None => Ok(claims),
        }
    }

    /// Reads and parses the claims file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text =
            std::fs::read_to_string(path).map_err(|error| format!("cannot read: {error}"))?;
        Self::from_json(&text)
    }

    /// The claims to add for the user with `user_id` and `email`.
    pub fn for_user(&self, user_id: &str, email: Option<&str>) -> Map<String, Value> {
        let mut claims = self.default.clone();
        let own = [Some(user_id.to_owned()), email.map(str::to_lowercase)];
        for key in own.into_iter().flatten() {
            if let Some(extra) = self.users.get(&key) {
                claims.extend(extra.clone());
            }
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_users_own_claims_win_over_the_default() {
        let claims = CustomClaims::from_json(
            r#"{"default":{"user_role":"member","tier":"free"},
                "users":{"Admin@Example.com":{"user_role":"admin"},"u-2":{"tier":"pro"}}}"#,
        )
        .unwrap();

        let admin = claims.for_user("u-1", Some("admin@example.com"));
        assert_eq!(
            Value::Object(admin),
            json!({"user_role":"admin","tier":"free"})
        );
        let by_id = claims.for_user("u-2", None);
        assert_eq!(
            Value::Object(by_id),
            json!({"user_role":"member","tier":"pro"})
        );
        let other = claims.for_user("u-3", Some("someone@example.com"));
        assert_eq!(
            Value::Object(other),
            json!({"user_role":"member","tier":"free"})
        );
    }

    #[test]
    fn standard_claims_cannot_be_set() {
        let error =
            CustomClaims::from_json(r#"{"users":{"a@example.com":{"role":"service_role"}}}"#)
                .unwrap_err();
        assert!(error.contains("`role`"), "{error}");
        let error = CustomClaims::from_json(r#"{"default":{"sub":"someone-else"}}"#).unwrap_err();
        assert!(error.contains("`sub`"), "{error}");
    }

    #[test]
    fn a_file_is_read_from_disk_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claims.json");
        std::fs::write(&path, r#"{"default":{"user_role":"member"}}"#).unwrap();

        let claims = CustomClaims::load(&path).unwrap();

        assert_eq!(claims.for_user("u", None)["user_role"], "member");
        let missing = CustomClaims::load(&dir.path().join("nope.json")).unwrap_err();
        assert!(missing.starts_with("cannot read"), "{missing}");
    }

    #[test]
    fn a_malformed_file_is_refused() {
        assert!(CustomClaims::from_json(r#"{"defaults":{}}"#).is_err());
        assert!(CustomClaims::from_json("not json").is_err());
        assert!(CustomClaims::from_json(r#"{"users":{"a":"admin"}}"#).is_err());
    }
}
