//! The mails the API sends, in the caller's transaction: those that carry a one-time token (the
//! token, its PKCE flow, the message and the sent-at stamp, written together) and the
//! notifications. Each goes to the send-email hook when that is on, else is rendered
//! ([`crate::mail::Mailer`]) into the mailbox and queued for SMTP.

use serde_json::Value;
use sqlx::SqliteConnection;

use super::Pkce;
use crate::{
    error::ApiResult,
    hooks::HookName,
    mail::{self, Details, Message, Notification, Rendered, Template},
    smtp::Outgoing,
    state::AppState,
    store::{self, User},
};

/// What a token mail is for; decides its template, token type, PKCE flow and sent-at column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Purpose {
    /// Confirm a new address.
    Confirmation,
    /// Sign in with a link or code.
    MagicLink,
    /// Reset the password.
    Recovery,
    /// Confirm an email change, at the new address.
    EmailChangeNew,
    /// Confirm an email change, at the current address.
    EmailChangeCurrent,
    /// A code authorising a password change.
    Reauthentication,
    /// An administrator's invitation.
    Invite,
}

impl Purpose {
    fn template(self) -> Template {
        match self {
            Self::Confirmation => Template::Confirmation,
            Self::MagicLink => Template::MagicLink,
            Self::Recovery => Template::Recovery,
            Self::EmailChangeNew | Self::EmailChangeCurrent => Template::EmailChange,
            Self::Reauthentication => Template::Reauthentication,
            Self::Invite => Template::Invite,
        }
    }

    /// The `one_time_tokens.token_type`; magic links and recovery share one, as upstream.
    fn token_type(self) -> &'static str {
        match self {
            Self::Confirmation | Self::Invite => "confirmation_token",
            Self::MagicLink | Self::Recovery => "recovery_token",
            Self::EmailChangeNew => "email_change_token_new",
            Self::EmailChangeCurrent => "email_change_token_current",
            Self::Reauthentication => "reauthentication_token",
        }
    }

    /// The `flow_state.authentication_method` of a PKCE flow started by this mail.
    fn flow_method(self) -> &'static str {
        match self {
            Self::Confirmation => "email/signup",
            Self::MagicLink | Self::Reauthentication => "magiclink",
            Self::Recovery => "recovery",
            Self::EmailChangeNew | Self::EmailChangeCurrent => "email_change",
            Self::Invite => "invite",
        }
    }

    /// The "sent at" time a mail of this kind sets, for the frequency limit.
    fn sent(self) -> store::Sent {
        match self {
            Self::Confirmation => store::Sent::Confirmation,
            Self::MagicLink | Self::Recovery => store::Sent::Recovery,
            Self::EmailChangeNew | Self::EmailChangeCurrent => store::Sent::EmailChange,
            Self::Reauthentication => store::Sent::Reauthentication,
            Self::Invite => store::Sent::Invite,
        }
    }
}

/// A token just issued: the code the mail shows and the hash its link carries.
pub(super) struct Issued {
    code: String,
    token_hash: String,
}

/// Issues the token, records the PKCE flow, stores the mail to `to` (or hands it to the
/// send-email hook) and stamps the sent time.
pub(super) async fn send(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    purpose: Purpose,
    to: &str,
    pkce: Option<&Pkce>,
    redirect_to: &str,
) -> ApiResult<()> {
    let issued = issue(state, tx, user, purpose, to, pkce).await?;
    if state.hooks.enabled(HookName::SendEmail) {
        let data = issued.hook_data(state, purpose.template(), redirect_to);
        send_by_hook(tx, state, user, data).await?;
    } else {
        let message = Message {
            template: purpose.template(),
            to,
            code: &issued.code,
            token_hash: &issued.token_hash,
            redirect_to,
        };
        let rendered = state.mailer.token_mail(&state.config, user, &message)?;
        deliver(tx, state, to, rendered).await?;
    }
    store::stamp_sent(&mut *tx, &user.id, purpose.sent()).await?;
    Ok(())
}

/// Counts the mail, records the PKCE flow and issues the token for `purpose`, sent to `to`.
pub(super) async fn issue(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    purpose: Purpose,
    to: &str,
    pkce: Option<&Pkce>,
) -> ApiResult<Issued> {
    state.rate_limit.count_mail()?;
    if let Some(pkce) = pkce {
        let method = purpose.flow_method();
        store::insert_flow_state(tx, Some(&user.id), method, &pkce.challenge, pkce.method).await?;
    }
    let (code, token_hash) =
        store::issue_one_time_token(tx, &user.id, purpose.token_type(), to, pkce.is_some()).await?;
    Ok(Issued { code, token_hash })
}

/// The confirmation mails of an email change through the send-email hook: one call with both
/// tokens, as upstream makes it. Its fields follow upstream exactly, mismatch included: with
/// double confirmation `token` is the current address's code and `token_hash` the new
/// address's hash (`token_new` and `token_hash_new` the other two); without it, `token` and
/// `token_hash` are the new address's.
pub(super) async fn send_email_change_by_hook(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    new: &Issued,
    current: Option<&Issued>,
    redirect_to: &str,
) -> ApiResult<()> {
    let data = match current {
        Some(current) => {
            let mut data = current.hook_data(state, Template::EmailChange, redirect_to);
            data["token_hash"] = new.token_hash.clone().into();
            data["token_new"] = new.code.clone().into();
            data["token_hash_new"] = current.token_hash.clone().into();
            data
        }
        None => new.hook_data(state, Template::EmailChange, redirect_to),
    };
    send_by_hook(tx, state, user, data).await?;
    store::stamp_sent(&mut *tx, &user.id, store::Sent::EmailChange).await?;
    Ok(())
}

impl Issued {
    /// The send-email hook's `email_data` for this token's mail of `template`.
    fn hook_data(&self, state: &AppState, template: Template, redirect_to: &str) -> Value {
        let token = Some((self.code.as_str(), self.token_hash.as_str()));
        let details = Details::default();
        mail::hook_data(
            &state.config,
            template.verify_type(),
            token,
            redirect_to,
            &details,
        )
    }
}

/// Sends `notification` about `user` when the project sends it: through the send-email hook when
/// that is on, else rendered to the mailbox. `to` is the recipient (the old address of an email
/// change); nothing is sent to a user without an address.
pub(super) async fn notify(
    tx: &mut SqliteConnection,
    state: &AppState,
    user: &User,
    notification: Notification,
    to: Option<&str>,
    details: Details,
) -> ApiResult<()> {
    if !state.mailer.notifies(notification) {
        return Ok(());
    }
    let Some(to) = to.or(user.email.as_deref()).filter(|to| !to.is_empty()) else {
        return Ok(());
    };
    if state.hooks.enabled(HookName::SendEmail) {
        let action = notification.action_type();
        let data = mail::hook_data(&state.config, &action, None, "", &details);
        return send_by_hook(tx, state, user, data).await;
    }
    match state
        .mailer
        .notification(&state.config, user, notification, to, details)
    {
        Some(rendered) => deliver(tx, state, to, rendered?).await,
        None => Ok(()),
    }
}

/// Hands one mail to the send-email hook instead of the mailbox: the user as `GET /user` shows
/// them, and `data` ([`mail::hook_data`]).
async fn send_by_hook(
    tx: &mut SqliteConnection,
    state: &AppState,
    user: &User,
    data: Value,
) -> ApiResult<()> {
    let user = store::user_json(tx, user).await?;
    state
        .hooks
        .run(
            HookName::SendEmail,
            serde_json::json!({ "user": user, "email_data": data }),
        )
        .await?;
    Ok(())
}

/// Stores a rendered mail for the mailbox and queues it for SMTP.
async fn deliver(
    tx: &mut SqliteConnection,
    state: &AppState,
    to: &str,
    mail: Rendered,
) -> ApiResult<()> {
    let id = uuid::Uuid::new_v4().to_string();
    let Rendered {
        subject,
        html,
        text,
    } = mail;
    store::insert_mail(tx, &id, store::Channel::Email, to, &subject, &html, &text).await?;
    if let Some(smtp) = &state.smtp {
        smtp.send(Outgoing {
            to,
            subject: &subject,
            text,
            html,
        });
    }
    Ok(())
}
