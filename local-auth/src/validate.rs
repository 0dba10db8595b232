//! Input validation shared by the API and the development identity provider: email addresses
//! and phone numbers as they are stored, or `validation_failed`.

use crate::error::{ApiError, ApiResult};

/// Trims and lowercases an email address; `validation_failed` when it is not one.
pub fn validate_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 255
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::validation(
            "Unable to validate email address: invalid format",
        ))
    }
}

/// A phone number as stored: E.164 digits without the `+`, spaces, dashes or brackets removed;
/// `validation_failed` when it is not one.
pub fn validate_phone(phone: &str) -> ApiResult<String> {
    let digits: String = phone
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let valid = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if valid {
        Ok(digits)
    } else {
        Err(ApiError::validation(
            "Invalid phone number format (E.164 required)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stored_as_e164_digits() {
        assert_eq!(validate_phone("+1 (555) 010-2030").unwrap(), "15550102030");
        assert_eq!(validate_phone("4915112345678").unwrap(), "4915112345678");
        for bad in [
            "",
            "+",
            "12345",
            "+0 555 0102030",
            "555-CALL-NOW",
            "1234567890123456",
        ] {
            assert!(validate_phone(bad).is_err(), "{bad}");
        }
    }
}
