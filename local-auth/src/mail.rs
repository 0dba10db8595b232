//! Outgoing mail, as upstream's template mailer writes it: every message is a subject and an HTML
//! body rendered as Go `html/template`s (context-aware escaping, by the `gotmpl` crate) with
//! upstream's variables (`{{ .ConfirmationURL }}`, `{{ .Token }}`, `{{ .TokenHash }}`,
//! `{{ .SiteURL }}`, `{{ .RedirectTo }}`, `{{ .Email }}`, `{{ .NewEmail }}`, `{{ .Data }}`, …).
//! The project's own files (`[auth.email.template.<type>]`, `[auth.email.notification.<type>]`
//! in `supabase/config.toml`, the files `supabase config push` sends) win over local-auth's
//! defaults. Each message is stored for the mailbox (with a plain-text part derived from the HTML)
//! and queued for SMTP when that is configured.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

pub use crate::config::{Notification, Template, TemplateFile, TemplateFiles};
use crate::{
    config::{Config, EmailLinks},
    store,
};

impl Template {
    /// The `type` a link of this template verifies, and the hook's `email_action_type`.
    pub fn verify_type(self) -> &'static str {
        match self {
            Self::Confirmation => "signup",
            Self::MagicLink => "magiclink",
            Self::Recovery => "recovery",
            Self::EmailChange => "email_change",
            Self::Reauthentication => "reauthentication",
            Self::Invite => "invite",
        }
    }

    fn default_subject(self) -> &'static str {
        match self {
            Self::Confirmation => "Confirm Your Signup",
            Self::MagicLink => "Your Magic Link",
            Self::Recovery => "Reset Your Password",
            Self::EmailChange => "Confirm Email Change",
            Self::Reauthentication => "Confirm Reauthentication",
            Self::Invite => "You have been invited",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Self::Confirmation => "Follow this link to confirm your user:",
            Self::MagicLink => "Follow this link to login:",
            Self::Recovery => "Follow this link to reset the password for your user:",
            Self::EmailChange => "Follow this link to confirm the update of your email:",
            Self::Reauthentication => "To confirm the change, enter the code:",
            Self::Invite => {
                "You have been invited to create a user. Follow this link to accept the invite:"
            }
        }
    }

    /// local-auth's default body: the link (to the app's `/auth/confirm`, or upstream's
    /// `/verify` with [`EmailLinks::Verify`]) and the code.
    fn default_body(self, links: EmailLinks) -> String {
        let (subject, action) = (self.default_subject(), self.action());
        if self == Self::Reauthentication {
            return format!("<h2>{subject}</h2>\n<p>{action} <code>{{{{ .Token }}}}</code></p>\n");
        }
        let link = match links {
            EmailLinks::App => format!(
                "{{{{ .SiteURL }}}}/auth/confirm?token_hash={{{{ .TokenHash }}}}&type={}&next={{{{ .RedirectTo }}}}",
                self.verify_type()
            ),
            EmailLinks::Verify => "{{ .ConfirmationURL }}".to_owned(),
        };
        format!(
            "<h2>{subject}</h2>\n<p>{action}</p>\n<p><a href=\"{link}\">{subject}</a></p>\n\
             <p>Alternatively, enter the code: <code>{{{{ .Token }}}}</code></p>\n"
        )
    }
}

impl Notification {
    /// The send-email hook's `email_action_type`.
    pub fn action_type(self) -> String {
        format!("{}_notification", self.key())
    }

    /// Upstream's default subject and body.
    fn defaults(self) -> (&'static str, &'static str) {
        match self {
            Self::PasswordChanged => (
                "Your password was changed",
                "<h2>Your password was changed</h2>\n\n<p>The password for your account was recently changed.</p>\n<p>If you didn't make this change, reset your password and contact support immediately.</p>\n",
            ),
            Self::EmailChanged => (
                "Your email address was changed",
                "<h2>Your email address was changed</h2>\n\n<p>The email address for your account was changed from {{ .OldEmail }} to {{ .Email }}.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
            Self::PhoneChanged => (
                "Your phone number was changed",
                "<h2>Your phone number was changed</h2>\n\n<p>The phone number for your account was changed from {{ .OldPhone }} to {{ .Phone }}.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
            Self::IdentityLinked => (
                "A new sign-in method was linked to your account",
                "<h2>A new sign-in method was linked</h2>\n\n<p>Your {{ .Provider }} account was linked as a new sign-in method for {{ .Email }}.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
            Self::IdentityUnlinked => (
                "A sign-in method was removed from your account",
                "<h2>A sign-in method was removed</h2>\n\n<p>Your {{ .Provider }} account was removed as a sign-in method for {{ .Email }}.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
            Self::MfaFactorEnrolled => (
                "A new verification method was added to your account",
                "<h2>A new verification method was added</h2>\n\n<p>Sign-in verification method {{ .FactorType }} was added to your account.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
            Self::MfaFactorUnenrolled => (
                "A verification method was removed from your account",
                "<h2>A verification method was removed</h2>\n\n<p>Sign-in verification method {{ .FactorType }} was removed from your account.</p>\n<p>If you didn't make this change, contact support immediately.</p>\n",
            ),
        }
    }
}

/// A parsed subject and body.
struct Parsed {
    subject: gotmpl::html::Template,
    body: gotmpl::html::Template,
}

impl Parsed {
    fn new(
        name: &str,
        subject: &str,
        body: &str,
        body_file: Option<&PathBuf>,
    ) -> Result<Self, String> {
        let located = |source: String, error: gotmpl::TemplateError| match error {
            gotmpl::TemplateError::Parse {
                line, col, message, ..
            }
            | gotmpl::TemplateError::Lex {
                line, col, message, ..
            } => {
                format!("{source}:{line}:{col}: {message}")
            }
            other => format!("{source}: {other}"),
        };
        let body_source = body_file.map_or_else(
            || format!("local-auth's default {name} template"),
            |path| path.display().to_string(),
        );
        Ok(Self {
            subject: gotmpl::html::Template::new(name)
                .parse(subject)
                .map_err(|error| located(format!("the {name} subject"), error))?,
            body: gotmpl::html::Template::new(name)
                .parse(body)
                .map_err(|error| located(body_source, error))?,
        })
    }

    /// The subject, body and plain-text part for `data`.
    fn rendered(&self, data: &Value) -> Result<Rendered, crate::error::ApiError> {
        let (subject, html) = self
            .render(data)
            .map_err(crate::error::ApiError::internal)?;
        let text = text_of(&html);
        Ok(Rendered {
            subject,
            html,
            text,
        })
    }

    fn render(&self, data: &Value) -> Result<(String, String), String> {
        let data = gotmpl::to_value(data).map_err(|error| error.to_string())?;
        let subject = self
            .subject
            .execute_to_string(&data)
            .map_err(|e| e.to_string())?;
        let body = self
            .body
            .execute_to_string(&data)
            .map_err(|e| e.to_string())?;
        Ok((subject, body))
    }
}

/// Every template parsed once at start; a file that does not parse stops the start, naming the
/// file, line and column.
pub struct Mailer {
    templates: Vec<(Template, Parsed)>,
    notifications: Vec<(Notification, Parsed)>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field(
                "notifications",
                &self
                    .notifications
                    .iter()
                    .map(|(n, _)| n.key())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Parses the project's templates over local-auth's defaults.
    pub fn new(config: &Config) -> Result<Self, String> {
        let files = &config.email_templates;
        let templates = Template::ALL
            .into_iter()
            .map(|template| {
                let file = files.templates.get(template.key());
                let default_body = template.default_body(config.email_links);
                let subject = file
                    .and_then(|file| file.subject.as_deref())
                    .unwrap_or(template.default_subject());
                let (path, body) = match file.and_then(|file| file.content.as_ref()) {
                    Some((path, body)) => (Some(path), body.as_str()),
                    None => (None, default_body.as_str()),
                };
                Parsed::new(template.key(), subject, body, path).map(|parsed| (template, parsed))
            })
            .collect::<Result<_, _>>()?;
        let notifications = Notification::ALL
            .into_iter()
            .filter_map(|notification| {
                let file = files.notifications.get(notification.key())?;
                let (default_subject, default_body) = notification.defaults();
                let subject = file.subject.as_deref().unwrap_or(default_subject);
                let (path, body) = match &file.content {
                    Some((path, body)) => (Some(path), body.as_str()),
                    None => (None, default_body),
                };
                Some(
                    Parsed::new(notification.key(), subject, body, path)
                        .map(|parsed| (notification, parsed)),
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            templates,
            notifications,
        })
    }

    /// Whether `notification` is enabled.
    pub fn notifies(&self, notification: Notification) -> bool {
        self.notifications.iter().any(|(n, _)| *n == notification)
    }
}

/// A token mail about to be sent.
pub struct Message<'a> {
    /// Which template.
    pub template: Template,
    /// The recipient.
    pub to: &'a str,
    /// The one-time code.
    pub code: &'a str,
    /// The stored token hash the link carries.
    pub token_hash: &'a str,
    /// Where the link leads after verification.
    pub redirect_to: &'a str,
}

/// Upstream's `ConfirmationURL`: its `/verify` link for the token.
fn confirmation_url(config: &Config, message: &Message<'_>) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("token", message.token_hash),
            ("type", message.template.verify_type()),
            ("redirect_to", message.redirect_to),
        ])
        .finish();
    format!("{}/verify?{query}", config.issuer())
}

/// The variables every template sees, with the user's.
fn base_data(config: &Config, user: &store::User) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert(
        "SiteURL".into(),
        config.site_url.as_str().trim_end_matches('/').into(),
    );
    data.insert(
        "Email".into(),
        user.email.clone().unwrap_or_default().into(),
    );
    data.insert("Data".into(), user.user_metadata());
    data
}

/// What a notification adds to the template variables (and the hook's `email_data`).
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// `OldEmail`: the address before an email change.
    pub old_email: Option<String>,
    /// `OldPhone` and `Phone`: the numbers before and after a phone change.
    pub old_phone: Option<String>,
    /// `Provider`: the identity linked or unlinked.
    pub provider: Option<String>,
    /// `FactorType`: the factor enrolled or removed.
    pub factor_type: Option<String>,
}

/// A mail rendered from its template: subject, HTML body and its plain-text part.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The HTML body.
    pub html: String,
    /// The plain-text part ([`text_of`] the body).
    pub text: String,
}

impl Mailer {
    /// Renders a token mail's template for `user`.
    pub fn token_mail(
        &self,
        config: &Config,
        user: &store::User,
        message: &Message<'_>,
    ) -> Result<Rendered, crate::error::ApiError> {
        let mut data = base_data(config, user);
        data.insert(
            "ConfirmationURL".into(),
            confirmation_url(config, message).into(),
        );
        data.insert("Token".into(), message.code.into());
        data.insert("TokenHash".into(), message.token_hash.into());
        data.insert("RedirectTo".into(), message.redirect_to.into());
        if message.template == Template::EmailChange {
            let pending = user.email_change.clone().unwrap_or_default();
            data.insert("NewEmail".into(), pending.into());
            data.insert("SendingTo".into(), message.to.into());
        }
        let parsed = self
            .templates
            .iter()
            .find(|(template, _)| *template == message.template)
            .map(|(_, parsed)| parsed)
            .expect("every template is parsed at start");
        parsed.rendered(&Value::Object(data))
    }

    /// Renders `notification` about `user`, to `to`; `None` when the project does not send it.
    pub fn notification(
        &self,
        config: &Config,
        user: &store::User,
        notification: Notification,
        to: &str,
        details: Details,
    ) -> Option<Result<Rendered, crate::error::ApiError>> {
        let (_, parsed) = self
            .notifications
            .iter()
            .find(|(n, _)| *n == notification)?;
        let mut data = base_data(config, user);
        if notification == Notification::IdentityUnlinked {
            data.insert("Email".into(), to.into());
        }
        let fields = [
            ("OldEmail", details.old_email),
            ("OldPhone", details.old_phone),
            (
                "Phone",
                (notification == Notification::PhoneChanged)
                    .then(|| user.phone.clone().unwrap_or_default()),
            ),
            ("Provider", details.provider),
            ("FactorType", details.factor_type),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                data.insert(key.into(), value.into());
            }
        }
        Some(parsed.rendered(&Value::Object(data)))
    }
}

/// Upstream's `email_data` for the send-email hook: the action, the token (code and hash) when the
/// mail carries one, where its link leads, and a notification's details.
pub fn hook_data(
    config: &Config,
    action_type: &str,
    token: Option<(&str, &str)>,
    redirect_to: &str,
    details: &Details,
) -> Value {
    let (code, token_hash) = token.unwrap_or_default();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    json!({
        "token": code,
        "token_hash": token_hash,
        "redirect_to": redirect_to,
        "email_action_type": action_type,
        "site_url": config.site_url.as_str().trim_end_matches('/'),
        "token_new": "",
        "token_hash_new": "",
        "old_email": text(&details.old_email),
        "old_phone": text(&details.old_phone),
        "provider": text(&details.provider),
        "factor_type": text(&details.factor_type),
    })
}

/// A plain-text part for an HTML body: each link's address on a line of its own after its text,
/// paragraphs and headings as lines, tags dropped and entities decoded.
pub fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    let mut pending_link: Option<String> = None;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = &rest[start + 1..start + end];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match (name.as_str(), closing) {
            ("a", false) => pending_link = attribute(tag, "href"),
            ("a", true) => {
                if let Some(link) = pending_link.take() {
                    text.push('\n');
                    text.push_str(&link);
                    text.push('\n');
                }
            }
            ("br", _) | ("p", true) | ("h1" | "h2" | "h3" | "div" | "li" | "tr", true) => {
                text.push('\n')
            }
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let decoded = decode_entities(&text);
    // Lines trimmed, runs of blank lines folded into one.
    let mut out = String::new();
    let mut blank = true;
    for line in decoded.lines().map(str::trim) {
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    out
}

/// The value of `name` in a tag's attributes, entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[at..];
    let quote = rest.chars().next()?;
    let value = if quote == '"' || quote == '\'' {
        rest[1..].split(quote).next()?
    } else {
        rest.split(char::is_whitespace).next()?
    };
    Some(decode_entities(value))
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#43;", "+")
        .replace("&amp;", "&")
}
