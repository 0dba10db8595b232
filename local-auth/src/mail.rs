//! Outgoing mail: composed from Supabase's default templates and stored for the mailbox.

use sqlx::SqliteConnection;

use crate::{
    config::{Config, EmailLinks},
    smtp::Outgoing,
    state::AppState,
    store,
};

/// Which message to send.
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
    /// The `type` a link of this template verifies.
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

    fn subject(self) -> &'static str {
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
}

/// A message about to be sent.
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

/// The link in a message, per [`EmailLinks`].
pub fn link(config: &Config, message: &Message<'_>) -> String {
    let kind = message.template.verify_type();
    let query = |pairs: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    match config.email_links {
        EmailLinks::App => format!(
            "{}/auth/confirm?{}",
            config.site_url.as_str().trim_end_matches('/'),
            query(&[
                ("token_hash", message.token_hash),
                ("type", kind),
                ("next", message.redirect_to)
            ])
        ),
        EmailLinks::Verify => format!(
            "{}/verify?{}",
            config.issuer(),
            query(&[
                ("token", message.token_hash),
                ("type", kind),
                ("redirect_to", message.redirect_to)
            ])
        ),
    }
}

/// Stores the message for the mailbox, in the caller's transaction so that mail and token are
/// saved together, and queues it for SMTP when that is configured.
pub async fn send(
    db: &mut SqliteConnection,
    state: &AppState,
    message: Message<'_>,
) -> sqlx::Result<()> {
    let config = &state.config;
    let subject = message.template.subject();
    let action = message.template.action();
    let code = message.code;
    let (html, text) = if message.template == Template::Reauthentication {
        (
            format!("<h2>{subject}</h2>\n<p>{action} <code>{code}</code></p>\n"),
            format!("{subject}\n\n{action} {code}\n"),
        )
    } else {
        let link = link(config, &message);
        let escaped = link.replace('&', "&amp;").replace('"', "&quot;");
        (
            format!(
                "<h2>{subject}</h2>\n<p>{action}</p>\n<p><a href=\"{escaped}\">{subject}</a></p>\n\
                 <p>Alternatively, enter the code: <code>{code}</code></p>\n"
            ),
            format!("{subject}\n\n{action}\n{link}\n\nAlternatively, enter the code: {code}\n"),
        )
    };
    let id = uuid::Uuid::new_v4().to_string();
    store::insert_mail(
        db,
        &id,
        store::Channel::Email,
        message.to,
        subject,
        &html,
        &text,
    )
    .await?;
    if let Some(smtp) = &state.smtp {
        smtp.send(Outgoing {
            to: message.to,
            subject,
            text,
            html,
        });
    }
    Ok(())
}
