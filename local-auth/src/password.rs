//! Password rules, as upstream's `checkPasswordStrength` applies them to every new password
//! (sign-up, password change, admin create and update): at most 72 bytes (bcrypt's limit), at
//! least `minimum_password_length` bytes, one character of each required set
//! (`password_requirements`, the Supabase CLI's names for the dashboard's choices), and the
//! leaked-password check, which local-auth cannot make: it has no way to HaveIBeenPwned.org, so
//! it answers as upstream does when that service is unreachable.

use std::str::FromStr;

use crate::error::{ApiError, ApiResult, ErrorCode};

/// bcrypt ignores everything past 72 bytes, so longer passwords would be silently truncated.
pub const MAX_LENGTH: usize = 72;

/// Lower-case letters, as upstream's required character sets name them.
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
/// Upper-case letters.
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Digits.
const DIGITS: &str = "0123456789";
/// Symbols: upstream's set for `lower_upper_letters_digits_symbols`.
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~";

/// The character sets a password must draw from (`password_requirements` in
/// `supabase/config.toml`; the dashboard's "Required characters").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Requirements {
    /// No requirement (`""`, the default).
    #[default]
    None,
    /// A letter and a digit (`letters_digits`).
    LettersDigits,
    /// A lower-case letter, an upper-case letter and a digit (`lower_upper_letters_digits`).
    LowerUpperLettersDigits,
    /// All of those and a symbol (`lower_upper_letters_digits_symbols`).
    LowerUpperLettersDigitsSymbols,
}

impl Requirements {
    /// The sets, each of which the password must contain a character of (upstream's
    /// `GOTRUE_PASSWORD_REQUIRED_CHARACTERS` for the dashboard's choice).
    fn sets(self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::LettersDigits => vec![format!("{LOWER}{UPPER}"), DIGITS.to_owned()],
            Self::LowerUpperLettersDigits => [LOWER, UPPER, DIGITS].map(str::to_owned).to_vec(),
            Self::LowerUpperLettersDigitsSymbols => {
                [LOWER, UPPER, DIGITS, SYMBOLS].map(str::to_owned).to_vec()
            }
        }
    }
}

impl FromStr for Requirements {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "" => Ok(Self::None),
            "letters_digits" => Ok(Self::LettersDigits),
            "lower_upper_letters_digits" => Ok(Self::LowerUpperLettersDigits),
            "lower_upper_letters_digits_symbols" => Ok(Self::LowerUpperLettersDigitsSymbols),
            other => Err(format!(
                "expected \"\", `letters_digits`, `lower_upper_letters_digits` or \
                 `lower_upper_letters_digits_symbols`, got `{other}`"
            )),
        }
    }
}

/// The rules a new password must pass.
#[derive(Clone, Debug, Default)]
pub struct PasswordRules {
    /// The fewest bytes (`minimum_password_length`, `LOCAL_AUTH_MINIMUM_PASSWORD_LENGTH`).
    pub min_length: usize,
    /// The character sets (`password_requirements`, `LOCAL_AUTH_PASSWORD_REQUIREMENTS`).
    pub requirements: Requirements,
    /// The leaked-password check (`LOCAL_AUTH_PASSWORD_HIBP_ENABLED`, upstream's
    /// `GOTRUE_PASSWORD_HIBP_ENABLED`; a project's "Prevent use of leaked passwords").
    pub hibp_enabled: bool,
    /// With the check on and HaveIBeenPwned.org unreachable, refuse the password instead of
    /// allowing it (`LOCAL_AUTH_PASSWORD_HIBP_FAIL_CLOSED`, upstream's
    /// `GOTRUE_PASSWORD_HIBP_FAIL_CLOSED`).
    pub hibp_fail_closed: bool,
}

impl PasswordRules {
    /// Checks a new password: 400 `validation_failed` past 72 bytes; 422 `weak_password` with
    /// every reason (`length`, `characters`) and upstream's sentences; with the leaked-password
    /// check on, what upstream answers when HaveIBeenPwned.org cannot be reached (fail closed:
    /// 500; fail open: a warning, and the password passes).
    pub fn check(&self, password: &str) -> ApiResult<()> {
        if password.len() > MAX_LENGTH {
            return Err(ApiError::validation(format!(
                "Password cannot be longer than {MAX_LENGTH} characters"
            )));
        }
        let mut reasons = Vec::new();
        let mut messages = Vec::new();
        if password.len() < self.min_length {
            reasons.push("length");
            messages.push(format!(
                "Password should be at least {} characters.",
                self.min_length
            ));
        }
        let sets = self.requirements.sets();
        if sets
            .iter()
            .any(|set| !password.chars().any(|c| set.contains(c)))
        {
            reasons.push("characters");
            messages.push(format!(
                "Password should contain at least one character of each: {}.",
                sets.join(", ")
            ));
        }
        if self.hibp_enabled {
            if self.hibp_fail_closed {
                return Err(ApiError::failure(
                    "Unable to perform password strength check with HaveIBeenPwned.org.",
                ));
            }
            tracing::warn!(
                "Unable to perform password strength check with HaveIBeenPwned.org, pwned \
                 passwords are being allowed (local-auth cannot reach it)"
            );
        }
        if reasons.is_empty() {
            return Ok(());
        }
        let mut error = ApiError::unprocessable(ErrorCode::WeakPassword, messages.join(" "));
        error.weak_password_reasons = reasons;
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(min_length: usize, requirements: &str) -> PasswordRules {
        PasswordRules {
            min_length,
            requirements: requirements.parse().unwrap(),
            ..PasswordRules::default()
        }
    }

    fn reasons(rules: &PasswordRules, password: &str) -> Vec<&'static str> {
        rules
            .check(password)
            .err()
            .map(|error| error.weak_password_reasons)
            .unwrap_or_default()
    }

    #[test]
    fn each_requirement_names_the_sets_it_needs() {
        let symbols = rules(8, "lower_upper_letters_digits_symbols");

        assert_eq!(reasons(&symbols, "Abcdefg1!"), Vec::<&str>::new());
        assert_eq!(reasons(&symbols, "Abcdefg12"), ["characters"]);
        assert_eq!(reasons(&symbols, "A1!"), ["length", "characters"]);
        assert_eq!(
            reasons(&rules(6, "letters_digits"), "ABCDEF1"),
            Vec::<&str>::new()
        );
        assert_eq!(
            reasons(&rules(6, "letters_digits"), "abcdefg"),
            ["characters"]
        );
        assert_eq!(
            reasons(&rules(6, "lower_upper_letters_digits"), "abcdef1"),
            ["characters"]
        );
        assert_eq!(reasons(&rules(6, ""), "......"), Vec::<&str>::new());
    }

    #[test]
    fn upstreams_sentences_name_the_length_and_each_set() {
        let error = rules(8, "lower_upper_letters_digits")
            .check("abc")
            .unwrap_err();

        assert_eq!(error.status.as_u16(), 422);
        assert_eq!(error.code, ErrorCode::WeakPassword);
        assert_eq!(
            error.message,
            "Password should be at least 8 characters. Password should contain at least one \
             character of each: abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789."
        );
    }

    #[test]
    fn lengths_count_bytes_as_upstream_does() {
        // Three characters, six bytes: long enough for a minimum of 6.
        assert_eq!(reasons(&rules(6, ""), "äöü"), Vec::<&str>::new());
        let error = rules(6, "").check(&"é".repeat(37)).unwrap_err();
        assert_eq!(error.status.as_u16(), 400);
        assert_eq!(error.code, ErrorCode::ValidationFailed);
    }

    #[test]
    fn the_leaked_password_check_answers_as_upstream_does_without_the_service() {
        let mut rules = rules(6, "");
        rules.hibp_enabled = true;
        assert!(
            rules.check("correct horse").is_ok(),
            "fail open lets it pass"
        );

        rules.hibp_fail_closed = true;
        let error = rules.check("correct horse").unwrap_err();
        assert_eq!(error.status.as_u16(), 500);
        assert_eq!(error.code, ErrorCode::UnexpectedFailure);
    }

    #[test]
    fn unknown_requirements_are_refused() {
        assert!("letters".parse::<Requirements>().is_err());
    }
}
