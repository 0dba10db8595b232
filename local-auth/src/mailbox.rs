//! The development mailbox: every stored message (texts to phones too, tagged `sms`), as an HTML
//! page for people and as a Mailpit-compatible JSON subset for tests (`GET /api/v1/messages`,
//! `GET /api/v1/message/{id}`, `DELETE /api/v1/messages`), and the API's request counts at
//! `GET /metrics`.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{
    html::{escape, page, refreshing_page},
    state::AppState,
    store::{self, Mail},
};

/// The sender shown on every message.
const SENDER: &str = "admin@email.com";

impl Mail {
    fn summary(&self) -> Value {
        json!({
            "ID": self.id,
            "MessageID": self.id,
            "Read": false,
            "From": { "Name": "", "Address": SENDER },
            "To": [{ "Name": "", "Address": self.recipient }],
            "Cc": [], "Bcc": [], "ReplyTo": [],
            "Subject": self.subject,
            "Created": self.created_at,
            // Texts are tagged, so the mailbox shows (and tests can tell) what came by SMS.
            "Tags": if self.channel == "sms" { vec!["sms"] } else { Vec::new() },
            "Size": self.html.len() + self.text.len(),
            "Attachments": 0,
            "Snippet": self.text.lines().take(3).collect::<Vec<_>>().join(" "),
        })
    }
}

/// The mailbox routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/clear", post(clear))
        .route("/view/{id}", get(view))
        .route("/api/v1/messages", get(list).delete(delete_all))
        .route("/api/v1/message/{id}", get(message))
        .route("/metrics", get(crate::metrics::metrics))
        .with_state(state)
}

fn failure(error: sqlx::Error) -> Response {
    tracing::error!("mailbox query failed: {error}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn list(State(state): State<AppState>) -> Response {
    match store::all_mail(&state.db.read).await {
        Ok(mails) => Json(json!({
            "total": mails.len(),
            "unread": mails.len(),
            "count": mails.len(),
            "messages_count": mails.len(),
            "start": 0,
            "tags": [],
            "messages": mails.iter().map(Mail::summary).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(error) => failure(error),
    }
}

async fn message(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match store::mail_by_id(&state.db.read, &id).await {
        Ok(Some(mail)) => {
            let mut body = mail.summary();
            body["Date"] = json!(mail.created_at);
            body["Text"] = json!(mail.text);
            body["HTML"] = json!(mail.html);
            Json(body).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "message not found").into_response(),
        Err(error) => failure(error),
    }
}

async fn delete_all(State(state): State<AppState>) -> Response {
    match store::delete_all_mail(&state.db.write).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => failure(error),
    }
}

/// Seconds between two reloads of the mailbox page, so new mail shows without a click.
const REFRESH_SECONDS: u32 = 5;

async fn index(State(state): State<AppState>) -> Response {
    let mails = match store::all_mail(&state.db.read).await {
        Ok(mails) => mails,
        Err(error) => return failure(error),
    };
    let rows: String = mails
        .iter()
        .map(|mail| {
            format!(
                "<tr><td>{}{}</td><td><a href=\"/view/{}\">{}</a></td><td><time>{}</time></td></tr>",
                if mail.channel == "sms" {
                    "<span class=\"tag\">SMS</span>"
                } else {
                    ""
                },
                escape(&mail.recipient),
                escape(&mail.id),
                escape(&mail.subject),
                escape(&mail.created_at)
            )
        })
        .collect();
    let list = if mails.is_empty() {
        "<p>No mail yet. Sign up in the app and the confirmation lands here.</p>".to_owned()
    } else {
        format!(
            "<table><thead><tr><th>To</th><th>Subject</th><th>Received</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        )
    };
    let body = format!(
        "<div class=\"bar\"><h1>Mailbox</h1><form method=\"post\" action=\"/clear\">\
         <button type=\"submit\">Delete all mail</button></form></div>\
         <p class=\"aside\">Every mail and text local-auth sent, newest first; this page looks for new \
         ones every {REFRESH_SECONDS} seconds.</p>{list}"
    );
    refreshing_page("Mailbox", &body, REFRESH_SECONDS).into_response()
}

/// "Delete all mail": only from the mailbox page itself (the browser says the form is this
/// site's), so another site cannot empty it.
async fn clear(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let same_origin = match headers.get("sec-fetch-site") {
        Some(site) => site == "same-origin",
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|host| host.to_str().ok());
            let origin = headers
                .get(header::ORIGIN)
                .and_then(|origin| origin.to_str().ok());
            matches!((host, origin), (Some(host), Some(origin)) if origin.split_once("://").map(|(_, rest)| rest) == Some(host))
        }
    };
    if !same_origin {
        return (
            StatusCode::FORBIDDEN,
            "the mailbox is emptied from its own page",
        )
            .into_response();
    }
    match store::delete_all_mail(&state.db.write).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(error) => failure(error),
    }
}

async fn view(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match store::mail_by_id(&state.db.read, &id).await {
        // The stored HTML was composed by local-auth itself from escaped parts, so it is shown as is.
        Ok(Some(mail)) => page(
            &escape(&mail.subject),
            &format!(
                "<p><a href=\"/\">← Mailbox</a></p><p>To: {}<br>Subject: {}</p><article>{}</article>",
                escape(&mail.recipient),
                escape(&mail.subject),
                mail.html
            ),
        )
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "message not found").into_response(),
        Err(error) => failure(error),
    }
}
