//! Sign-in providers by the names Supabase Auth gives them (`github`, `linkedin_oidc`, …), and
//! how a page writes them for people.

/// How a provider is usually written: `github` → GitHub, `linkedin_oidc` → LinkedIn; a provider
/// this list does not know is capitalised.
pub fn display_name(provider: &str) -> String {
    match provider {
        "github" => "GitHub".to_owned(),
        "gitlab" => "GitLab".to_owned(),
        "linkedin_oidc" => "LinkedIn".to_owned(),
        "slack_oidc" => "Slack".to_owned(),
        "workos" => "WorkOS".to_owned(),
        "x" | "twitter" => "X".to_owned(),
        // An SSO provider's identities are `sso:<provider id>`: one organisation's sign-in.
        other if other.starts_with("sso:") => "Single sign-on".to_owned(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn providers_get_their_usual_names() {
        assert_eq!(display_name("github"), "GitHub");
        assert_eq!(display_name("google"), "Google");
        assert_eq!(
            display_name("sso:8f1c8a5e-0d5b-4a7e-9a43-6f2b1a9d8c11"),
            "Single sign-on"
        );
        assert_eq!(display_name("linkedin_oidc"), "LinkedIn");
        assert_eq!(display_name("email"), "Email");
        assert_eq!(display_name("twitter"), "X");
        assert_eq!(display_name(""), "");
    }
}
