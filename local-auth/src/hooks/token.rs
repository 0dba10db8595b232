//! The custom access token hook's output, checked as upstream checks it: an object with `claims`,
//! and those claims matching upstream's `MinimumViableTokenSchema` (the required claims present,
//! each known claim of its type). The claims then are the token's, as they are.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// The claims every token must keep.
const REQUIRED: [&str; 10] = [
    "aud",
    "exp",
    "iat",
    "sub",
    "email",
    "phone",
    "role",
    "aal",
    "session_id",
    "is_anonymous",
];

/// The types of the claims the schema names.
const TYPES: [(&str, &[Kind]); 17] = [
    ("aud", &[Kind::String, Kind::Array]),
    ("exp", &[Kind::Integer]),
    ("jti", &[Kind::String]),
    ("iat", &[Kind::Integer]),
    ("iss", &[Kind::String]),
    ("nbf", &[Kind::Integer]),
    ("sub", &[Kind::String]),
    ("email", &[Kind::String]),
    ("phone", &[Kind::String]),
    ("app_metadata", &[Kind::Object]),
    ("user_metadata", &[Kind::Object]),
    ("role", &[Kind::String]),
    ("aal", &[Kind::String]),
    ("amr", &[Kind::Array]),
    ("session_id", &[Kind::String]),
    ("client_id", &[Kind::String]),
    ("is_anonymous", &[Kind::Boolean]),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Boolean,
    Object,
    Array,
}

impl Kind {
    fn of(value: &Value) -> &'static str {
        match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Object => "object",
            Self::Array => "array",
        }
    }
}

/// The claims of a hook's output, or upstream's 500 for an output without valid claims.
pub fn claims(output: Option<Value>) -> Result<Map<String, Value>, ApiError> {
    let output = output.unwrap_or(Value::Null);
    let Some(claims) = output.get("claims") else {
        return Err(ApiError::failure("output claims field is missing"));
    };
    let Value::Object(claims) = claims else {
        return Err(schema_error(&[format!(
            "(root): Invalid type. Expected: object, given: {}",
            Kind::of(claims)
        )]));
    };
    let mut problems: Vec<String> = REQUIRED
        .iter()
        .filter(|claim| !claims.contains_key(**claim))
        .map(|claim| format!("(root): {claim} is required"))
        .collect();
    for (claim, kinds) in TYPES {
        let Some(value) = claims.get(claim) else {
            continue;
        };
        let given = Kind::of(value);
        if !kinds.iter().any(|kind| kind.name() == given) {
            let expected: Vec<_> = kinds.iter().map(|kind| kind.name()).collect();
            problems.push(format!(
                "{claim}: Invalid type. Expected: {}, given: {given}",
                expected.join("/")
            ));
        }
    }
    if let Some(Value::Array(amr)) = claims.get("amr")
        && amr
            .iter()
            .any(|entry| !(entry.is_string() || entry.is_object()))
    {
        problems.push("amr: Must validate at least one schema (anyOf)".to_owned());
    }
    if problems.is_empty() {
        Ok(claims.clone())
    } else {
        Err(schema_error(&problems))
    }
}

fn schema_error(problems: &[String]) -> ApiError {
    let list: String = problems
        .iter()
        .map(|problem| format!("- {problem}\n"))
        .collect();
    ApiError::failure(format!(
        "output claims do not conform to the expected schema: \n{list}"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({
            "aud": "authenticated", "exp": 2, "iat": 1, "sub": "u", "email": "", "phone": "",
            "role": "authenticated", "aal": "aal1", "session_id": "s", "is_anonymous": false,
            "amr": [{"method": "password", "timestamp": 1}], "user_role": "admin"
        })
    }

    #[test]
    fn valid_claims_pass_as_they_are() {
        let claims = claims(Some(json!({ "claims": valid() }))).unwrap();
        assert_eq!(claims["user_role"], "admin");
    }

    #[test]
    fn outputs_without_valid_claims_get_upstreams_answers() {
        let missing = claims(Some(json!({ "other": 1 }))).unwrap_err();
        assert_eq!(missing.status.as_u16(), 500);
        assert_eq!(missing.message, "output claims field is missing");
        assert_eq!(
            claims(None).unwrap_err().message,
            "output claims field is missing"
        );

        let mut without_sub = valid();
        without_sub.as_object_mut().unwrap().remove("sub");
        without_sub["exp"] = json!("later");
        let error = claims(Some(json!({ "claims": without_sub }))).unwrap_err();
        assert_eq!(
            error.message,
            "output claims do not conform to the expected schema: \n- (root): sub is required\n\
             - exp: Invalid type. Expected: integer, given: string\n"
        );

        let not_object = claims(Some(json!({ "claims": "all" }))).unwrap_err();
        assert!(
            not_object
                .message
                .contains("Expected: object, given: string")
        );
    }
}
