//! Input validation shared by the API and the development identity provider: email addresses
//! and phone numbers as they are stored, or `validation_failed`.

use crate::error::{ApiError, ApiResult};

/// Trims and lowercases an email address; `validation_failed` when it is not one, by upstream's
/// rules (checkmail's format): a local part of letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, an
/// `@`, and dot-separated host labels of letters, digits and inner hyphens, 255 bytes at most.
pub fn validate_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(ApiError::validation("An email address is required"));
    }
    if email.len() > 255 {
        return Err(ApiError::validation("An email address is too long"));
    }
    let local_char = |c: char| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c);
    let label = |label: &str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    };
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && local.chars().all(local_char) && domain.split('.').all(label)
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
    fn addresses_follow_upstreams_format() {
        assert_eq!(
            validate_email("  Ann.O'Neil+tag@Mail-1.Example.COM ").unwrap(),
            "ann.o'neil+tag@mail-1.example.com"
        );
        assert_eq!(validate_email("dev@localhost").unwrap(), "dev@localhost");
        let long_label = format!("a@{}.com", "b".repeat(64));
        let too_long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "xx:;x@x.x",
            "a b@example.com",
            "ann@",
            "@example.com",
            "ann@example..com",
            "ann@-example.com",
            "ann@example-.com",
            "ann@exa_mple.com",
            "ann@@example.com",
            "ann@example.com.",
            "\"ann\"@example.com",
            "ann(comment)@example.com",
            "ann@[127.0.0.1]",
            "änn@example.com",
            long_label.as_str(),
        ] {
            let error = validate_email(bad).unwrap_err();
            assert_eq!(
                error.message, "Unable to validate email address: invalid format",
                "{bad}"
            );
        }
        assert_eq!(
            validate_email(" ").unwrap_err().message,
            "An email address is required"
        );
        assert_eq!(
            validate_email(&too_long).unwrap_err().message,
            "An email address is too long"
        );
    }

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
