//! Sending mail by SMTP (lettre), beside the copy the mailbox keeps. Messages are queued and sent
//! by one background task, so a slow or failing SMTP server never holds up a request.

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::authentication::Credentials,
};
use tokio::sync::mpsc;

use crate::config::{SmtpConfig, SmtpTls};

/// How many messages may wait for the SMTP server before new ones are dropped (and logged).
const QUEUE: usize = 1024;

/// The queue to the SMTP sender.
#[derive(Clone, Debug)]
pub struct SmtpOutbox {
    queue: mpsc::Sender<Message>,
    from: Mailbox,
}

/// A message to send.
pub struct Outgoing<'a> {
    /// The recipient.
    pub to: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

impl SmtpOutbox {
    /// Starts the sender task for `config`; fails when the sender address is malformed.
    pub fn start(config: &SmtpConfig) -> Result<Self, String> {
        let from = Mailbox::new(
            config.sender_name.clone(),
            config
                .admin_email
                .parse()
                .map_err(|error| format!("SMTP sender `{}`: {error}", config.admin_email))?,
        );
        let transport = transport(config).map_err(|error| format!("SMTP: {error}"))?;
        let (queue, mut messages) = mpsc::channel::<Message>(QUEUE);
        tokio::spawn(async move {
            while let Some(message) = messages.recv().await {
                if let Err(error) = transport.send(message).await {
                    tracing::warn!("SMTP delivery failed: {error}");
                }
            }
        });
        Ok(Self { queue, from })
    }

    /// Queues a message; problems are logged, never returned, because the mailbox has the copy.
    pub fn send(&self, outgoing: Outgoing<'_>) {
        let to: Mailbox = match outgoing.to.parse() {
            Ok(to) => to,
            Err(error) => {
                tracing::warn!("not sending by SMTP to `{}`: {error}", outgoing.to);
                return;
            }
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(outgoing.subject)
            .multipart(MultiPart::alternative_plain_html(
                outgoing.text,
                outgoing.html,
            ));
        match message {
            Ok(message) => {
                if self.queue.try_send(message).is_err() {
                    tracing::warn!("SMTP queue full: a message was not sent");
                }
            }
            Err(error) => tracing::warn!("cannot build the message: {error}"),
        }
    }
}

fn transport(
    config: &SmtpConfig,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let builder = match config.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
    };
    let builder = builder.port(config.port);
    let builder = match (&config.user, &config.pass) {
        (Some(user), Some(pass)) => builder.credentials(Credentials::new(
            user.clone(),
            String::from_utf8_lossy(pass.expose()).into_owned(),
        )),
        _ => builder,
    };
    Ok(builder.build())
}
