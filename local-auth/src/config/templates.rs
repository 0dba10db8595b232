//! The `[auth.email.*]` sections: which templates and notifications Supabase Auth has
//! ([`Template`], [`Notification`]) and the project's own ([`TemplateFiles`], read with their
//! bodies). `crate::mail` renders them.

use std::{collections::BTreeMap, path::PathBuf};

/// A mail that carries a one-time token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// Confirm a new sign-up.
    Confirmation,
    /// Sign in with a link or code.
    MagicLink,
    /// Reset the password.
    Recovery,
    /// Confirm a new address (sent to the new one, and in secure mode to the old one).
    EmailChange,
    /// A code that confirms a sensitive change.
    Reauthentication,
    /// An invitation from an administrator to create an account.
    Invite,
}

impl Template {
    /// Every one, in the CLI's order.
    pub const ALL: [Self; 6] = [
        Self::Invite,
        Self::Confirmation,
        Self::Recovery,
        Self::MagicLink,
        Self::EmailChange,
        Self::Reauthentication,
    ];

    /// The key under `[auth.email.template]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::MagicLink => "magic_link",
            Self::Recovery => "recovery",
            Self::EmailChange => "email_change",
            Self::Reauthentication => "reauthentication",
            Self::Invite => "invite",
        }
    }
}

/// A security notification (`[auth.email.notification.<type>]`), sent when enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notification {
    /// The password was changed.
    PasswordChanged,
    /// The email address was changed (sent to the old one).
    EmailChanged,
    /// The phone number was changed.
    PhoneChanged,
    /// A sign-in method was linked.
    IdentityLinked,
    /// A sign-in method was removed.
    IdentityUnlinked,
    /// A second factor was added.
    MfaFactorEnrolled,
    /// A second factor was removed.
    MfaFactorUnenrolled,
}

impl Notification {
    /// Every one, in upstream's order.
    pub const ALL: [Self; 7] = [
        Self::PasswordChanged,
        Self::EmailChanged,
        Self::PhoneChanged,
        Self::IdentityLinked,
        Self::IdentityUnlinked,
        Self::MfaFactorEnrolled,
        Self::MfaFactorUnenrolled,
    ];

    /// The key under `[auth.email.notification]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::PasswordChanged => "password_changed",
            Self::EmailChanged => "email_changed",
            Self::PhoneChanged => "phone_changed",
            Self::IdentityLinked => "identity_linked",
            Self::IdentityUnlinked => "identity_unlinked",
            Self::MfaFactorEnrolled => "mfa_factor_enrolled",
            Self::MfaFactorUnenrolled => "mfa_factor_unenrolled",
        }
    }
}

/// A template as `supabase/config.toml` gives it: a subject, and a body read from `content_path`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateFile {
    /// The subject template, if set.
    pub subject: Option<String>,
    /// The body file, as resolved, and its text.
    pub content: Option<(PathBuf, String)>,
}

/// The project's templates and notifications, by their keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateFiles {
    /// `[auth.email.template.<type>]`.
    pub templates: BTreeMap<String, TemplateFile>,
    /// `[auth.email.notification.<type>]` that are enabled.
    pub notifications: BTreeMap<String, TemplateFile>,
}

impl TemplateFiles {
    /// Reads `[auth.email.template.*]` and the enabled `[auth.email.notification.*]` of the file
    /// at `config_path`, each body from its `content_path`: a template's relative to the project
    /// (the directory holding `supabase/`), a notification's relative to `supabase/`, as the
    /// Supabase CLI resolves them. Errors name the key and the problem.
    pub fn from_file(
        email: Option<&toml::Value>,
        config_path: &std::path::Path,
    ) -> Result<Self, (String, String)> {
        let supabase_dir = config_path.parent().unwrap_or(std::path::Path::new(""));
        let project_dir = supabase_dir.parent().unwrap_or(std::path::Path::new(""));
        let mut files = Self::default();
        let sections = [
            (
                "template",
                project_dir,
                Template::ALL.map(Template::key).to_vec(),
            ),
            (
                "notification",
                supabase_dir,
                Notification::ALL.map(Notification::key).to_vec(),
            ),
        ];
        for (section, base, known) in sections {
            let Some(table) = email
                .and_then(|email| email.get(section))
                .and_then(toml::Value::as_table)
            else {
                continue;
            };
            for (name, entry) in table {
                let key = format!("auth.email.{section}.{name}");
                if !known.contains(&name.as_str()) {
                    return Err((
                        key,
                        format!("not a type Supabase Auth has: {}", known.join(", ")),
                    ));
                }
                let text = |field: &str| entry.get(field).and_then(toml::Value::as_str);
                if section == "notification"
                    && entry.get("enabled").and_then(toml::Value::as_bool) != Some(true)
                {
                    continue;
                }
                if entry.get("content").is_some() {
                    return Err((
                        format!("{key}.content"),
                        "please use content_path instead".to_owned(),
                    ));
                }
                let content = match text("content_path").filter(|path| !path.is_empty()) {
                    Some(path) => {
                        // `./supabase/templates/x.html` as `<base>/supabase/templates/x.html`.
                        let path: PathBuf = base.join(path).components().collect();
                        let body = std::fs::read_to_string(&path).map_err(|error| {
                            (
                                format!("{key}.content_path"),
                                format!("cannot read {}: {error}", path.display()),
                            )
                        })?;
                        Some((path, body))
                    }
                    None => None,
                };
                let file = TemplateFile {
                    subject: text("subject").map(str::to_owned),
                    content,
                };
                let target = if section == "template" {
                    &mut files.templates
                } else {
                    &mut files.notifications
                };
                target.insert(name.clone(), file);
            }
        }
        Ok(files)
    }
}
