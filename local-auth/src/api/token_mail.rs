//! Mails that carry a one-time token: the token, its PKCE flow, the message and the sent-at stamp,
//! written together in the caller's transaction.

use sqlx::SqliteConnection;

use super::Pkce;
use crate::{
    error::ApiResult,
    mail::{self, Message, Template},
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

/// Issues the token, records the PKCE flow, stores the mail to `to` and stamps the sent time.
pub(super) async fn send(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    purpose: Purpose,
    to: &str,
    pkce: Option<&Pkce>,
    redirect_to: &str,
) -> ApiResult<()> {
    state.rate_limit.count_mail()?;
    if let Some(pkce) = pkce {
        let method = purpose.flow_method();
        store::insert_flow_state(tx, Some(&user.id), method, &pkce.challenge, pkce.method).await?;
    }
    let (code, token_hash) =
        store::issue_one_time_token(tx, &user.id, purpose.token_type(), to, pkce.is_some()).await?;
    let message = Message {
        template: purpose.template(),
        to,
        code: &code,
        token_hash: &token_hash,
        redirect_to,
    };
    mail::send(tx, state, message).await?;
    store::stamp_sent(&mut *tx, &user.id, purpose.sent()).await?;
    Ok(())
}
