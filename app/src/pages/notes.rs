//! `/notes`: the signed-in user's notes, read and written as that user under Row Level Security
//! (see `crate::data` and `supabase/migrations/`). Listing, adding and deleting are rendered on
//! the server and posted as plain forms; editing a note in place is an island, since it is where
//! JavaScript helps.
//!
//! The queries name no user: the policies decide whose rows they see and change, from the claims
//! of the verified access token the transaction carries. A note id from another user therefore
//! finds nothing, exactly like an id that does not exist.

use http::StatusCode;
use leptos::{
    prelude::*,
    server_fn::{
        ServerFn,
        error::{FromServerFnError, ServerFnErrorErr},
    },
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::AuthError,
    components::FormError,
    failure::{Failure, FailureEncoding},
};

/// The longest note, in characters (the table's check says the same).
pub const MAX_NOTE_CHARS: usize = 2000;
/// The most notes one user may keep.
#[cfg(feature = "ssr")]
pub const MAX_NOTES_PER_USER: i32 = 1000;
/// The most notes the page lists.
#[cfg(feature = "ssr")]
const LISTED: i32 = 200;

/// A note as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// Its id.
    pub id: String,
    /// Its text.
    pub body: String,
    /// When it was written (UTC, to the minute).
    pub created: String,
    /// Whether it is the signed-in user's own (an administrator also reads everyone's).
    pub mine: bool,
}

/// What may go wrong with notes, in words a person understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum NoteError {
    /// The session is missing or owes its second factor.
    #[error(transparent)]
    Session(AuthError),
    /// The server has no `DATABASE_URL`.
    #[error(
        "Notes need a database, and none is configured. Run `cargo xtask dev`, which starts a \
         local PostgreSQL, or set DATABASE_URL to your Supabase project's connection string \
         (README: “Data under Row Level Security”)."
    )]
    NoDatabase,
    /// The database cannot be reached.
    #[error("The database is not reachable right now. Try again shortly.")]
    Unavailable,
    /// No such note among those this user may change (someone else's looks the same).
    #[error("That note does not exist.")]
    NotFound,
    /// Empty or too long.
    #[error("A note holds 1 to {MAX_NOTE_CHARS} characters.")]
    InvalidNote,
    /// The user keeps as many notes as allowed.
    #[error("You have as many notes as an account may keep. Delete some first.")]
    TooMany,
    /// A policy refused it.
    #[error("You may not change that.")]
    Denied,
    /// Anything else; the details are in the server log.
    #[error("Something went wrong. Try again.")]
    Unexpected,
}

impl Failure for NoteError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Session(error) => error.status(),
            Self::NoDatabase | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidNote | Self::TooMany => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Denied => StatusCode::FORBIDDEN,
            Self::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for NoteError {
    type Encoder = FailureEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Session(AuthError::from_server_fn_error(error))
    }
}

impl From<AuthError> for NoteError {
    fn from(error: AuthError) -> Self {
        Self::Session(error)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::data::DataError> for NoteError {
    fn from(error: crate::data::DataError) -> Self {
        use crate::data::DataError;

        match error {
            DataError::NotConfigured => Self::NoDatabase,
            DataError::Unavailable => Self::Unavailable,
            DataError::Denied => Self::Denied,
            DataError::Invalid => Self::InvalidNote,
            // Signed out, as anywhere the auth server says the user is gone.
            DataError::UnknownUser => Self::Session(AuthError::NotSignedIn),
            DataError::Unexpected => Self::Unexpected,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for NoteError {
    fn from(error: sqlx::Error) -> Self {
        crate::data::DataError::from(error).into()
    }
}

/// The notes the signed-in user may read, newest first.
#[server(endpoint = "notes/list")]
pub async fn list_notes() -> Result<Vec<NoteView>, NoteError> {
    let user = ssr::signed_in().await?;
    let (pool, me) = crate::data::database().as_user(Some(user.claims()))?;
    let rows = sqlx::query("select * from app.list_notes($1, $2, $3)")
        .bind(me.role)
        .bind(&me.claims)
        .bind(LISTED)
        .fetch_all(&pool)
        .await?;
    rows.iter()
        .map(ssr::note_view)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(NoteError::from)
}

/// One note the signed-in user may read; anything else (someone else's, a malformed id) is a
/// note that does not exist.
#[server(endpoint = "notes/get")]
pub async fn get_note(#[doc = "The note's id."] note_id: String) -> Result<NoteView, NoteError> {
    let user = ssr::signed_in().await?;
    let id = ssr::note_id(&note_id)?;
    let (pool, me) = crate::data::database().as_user(Some(user.claims()))?;
    let row = sqlx::query("select * from app.get_note($1, $2, $3)")
        .bind(me.role)
        .bind(&me.claims)
        .bind(id)
        .fetch_optional(&pool)
        .await?;
    Ok(ssr::note_view(&row.ok_or(NoteError::NotFound)?)?)
}

/// Adds a note of the signed-in user's, unless they keep [`MAX_NOTES_PER_USER`] already (exactly,
/// however many adds run at once: `app.add_note` counts and inserts under the user's lock).
#[server(endpoint = "notes/add")]
pub async fn add_note(#[doc = "The note's text."] body: String) -> Result<String, NoteError> {
    let user = ssr::signed_in().await?;
    let body = ssr::note_text(&body)?;
    let (pool, me) = crate::data::database().as_user(Some(user.claims()))?;
    let added: bool = sqlx::query_scalar("select app.add_note($1, $2, $3, $4)")
        .bind(me.role)
        .bind(&me.claims)
        .bind(body)
        .bind(MAX_NOTES_PER_USER)
        .fetch_one(&pool)
        .await?;
    if !added {
        return Err(NoteError::TooMany);
    }
    Ok(crate::auth::ssr::go_to(crate::routes::path::NOTES))
}

/// Changes the text of a note; answers the text as stored.
#[server(endpoint = "notes/edit")]
pub async fn edit_note(
    #[doc = "The note's id."] note_id: String,
    #[doc = "The note's text."] body: String,
) -> Result<String, NoteError> {
    let user = ssr::signed_in().await?;
    let body = ssr::note_text(&body)?;
    let id = ssr::note_id(&note_id)?;
    let (pool, me) = crate::data::database().as_user(Some(user.claims()))?;
    // `updated_at` follows by a trigger: the user may write the text and no other column.
    let stored: Option<String> =
        sqlx::query_scalar("select body from app.edit_note($1, $2, $3, $4)")
            .bind(me.role)
            .bind(&me.claims)
            .bind(id)
            .bind(body)
            .fetch_optional(&pool)
            .await?;
    stored.ok_or(NoteError::NotFound)
}

/// Deletes a note.
#[server(endpoint = "notes/delete")]
pub async fn delete_note(#[doc = "The note's id."] note_id: String) -> Result<String, NoteError> {
    let user = ssr::signed_in().await?;
    let id = ssr::note_id(&note_id)?;
    let (pool, me) = crate::data::database().as_user(Some(user.claims()))?;
    let deleted: bool = sqlx::query_scalar("select app.delete_note($1, $2, $3)")
        .bind(me.role)
        .bind(&me.claims)
        .bind(id)
        .fetch_one(&pool)
        .await?;
    if !deleted {
        return Err(NoteError::NotFound);
    }
    Ok(crate::auth::ssr::go_to(crate::routes::path::NOTES))
}

#[cfg(feature = "ssr")]
mod ssr {
    use supabase_ssr::axum::User;

    use super::{MAX_NOTE_CHARS, NoteError, NoteView};

    /// The signed-in user with a complete session.
    pub async fn signed_in() -> Result<User, NoteError> {
        Ok(crate::auth::ssr::require_full_session().await?)
    }

    /// The note's text, without NUL characters (which PostgreSQL cannot store in text) and
    /// trimmed, when it has 1 to [`MAX_NOTE_CHARS`] characters.
    pub fn note_text(body: &str) -> Result<String, NoteError> {
        let body: String = body.chars().filter(|c| *c != '\0').collect();
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
            return Err(NoteError::InvalidNote);
        }
        Ok(body.to_owned())
    }

    /// A note as the page shows it, from a row of `id`, `body`, `created` and `mine`.
    pub fn note_view(row: &sqlx::postgres::PgRow) -> Result<NoteView, sqlx::Error> {
        use sqlx::Row;

        Ok(NoteView {
            id: row.try_get("id")?,
            body: row.try_get("body")?,
            created: row.try_get("created")?,
            mine: row.try_get("mine")?,
        })
    }

    /// A note id; anything that is not one is a note that does not exist.
    pub fn note_id(id: &str) -> Result<uuid::Uuid, NoteError> {
        uuid::Uuid::parse_str(id).map_err(|_| NoteError::NotFound)
    }
}

/// The notes page.
#[component]
pub fn NotesPage() -> impl IntoView {
    let add = ServerAction::<AddNote>::new();
    let delete = ServerAction::<DeleteNote>::new();
    let notes = Suspend::new(async move {
        match list_notes().await {
            Ok(notes) => view! { <NoteList notes add delete /> }.into_any(),
            Err(error) => failure(&error),
        }
    });

    view! {
        <section class="card" aria-labelledby="notes-title">
            <h1 id="notes-title">"Notes"</h1>
            <p class="aside">
                "Stored in PostgreSQL and read as you: the database's row-level security policies, not the page, decide which notes you see."
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{notes}</Suspense>
        </section>
    }
}

/// One note on a page of its own (`/notes/:id`): the route table's example of a page with a
/// parameter, guarded by the server like any other.
#[component]
pub fn NotePage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let note = Suspend::new(async move {
        match get_note(id).await {
            Ok(note) => view! {
                <p data-testid="note-body" class="note-body">{note.body}</p>
                <p class="aside">{note.created}</p>
            }
            .into_any(),
            Err(error) => failure(&error),
        }
    });

    view! {
        <section class="card" aria-labelledby="note-title">
            <h1 id="note-title">"Note"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{note}</Suspense>
            <p><a href=crate::routes::path::NOTES>"All notes"</a></p>
        </section>
    }
}

/// Why the notes could not be shown, where they would be.
fn failure(error: &NoteError) -> AnyView {
    view! {
        <p class="form-error" role="alert" data-testid="notes-error">
            {error.to_string()}
        </p>
    }
    .into_any()
}

#[component]
fn NoteList(
    notes: Vec<NoteView>,
    add: ServerAction<AddNote>,
    delete: ServerAction<DeleteNote>,
) -> impl IntoView {
    let empty = notes.is_empty();
    view! {
        <ActionForm action=add attr:class="note-form">
            <label for="note-body">"New note"</label>
            <textarea id="note-body" name="body" rows="3" maxlength=MAX_NOTE_CHARS required></textarea>
            <button type="submit" class="button">"Add note"</button>
        </ActionForm>
        <FormError action=add />
        <FormError action=delete />
        <p hidden=!empty>"No notes yet."</p>
        <ul class="notes">
            {notes
                .into_iter()
                .map(|note| {
                    let id = note.id.clone();
                    view! {
                        <li data-testid="note">
                            <NoteText id=note.id.clone() body=note.body editable=note.mine />
                            <small class="aside">
                                <a href=crate::routes::note_path(&id)>{note.created}</a>
                                {(!note.mine).then_some(" · another user's note")}
                            </small>
                            // A plain form per note: `ActionForm` would render the same
                            // markup (this page is no island) at a cost per note.
                            {note
                                .mine
                                .then(|| {
                                    view! {
                                        <form action=DeleteNote::url() method="post" class="inline-form">
                                            <input type="hidden" name="note_id" value=id />
                                            <button type="submit" class="button secondary">"Delete"</button>
                                        </form>
                                    }
                                })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// A note's text, and where JavaScript runs, "Edit" to change it in place. The server renders
/// the text alone: the editor and its state exist only in the browser, once the island is live
/// (ten notes would otherwise build ten editors' signals on every page render for nothing).
#[island(lazy)]
fn NoteText(id: String, body: String, editable: bool) -> impl IntoView {
    let live = RwSignal::new(false);
    // Effects run only in the browser.
    Effect::new(move || live.set(true));
    move || {
        if live.get() {
            view! { <NoteEditor id=id.clone() body=body.clone() editable /> }.into_any()
        } else {
            view! { <p class="note-body">{body.clone()}</p> }.into_any()
        }
    }
}

/// The live note: its text and "Edit"; editing, a field whose "Save" stays disabled while the
/// server stores it, and an error beside it.
#[component]
fn NoteEditor(id: String, body: String, editable: bool) -> impl IntoView {
    let text = RwSignal::new(body);
    let draft = RwSignal::new(String::new());
    let editing = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    let field_id = move || format!("edit-{}", id.get_value());
    let save = move |_| {
        saving.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match edit_note(id.get_value(), draft.get_untracked()).await {
                Ok(stored) => {
                    text.set(stored);
                    editing.set(false);
                }
                Err(failed) => error.set(Some(failed.to_string())),
            }
            saving.set(false);
        });
    };
    let start = move |_| {
        draft.set(text.get_untracked());
        error.set(None);
        editing.set(true);
    };
    move || {
        if !editing.get() {
            return view! {
                <p class="note-body">{move || text.get()}</p>
                {editable
                    .then(|| {
                        view! {
                            <button type="button" class="button secondary" on:click=start>
                                "Edit"
                            </button>
                        }
                    })}
            }
            .into_any();
        }
        view! {
            <label class="visually-hidden" for=field_id>
                "Note text"
            </label>
            <textarea
                id=field_id
                rows="3"
                maxlength=MAX_NOTE_CHARS
                prop:value=move || draft.get()
                on:input=move |event| draft.set(event_target_value(&event))
            ></textarea>
            <div class="inline-form">
                <button
                    type="button"
                    class="button"
                    disabled=move || saving.get()
                    aria-busy=move || saving.get().to_string()
                    on:click=save
                >
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="button secondary" on:click=move |_| editing.set(false)>
                    "Cancel"
                </button>
            </div>
            {move || error.get().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
        }
            .into_any()
    }
}
